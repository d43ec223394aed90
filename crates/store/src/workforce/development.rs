//! A worker's development through the gate: their own record, what a
//! supervisor or admin may see of them, supervisees, and recording
//! credentials, continuing education, enrolments and supervision.
//!
//! May import: `access`, `queries`, `tables`, `rows` and `writes`.

use std::collections::{HashMap, HashSet};

use crate::ids::new_id;
use accompany_domain::activity::{contact_goal, glance};
use accompany_domain::policy::{may_record_supervision, sees_worker_development, sees_worker_in_full, Action};
use accompany_domain::records::{Persona, Worker};
use accompany_domain::workforce::{
    self, CeEntry, CeInput, Credential, CredentialInput, Enrolment, EnrolmentInput, EnrolmentStatus, Position, SessionInput, Snapshot,
    SupervisionSession, WorkerFacts,
};
use accompany_domain::Invalid;

use super::tables::{
    ce_row, enrolment_row, fact_row, insert_ce, insert_credential, insert_enrolment, insert_session, position_row, session_row, FACT_COLUMNS,
    POSITION_COLUMNS,
};
use super::{CredentialView, SuperviseeRow, SupervisorView, WorkerDevelopment};
use crate::access::Access;
use crate::today_date as today;
use crate::writes::record_version;
use crate::{Result, StoreError};

impl Access {
    /// The signed-in person's own worker record, if they have one.
    pub async fn my_worker(&self) -> Result<Option<Worker>> {
        self.store().worker_of_user(&self.actor().user_id).await
    }

    /// Load a worker and check that the actor may see their development.
    pub(super) async fn development_worker(&self, worker_id: &str) -> Result<(Worker, Option<Worker>)> {
        if self.actor().persona == Persona::Member {
            return Err(StoreError::Denied("members see workers through the pages made for choosing a peer"));
        }
        let w = self.store().worker_row(worker_id).await?.ok_or(StoreError::NotFound)?;
        let supervisor = match &w.supervisor_id {
            Some(s) => self.store().worker_row(s).await?,
            None => None,
        };
        let sup_user = supervisor.as_ref().and_then(|s| s.user_id.as_deref());
        if !sees_worker_development(self.actor(), &w.employer_id, w.user_id.as_deref(), sup_user) {
            return Err(StoreError::NotFound);
        }
        Ok((w, supervisor))
    }

    /// One worker's credentials, eligibility, continuing education, training,
    /// supervision and problems.
    pub async fn worker_development(&self, worker_id: &str) -> Result<WorkerDevelopment> {
        let (w, supervisor) = self.development_worker(worker_id).await?;
        let store = self.store();
        let catalog = store.catalog();
        let today = today();
        let pool = &store.pool;
        let mut ids = vec![w.id.clone()];
        ids.extend(supervisor.as_ref().map(|s| s.id.clone()));
        let creds = store.credentials_of(&ids).await?;
        let own = creds.get(&w.id).cloned().unwrap_or_default();
        let role = catalog.role(&w.role_id);
        let ce_entries = sqlx::query(
            "SELECT id, worker_id, title, tenths, completed_on, program_id FROM ce_entries WHERE worker_id = $1 ORDER BY completed_on DESC, id",
        )
        .bind(&w.id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(ce_row)
        .collect::<Result<Vec<_>>>()?;
        let enrolments = sqlx::query(
            "SELECT id, worker_id, program_id, cohort, status, attended_tenths, exam, completed_on, certificate_id, version \
             FROM training_enrolments WHERE worker_id = $1 ORDER BY created_at DESC, id",
        )
        .bind(&w.id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(enrolment_row)
        .collect::<Result<Vec<_>>>()?;
        let sessions = sqlx::query(
            "SELECT id, worker_id, supervisor_id, held_on, minutes, format, topics, signature, supervisor_credentials \
             FROM supervision_sessions WHERE worker_id = $1 ORDER BY held_on DESC, created_at DESC LIMIT 100",
        )
        .bind(&w.id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(session_row)
        .collect::<Result<Vec<_>>>()?;
        let positions: Vec<Position> = sqlx::query(&format!("SELECT {POSITION_COLUMNS} FROM positions p WHERE p.worker_id = $1"))
            .bind(&w.id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(position_row)
            .collect::<Result<_>>()?;
        let mut facts = vec![WorkerFacts::of(&w)];
        facts.extend(supervisor.as_ref().map(WorkerFacts::of));
        let mut last_session = HashMap::new();
        if let Some(s) = sessions.first() {
            last_session.insert(w.id.clone(), s.held_on);
        }
        let position_ids: HashSet<String> = positions.iter().map(|p| p.id.clone()).collect();
        let snap = Snapshot { workers: facts, credentials: creds.clone(), last_session, positions };
        let problems = workforce::check(catalog, &snap, today)
            .into_iter()
            .filter(|p| p.worker_id.as_deref() == Some(w.id.as_str()) || p.position_id.as_ref().is_some_and(|x| position_ids.contains(x)))
            .filter(|p| p.kind != workforce::ComplianceKind::SinglePeerProgram)
            .collect();
        let supervisor = supervisor.map(|s| SupervisorView {
            qualification: role.map(|r| workforce::supervisor_qualifies(r, &s.role_id, creds.get(&s.id).map(Vec::as_slice).unwrap_or(&[]), today)),
            id: s.id,
            name: format!("{} {}", s.given_name, s.family_name),
            role_id: s.role_id,
        });
        Ok(WorkerDevelopment {
            eligibility: role.map(|r| workforce::eligibility(r, &own, today)),
            billing_block: role.and_then(|r| workforce::billing_blocked(r, &own, today)),
            ce_progress: workforce::ce_progress(catalog, &own, &ce_entries, today),
            cadence: role.and_then(|r| workforce::cadence(r, sessions.first().map(|s| s.held_on), w.employment_start, today)),
            credentials: own.into_iter().map(|c| CredentialView { expiry: workforce::expiry(c.expires_on, today), credential: c }).collect(),
            ce_entries,
            enrolments,
            sessions,
            supervisor,
            problems,
            worker: self.redact_worker(w),
        })
    }

    pub(super) fn redact_worker(&self, mut w: Worker) -> Worker {
        if !sees_worker_in_full(self.actor(), &w.employer_id, w.user_id.as_deref()) {
            w.statements.retain(|s| s.visibility == accompany_domain::records::Visibility::Members);
        }
        w
    }

    /// A supervisor's supervisees, with cadence, the supervisor's
    /// qualification for each one's role, and each one's problems.
    pub async fn supervisees(&self) -> Result<Vec<SuperviseeRow>> {
        let Some(me) = self.my_worker().await? else {
            return Ok(vec![]);
        };
        let store = self.store();
        let rows =
            sqlx::query(&format!("SELECT {FACT_COLUMNS} FROM workers w WHERE w.supervisor_id = $1 ORDER BY w.family_name, w.given_name, w.id"))
                .bind(&me.id)
                .fetch_all(&store.pool)
                .await?;
        let today = today();
        let mut workers: Vec<WorkerFacts> = rows.iter().map(fact_row).collect::<Result<Vec<_>>>()?.into_iter().filter(|w| w.active(today)).collect();
        let supervisee_ids: Vec<String> = workers.iter().map(|w| w.id.clone()).collect();
        workers.push(WorkerFacts::of(&me));
        let snap = store.snapshot_of(workers, vec![]).await?;
        let problems = workforce::check(store.catalog(), &snap, today);
        let own_creds = snap.credentials.get(&me.id).cloned().unwrap_or_default();
        // Counts drawn from the supervisees' caseloads: the supervisor may see
        // each caseload (`sees_worker_development`), and the read is recorded.
        let activity = store.activity_of(&supervisee_ids, today).await?;
        if !supervisee_ids.is_empty() {
            self.audit("read", "caseload-activity", Some(&me.id), &accompany_domain::policy::Decision::Permit).await?;
        }
        let no_activity_days = store.catalog().reporting.no_activity_days;
        Ok(snap
            .workers
            .iter()
            .filter(|w| supervisee_ids.contains(&w.id))
            .filter_map(|w| {
                let role = store.catalog().role(&w.role_id)?;
                let last = snap.last_session.get(&w.id).copied();
                Some(SuperviseeRow {
                    worker_id: w.id.clone(),
                    name: w.name.clone(),
                    role_id: w.role_id.clone(),
                    last_session: last,
                    cadence: workforce::cadence(role, last, w.employment_start, today),
                    qualification: workforce::supervisor_qualifies(role, &me.role_id, &own_creds, today),
                    problems: problems.iter().filter(|p| p.worker_id.as_deref() == Some(w.id.as_str())).cloned().collect(),
                    activity: glance(activity.get(&w.id).copied().unwrap_or_default(), contact_goal(role), today, no_activity_days),
                })
            })
            .collect())
    }

    /// Record a credential. Organization and state admins verify and keep credentials.
    pub async fn add_credential(&self, worker_id: &str, input: &CredentialInput, reason: &str) -> Result<Credential> {
        let w = self.store().worker_row(worker_id).await?.ok_or(StoreError::NotFound)?;
        self.decide(Action::Update, Some(&w.employer_id))?;
        let c = input.validate(new_id(), w.id.clone(), self.store().catalog(), today())?;
        let mut tx = self.store().begin().await?;
        insert_credential(&mut tx, &c).await?;
        record_version(&mut tx, "credential", &c.id, 1, &c, Some(&self.actor().user_id), reason).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// Record continuing-education hours: the worker themself or an admin.
    pub async fn add_ce_entry(&self, worker_id: &str, input: &CeInput, reason: &str) -> Result<CeEntry> {
        let w = self.store().worker_row(worker_id).await?.ok_or(StoreError::NotFound)?;
        if !sees_worker_in_full(self.actor(), &w.employer_id, w.user_id.as_deref()) {
            return Err(StoreError::Denied("the worker and their organization's admins record continuing education"));
        }
        let e = input.validate(new_id(), w.id.clone(), self.store().catalog(), today())?;
        let mut tx = self.store().begin().await?;
        insert_ce(&mut tx, &e).await?;
        record_version(&mut tx, "ce_entry", &e.id, 1, &e, Some(&self.actor().user_id), reason).await?;
        tx.commit().await?;
        Ok(e)
    }

    /// Enrol a worker in a program's cohort, or record attendance, exam and
    /// completion. A completion that earns a certificate issues it, and
    /// hours of trainings after certification count as continuing education.
    pub async fn add_enrolment(&self, worker_id: &str, input: &EnrolmentInput, reason: &str) -> Result<Enrolment> {
        let w = self.store().worker_row(worker_id).await?.ok_or(StoreError::NotFound)?;
        self.decide(Action::Update, Some(&w.employer_id))?;
        let catalog = self.store().catalog();
        let mut e = input.validate(new_id(), w.id.clone(), catalog, today())?;
        let by = Some(self.actor().user_id.as_str());
        let mut tx = self.store().begin().await?;
        if let (Some(kind), Some(done)) = (workforce::certificate_due(catalog, &e), e.completed_on) {
            let program = catalog.training_program(&e.program_id).map(|p| p.name.get("en").to_string()).unwrap_or_default();
            let c = Credential {
                id: new_id(),
                worker_id: w.id.clone(),
                kind,
                issuer: Some(program),
                issued_on: done,
                expires_on: None,
                evidence: Some(format!("training completion, cohort {}", e.cohort)),
                version: 1,
            };
            insert_credential(&mut tx, &c).await?;
            record_version(&mut tx, "credential", &c.id, 1, &c, by, "issued on completing a training").await?;
            e.certificate_id = Some(c.id.clone());
        }
        insert_enrolment(&mut tx, &e).await?;
        record_version(&mut tx, "enrolment", &e.id, 1, &e, by, reason).await?;
        if let Some(done) = e.completed_on.filter(|_| e.status == EnrolmentStatus::Completed && e.attended_tenths > 0) {
            if workforce::counts_as_ce(catalog, &e.program_id) {
                let title = catalog.training_program(&e.program_id).map(|p| p.name.get("en").to_string()).unwrap_or_default();
                let ce = CeEntry {
                    id: new_id(),
                    worker_id: w.id.clone(),
                    title,
                    tenths: e.attended_tenths,
                    completed_on: done,
                    program_id: Some(e.program_id.clone()),
                };
                insert_ce(&mut tx, &ce).await?;
                record_version(&mut tx, "ce_entry", &ce.id, 1, &ce, by, "hours of a completed training").await?;
            }
        }
        tx.commit().await?;
        Ok(e)
    }

    /// Record a supervision session for a worker. The supervisor signs; their
    /// current credentials are kept with the note.
    pub async fn record_session(&self, worker_id: &str, input: &SessionInput, reason: &str) -> Result<SupervisionSession> {
        let w = self.store().worker_row(worker_id).await?.ok_or(StoreError::NotFound)?;
        let assigned = match &w.supervisor_id {
            Some(s) => self.store().worker_row(s).await?,
            None => None,
        };
        let assigned_user = assigned.as_ref().and_then(|s| s.user_id.as_deref());
        if !may_record_supervision(self.actor(), &w.employer_id, assigned_user) {
            return Err(StoreError::Denied("the worker's supervisor and their organization's admins record supervision"));
        }
        // A supervisor signs as themself; an admin may name another supervisor.
        let requested = input.supervisor_id.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let supervisor = match (self.actor().persona, requested) {
            (Persona::Supervisor, _) | (_, None) => assigned,
            (_, Some(id)) => self.store().worker_row(id).await?,
        };
        let Some(supervisor) = supervisor.filter(|s| s.id != w.id) else {
            return Err(Invalid::one("supervisor_id", "supervisor", "give the id of the worker who supervised this session").into());
        };
        let mut session = input.validate(new_id(), w.id.clone(), supervisor.id.clone(), today())?;
        let held = self.store().credentials_of(std::slice::from_ref(&supervisor.id)).await?;
        session.supervisor_credentials = held
            .get(&supervisor.id)
            .map(|cs| cs.iter().filter(|c| workforce::expiry(c.expires_on, session.held_on).is_valid()).map(|c| c.kind.clone()).collect())
            .unwrap_or_default();
        let mut tx = self.store().begin().await?;
        insert_session(&mut tx, &session, Some(&self.actor().user_id)).await?;
        record_version(&mut tx, "supervision_session", &session.id, 1, &session, Some(&self.actor().user_id), reason).await?;
        tx.commit().await?;
        Ok(session)
    }
}
