//! Turning rows into domain records and back. Lists and nested values live
//! in a JSON text column; everything a query filters on has its own column.

use accompany_domain::records::{format_date, parse_date, Demographics, Member, Organization, OrganizationKind, Statement, TimeOfDay, Worker};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{Result, Store, StoreError};

pub(crate) const MEMBER_COLUMNS: &str =
    "m.id, m.masshealth_id, m.medicare_id, m.given_name, m.family_name, m.date_of_birth, m.city, m.plan_id, m.data, m.version";
pub(crate) const WORKER_COLUMNS: &str = "w.id, w.given_name, w.family_name, w.role_id, w.employer_id, w.employment_start, w.employment_end, w.city, w.user_id, w.supervisor_id, w.data, w.version";
pub(crate) const ORGANIZATION_COLUMNS: &str = "o.id, o.name, o.kind, o.agency, o.city, o.version, o.npi, o.tax_id, o.taxonomy, o.billing_address";

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Serialize, Deserialize, Default)]
pub(crate) struct MemberData {
    pub phone: Option<String>,
    pub email: Option<String>,
    pub preferred_languages: Vec<String>,
    pub needs: Vec<String>,
    pub demographics: Demographics,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<accompany_domain::claim_data::PostalAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub administrative_sex: Option<accompany_domain::claim_data::AdministrativeSex>,
}

impl MemberData {
    pub fn of(m: &Member) -> MemberData {
        MemberData {
            phone: m.phone.clone(),
            email: m.email.clone(),
            preferred_languages: m.preferred_languages.clone(),
            needs: m.needs.clone(),
            demographics: m.demographics.clone(),
            address: m.address.clone(),
            administrative_sex: m.administrative_sex,
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Serialize, Deserialize, Default)]
pub(crate) struct WorkerData {
    pub languages: Vec<String>,
    pub availability: Vec<TimeOfDay>,
    pub statements: Vec<Statement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub npi: Option<String>,
}

impl WorkerData {
    pub fn of(w: &Worker) -> WorkerData {
        WorkerData { languages: w.languages.clone(), availability: w.availability.clone(), statements: w.statements.clone(), npi: w.npi.clone() }
    }
}

fn date(r: &AnyRow, col: &str) -> Result<time::Date> {
    let s: String = r.try_get(col)?;
    parse_date(&s).ok_or_else(|| StoreError::Corrupt(format!("{col} holds {s:?}, not a date")))
}

fn json<T: serde::de::DeserializeOwned>(r: &AnyRow) -> Result<T> {
    let s: String = r.try_get("data")?;
    serde_json::from_str(&s).map_err(|e| StoreError::Corrupt(format!("data column: {e}")))
}

pub(crate) fn member(r: &AnyRow) -> Result<Member> {
    let d: MemberData = json(r)?;
    Ok(Member {
        id: r.try_get("id")?,
        masshealth_id: r.try_get("masshealth_id")?,
        medicare_id: r.try_get("medicare_id")?,
        given_name: r.try_get("given_name")?,
        family_name: r.try_get("family_name")?,
        date_of_birth: date(r, "date_of_birth")?,
        phone: d.phone,
        email: d.email,
        city: r.try_get("city")?,
        preferred_languages: d.preferred_languages,
        needs: d.needs,
        demographics: d.demographics,
        plan_id: r.try_get("plan_id")?,
        version: r.try_get("version")?,
        address: d.address,
        administrative_sex: d.administrative_sex,
    })
}

pub(crate) fn worker(r: &AnyRow) -> Result<Worker> {
    let d: WorkerData = json(r)?;
    let end: Option<String> = r.try_get("employment_end")?;
    Ok(Worker {
        id: r.try_get("id")?,
        given_name: r.try_get("given_name")?,
        family_name: r.try_get("family_name")?,
        role_id: r.try_get("role_id")?,
        employer_id: r.try_get("employer_id")?,
        employment_start: date(r, "employment_start")?,
        employment_end: end.as_deref().and_then(parse_date),
        languages: d.languages,
        availability: d.availability,
        statements: d.statements,
        city: r.try_get("city")?,
        user_id: r.try_get("user_id")?,
        supervisor_id: r.try_get("supervisor_id")?,
        version: r.try_get("version")?,
        npi: d.npi,
    })
}

pub(crate) fn organization(r: &AnyRow) -> Result<Organization> {
    let kind: String = r.try_get("kind")?;
    Ok(Organization {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        kind: OrganizationKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("organization kind {kind}")))?,
        agency: r.try_get("agency")?,
        city: r.try_get("city")?,
        version: r.try_get("version")?,
        provider: provider_ids(r)?,
    })
}

fn provider_ids(r: &AnyRow) -> Result<accompany_domain::claim_data::ProviderIds> {
    let tax_id: Option<String> = r.try_get("tax_id")?;
    let address: Option<String> = r.try_get("billing_address")?;
    let billing_address =
        address.as_deref().map(|a| serde_json::from_str(a).map_err(|e| StoreError::Corrupt(format!("billing address: {e}")))).transpose()?;
    Ok(accompany_domain::claim_data::ProviderIds {
        npi: r.try_get("npi")?,
        tax_id: tax_id.as_deref().map(accompany_domain::claim_data::format_ein),
        taxonomy: r.try_get("taxonomy")?,
        billing_address,
    })
}

/// A stored care-team role, read back.
pub(crate) fn team_role(stored: &str) -> Result<accompany_domain::records::TeamRole> {
    accompany_domain::records::TeamRole::parse(stored).ok_or_else(|| crate::StoreError::Corrupt(format!("team role {stored}")))
}

pub(crate) fn date_text(d: time::Date) -> String {
    format_date(d)
}

pub(crate) fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "{}".to_string())
}

pub(crate) fn to_value<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// Binds a list of ids as `$n, $n+1, …` after `offset` other parameters.
pub(crate) fn placeholders(n: usize, offset: usize) -> String {
    (1..=n).map(|i| format!("${}", i + offset)).collect::<Vec<_>>().join(", ")
}

/// Rows of `sql` (whose one `IN ({ids})` takes the ids) for every id, 500 at a time.
pub(crate) async fn rows_for_ids(pool: &sqlx::AnyPool, sql: &str, ids: &[String]) -> Result<Vec<AnyRow>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let text = sql.replace("{ids}", &placeholders(chunk.len(), 0));
        let mut q = sqlx::query(&text);
        for id in chunk {
            q = q.bind(id);
        }
        out.extend(q.fetch_all(pool).await?);
    }
    Ok(out)
}

/// A date column written by [`date_text`].
pub(crate) fn stored_date(s: &str) -> Result<time::Date> {
    parse_date(s).ok_or_else(|| StoreError::Corrupt(format!("{s:?} is not a date")))
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VersionEntry {
    pub version: i64,
    pub changed_by: Option<String>,
    pub changed_at: String,
    pub reason: String,
    pub data: serde_json::Value,
}

impl Store {
    pub async fn organization_row(&self, id: &str) -> Result<Option<Organization>> {
        let row =
            sqlx::query(&format!("SELECT {ORGANIZATION_COLUMNS} FROM organizations o WHERE o.id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(organization).transpose()
    }

    pub(crate) async fn worker_row(&self, id: &str) -> Result<Option<Worker>> {
        let row = sqlx::query(&format!("SELECT {WORKER_COLUMNS} FROM workers w WHERE w.id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(worker).transpose()
    }

    pub(crate) async fn versions(&self, entity: &str, id: &str) -> Result<Vec<VersionEntry>> {
        let rows = sqlx::query(
            "SELECT v.version, u.username, v.changed_at, v.reason, v.data FROM record_versions v LEFT JOIN users u ON u.id = v.changed_by \
             WHERE v.entity = $1 AND v.entity_id = $2 ORDER BY v.version DESC",
        )
        .bind(entity)
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let data: String = r.try_get("data")?;
                Ok(VersionEntry {
                    version: r.try_get("version")?,
                    changed_by: r.try_get("username")?,
                    changed_at: r.try_get("changed_at")?,
                    reason: r.try_get("reason")?,
                    data: serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                })
            })
            .collect()
    }
}
