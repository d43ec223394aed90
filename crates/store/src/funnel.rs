//! An organization's worker activity and referral funnel: a few GROUP BY
//! queries over indexed columns (no query per worker), handed to
//! `accompany_domain::funnel`, which puts every count through the
//! small-cell rule. Read by state admins and the organization's own admins
//! under the rule the outcome measures use; every answer, refusals
//! included, is audited as health-care operations.

use std::collections::HashMap;

use accompany_domain::activity::window_start;
use accompany_domain::funnel::{funnel, worker_activity, Journey, ShownStep, ShownWorker, WorkerCounts};
use accompany_domain::policy::{may_read_measures, Decision};
use accompany_domain::privacy::{Categories, Category, Purpose};
use accompany_domain::stats::Suppressed;
use accompany_domain::{FieldError, Invalid};
use sqlx::any::AnyRow;
use sqlx::Row;
use time::Date;

use crate::access::Access;
use crate::rows::{date_text, stored_date};
use crate::{Result, StoreError};

/// The audit log's name for a read of this page.
pub const ENTITY: &str = "organization-activity";

/// One active worker of the organization and their shown figures.
#[derive(Debug, Clone)]
pub struct WorkerActivity {
    pub worker_id: String,
    pub given_name: String,
    pub family_name: String,
    pub role_id: String,
    pub figures: ShownWorker,
}

/// An organization's activity as of a day, every count as it may be shown.
#[derive(Debug, Clone)]
pub struct OrganizationActivity {
    pub organization_id: String,
    pub organization_name: String,
    pub as_of: Date,
    /// The first day of the contacts' window (`as_of` is the last).
    pub window_from: Date,
    /// Active workers by family name.
    pub workers: Vec<WorkerActivity>,
    pub caseload_total: Suppressed<u64>,
    pub contacts_total: Suppressed<u64>,
    /// Referrals to the organization, step by step.
    pub funnel: Vec<ShownStep>,
}

/// The day of a stored date or timestamp, if there is one.
fn day(r: &AnyRow, column: &str) -> Result<Option<Date>> {
    r.try_get::<Option<String>, _>(column)?.map(|s| stored_date(&s.chars().take(10).collect::<String>())).transpose()
}

/// Workers employed on `$2` (a day), as a condition on `w`.
const ACTIVE: &str = "w.employer_id = $1 AND w.employment_start <= $2 AND (w.employment_end IS NULL OR w.employment_end > $2)";

impl Access {
    /// The worker activity and referral funnel of the organization `asked`
    /// (or, for an organization admin, their own) as of `today`. Refused,
    /// and audited, for anyone but a state admin or the organization's own
    /// admins; a state admin must name the organization.
    pub async fn organization_activity(&self, asked: Option<&str>, today: Date) -> Result<OrganizationActivity> {
        let organization_id = self.activity_gate(asked).await?;
        let name: Option<String> = sqlx::query("SELECT name FROM organizations WHERE id = $1")
            .bind(&organization_id)
            .fetch_optional(&self.store.pool)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        let Some(organization_name) = name else { return Err(StoreError::NotFound) };
        self.activity_audit(Some(&organization_id), &Decision::Permit).await?;

        let (workers, counts) = self.worker_counts(&organization_id, today).await?;
        let shown = worker_activity(&counts, today);
        let funnel = self.cached_funnel(&organization_id, today).await?;
        Ok(OrganizationActivity {
            organization_id,
            organization_name,
            as_of: today,
            window_from: window_start(today),
            workers: workers
                .into_iter()
                .zip(shown.workers)
                .map(|((worker_id, given_name, family_name, role_id), figures)| WorkerActivity {
                    worker_id,
                    given_name,
                    family_name,
                    role_id,
                    figures,
                })
                .collect(),
            caseload_total: shown.caseload_total,
            contacts_total: shown.contacts_total,
            funnel,
        })
    }

    /// The funnel reads every referral's journey (tens of thousands for a
    /// health plan), so it is kept like the reports: until a change marks a
    /// member stale (an enrolment, a peer, a contact, a referral of a
    /// member) and the recompute raises the generation, or the day turns. A
    /// request not yet tied to a member, or a change of status, changes the
    /// key: the count of the organization's referrals in each status.
    async fn cached_funnel(&self, organization_id: &str, today: Date) -> Result<Vec<ShownStep>> {
        self.refresh_measures(crate::measures::REFRESH_LIMIT).await?;
        let statuses =
            sqlx::query("SELECT status, CAST(COUNT(*) AS BIGINT) AS n FROM referrals WHERE organization_id = $1 GROUP BY status ORDER BY status")
                .bind(organization_id)
                .fetch_all(&self.store.pool)
                .await?
                .iter()
                .map(|r| Ok(format!("{}:{}", r.try_get::<String, _>("status")?, r.try_get::<i64, _>("n")?)))
                .collect::<Result<Vec<String>>>()?;
        let key = format!("organization-funnel|{organization_id}|{}", statuses.join(","));
        self.cached_report(key, today, async { Ok(funnel(&self.journeys(organization_id).await?)) }).await
    }

    /// The organization the reader may read: the rule of the outcome
    /// measures (state admins any, organization admins their own). A
    /// refusal is audited against the organization asked for.
    async fn activity_gate(&self, asked: Option<&str>) -> Result<String> {
        match may_read_measures(self.actor(), asked) {
            Ok(Some(organization)) => Ok(organization),
            Ok(None) => Err(StoreError::Invalid(Invalid(vec![FieldError::new("organization", "required", "choose an organization")]))),
            Err(decision) => {
                let about = asked.or(self.actor().organization_id.as_deref());
                self.activity_audit(about, &decision).await?;
                Err(match decision {
                    Decision::Deny(why) => StoreError::Denied(why),
                    Decision::Permit => StoreError::Denied("not allowed to read organization activity"),
                })
            }
        }
    }

    /// Counts of caseloads and contacts leave the care teams for operations.
    async fn activity_audit(&self, organization: Option<&str>, decision: &Decision) -> Result<()> {
        let labels = Categories::of(&[Category::CarePlan]);
        self.audit_member("report", ENTITY, organization, None, decision, labels, Some(Purpose::Operations)).await
    }

    /// The active workers (id, given and family name, role) and their counts, in the same order.
    async fn worker_counts(&self, organization: &str, today: Date) -> Result<(Vec<(String, String, String, String)>, Vec<WorkerCounts>)> {
        let workers = sqlx::query(&format!(
            "SELECT w.id, w.given_name, w.family_name, w.role_id FROM workers w WHERE {ACTIVE} ORDER BY w.family_name, w.given_name, w.id"
        ))
        .bind(organization)
        .bind(date_text(today))
        .fetch_all(&self.store.pool)
        .await?;
        let ids: Vec<String> = workers.iter().map(|r| r.try_get("id")).collect::<std::result::Result<_, _>>()?;
        let activity = self.store.activity_of(&ids, today).await?;
        let mut names = Vec::with_capacity(workers.len());
        let mut counts = Vec::with_capacity(workers.len());
        for (r, id) in workers.iter().zip(ids) {
            let a = activity.get(&id).copied().unwrap_or_default();
            counts.push(WorkerCounts { caseload: u64::from(a.members), recent_contacts: u64::from(a.contacts), last_contact: a.last_contact });
            names.push((id, r.try_get("given_name")?, r.try_get("family_name")?, r.try_get("role_id")?));
        }
        Ok((names, counts))
    }

    /// Every referral to the organization as its journey, identical
    /// journeys counted together: the days of the request and the member
    /// record, then, per member, the first peer and that peer's first note
    /// (one index-only seek per peer on contact_notes(member_id, author_id,
    /// contact_date)).
    async fn journeys(&self, organization: &str) -> Result<Vec<(Journey, u64)>> {
        let pool = &self.store.pool;
        let referrals = sqlx::query(
            "SELECT CAST(CASE WHEN r.status IN ('contacted', 'enrolled') THEN 1 ELSE 0 END AS BIGINT) AS contacted, \
             SUBSTR(r.first_arrived_at, 1, 10) AS requested_on, m.id AS member_id, SUBSTR(m.created_at, 1, 10) AS enrolled_on \
             FROM referrals r LEFT JOIN members m ON m.id = r.member_id WHERE r.organization_id = $1",
        )
        .bind(organization)
        .fetch_all(pool)
        .await?;
        let peers: HashMap<String, (Option<Date>, Option<Date>)> = sqlx::query(
            "SELECT r.member_id, MIN(p.since) AS matched_on, \
             MIN((SELECT MIN(c.contact_date) FROM contact_notes c WHERE c.member_id = p.member_id AND c.author_id = p.user_id)) AS first_contact_on \
             FROM referrals r JOIN team_members p ON p.member_id = r.member_id AND p.team_role = 'peer' \
             WHERE r.organization_id = $1 GROUP BY r.member_id",
        )
        .bind(organization)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("member_id")?, (day(r, "matched_on")?, day(r, "first_contact_on")?))))
        .collect::<Result<_>>()?;
        let mut journeys: HashMap<Journey, u64> = HashMap::new();
        for r in &referrals {
            let member: Option<String> = r.try_get("member_id")?;
            let (matched_on, first_contact_on) = member.and_then(|m| peers.get(&m).copied()).unwrap_or_default();
            let journey = Journey {
                contacted: r.try_get::<i64, _>("contacted")? == 1,
                requested_on: day(r, "requested_on")?,
                enrolled_on: day(r, "enrolled_on")?,
                matched_on,
                first_contact_on,
            };
            *journeys.entry(journey).or_default() += 1;
        }
        Ok(journeys.into_iter().collect())
    }
}
