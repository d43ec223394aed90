//! Workforce records: credentials, continuing education, training,
//! supervision notes and positions. Access is decided by the policy
//! (`decide_workforce`, `sees_worker_development`, `may_record_supervision`);
//! the rules themselves live in `accompany_domain::workforce`.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::ids::new_id;
use accompany_domain::policy::{decide_workforce, may_record_supervision, sees_worker_development, sees_worker_in_full, Action, Decision};
use accompany_domain::records::{parse_date, Persona, Worker};
use accompany_domain::workforce::{
    self, BillingBlock, Cadence, CeEntry, CeInput, CeProgress, Credential, CredentialInput, Eligibility, Enrolment, EnrolmentInput, EnrolmentStatus,
    ExamResult, Expiry, LonePeer, PayComparison, Picture, Position, PositionInput, Problem, ProgramSetting, Qualification, SessionFormat,
    SessionInput, Snapshot, SupervisionSession, Task, TaskFlag, WorkerFacts,
};
use accompany_domain::{FieldError, Invalid};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::Date;

use crate::access::{record_version, Access};
use crate::bulk::{Import, Val};
use crate::rows::{self, date_text, to_json, WORKER_COLUMNS};
use crate::today_date as today;
use crate::{now_text, Result, Store, StoreError};

/// Pay under this percentage of comparable roles is flagged.
pub const PAY_PARITY_PERCENT: i64 = 90;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CredentialView {
    #[serde(flatten)]
    pub credential: Credential,
    pub expiry: Expiry,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SupervisorView {
    pub id: String,
    pub name: String,
    pub role_id: String,
    pub qualification: Option<Qualification>,
}

/// Everything about one worker's development and compliance.
#[derive(Debug, Clone, Serialize)]
pub struct WorkerDevelopment {
    pub worker: Worker,
    pub eligibility: Option<Eligibility>,
    pub billing_block: Option<BillingBlock>,
    pub credentials: Vec<CredentialView>,
    pub ce_entries: Vec<CeEntry>,
    pub ce_progress: Vec<CeProgress>,
    pub enrolments: Vec<Enrolment>,
    pub sessions: Vec<SupervisionSession>,
    pub supervisor: Option<SupervisorView>,
    pub cadence: Option<Cadence>,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SuperviseeRow {
    pub worker_id: String,
    pub name: String,
    pub role_id: String,
    #[serde(with = "opt_date")]
    pub last_session: Option<Date>,
    pub cadence: Option<Cadence>,
    pub qualification: Qualification,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OrganizationCompliance {
    pub organization_id: String,
    pub name: String,
    pub counts: BTreeMap<String, usize>,
    pub total: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PositionView {
    #[serde(flatten)]
    pub position: Position,
    pub worker_name: Option<String>,
    pub flags: Vec<TaskFlag>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PositionReport {
    pub positions: Vec<PositionView>,
    pub single_peer_programs: Vec<LonePeer>,
    pub pay: Vec<PayComparison>,
}

mod opt_date {
    pub fn serialize<S: serde::Serializer>(d: &Option<time::Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&accompany_domain::records::format_date(*d)),
            None => s.serialize_none(),
        }
    }
}

const CREDENTIAL_COLUMNS: &str = "c.id, c.worker_id, c.kind, c.issuer, c.issued_on, c.expires_on, c.evidence, c.version";
const POSITION_COLUMNS: &str = "p.id, p.organization_id, p.title, p.role_id, p.program, p.setting, p.education, p.tasks, p.pay_min_cents, p.pay_max_cents, p.leadership, p.worker_id, p.version";
const FACT_COLUMNS: &str = "w.id, w.given_name, w.family_name, w.role_id, w.employer_id, w.employment_start, w.employment_end, w.supervisor_id";

fn date_col(r: &AnyRow, col: &str) -> Result<Date> {
    let s: String = r.try_get(col)?;
    parse_date(&s).ok_or_else(|| StoreError::Corrupt(format!("{col} holds {s:?}, not a date")))
}

fn opt_date_col(r: &AnyRow, col: &str) -> Result<Option<Date>> {
    let s: Option<String> = r.try_get(col)?;
    s.map(|s| parse_date(&s).ok_or_else(|| StoreError::Corrupt(format!("{col} holds {s:?}, not a date")))).transpose()
}

fn credential_row(r: &AnyRow) -> Result<Credential> {
    Ok(Credential {
        id: r.try_get("id")?,
        worker_id: r.try_get("worker_id")?,
        kind: r.try_get("kind")?,
        issuer: r.try_get("issuer")?,
        issued_on: date_col(r, "issued_on")?,
        expires_on: opt_date_col(r, "expires_on")?,
        evidence: r.try_get("evidence")?,
        version: r.try_get("version")?,
    })
}

fn position_row(r: &AnyRow) -> Result<Position> {
    let tasks: String = r.try_get("tasks")?;
    let setting: String = r.try_get("setting")?;
    let leadership: i64 = r.try_get("leadership")?;
    Ok(Position {
        id: r.try_get("id")?,
        organization_id: r.try_get("organization_id")?,
        title: r.try_get("title")?,
        role_id: r.try_get("role_id")?,
        program: r.try_get("program")?,
        setting: ProgramSetting::parse(&setting).ok_or_else(|| StoreError::Corrupt(format!("setting {setting}")))?,
        education: r.try_get("education")?,
        tasks: serde_json::from_str::<Vec<Task>>(&tasks).map_err(|e| StoreError::Corrupt(format!("tasks: {e}")))?,
        pay_min_cents: r.try_get("pay_min_cents")?,
        pay_max_cents: r.try_get("pay_max_cents")?,
        leadership: leadership != 0,
        worker_id: r.try_get("worker_id")?,
        version: r.try_get("version")?,
    })
}

fn fact_row(r: &AnyRow) -> Result<WorkerFacts> {
    let given: String = r.try_get("given_name")?;
    let family: String = r.try_get("family_name")?;
    Ok(WorkerFacts {
        id: r.try_get("id")?,
        name: format!("{given} {family}"),
        role_id: r.try_get("role_id")?,
        employer_id: r.try_get("employer_id")?,
        employment_start: date_col(r, "employment_start")?,
        employment_end: opt_date_col(r, "employment_end")?,
        supervisor_id: r.try_get("supervisor_id")?,
    })
}

fn session_row(r: &AnyRow) -> Result<SupervisionSession> {
    let format: String = r.try_get("format")?;
    let creds: String = r.try_get("supervisor_credentials")?;
    Ok(SupervisionSession {
        id: r.try_get("id")?,
        worker_id: r.try_get("worker_id")?,
        supervisor_id: r.try_get("supervisor_id")?,
        held_on: date_col(r, "held_on")?,
        minutes: r.try_get("minutes")?,
        format: SessionFormat::parse(&format).ok_or_else(|| StoreError::Corrupt(format!("format {format}")))?,
        topics: r.try_get("topics")?,
        signature: r.try_get("signature")?,
        supervisor_credentials: serde_json::from_str(&creds).unwrap_or_default(),
    })
}

fn enrolment_row(r: &AnyRow) -> Result<Enrolment> {
    let status: String = r.try_get("status")?;
    let exam: Option<String> = r.try_get("exam")?;
    Ok(Enrolment {
        id: r.try_get("id")?,
        worker_id: r.try_get("worker_id")?,
        program_id: r.try_get("program_id")?,
        cohort: r.try_get("cohort")?,
        status: EnrolmentStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("status {status}")))?,
        attended_tenths: r.try_get("attended_tenths")?,
        exam: exam.as_deref().and_then(ExamResult::parse),
        completed_on: opt_date_col(r, "completed_on")?,
        certificate_id: r.try_get("certificate_id")?,
        version: r.try_get("version")?,
    })
}

fn ce_row(r: &AnyRow) -> Result<CeEntry> {
    Ok(CeEntry {
        id: r.try_get("id")?,
        worker_id: r.try_get("worker_id")?,
        title: r.try_get("title")?,
        tenths: r.try_get("tenths")?,
        completed_on: date_col(r, "completed_on")?,
        program_id: r.try_get("program_id")?,
    })
}

/// Binds a list of ids as `$n, $n+1, …` after `offset` other parameters.
fn placeholders(n: usize, offset: usize) -> String {
    (1..=n).map(|i| format!("${}", i + offset)).collect::<Vec<_>>().join(", ")
}

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
    async fn credentials_of(&self, ids: &[String]) -> Result<HashMap<String, Vec<Credential>>> {
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

    async fn last_sessions_of(&self, ids: &[String]) -> Result<HashMap<String, Date>> {
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

    async fn positions_of(&self, organization_id: Option<&str>) -> Result<Vec<Position>> {
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

    async fn snapshot_of(&self, workers: Vec<WorkerFacts>, positions: Vec<Position>) -> Result<Snapshot> {
        let ids: Vec<String> = workers.iter().map(|w| w.id.clone()).collect();
        // Whole-state snapshots read every row once rather than by id.
        let (credentials, last_session) = if ids.len() > 2_000 {
            (self.all_credentials().await?, self.all_last_sessions().await?)
        } else {
            (self.credentials_of(&ids).await?, self.last_sessions_of(&ids).await?)
        };
        Ok(Snapshot { workers, credentials, last_session, positions })
    }

    async fn all_credentials(&self) -> Result<HashMap<String, Vec<Credential>>> {
        let mut out: HashMap<String, Vec<Credential>> = HashMap::new();
        for r in sqlx::query(&format!("SELECT {CREDENTIAL_COLUMNS} FROM credentials c ORDER BY c.issued_on, c.id")).fetch_all(&self.pool).await? {
            let c = credential_row(&r)?;
            out.entry(c.worker_id.clone()).or_default().push(c);
        }
        Ok(out)
    }

    async fn all_last_sessions(&self) -> Result<HashMap<String, Date>> {
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
    pub async fn workforce_problems(&self, organization_id: Option<&str>, today: Date) -> Result<Vec<Problem>> {
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

    async fn worker_names(&self, ids: &[String]) -> Result<HashMap<String, String>> {
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

impl Access {
    fn decide(&self, action: Action, org: Option<&str>) -> Result<()> {
        match decide_workforce(self.actor(), action, org) {
            Decision::Permit => Ok(()),
            Decision::Deny(why) => Err(StoreError::Denied(why)),
        }
    }

    /// The organization an actor's workforce views are limited to: None for
    /// a state admin (who may pick one), their own for everyone else.
    fn organization_scope(&self, requested: Option<&str>) -> Result<Option<String>> {
        match self.actor().persona {
            Persona::StateAdmin => Ok(requested.map(str::to_string)),
            Persona::Member => Err(StoreError::Denied("members see workers through the pages made for choosing a peer")),
            _ => match (&self.actor().organization_id, requested) {
                (Some(own), Some(r)) if r != own => Err(StoreError::Denied("you see only your own organization's workforce")),
                (Some(own), _) => Ok(Some(own.clone())),
                (None, _) => Err(StoreError::Denied("this account belongs to no organization")),
            },
        }
    }

    /// The signed-in person's own worker record, if they have one.
    pub async fn my_worker(&self) -> Result<Option<Worker>> {
        self.store().worker_of_user(&self.actor().user_id).await
    }

    /// Load a worker and check that the actor may see their development.
    async fn development_worker(&self, worker_id: &str) -> Result<(Worker, Option<Worker>)> {
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
            .filter(|p| p.kind != workforce::ProblemKind::SinglePeerProgram)
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

    fn redact_worker(&self, mut w: Worker) -> Worker {
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
                })
            })
            .collect())
    }

    /// Compliance problems the actor may see: a state admin's statewide or
    /// one organization's; an organization admin's own; a supervisor's
    /// supervisees'; a worker's own.
    pub async fn workforce_problems(&self, organization_id: Option<&str>) -> Result<Vec<Problem>> {
        match self.actor().persona {
            Persona::StateAdmin | Persona::OrganizationAdmin => {
                let org = self.organization_scope(organization_id)?;
                self.store().workforce_problems(org.as_deref(), today()).await
            }
            Persona::Supervisor => {
                let mut out: Vec<Problem> = self.supervisees().await?.into_iter().flat_map(|s| s.problems).collect();
                if let Some(me) = self.my_worker().await? {
                    out.extend(self.worker_development(&me.id).await?.problems);
                }
                out.sort_by(|a, b| (a.kind, &a.subject).cmp(&(b.kind, &b.subject)));
                Ok(out)
            }
            Persona::PeerWorker | Persona::CareCoordinator | Persona::Clinician => match self.my_worker().await? {
                Some(me) => Ok(self.worker_development(&me.id).await?.problems),
                None => Ok(vec![]),
            },
            Persona::Member => Err(StoreError::Denied("members see workers through the pages made for choosing a peer")),
            Persona::PrivacyOfficer => Err(StoreError::Denied("privacy officers review the audit trail, not workforce compliance")),
        }
    }

    /// Problems counted by organization and kind, for the statewide picture.
    pub async fn compliance_by_organization(&self) -> Result<Vec<OrganizationCompliance>> {
        let scope = self.organization_scope(None)?;
        if !matches!(self.actor().persona, Persona::StateAdmin | Persona::OrganizationAdmin) {
            return Err(StoreError::Denied("the compliance picture is for organization and state admins"));
        }
        let problems = self.store().workforce_problems(scope.as_deref(), today()).await?;
        let names = self.store().organization_names().await?;
        let mut by: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
        for p in &problems {
            *by.entry(p.organization_id.clone()).or_default().entry(p.kind.as_str().to_string()).or_default() += 1;
        }
        let mut out: Vec<OrganizationCompliance> = by
            .into_iter()
            .map(|(id, counts)| OrganizationCompliance {
                name: names.get(&id).cloned().unwrap_or_else(|| id.clone()),
                total: counts.values().sum(),
                organization_id: id,
                counts,
            })
            .collect();
        out.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.name.cmp(&b.name)));
        Ok(out)
    }

    /// Job descriptions with their flags, single-peer programs and pay parity.
    pub async fn positions(&self, organization_id: Option<&str>) -> Result<PositionReport> {
        self.decide(Action::Read, organization_id)?;
        let org = self.organization_scope(organization_id)?;
        let store = self.store();
        let positions = store.positions_of(org.as_deref()).await?;
        let catalog = store.catalog();
        let worker_ids: Vec<String> = positions.iter().filter_map(|p| p.worker_id.clone()).collect();
        let names = store.worker_names(&worker_ids).await?;
        Ok(PositionReport {
            single_peer_programs: workforce::single_peer_programs(catalog, &positions),
            pay: workforce::pay_parity(catalog, &positions, PAY_PARITY_PERCENT),
            positions: positions
                .into_iter()
                .map(|p| PositionView {
                    flags: workforce::prohibited_tasks(catalog, &p),
                    worker_name: p.worker_id.as_ref().and_then(|w| names.get(w).cloned()),
                    position: p,
                })
                .collect(),
        })
    }

    pub async fn create_position(&self, input: &PositionInput, reason: &str) -> Result<Position> {
        self.decide(Action::Create, Some(input.organization_id.trim()))?;
        let p = input.validate(new_id(), 1, self.store().catalog())?;
        let mut errs = Invalid::default();
        if self.store().organization_row(&p.organization_id).await?.is_none() {
            errs.push(FieldError::new("organization_id", "no-such-organization", "no such organization; give the id of the employer"));
        }
        if let Some(w) = &p.worker_id {
            match self.store().worker_row(w).await? {
                Some(x) if x.employer_id == p.organization_id => {}
                _ => errs.push(FieldError::new(
                    "worker_id",
                    "no-such-worker",
                    "give the id of a worker of this organization, or leave it empty for a vacancy",
                )),
            }
        }
        errs.finish()?;
        let mut tx = self.store().pool.begin().await?;
        insert_position(&mut tx, &p).await?;
        record_version(&mut tx, "position", &p.id, 1, &p, Some(&self.actor().user_id), reason).await?;
        tx.commit().await?;
        Ok(p)
    }

    /// Record a credential. Organization and state admins verify and keep credentials.
    pub async fn add_credential(&self, worker_id: &str, input: &CredentialInput, reason: &str) -> Result<Credential> {
        let w = self.store().worker_row(worker_id).await?.ok_or(StoreError::NotFound)?;
        self.decide(Action::Update, Some(&w.employer_id))?;
        let c = input.validate(new_id(), w.id.clone(), self.store().catalog(), today())?;
        let mut tx = self.store().pool.begin().await?;
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
        let mut tx = self.store().pool.begin().await?;
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
        let mut tx = self.store().pool.begin().await?;
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
        let mut tx = self.store().pool.begin().await?;
        insert_session(&mut tx, &session, Some(&self.actor().user_id)).await?;
        record_version(&mut tx, "supervision_session", &session.id, 1, &session, Some(&self.actor().user_id), reason).await?;
        tx.commit().await?;
        Ok(session)
    }

    /// The workforce picture of one organization or the state, over `from..=to`.
    pub async fn workforce_picture(&self, organization_id: Option<&str>, from: Date, to: Date) -> Result<Picture> {
        if !matches!(self.actor().persona, Persona::StateAdmin | Persona::OrganizationAdmin) {
            return Err(StoreError::Denied("the workforce picture is for organization and state admins"));
        }
        let org = self.organization_scope(organization_id)?;
        let store = self.store();
        let rows = match &org {
            Some(o) => {
                sqlx::query(&format!("SELECT {WORKER_COLUMNS} FROM workers w WHERE w.employer_id = $1")).bind(o).fetch_all(&store.pool).await?
            }
            None => sqlx::query(&format!("SELECT {WORKER_COLUMNS} FROM workers w")).fetch_all(&store.pool).await?,
        };
        let workers = rows.iter().map(rows::worker).collect::<Result<Vec<_>>>()?;
        let positions = store.positions_of(org.as_deref()).await?;
        Ok(workforce::picture(store.catalog(), &workers, &positions, from, to))
    }
}

async fn insert_credential(tx: &mut Transaction<'_, Any>, c: &Credential) -> Result<()> {
    let now = now_text();
    sqlx::query(
        "INSERT INTO credentials (id, worker_id, kind, issuer, issued_on, expires_on, evidence, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&c.id)
    .bind(&c.worker_id)
    .bind(&c.kind)
    .bind(&c.issuer)
    .bind(date_text(c.issued_on))
    .bind(c.expires_on.map(date_text))
    .bind(&c.evidence)
    .bind(c.version)
    .bind(&now)
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_ce(tx: &mut Transaction<'_, Any>, e: &CeEntry) -> Result<()> {
    sqlx::query("INSERT INTO ce_entries (id, worker_id, title, tenths, completed_on, program_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(&e.id)
        .bind(&e.worker_id)
        .bind(&e.title)
        .bind(e.tenths)
        .bind(date_text(e.completed_on))
        .bind(&e.program_id)
        .bind(now_text())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn insert_enrolment(tx: &mut Transaction<'_, Any>, e: &Enrolment) -> Result<()> {
    let now = now_text();
    sqlx::query(
        "INSERT INTO training_enrolments (id, worker_id, program_id, cohort, status, attended_tenths, exam, completed_on, certificate_id, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&e.id)
    .bind(&e.worker_id)
    .bind(&e.program_id)
    .bind(&e.cohort)
    .bind(e.status.as_str())
    .bind(e.attended_tenths)
    .bind(e.exam.map(|x| x.as_str()))
    .bind(e.completed_on.map(date_text))
    .bind(&e.certificate_id)
    .bind(e.version)
    .bind(&now)
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_session(tx: &mut Transaction<'_, Any>, s: &SupervisionSession, by: Option<&str>) -> Result<()> {
    sqlx::query(
        "INSERT INTO supervision_sessions (id, worker_id, supervisor_id, held_on, minutes, format, topics, signature, supervisor_credentials, recorded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&s.id)
    .bind(&s.worker_id)
    .bind(&s.supervisor_id)
    .bind(date_text(s.held_on))
    .bind(s.minutes)
    .bind(s.format.as_str())
    .bind(&s.topics)
    .bind(&s.signature)
    .bind(to_json(&s.supervisor_credentials))
    .bind(by)
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_position(tx: &mut Transaction<'_, Any>, p: &Position) -> Result<()> {
    let now = now_text();
    sqlx::query(
        "INSERT INTO positions (id, organization_id, title, role_id, program, setting, education, tasks, pay_min_cents, pay_max_cents, leadership, worker_id, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(&p.id)
    .bind(&p.organization_id)
    .bind(&p.title)
    .bind(&p.role_id)
    .bind(&p.program)
    .bind(p.setting.as_str())
    .bind(&p.education)
    .bind(to_json(&p.tasks))
    .bind(p.pay_min_cents)
    .bind(p.pay_max_cents)
    .bind(i64::from(p.leadership))
    .bind(&p.worker_id)
    .bind(p.version)
    .bind(&now)
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Synthetic workforce rows, loaded in bulk by `seed`.
impl Import<'_> {
    pub async fn credentials(&self, rows: &[Credential]) -> Result<()> {
        let now = now_text();
        let rows = rows
            .iter()
            .map(|c| {
                vec![
                    Val::from(c.id.clone()),
                    c.worker_id.clone().into(),
                    c.kind.clone().into(),
                    c.issuer.clone().into(),
                    date_text(c.issued_on).into(),
                    c.expires_on.map(date_text).into(),
                    c.evidence.clone().into(),
                    c.version.into(),
                    now.as_str().into(),
                    now.as_str().into(),
                ]
            })
            .collect();
        self.run(
            "credentials",
            &["id", "worker_id", "kind", "issuer", "issued_on", "expires_on", "evidence", "version", "created_at", "updated_at"],
            rows,
        )
        .await
    }

    pub async fn supervision_sessions(&self, rows: &[SupervisionSession]) -> Result<()> {
        let now = now_text();
        let rows = rows
            .iter()
            .map(|s| {
                vec![
                    Val::from(s.id.clone()),
                    s.worker_id.clone().into(),
                    s.supervisor_id.clone().into(),
                    date_text(s.held_on).into(),
                    s.minutes.into(),
                    s.format.as_str().into(),
                    s.topics.clone().into(),
                    s.signature.clone().into(),
                    to_json(&s.supervisor_credentials).into(),
                    Val::from(None::<String>),
                    now.as_str().into(),
                ]
            })
            .collect();
        self.run(
            "supervision_sessions",
            &[
                "id",
                "worker_id",
                "supervisor_id",
                "held_on",
                "minutes",
                "format",
                "topics",
                "signature",
                "supervisor_credentials",
                "recorded_by",
                "created_at",
            ],
            rows,
        )
        .await
    }

    pub async fn positions(&self, rows: &[Position]) -> Result<()> {
        let now = now_text();
        let rows = rows
            .iter()
            .map(|p| {
                vec![
                    Val::from(p.id.clone()),
                    p.organization_id.clone().into(),
                    p.title.clone().into(),
                    p.role_id.clone().into(),
                    p.program.clone().into(),
                    p.setting.as_str().into(),
                    p.education.clone().into(),
                    to_json(&p.tasks).into(),
                    p.pay_min_cents.into(),
                    p.pay_max_cents.into(),
                    i64::from(p.leadership).into(),
                    p.worker_id.clone().into(),
                    p.version.into(),
                    now.as_str().into(),
                    now.as_str().into(),
                ]
            })
            .collect();
        self.run(
            "positions",
            &[
                "id",
                "organization_id",
                "title",
                "role_id",
                "program",
                "setting",
                "education",
                "tasks",
                "pay_min_cents",
                "pay_max_cents",
                "leadership",
                "worker_id",
                "version",
                "created_at",
                "updated_at",
            ],
            rows,
        )
        .await
    }

    pub async fn ce_entries(&self, rows: &[CeEntry]) -> Result<()> {
        let now = now_text();
        let rows = rows
            .iter()
            .map(|e| {
                vec![
                    Val::from(e.id.clone()),
                    e.worker_id.clone().into(),
                    e.title.clone().into(),
                    e.tenths.into(),
                    date_text(e.completed_on).into(),
                    e.program_id.clone().into(),
                    now.as_str().into(),
                ]
            })
            .collect();
        self.run("ce_entries", &["id", "worker_id", "title", "tenths", "completed_on", "program_id", "created_at"], rows).await
    }

    pub async fn enrolments(&self, rows: &[Enrolment]) -> Result<()> {
        let now = now_text();
        let rows = rows
            .iter()
            .map(|e| {
                vec![
                    Val::from(e.id.clone()),
                    e.worker_id.clone().into(),
                    e.program_id.clone().into(),
                    e.cohort.clone().into(),
                    e.status.as_str().into(),
                    e.attended_tenths.into(),
                    e.exam.map(|x| x.as_str().to_string()).into(),
                    e.completed_on.map(date_text).into(),
                    e.certificate_id.clone().into(),
                    e.version.into(),
                    now.as_str().into(),
                    now.as_str().into(),
                ]
            })
            .collect();
        self.run(
            "training_enrolments",
            &[
                "id",
                "worker_id",
                "program_id",
                "cohort",
                "status",
                "attended_tenths",
                "exam",
                "completed_on",
                "certificate_id",
                "version",
                "created_at",
                "updated_at",
            ],
            rows,
        )
        .await
    }
}
