//! Unmet demand: each batch's unmatched report is kept when the batch runs,
//! and network adequacy shows the last one for the reader's scope.

use accompany_domain::equity::{suppress_unmet, ShownUnmet};
use accompany_domain::matching::Assignment;
use serde::Serialize;
use sqlx::Row;

use crate::access::Access;
use crate::ids::new_id;
use crate::matching::WaitingList;
use crate::measures::Scope;
use crate::{now_text, Result, StoreError};

/// The last batch's unmatched report for a scope, as it may be shown.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct UnmetDemand {
    /// When the batch ran (RFC 3339), and whether its pairs were applied.
    pub run_at: String,
    pub applied: bool,
    #[serde(flatten)]
    pub shown: ShownUnmet,
}

impl Access {
    /// Keep the unmatched report of a batch just solved on `waiting`:
    /// program admins only, the ones who may run it. An organization admin's
    /// batch is kept for their organization. A departing peer's members are
    /// not the waiting list, so their batch is not kept.
    pub async fn keep_unmatched_report(&self, waiting: &WaitingList, a: &Assignment, applied: bool) -> Result<()> {
        self.batch_allowed()?;
        if waiting.departing.is_some() {
            return Ok(());
        }
        let gap = serde_json::to_string(&a.gap).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO batch_reports (id, run_at, run_by, organization_id, applied, waiting, served, gap) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new_id())
        .bind(now_text())
        .bind(&self.actor().username)
        .bind(self.batch_organization())
        .bind(i64::from(applied))
        .bind(i64::try_from(a.members).unwrap_or(i64::MAX))
        .bind(i64::try_from(a.served).unwrap_or(i64::MAX))
        .bind(gap)
        .execute(&self.store.pool)
        .await?;
        Ok(())
    }

    /// The last unmatched report for `scope`: the state's batches for the
    /// state, an organization's for it; none for a plan, whose members the
    /// report does not single out.
    pub(crate) async fn unmet_demand(&self, scope: &Scope) -> Result<Option<UnmetDemand>> {
        let organization = match scope {
            Scope::State => None,
            Scope::Organization(o) => Some(o.clone()),
            Scope::Plan(_) => return Ok(None),
        };
        let whose = if organization.is_some() { "organization_id = $1" } else { "organization_id IS NULL" };
        let sql = format!("SELECT run_at, applied, waiting, gap FROM batch_reports WHERE {whose} ORDER BY run_at DESC, id DESC LIMIT 1");
        let mut q = sqlx::query(&sql);
        if let Some(o) = &organization {
            q = q.bind(o);
        }
        let row = q.fetch_optional(&self.store.pool).await?;
        let Some(r) = row else { return Ok(None) };
        let gap: String = r.try_get("gap")?;
        let gap = serde_json::from_str(&gap).map_err(|e| StoreError::Corrupt(format!("a kept batch report does not read back: {e}")))?;
        let waiting: i64 = r.try_get("waiting")?;
        let applied: i64 = r.try_get("applied")?;
        Ok(Some(UnmetDemand {
            run_at: r.try_get("run_at")?,
            applied: applied != 0,
            shown: suppress_unmet(u64::try_from(waiting).unwrap_or(0), &gap),
        }))
    }
}
