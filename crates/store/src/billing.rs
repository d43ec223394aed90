//! A member's coverage and authorizations (label Billing): read by whoever
//! sees the member's billing information, recorded by the billing office
//! (the organization's admins) and state admins, authorizations requested
//! by the care coordinator too. Every access is decided by the policy and
//! audited. Also the facts pricing needs: coverage spans, approved
//! authorizations and what blocks a worker from billing a payer.

use std::collections::HashMap;

use accompany_domain::billing::AuthorizationStatus;
use accompany_domain::coverage::{
    AuthorizationDecision, AuthorizationKind, AuthorizationRecord, AuthorizationRequest, Coverage, CoverageInput, CoverageRow, ValidCoverage,
};
use accompany_domain::policy::{may_record_billing, may_request_authorization, Action, Decision};
use accompany_domain::privacy::{Categories, Category};
use accompany_domain::workforce::{billing_blocked_for, Credential};
use accompany_domain::{FieldError, Invalid};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use time::Date;

use crate::access::{Access, Checked, Seen};
use crate::ids::new_id;
use crate::rows::{date_text, stored_date};
use crate::writes::record_version;
use crate::{now_text, Result, Store, StoreError};

/// A member's coverage as one reader may have it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct CoverageList {
    /// Primary first, then by start date.
    pub coverage: Vec<Coverage>,
    /// The member's billing information is not shown to this reader.
    pub hidden: bool,
    pub can_record: bool,
}

/// A member's authorizations as one reader may have them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct AuthorizationList {
    /// Newest first.
    pub authorizations: Vec<AuthorizationRecord>,
    pub hidden: bool,
    pub can_request: bool,
    pub can_record: bool,
}

const COVERAGE_COLUMNS: &str = "id, member_id, payer_id, plan_name, subscriber_id, priority, start_date, end_date, initiating_visit, version";
const AUTH_COLUMNS: &str = "a.id, a.member_id, a.role_id, a.payer_id, a.number, a.kind, a.status, a.units, a.start_date, a.end_date, a.version, \
     (SELECT display_name FROM users WHERE id = a.requested_by) AS requested_name, (SELECT display_name FROM users WHERE id = a.recorded_by) AS recorded_name";

fn opt_date(r: &AnyRow, col: &str) -> Result<Option<Date>> {
    let v: Option<String> = r.try_get(col)?;
    v.as_deref().map(stored_date).transpose()
}

fn coverage_row(r: &AnyRow) -> Result<Coverage> {
    let start: String = r.try_get("start_date")?;
    Ok(Coverage {
        id: r.try_get("id")?,
        member_id: r.try_get("member_id")?,
        payer_id: r.try_get("payer_id")?,
        plan_name: r.try_get("plan_name")?,
        subscriber_id: r.try_get("subscriber_id")?,
        priority: u32::try_from(r.try_get::<i64, _>("priority")?).unwrap_or(1),
        start: stored_date(&start)?,
        end: opt_date(r, "end_date")?,
        initiating_visit: opt_date(r, "initiating_visit")?,
        version: r.try_get("version")?,
    })
}

fn authorization_row(r: &AnyRow) -> Result<AuthorizationRecord> {
    let kind: String = r.try_get("kind")?;
    let status: String = r.try_get("status")?;
    let start: String = r.try_get("start_date")?;
    let end: String = r.try_get("end_date")?;
    Ok(AuthorizationRecord {
        id: r.try_get("id")?,
        member_id: r.try_get("member_id")?,
        role_id: r.try_get("role_id")?,
        payer_id: r.try_get("payer_id")?,
        number: r.try_get("number")?,
        kind: AuthorizationKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("authorization kind {kind}")))?,
        status: AuthorizationStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("authorization status {status}")))?,
        units: u32::try_from(r.try_get::<i64, _>("units")?).unwrap_or(0),
        start: stored_date(&start)?,
        end: stored_date(&end)?,
        requested_by: r.try_get("requested_name")?,
        recorded_by: r.try_get("recorded_name")?,
        units_used: None,
        version: r.try_get("version")?,
    })
}

fn labels() -> Categories {
    Categories::of(&[Category::Demographics, Category::Billing])
}

async fn insert_coverage(tx: &mut sqlx::Transaction<'_, sqlx::Any>, member_id: &str, v: &ValidCoverage, by: Option<&str>) -> Result<Coverage> {
    let now = now_text();
    let c = Coverage {
        id: new_id(),
        member_id: member_id.to_string(),
        payer_id: v.payer_id.clone(),
        plan_name: v.plan_name.clone(),
        subscriber_id: v.subscriber_id.clone(),
        priority: v.priority,
        start: v.start,
        end: v.end,
        initiating_visit: v.initiating_visit,
        version: 1,
    };
    sqlx::query(
        "INSERT INTO coverage (id, member_id, payer_id, plan_name, subscriber_id, priority, start_date, end_date, initiating_visit, version, \
         created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11, $11)",
    )
    .bind(&c.id)
    .bind(&c.member_id)
    .bind(&c.payer_id)
    .bind(&c.plan_name)
    .bind(&c.subscriber_id)
    .bind(i64::from(c.priority))
    .bind(date_text(c.start))
    .bind(c.end.map(date_text))
    .bind(c.initiating_visit.map(date_text))
    .bind(by)
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    record_version(tx, "coverage", &c.id, 1, &c, by, "coverage recorded").await?;
    Ok(c)
}

impl Store {
    /// The member's coverage, primary first.
    pub(crate) async fn coverage_of(&self, member_id: &str) -> Result<Vec<Coverage>> {
        Ok(self.coverage_for(&[member_id.to_string()]).await?.remove(member_id).unwrap_or_default())
    }

    /// The member's authorizations, newest first.
    pub(crate) async fn authorizations_of(&self, member_id: &str) -> Result<Vec<AuthorizationRecord>> {
        Ok(self.authorizations_for(&[member_id.to_string()]).await?.remove(member_id).unwrap_or_default())
    }

    /// Credentials of the workers behind these accounts, by account (each
    /// account's first worker record), with the worker's role.
    pub(crate) async fn credentials_of_users(&self, user_ids: &[String]) -> Result<HashMap<String, (String, Vec<Credential>)>> {
        let rows = crate::rows::rows_for_ids(
            &self.pool,
            &format!("SELECT {} FROM workers w WHERE w.user_id IN ({{ids}}) ORDER BY w.created_at DESC", crate::rows::WORKER_COLUMNS),
            user_ids,
        )
        .await?;
        // Later rows win: ordered newest first, the first record of each account stays.
        let mut workers: HashMap<String, accompany_domain::records::Worker> = HashMap::new();
        for r in &rows {
            let w = crate::rows::worker(r)?;
            if let Some(u) = w.user_id.clone() {
                workers.insert(u, w);
            }
        }
        let ids: Vec<String> = workers.values().map(|w| w.id.clone()).collect();
        let mut creds = self.credentials_of(&ids).await?;
        Ok(workers.into_iter().map(|(u, w)| (u, (w.role_id.clone(), creds.remove(&w.id).unwrap_or_default()))).collect())
    }

    /// Coverage of these members, each's primary first.
    pub(crate) async fn coverage_for(&self, member_ids: &[String]) -> Result<HashMap<String, Vec<Coverage>>> {
        let sql = format!("SELECT {COVERAGE_COLUMNS} FROM coverage WHERE member_id IN ({{ids}}) ORDER BY member_id, priority, start_date, id");
        let mut out: HashMap<String, Vec<Coverage>> = HashMap::new();
        for r in &crate::rows::rows_for_ids(&self.pool, &sql, member_ids).await? {
            let c = coverage_row(r)?;
            out.entry(c.member_id.clone()).or_default().push(c);
        }
        Ok(out)
    }

    /// Authorizations of these members, each's newest first.
    pub(crate) async fn authorizations_for(&self, member_ids: &[String]) -> Result<HashMap<String, Vec<AuthorizationRecord>>> {
        let sql = format!("SELECT {AUTH_COLUMNS} FROM authorizations a WHERE a.member_id IN ({{ids}}) ORDER BY a.member_id, a.start_date DESC, a.created_at DESC, a.id");
        let mut out: HashMap<String, Vec<AuthorizationRecord>> = HashMap::new();
        for r in &crate::rows::rows_for_ids(&self.pool, &sql, member_ids).await? {
            let a = authorization_row(r)?;
            out.entry(a.member_id.clone()).or_default().push(a);
        }
        Ok(out)
    }

    /// What blocks the worker behind `user_id` from billing `payer` for
    /// `role_id` on `day`, from credentials loaded with [`Self::credentials_of_users`].
    pub(crate) fn blocked(
        &self,
        creds: &HashMap<String, (String, Vec<Credential>)>,
        user_id: &str,
        role_id: &str,
        payer: &str,
        day: Date,
    ) -> Option<(String, String)> {
        let role = self.catalog().role(role_id)?;
        let own = creds.get(user_id).map(|(_, c)| c.as_slice()).unwrap_or(&[]);
        billing_blocked_for(role, payer, own, day).map(|b| (b.requirement_id, b.reason))
    }

    /// Load coverage from a file's rows: every row is checked first, and
    /// nothing is written unless all are good. Errors name the line.
    pub async fn import_coverage(&self, rows: &[(usize, CoverageRow)]) -> Result<usize> {
        let mut errs = Invalid::default();
        let mut valid = Vec::new();
        for (line, row) in rows {
            let member: Option<String> = sqlx::query("SELECT id FROM members WHERE masshealth_id = $1")
                .bind(row.masshealth_id.trim())
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.try_get(0))
                .transpose()?;
            let Some(member_id) = member else {
                errs.push(FieldError::new(format!("line {line}: masshealth_id"), "no-such-member", "no member has this MassHealth ID"));
                continue;
            };
            match row.input().and_then(|i| i.validate(self.catalog())) {
                Ok(v) => valid.push((member_id, v)),
                Err(e) => {
                    for f in e.0 {
                        errs.push(FieldError { field: format!("line {line}: {}", f.field), ..f });
                    }
                }
            }
        }
        errs.finish()?;
        let mut tx = self.begin().await?;
        for (member_id, v) in &valid {
            insert_coverage(&mut tx, member_id, v, None).await?;
        }
        tx.commit().await?;
        Ok(valid.len())
    }
}

impl Access {
    async fn refuse_billing(&self, c: &Checked, action: &str, entity: &str, id: Option<&str>, member_id: &str, d: Decision) -> Result<()> {
        if let Decision::Deny(why) = d {
            self.audit_member(action, entity, id, Some(member_id), &d, Categories::NONE, Some(c.purpose)).await?;
            return Err(StoreError::Denied(why));
        }
        Ok(())
    }

    /// The member's coverage, when the reader sees their billing information.
    pub async fn coverage(&self, member_id: &str) -> Result<Seen<CoverageList>> {
        let c = self.checked_member_for(member_id, Action::Read, "coverage", None).await?;
        let hidden = !c.visible.contains(Category::Billing);
        let coverage = if hidden { vec![] } else { self.store.coverage_of(member_id).await? };
        let can_record = may_record_billing(self.actor(), &c.rel).is_permit();
        Ok(Seen::new(CoverageList { coverage, hidden, can_record }, &c))
    }

    /// The billing office records one of the member's plans.
    pub async fn add_coverage(&self, member_id: &str, input: &CoverageInput) -> Result<Coverage> {
        // The gate decides reading; the billing rule decides the write.
        let c = self.checked_member_for(member_id, Action::Read, "coverage", None).await?;
        self.refuse_billing(&c, "create", "coverage", None, member_id, may_record_billing(self.actor(), &c.rel)).await?;
        let v = input.validate(self.store.catalog())?;
        let mut tx = self.store.begin().await?;
        let coverage = insert_coverage(&mut tx, member_id, &v, Some(&self.actor().user_id)).await?;
        tx.commit().await?;
        self.audit_member("create", "coverage", Some(&coverage.id), Some(member_id), &Decision::Permit, labels(), Some(c.purpose)).await?;
        Ok(coverage)
    }

    /// The billing office ends a plan on its last day.
    pub async fn end_coverage(&self, member_id: &str, coverage_id: &str, end: &str) -> Result<Coverage> {
        let c = self.checked_member_for(member_id, Action::Read, "coverage", Some(coverage_id)).await?;
        self.refuse_billing(&c, "update", "coverage", Some(coverage_id), member_id, may_record_billing(self.actor(), &c.rel)).await?;
        let mut tx = self.store.begin().await?;
        let row = sqlx::query(&format!("SELECT {COVERAGE_COLUMNS} FROM coverage WHERE id = $1 AND member_id = $2"))
            .bind(coverage_id)
            .bind(member_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut current = coverage_row(&row)?;
        let Some(day) = accompany_domain::limits::parse_day(end) else {
            return Err(Invalid::one("end", "date-format", "must be a date written YYYY-MM-DD, from 1900 to 2200").into());
        };
        if current.end.is_some() {
            return Err(Invalid::one("end", "already-ended", "this coverage has already ended").into());
        }
        if day < current.start {
            return Err(Invalid::one("end", "end-before-start", "is before the start date").into());
        }
        current.end = Some(day);
        current.version += 1;
        sqlx::query("UPDATE coverage SET end_date = $1, version = $2, updated_at = $3 WHERE id = $4")
            .bind(date_text(day))
            .bind(current.version)
            .bind(now_text())
            .bind(coverage_id)
            .execute(&mut *tx)
            .await?;
        record_version(&mut tx, "coverage", coverage_id, current.version, &current, Some(&self.actor().user_id), "coverage ended").await?;
        tx.commit().await?;
        self.audit_member("update", "coverage", Some(coverage_id), Some(member_id), &Decision::Permit, labels(), Some(c.purpose)).await?;
        Ok(current)
    }

    /// The member's authorizations, when the reader sees billing information.
    pub async fn authorizations(&self, member_id: &str) -> Result<Seen<AuthorizationList>> {
        let c = self.checked_member_for(member_id, Action::Read, "authorization", None).await?;
        let hidden = !c.visible.contains(Category::Billing);
        let authorizations = if hidden {
            vec![]
        } else {
            self.with_units_used(member_id, c.member.date_of_birth, self.store.authorizations_of(member_id).await?).await?
        };
        let list = AuthorizationList {
            authorizations,
            hidden,
            can_request: may_request_authorization(self.actor(), &c.rel).is_permit(),
            can_record: may_record_billing(self.actor(), &c.rel).is_permit(),
        };
        Ok(Seen::new(list, &c))
    }

    /// The coordinator or the billing office asks a payer for units.
    pub async fn request_authorization(&self, member_id: &str, input: &AuthorizationRequest) -> Result<AuthorizationRecord> {
        let c = self.checked_member_for(member_id, Action::Read, "authorization", None).await?;
        self.refuse_billing(&c, "create", "authorization", None, member_id, may_request_authorization(self.actor(), &c.rel)).await?;
        let v = input.validate(self.store.catalog())?;
        let now = now_text();
        let id = new_id();
        let mut tx = self.store.begin().await?;
        sqlx::query(
            "INSERT INTO authorizations (id, member_id, role_id, payer_id, number, kind, status, units, start_date, end_date, requested_by, \
             recorded_by, version, created_at, updated_at) VALUES ($1, $2, $3, $4, NULL, $5, 'requested', $6, $7, $8, $9, NULL, 1, $10, $10)",
        )
        .bind(&id)
        .bind(member_id)
        .bind(&v.role_id)
        .bind(&v.payer_id)
        .bind(v.kind.as_str())
        .bind(i64::from(v.units))
        .bind(date_text(v.start))
        .bind(date_text(v.end))
        .bind(&self.actor().user_id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let record = self.authorization_in(&mut tx, member_id, &id).await?;
        record_version(&mut tx, "authorization", &id, 1, &record, Some(&self.actor().user_id), "authorization requested").await?;
        tx.commit().await?;
        self.audit_member("create", "authorization", Some(&id), Some(member_id), &Decision::Permit, labels(), Some(c.purpose)).await?;
        Ok(record)
    }

    async fn authorization_in(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>, member_id: &str, id: &str) -> Result<AuthorizationRecord> {
        let row = sqlx::query(&format!("SELECT {AUTH_COLUMNS} FROM authorizations a WHERE a.id = $1 AND a.member_id = $2"))
            .bind(id)
            .bind(member_id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        authorization_row(&row)
    }

    /// The billing office records the payer's answer to a request, or ends
    /// an approved authorization early.
    pub async fn decide_authorization(&self, member_id: &str, id: &str, input: &AuthorizationDecision) -> Result<AuthorizationRecord> {
        let c = self.checked_member_for(member_id, Action::Read, "authorization", Some(id)).await?;
        self.refuse_billing(&c, "update", "authorization", Some(id), member_id, may_record_billing(self.actor(), &c.rel)).await?;
        let mut tx = self.store.begin().await?;
        let current = self.authorization_in(&mut tx, member_id, id).await?;
        let v = input.validate(current.start)?;
        if !current.status.may_become(v.status) {
            return Err(Invalid::one(
                "status",
                "already-decided",
                format!("this authorization is {}; only a request is decided, and only an approved one expires", current.status.as_str()),
            )
            .into());
        }
        let version = current.version + 1;
        sqlx::query(
            "UPDATE authorizations SET status = $1, number = COALESCE($2, number), units = $3, end_date = $4, recorded_by = $5, version = $6, \
             updated_at = $7 WHERE id = $8 AND version = $9",
        )
        .bind(v.status.as_str())
        .bind(&v.number)
        .bind(i64::from(v.units.unwrap_or(current.units)))
        .bind(date_text(v.end.unwrap_or(current.end)))
        .bind(&self.actor().user_id)
        .bind(version)
        .bind(now_text())
        .bind(id)
        .bind(current.version)
        .execute(&mut *tx)
        .await?;
        let record = self.authorization_in(&mut tx, member_id, id).await?;
        record_version(&mut tx, "authorization", id, version, &record, Some(&self.actor().user_id), "authorization decided").await?;
        tx.commit().await?;
        self.audit_member("update", "authorization", Some(id), Some(member_id), &Decision::Permit, labels(), Some(c.purpose)).await?;
        Ok(record)
    }
}
