//! Low-level writers shared by the modules that change records: the
//! version history every change leaves, inserting members, workers,
//! organizations and team places, and the family-name search key. They run
//! inside the caller's transaction and ask no policy: callers go through
//! the gate first.
//!
//! May import: `rows` only.

use crate::ids::new_id;
use accompany_domain::records::{Member, Organization, TeamRole, Worker};
use serde::Serialize;
use sqlx::{Any, Transaction};

use crate::rows::{date_text, to_json, MemberData, WorkerData};
use crate::today_date as today;
use crate::{now_text, Result, StoreError};

/// The search key of a family name: lower case, so "McCarthy" is found by "mcc".
pub(crate) fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

pub(crate) async fn record_version<T: Serialize>(
    tx: &mut Transaction<'_, Any>,
    entity: &str,
    id: &str,
    version: i64,
    data: &T,
    changed_by: Option<&str>,
    reason: &str,
) -> Result<()> {
    let reason = if reason.trim().is_empty() { "no reason given" } else { reason.trim() };
    sqlx::query("INSERT INTO record_versions (entity, entity_id, version, data, changed_by, changed_at, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(entity)
        .bind(id)
        .bind(version)
        .bind(to_json(data))
        .bind(changed_by)
        .bind(now_text())
        .bind(reason)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(crate) async fn insert_member(tx: &mut Transaction<'_, Any>, m: &Member) -> Result<()> {
    let now = now_text();
    sqlx::query(
        "INSERT INTO members (id, masshealth_id, medicare_id, given_name, family_name, date_of_birth, primary_language, city, plan_id, data, version, created_at, updated_at, family_name_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&m.id)
    .bind(&m.masshealth_id)
    .bind(&m.medicare_id)
    .bind(&m.given_name)
    .bind(&m.family_name)
    .bind(date_text(m.date_of_birth))
    .bind(m.preferred_languages.first())
    .bind(&m.city)
    .bind(&m.plan_id)
    .bind(to_json(&MemberData::of(m)))
    .bind(m.version)
    .bind(&now)
    .bind(&now)
    .bind(name_key(&m.family_name))
    .execute(&mut **tx)
    .await
    .map_err(|e| StoreError::from_write(e, "masshealth_id"))?;
    Ok(())
}

pub(crate) async fn insert_worker(tx: &mut Transaction<'_, Any>, w: &Worker) -> Result<()> {
    let now = now_text();
    sqlx::query(
        "INSERT INTO workers (id, given_name, family_name, role_id, employer_id, employment_start, employment_end, city, user_id, supervisor_id, data, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&w.id)
    .bind(&w.given_name)
    .bind(&w.family_name)
    .bind(&w.role_id)
    .bind(&w.employer_id)
    .bind(date_text(w.employment_start))
    .bind(w.employment_end.map(date_text))
    .bind(&w.city)
    .bind(&w.user_id)
    .bind(&w.supervisor_id)
    .bind(to_json(&WorkerData::of(w)))
    .bind(w.version)
    .bind(&now)
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn insert_organization(tx: &mut Transaction<'_, Any>, o: &Organization) -> Result<()> {
    let now = now_text();
    sqlx::query(
        "INSERT INTO organizations (id, name, kind, agency, city, version, created_at, updated_at, npi, tax_id, taxonomy, billing_address) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&o.id)
    .bind(&o.name)
    .bind(o.kind.as_str())
    .bind(&o.agency)
    .bind(&o.city)
    .bind(o.version)
    .bind(&now)
    .bind(&now)
    .bind(&o.provider.npi)
    .bind(o.provider.tax_id.as_deref().and_then(accompany_domain::claim_data::parse_ein))
    .bind(&o.provider.taxonomy)
    .bind(o.provider.billing_address.as_ref().map(to_json))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Put a user on a member's team, and keep the change in the team's
/// history for the member to see. `changed_by` is None when the system
/// does it (a coordinator enrolling a new record).
pub(crate) async fn insert_team_member(
    tx: &mut Transaction<'_, Any>,
    member_id: &str,
    user_id: &str,
    role: TeamRole,
    changed_by: Option<&str>,
    change: &str,
) -> Result<()> {
    let now = now_text();
    sqlx::query("INSERT INTO team_members (id, member_id, user_id, team_role, since, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(new_id())
        .bind(member_id)
        .bind(user_id)
        .bind(role.as_str())
        .bind(date_text(today()))
        .bind(&now)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO team_changes (id, member_id, user_id, team_role, change, changed_by, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(new_id())
        .bind(member_id)
        .bind(user_id)
        .bind(role.as_str())
        .bind(change)
        .bind(changed_by)
        .bind(&now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
