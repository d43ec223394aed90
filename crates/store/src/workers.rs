//! Worker records through the workforce gate: paged lists, one worker,
//! creating and updating a record (a worker who leaves hands their members
//! to matching), and past versions.
//!
//! May import: `access`, `lists`, `matching` (for a departure), `rows` and
//! `writes`.

use crate::ids::new_id;
use accompany_domain::policy::{sees_worker_in_full, Action};
use accompany_domain::records::{Persona, Visibility, Worker, WorkerInput};
use accompany_domain::{FieldError, Invalid};

use crate::access::Access;
use crate::lists::{page_limit, Page, Sql};
use crate::rows::{self, date_text, to_json, VersionEntry, WorkerData, WORKER_COLUMNS};
use crate::writes::{insert_worker, record_version};
use crate::{now_text, Result, StoreError};

#[derive(Debug, Clone, Default)]
pub struct WorkerFilter {
    pub role_id: Option<String>,
    pub employer_id: Option<String>,
    pub after: Option<String>,
    pub limit: u32,
}

impl Access {
    /// Strip the statements a worker did not choose to show, unless the
    /// actor may see the worker in full.
    fn redact(&self, mut w: Worker) -> Worker {
        if !sees_worker_in_full(self.actor(), &w.employer_id, w.user_id.as_deref()) {
            w.statements.retain(|s| s.visibility == Visibility::Members);
        }
        w
    }

    pub async fn workers(&self, filter: &WorkerFilter) -> Result<Page<Worker>> {
        self.workforce(Action::Read, filter.employer_id.as_deref())?;
        let limit = page_limit(filter.limit);
        let mut sql = Sql::new(&format!("SELECT {WORKER_COLUMNS} FROM workers w WHERE 1 = 1"));
        if let Some(r) = &filter.role_id {
            sql.push(" AND w.role_id = ?", r.clone());
        }
        // An organization admin's lists hold only their own organization.
        let employer = match self.actor().persona {
            Persona::OrganizationAdmin => self.actor().organization_id.clone().or_else(|| Some(String::new())),
            _ => filter.employer_id.clone(),
        };
        if let Some(e) = employer {
            sql.push(" AND w.employer_id = ?", e);
        }
        if let Some(a) = &filter.after {
            sql.push(" AND w.id > ?", a.clone());
        }
        sql.text(&format!(" ORDER BY w.id LIMIT {}", limit + 1));
        let items =
            sql.query().fetch_all(&self.store.pool).await?.iter().map(|r| rows::worker(r).map(|w| self.redact(w))).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_one_extra(items, limit, |w| w.id.clone()))
    }

    pub async fn worker(&self, id: &str) -> Result<Worker> {
        self.workforce(Action::Read, None)?;
        let w = self.store.worker_row(id).await?.ok_or(StoreError::NotFound)?;
        if self.actor().persona == Persona::OrganizationAdmin && self.actor().organization_id.as_deref() != Some(&w.employer_id) {
            return Err(StoreError::NotFound);
        }
        Ok(self.redact(w))
    }

    pub async fn create_worker(&self, input: &WorkerInput, reason: &str) -> Result<Worker> {
        self.workforce(Action::Create, Some(input.employer_id.trim()))?;
        let worker = input.validate(new_id(), 1, self.store.catalog())?;
        self.check_worker_links(&worker).await?;
        let mut tx = self.store.begin().await?;
        insert_worker(&mut tx, &worker).await?;
        record_version(&mut tx, "worker", &worker.id, 1, &worker, Some(&self.actor().user_id), reason).await?;
        tx.commit().await?;
        Ok(worker)
    }

    pub async fn update_worker(&self, id: &str, input: &WorkerInput, expected_version: Option<i64>, reason: &str) -> Result<Worker> {
        let current = self.store.worker_row(id).await?.ok_or(StoreError::NotFound)?;
        self.workforce(Action::Update, Some(&current.employer_id))?;
        let worker = input.validate(id.to_string(), current.version + 1, self.store.catalog())?;
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(StoreError::Conflict { current: current.version });
        }
        // Moving a worker to another employer needs the right over that one too.
        self.workforce(Action::Update, Some(&worker.employer_id))?;
        self.check_worker_links(&worker).await?;
        let mut tx = self.store.begin().await?;
        let done = sqlx::query(
            "UPDATE workers SET given_name = $1, family_name = $2, role_id = $3, employer_id = $4, employment_start = $5, employment_end = $6, \
             city = $7, user_id = $8, supervisor_id = $9, data = $10, version = $11, updated_at = $12 WHERE id = $13 AND version = $14",
        )
        .bind(&worker.given_name)
        .bind(&worker.family_name)
        .bind(&worker.role_id)
        .bind(&worker.employer_id)
        .bind(date_text(worker.employment_start))
        .bind(worker.employment_end.map(date_text))
        .bind(&worker.city)
        .bind(&worker.user_id)
        .bind(&worker.supervisor_id)
        .bind(to_json(&WorkerData::of(&worker)))
        .bind(worker.version)
        .bind(now_text())
        .bind(id)
        .bind(current.version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict { current: current.version + 1 });
        }
        // Employment ends: the worker's members lose them as peer and wait for another.
        if worker.employment_end.is_some() && current.employment_end.is_none() {
            crate::matching::flag_departure(&mut tx, &worker).await?;
        }
        record_version(&mut tx, "worker", id, worker.version, &worker, Some(&self.actor().user_id), reason).await?;
        tx.commit().await?;
        Ok(worker)
    }

    async fn check_worker_links(&self, w: &Worker) -> Result<()> {
        let mut errs = Invalid::default();
        if self.store.organization_row(&w.employer_id).await?.is_none() {
            errs.push(FieldError::new("employer_id", "no-such-organization", "no such organization; give the id of the employer"));
        }
        if let Some(u) = &w.user_id {
            if self.store.user_by_id(u).await?.is_none() {
                errs.push(FieldError::new("user_id", "no-such-user", "no such user account"));
            }
        }
        if let Some(s) = &w.supervisor_id {
            if s == &w.id || self.store.worker_row(s).await?.is_none() {
                errs.push(FieldError::new("supervisor_id", "supervisor", "give the id of another worker who supervises this one"));
            }
        }
        errs.finish().map_err(Into::into)
    }

    /// Past versions hold everything the worker wrote, so only those who may
    /// see the worker in full may read them.
    pub async fn worker_history(&self, id: &str) -> Result<Vec<VersionEntry>> {
        self.workforce(Action::Read, None)?;
        let w = self.store.worker_row(id).await?.ok_or(StoreError::NotFound)?;
        if !sees_worker_in_full(self.actor(), &w.employer_id, w.user_id.as_deref()) {
            return Err(StoreError::Denied("only the worker, their organization's admin and state admins see past versions"));
        }
        self.store.versions("worker", id).await
    }
}
