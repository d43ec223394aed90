//! Row mappings and inserts of the workforce tables: credentials,
//! continuing education, enrolments, supervision sessions and positions.
//!
//! May import: `rows` and the crate root.

use accompany_domain::records::parse_date;
use accompany_domain::workforce::{
    CeEntry, Credential, Enrolment, EnrolmentStatus, ExamResult, Position, ProgramSetting, SessionFormat, SupervisionSession, Task, WorkerFacts,
};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::Date;

use crate::rows::{date_text, to_json};
use crate::{now_text, Result, StoreError};

pub(super) const CREDENTIAL_COLUMNS: &str = "c.id, c.worker_id, c.kind, c.issuer, c.issued_on, c.expires_on, c.evidence, c.version";
pub(super) const POSITION_COLUMNS: &str = "p.id, p.organization_id, p.title, p.role_id, p.program, p.setting, p.education, p.tasks, p.pay_min_cents, p.pay_max_cents, p.leadership, p.worker_id, p.version";
pub(super) const FACT_COLUMNS: &str =
    "w.id, w.given_name, w.family_name, w.role_id, w.employer_id, w.employment_start, w.employment_end, w.supervisor_id";

pub(super) fn date_col(r: &AnyRow, col: &str) -> Result<Date> {
    let s: String = r.try_get(col)?;
    parse_date(&s).ok_or_else(|| StoreError::Corrupt(format!("{col} holds {s:?}, not a date")))
}

pub(super) fn opt_date_col(r: &AnyRow, col: &str) -> Result<Option<Date>> {
    let s: Option<String> = r.try_get(col)?;
    s.map(|s| parse_date(&s).ok_or_else(|| StoreError::Corrupt(format!("{col} holds {s:?}, not a date")))).transpose()
}

pub(super) fn credential_row(r: &AnyRow) -> Result<Credential> {
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

pub(super) fn position_row(r: &AnyRow) -> Result<Position> {
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

pub(super) fn fact_row(r: &AnyRow) -> Result<WorkerFacts> {
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

pub(super) fn session_row(r: &AnyRow) -> Result<SupervisionSession> {
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

pub(super) fn enrolment_row(r: &AnyRow) -> Result<Enrolment> {
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

pub(super) fn ce_row(r: &AnyRow) -> Result<CeEntry> {
    Ok(CeEntry {
        id: r.try_get("id")?,
        worker_id: r.try_get("worker_id")?,
        title: r.try_get("title")?,
        tenths: r.try_get("tenths")?,
        completed_on: date_col(r, "completed_on")?,
        program_id: r.try_get("program_id")?,
    })
}

pub(super) use crate::rows::placeholders;

pub(super) async fn insert_credential(tx: &mut Transaction<'_, Any>, c: &Credential) -> Result<()> {
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

pub(super) async fn insert_ce(tx: &mut Transaction<'_, Any>, e: &CeEntry) -> Result<()> {
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

pub(super) async fn insert_enrolment(tx: &mut Transaction<'_, Any>, e: &Enrolment) -> Result<()> {
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

pub(super) async fn insert_session(tx: &mut Transaction<'_, Any>, s: &SupervisionSession, by: Option<&str>) -> Result<()> {
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

pub(super) async fn insert_position(tx: &mut Transaction<'_, Any>, p: &Position) -> Result<()> {
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
