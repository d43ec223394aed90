//! Continuity: the time members spend without a peer, and the members a
//! departing peer leaves (their coordinators are told).
//!
//! May import: `access`, `notifications` and `rows`.

use crate::ids::new_id;
use accompany_domain::matching::SourceKind;
use accompany_domain::policy::may_run_batch;
use accompany_domain::privacy::{Categories, Category};
use accompany_domain::records::{OrganizationKind, Worker};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::OffsetDateTime;

use super::{member_name, source_text, GapEntry};
use crate::access::Access;
use crate::notifications::in_app;
use crate::rows::{self, date_text};
use crate::{now_text, Result};

impl Access {
    /// Time members spent without a peer, open gaps first, then the latest
    /// closed ones; for program admins (an organization admin sees the
    /// members on their plan or left by their organization's peers).
    pub async fn peer_gaps(&self, limit: u32) -> Result<Vec<GapEntry>> {
        let decision = may_run_batch(self.actor());
        self.audit_member(
            "list",
            "peer-gaps",
            None,
            None,
            &decision,
            Categories::of(&[Category::Demographics]),
            Some(accompany_domain::privacy::Purpose::Operations),
        )
        .await?;
        self.batch_allowed()?;
        let mut sql = String::from(
            "SELECT g.member_id, g.reason, g.started_at, g.ended_at, m.given_name, m.family_name, w.given_name AS w_given, w.family_name AS w_family \
             FROM peer_gaps g JOIN members m ON m.id = g.member_id LEFT JOIN workers w ON w.id = g.worker_id",
        );
        let org = self.batch_organization();
        if org.is_some() {
            sql.push_str(" WHERE (g.organization_id = $1 OR m.plan_id = $1)");
        }
        sql.push_str(&format!(" ORDER BY CASE WHEN g.ended_at IS NULL THEN 0 ELSE 1 END, g.started_at LIMIT {}", limit.clamp(1, 1000)));
        let mut q = sqlx::query(&sql);
        if let Some(o) = &org {
            q = q.bind(o);
        }
        let now = OffsetDateTime::now_utc();
        q.fetch_all(&self.store.pool).await?.iter().map(|r| gap_entry(r, now)).collect()
    }
}

pub(super) fn gap_entry(r: &AnyRow, now: OffsetDateTime) -> Result<GapEntry> {
    let started_at: String = r.try_get("started_at")?;
    let ended_at: Option<String> = r.try_get("ended_at")?;
    let day = |s: &str| rows::stored_date(s.get(..10).unwrap_or(s));
    let start = day(&started_at)?;
    let end = match &ended_at {
        Some(e) => day(e)?,
        None => now.date(),
    };
    let w_given: Option<String> = r.try_get("w_given")?;
    let w_family: Option<String> = r.try_get("w_family")?;
    Ok(GapEntry {
        member_id: r.try_get("member_id")?,
        member_name: format!("{} {}", r.try_get::<String, _>("given_name")?, r.try_get::<String, _>("family_name")?),
        former_peer: w_given.map(|g| format!("{g} {}", w_family.unwrap_or_default())),
        reason: r.try_get("reason")?,
        started_at,
        ended_at,
        days: (end - start).whole_days().max(0),
    })
}

/// Open a member's time without a peer, unless one is open already.
pub(super) async fn open_gap(tx: &mut Transaction<'_, Any>, member_id: &str, peer: &AnyRow, reason: &str) -> Result<()> {
    let open: i64 = sqlx::query("SELECT COUNT(*) FROM peer_gaps WHERE member_id = $1 AND ended_at IS NULL")
        .bind(member_id)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
    if open > 0 {
        return Ok(());
    }
    let kind: Option<String> = peer.try_get("kind")?;
    let source = kind.as_deref().and_then(OrganizationKind::parse).map(SourceKind::of_organization).map(source_text);
    sqlx::query(
        "INSERT INTO peer_gaps (id, member_id, worker_id, role_id, organization_id, source, reason, started_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id())
    .bind(member_id)
    .bind(peer.try_get::<Option<String>, _>("worker_id")?)
    .bind(peer.try_get::<Option<String>, _>("role_id")?)
    .bind(peer.try_get::<Option<String>, _>("employer_id")?)
    .bind(source)
    .bind(reason)
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A worker's employment ended: each member on their caseload loses them as
/// peer (from the end date), starts a time without a peer, and their care
/// coordinators are told. Runs inside the worker update's transaction.
pub(crate) async fn flag_departure(tx: &mut Transaction<'_, Any>, worker: &Worker) -> Result<usize> {
    let (Some(user_id), Some(end)) = (worker.user_id.as_deref(), worker.employment_end) else {
        return Ok(0);
    };
    let rows = sqlx::query(
        "SELECT tm.member_id, w.id AS worker_id, w.role_id, w.employer_id, o.kind FROM team_members tm \
         JOIN workers w ON w.id = $2 JOIN organizations o ON o.id = w.employer_id \
         WHERE tm.user_id = $1 AND tm.team_role = 'peer' AND tm.until IS NULL",
    )
    .bind(user_id)
    .bind(&worker.id)
    .fetch_all(&mut **tx)
    .await?;
    sqlx::query("UPDATE team_members SET until = $1 WHERE user_id = $2 AND team_role = 'peer' AND until IS NULL")
        .bind(date_text(end))
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    let peer = format!("{} {}", worker.given_name, worker.family_name);
    for r in &rows {
        let member: String = r.try_get("member_id")?;
        open_gap(tx, &member, r, "peer-left").await?;
        let name = member_name(tx, &member).await?;
        let coordinators: Vec<String> =
            sqlx::query("SELECT user_id FROM team_members WHERE member_id = $1 AND team_role = 'care-coordinator' AND until IS NULL")
                .bind(&member)
                .fetch_all(&mut **tx)
                .await?
                .iter()
                .map(|r| r.try_get(0))
                .collect::<Result<_, _>>()?;
        for c in coordinators {
            in_app(tx, &c, "notice-peer-left", &serde_json::json!({ "name": name, "peer": peer, "member_id": member })).await?;
        }
    }
    Ok(rows.len())
}
