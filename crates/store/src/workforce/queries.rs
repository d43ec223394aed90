//! Store-level reads behind the workforce reports: a worker by account,
//! credentials, last supervision, positions, snapshots and problems. No
//! policy here: the gated methods in `development` and `reports` call them.
//!
//! May import: `tables` and `rows`.

use std::collections::HashMap;

use accompany_domain::records::Worker;
use accompany_domain::workforce::{self, ComplianceProblem, Credential, Position, Snapshot, WorkerFacts};
use sqlx::Row;
use time::Date;

use super::tables::{credential_row, fact_row, opt_date_col, placeholders, position_row, CREDENTIAL_COLUMNS, FACT_COLUMNS, POSITION_COLUMNS};
use crate::rows::{self, WORKER_COLUMNS};
use crate::{Result, Store};

impl Store {
    /// The worker record of a signed-in account, if it has one.
    pub async fn worker_of_user(&self, user_id: &str) -> Result<Option<Worker>> {
        let row = sqlx::query(&format!("SELECT {WORKER_COLUMNS} FROM workers w WHERE w.user_id = $1 ORDER BY w.created_at LIMIT 1"))
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rows::worker).transpose()
    }

    /// Credentials of the given workers, by worker id.
    pub(crate) async fn credentials_of(&self, ids: &[String]) -> Result<HashMap<String, Vec<Credential>>> {
        let mut out: HashMap<String, Vec<Credential>> = HashMap::new();
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT {CREDENTIAL_COLUMNS} FROM credentials c WHERE c.worker_id IN ({}) ORDER BY c.issued_on, c.id",
                placeholders(chunk.len(), 0)
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id);
            }
            for r in q.fetch_all(&self.pool).await? {
                let c = credential_row(&r)?;
                out.entry(c.worker_id.clone()).or_default().push(c);
            }
        }
        Ok(out)
    }

    pub(super) async fn last_sessions_of(&self, ids: &[String]) -> Result<HashMap<String, Date>> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT worker_id, MAX(held_on) AS last FROM supervision_sessions WHERE worker_id IN ({}) GROUP BY worker_id",
                placeholders(chunk.len(), 0)
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id);
            }
            for r in q.fetch_all(&self.pool).await? {
                let id: String = r.try_get("worker_id")?;
                if let Some(d) = opt_date_col(&r, "last")? {
                    out.insert(id, d);
                }
            }
        }
        Ok(out)
    }

    pub(super) async fn positions_of(&self, organization_id: Option<&str>) -> Result<Vec<Position>> {
        let rows = match organization_id {
            Some(o) => {
                sqlx::query(&format!("SELECT {POSITION_COLUMNS} FROM positions p WHERE p.organization_id = $1 ORDER BY p.program, p.title, p.id"))
                    .bind(o)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query(&format!("SELECT {POSITION_COLUMNS} FROM positions p ORDER BY p.organization_id, p.program, p.title, p.id"))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(position_row).collect()
    }

    /// The facts the compliance check needs, for one organization or the
    /// whole state. An organization's snapshot also holds the supervisors
    /// its workers have elsewhere, so that their qualification is known.
    pub async fn workforce_snapshot(&self, organization_id: Option<&str>) -> Result<Snapshot> {
        let rows = match organization_id {
            Some(o) => {
                sqlx::query(&format!(
                    "SELECT {FACT_COLUMNS} FROM workers w WHERE w.employer_id = $1 \
                     OR w.id IN (SELECT x.supervisor_id FROM workers x WHERE x.employer_id = $2 AND x.supervisor_id IS NOT NULL) ORDER BY w.id"
                ))
                .bind(o)
                .bind(o)
                .fetch_all(&self.pool)
                .await?
            }
            None => sqlx::query(&format!("SELECT {FACT_COLUMNS} FROM workers w ORDER BY w.id")).fetch_all(&self.pool).await?,
        };
        let workers = rows.iter().map(fact_row).collect::<Result<Vec<_>>>()?;
        self.snapshot_of(workers, self.positions_of(organization_id).await?).await
    }

    pub(super) async fn snapshot_of(&self, workers: Vec<WorkerFacts>, positions: Vec<Position>) -> Result<Snapshot> {
        let ids: Vec<String> = workers.iter().map(|w| w.id.clone()).collect();
        // Whole-state snapshots read every row once rather than by id.
        let (credentials, last_session) = if ids.len() > 2_000 {
            (self.all_credentials().await?, self.all_last_sessions().await?)
        } else {
            (self.credentials_of(&ids).await?, self.last_sessions_of(&ids).await?)
        };
        Ok(Snapshot { workers, credentials, last_session, positions })
    }

    pub(super) async fn all_credentials(&self) -> Result<HashMap<String, Vec<Credential>>> {
        let mut out: HashMap<String, Vec<Credential>> = HashMap::new();
        for r in sqlx::query(&format!("SELECT {CREDENTIAL_COLUMNS} FROM credentials c ORDER BY c.issued_on, c.id")).fetch_all(&self.pool).await? {
            let c = credential_row(&r)?;
            out.entry(c.worker_id.clone()).or_default().push(c);
        }
        Ok(out)
    }

    pub(super) async fn all_last_sessions(&self) -> Result<HashMap<String, Date>> {
        let mut out = HashMap::new();
        for r in sqlx::query("SELECT worker_id, MAX(held_on) AS last FROM supervision_sessions GROUP BY worker_id").fetch_all(&self.pool).await? {
            let id: String = r.try_get("worker_id")?;
            if let Some(d) = opt_date_col(&r, "last")? {
                out.insert(id, d);
            }
        }
        Ok(out)
    }

    /// Every compliance problem, for the nightly check of the command line.
    pub async fn workforce_problems(&self, organization_id: Option<&str>, today: Date) -> Result<Vec<ComplianceProblem>> {
        let snap = self.workforce_snapshot(organization_id).await?;
        let mut problems = workforce::check(self.catalog(), &snap, today);
        if let Some(o) = organization_id {
            problems.retain(|p| p.organization_id == o);
        }
        Ok(problems)
    }

    /// Names of organizations, by id.
    pub async fn organization_names(&self) -> Result<HashMap<String, String>> {
        let rows = sqlx::query("SELECT id, name FROM organizations").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("name")?))).collect()
    }

    pub(super) async fn worker_names(&self, ids: &[String]) -> Result<HashMap<String, String>> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(500) {
            let sql = format!("SELECT id, given_name, family_name FROM workers WHERE id IN ({})", placeholders(chunk.len(), 0));
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id);
            }
            for r in q.fetch_all(&self.pool).await? {
                let g: String = r.try_get("given_name")?;
                let f: String = r.try_get("family_name")?;
                out.insert(r.try_get("id")?, format!("{g} {f}"));
            }
        }
        Ok(out)
    }
}
