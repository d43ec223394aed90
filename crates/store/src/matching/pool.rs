//! The peer pool: peer profiles and caseloads from the database, and the
//! matching facts of a worker (how they meet members and where from).
//!
//! May import: `access`, `rows` and `writes`.

use std::collections::HashMap;

use accompany_domain::matching::{PeerProfile, SourceKind, WorkerExtras};
use accompany_domain::policy::{Action, Decision};
use accompany_domain::records::OrganizationKind;
use sqlx::Row;

use super::{card, corrupt, lock_row, town_point, PeerCard, PeerPool, PoolFilter, WorkerMatching};
use crate::access::Access;
use crate::rows::{self, date_text, to_json, WORKER_COLUMNS};
use crate::today_date as today;
use crate::writes::record_version;
use crate::{now_text, Result, Store, StoreError};

/// Workers with a peer-worker account, with what matching needs of their
/// organization and matching facts.
fn pool_select() -> String {
    format!(
        "SELECT {WORKER_COLUMNS}, o.kind AS org_kind, o.name AS org_name, wm.data AS matching_data \
         FROM workers w JOIN users u ON u.id = w.user_id JOIN organizations o ON o.id = w.employer_id \
         LEFT JOIN worker_matching wm ON wm.worker_id = w.id \
         WHERE u.persona = 'peer-worker'"
    )
}

impl Store {
    /// Active peer memberships by peer account.
    pub(crate) async fn caseloads(&self) -> Result<HashMap<String, u32>> {
        let rows = sqlx::query("SELECT user_id, COUNT(*) AS n FROM team_members WHERE team_role = 'peer' AND until IS NULL GROUP BY user_id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((r.try_get::<String, _>("user_id")?, r.try_get::<i64, _>("n")?.max(0) as u32))).collect()
    }

    /// Peers who may take members: workers with a peer-worker account and
    /// employment that has not ended, with their caseload room. Workers
    /// whose facts do not fit the catalog are left out (and logged).
    pub async fn peer_pool(&self, filter: &PoolFilter) -> Result<PeerPool> {
        let mut sql = format!("{} AND (w.employment_end IS NULL OR w.employment_end > $1)", pool_select());
        let mut args = vec![date_text(today())];
        if let Some(e) = &filter.employer_id {
            args.push(e.clone());
            sql.push_str(&format!(" AND w.employer_id = ${}", args.len()));
        }
        if let Some(w) = &filter.worker_id {
            args.push(w.clone());
            sql.push_str(&format!(" AND w.id = ${}", args.len()));
        }
        sql.push_str(" ORDER BY w.id");
        let mut q = sqlx::query(&sql);
        for a in &args {
            q = q.bind(a);
        }
        let rows = q.fetch_all(&self.pool).await?;
        let caseloads = self.caseloads().await?;
        let mut pool = PeerPool { profiles: Vec::with_capacity(rows.len()), cards: Vec::with_capacity(rows.len()) };
        for r in &rows {
            if let Some((profile, card)) = self.pool_entry(r, &caseloads)? {
                pool.cards.push(card);
                pool.profiles.push(profile);
            }
        }
        // Ranking is fastest on peers in byte order of id; a database
        // collation may order ids otherwise.
        if !pool.profiles.windows(2).all(|w| w[0].worker_id() <= w[1].worker_id()) {
            let mut both: Vec<(PeerProfile, PeerCard)> = pool.profiles.into_iter().zip(pool.cards).collect();
            both.sort_by(|a, b| a.0.worker_id().cmp(b.0.worker_id()));
            (pool.profiles, pool.cards) = both.into_iter().unzip();
        }
        Ok(pool)
    }

    /// The profiles of these peer accounts as matching sees them (caseloads
    /// left at zero: for judging who a peer is, not whether they have room),
    /// by account id.
    pub async fn peer_profiles_of_users(&self, user_ids: &[String]) -> Result<HashMap<String, PeerProfile>> {
        let mut out = HashMap::new();
        let none = HashMap::new();
        for chunk in user_ids.chunks(400) {
            let sql = format!("{} AND w.user_id IN ({})", pool_select(), rows::placeholders(chunk.len(), 0));
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id);
            }
            for r in &q.fetch_all(&self.pool).await? {
                if let Some((profile, card)) = self.pool_entry(r, &none)? {
                    out.insert(card.user_id, profile);
                }
            }
        }
        Ok(out)
    }

    /// A row of `pool_select` as matching sees it; `None` (logged) when the
    /// worker's facts do not fit the catalog.
    fn pool_entry(&self, r: &sqlx::any::AnyRow, caseloads: &HashMap<String, u32>) -> Result<Option<(PeerProfile, PeerCard)>> {
        let worker = rows::worker(r)?;
        let kind: String = r.try_get("org_kind")?;
        let org_name: String = r.try_get("org_name")?;
        let matching: Option<String> = r.try_get("matching_data")?;
        let facts: WorkerMatching = match matching {
            Some(text) => serde_json::from_str(&text).map_err(|e| corrupt("worker_matching.data", e))?,
            None => WorkerMatching::default(),
        };
        let source = SourceKind::of_organization(OrganizationKind::parse(&kind).unwrap_or(OrganizationKind::Cbo));
        let user_id = worker.user_id.clone().unwrap_or_default();
        let extras = WorkerExtras {
            source,
            modalities: facts.modalities.clone(),
            location: facts.location.or_else(|| worker.city.as_deref().and_then(|c| town_point(&self.catalog, c))),
            current_caseload: caseloads.get(&user_id).copied().unwrap_or(0),
        };
        match PeerProfile::from_worker(&worker, &extras, &self.catalog) {
            Ok(profile) => {
                let card = card(&worker, &profile, user_id, org_name);
                Ok(Some((profile, card)))
            }
            Err(e) => {
                tracing::warn!(worker = %worker.id, error = %e, "worker left out of matching");
                Ok(None)
            }
        }
    }

    /// Make sure a worker has a matching row, so that choosing them can lock it.
    pub(super) async fn ensure_worker_matching(&self, worker_ids: &[String]) -> Result<()> {
        let now = now_text();
        let default = to_json(&WorkerMatching::default());
        for chunk in worker_ids.chunks(100) {
            let mut sql = String::from("INSERT INTO worker_matching (worker_id, data, version, updated_at) VALUES ");
            for i in 0..chunk.len() {
                let b = i * 3;
                sql.push_str(&format!("{}(${}, ${}, 1, ${})", if i == 0 { "" } else { ", " }, b + 1, b + 2, b + 3));
            }
            sql.push_str(" ON CONFLICT (worker_id) DO NOTHING");
            let mut q = sqlx::query(&sql);
            for w in chunk {
                q = q.bind(w).bind(&default).bind(&now);
            }
            q.execute(&self.pool).await?;
        }
        Ok(())
    }
}

impl Access {
    /// How a worker meets members and from where, with its version: read by
    /// whoever may change it.
    pub async fn worker_matching(&self, worker_id: &str) -> Result<(WorkerMatching, i64)> {
        let w = self.store.worker_row(worker_id).await?.ok_or(StoreError::NotFound)?;
        if let Decision::Deny(why) = accompany_domain::policy::decide_workforce(self.actor(), Action::Update, Some(&w.employer_id)) {
            return Err(StoreError::Denied(why));
        }
        self.store.ensure_worker_matching(&[worker_id.to_string()]).await?;
        let row = sqlx::query("SELECT data, version FROM worker_matching WHERE worker_id = $1").bind(worker_id).fetch_one(&self.store.pool).await?;
        let data: String = row.try_get(0)?;
        let facts = serde_json::from_str(&data).map_err(|e| corrupt("worker_matching.data", e))?;
        Ok((facts, row.try_get(1)?))
    }

    /// Set how a worker meets members and from where: workforce data, kept
    /// by the worker's organization admin or a state admin, from the version
    /// they read.
    pub async fn set_worker_matching(&self, worker_id: &str, facts: &WorkerMatching, expected_version: i64) -> Result<WorkerMatching> {
        let w = self.store.worker_row(worker_id).await?.ok_or(StoreError::NotFound)?;
        if let Decision::Deny(why) = accompany_domain::policy::decide_workforce(self.actor(), Action::Update, Some(&w.employer_id)) {
            return Err(StoreError::Denied(why));
        }
        let facts = facts.validate()?;
        self.store.ensure_worker_matching(&[worker_id.to_string()]).await?;
        let mut tx = self.store.begin().await?;
        // Taking the row's lock moves it to its next version.
        lock_row(&mut tx, "worker_matching", "worker_id", worker_id).await?;
        let version: i64 =
            sqlx::query("SELECT version FROM worker_matching WHERE worker_id = $1").bind(worker_id).fetch_one(&mut *tx).await?.try_get(0)?;
        if version != expected_version + 1 {
            drop(tx);
            return Err(StoreError::Conflict { current: version - 1 });
        }
        sqlx::query("UPDATE worker_matching SET data = $1, updated_at = $2 WHERE worker_id = $3")
            .bind(to_json(&facts))
            .bind(now_text())
            .bind(worker_id)
            .execute(&mut *tx)
            .await?;
        record_version(&mut tx, "worker-matching", worker_id, version, &facts, Some(&self.actor().user_id), "matching facts").await?;
        tx.commit().await?;
        Ok(facts)
    }
}
