//! Workforce pages about people: the section's home, one worker's development,
//! supervision, and the forms that record a session or a credential.

use accompany_domain::policy;
use accompany_domain::records::format_date;
use accompany_domain::workforce::{tenths_text, CredentialInput, Expiry, SessionFormat, SessionInput};
use accompany_domain::FieldError;
use accompany_store::WorkerDevelopment;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::Form;
use axum::Router;
use serde::Deserialize;
use std::collections::HashMap;

use crate::auth::Signed;
use crate::page::{csrf_refused, render, FieldErrors, Layout, PageResult, PageUser};
use crate::problem::AppError;
use crate::AppState;

use super::labels::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/workforce", get(home))
        .route("/workforce/me", get(me))
        .route("/workforce/workers/{id}", get(worker))
        .route("/workforce/workers/{id}/sessions/new", get(session_form))
        .route("/workforce/workers/{id}/sessions", axum::routing::post(record_session))
        .route("/workforce/workers/{id}/credentials/new", get(credential_form))
        .route("/workforce/workers/{id}/credentials", axum::routing::post(record_credential))
        .route("/workforce/supervision", get(supervision))
}

// --- Home and "me" ---------------------------------------------------------------

async fn home(PageUser(s): PageUser) -> PageResult {
    let p = s.user.persona;
    let target = if policy::sees_workforce_reports(p) {
        "/workforce/compliance"
    } else if policy::supervises(p) {
        "/workforce/supervision"
    } else if policy::chooses_own_peer(p) {
        return Err(forbidden(&s));
    } else {
        "/workforce/me"
    };
    Ok(Redirect::to(target).into_response())
}

#[derive(Template)]
#[template(path = "workforce/none.html")]
struct NonePage {
    l: Layout,
    sub: Vec<SubLink>,
}

async fn me(State(state): State<AppState>, PageUser(s): PageUser) -> PageResult {
    match s.access(&state).my_worker().await? {
        Some(w) => worker_page(&state, &s, &w.id, "/workforce/me").await,
        None => Ok(render(NonePage {
            l: Layout::new(&s.tr, Some(&s), "/workforce/me", s.tr.t("wf-me-title")),
            sub: sub_nav(&s.tr, s.user.persona, "/workforce/me"),
        })),
    }
}

// --- One worker --------------------------------------------------------------------

pub struct CheckRow {
    pub name: String,
    pub met: bool,
    pub note: String,
}

pub struct CredRow {
    pub name: String,
    pub issuer: String,
    pub issued: String,
    pub expires: String,
    pub status: String,
    pub warn: bool,
    pub evidence: String,
}

pub struct CeRow {
    pub credential: String,
    pub progress: String,
    pub window: String,
    pub complete: bool,
}

pub struct EnrolRow {
    pub program: String,
    pub cohort: String,
    pub status: String,
    pub hours: String,
    pub exam: String,
    pub completed: String,
}

pub struct SessionRow {
    pub date: String,
    pub minutes: String,
    pub format: String,
    pub topics: String,
    pub signature: String,
}

#[derive(Template)]
#[template(path = "workforce/worker.html")]
struct WorkerPage {
    l: Layout,
    sub: Vec<SubLink>,
    role: String,
    organization: String,
    billing: Option<String>,
    warnings: Vec<String>,
    checklist: Vec<CheckRow>,
    eligible: bool,
    credentials: Vec<CredRow>,
    ce: Vec<CeRow>,
    ce_entries: Vec<(String, String, String)>,
    enrolments: Vec<EnrolRow>,
    supervisor: String,
    supervisor_note: String,
    cadence: String,
    sessions: Vec<SessionRow>,
    problems: Vec<String>,
    record_href: Option<String>,
    credential_href: Option<String>,
    caseload_href: String,
}

async fn worker(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>) -> PageResult {
    worker_page(&state, &s, &id, "/workforce/workers").await
}

async fn worker_page(state: &AppState, s: &Signed, id: &str, path: &str) -> PageResult {
    let access = s.access(state);
    let d = access.worker_development(id).await?;
    let organization = match access.organization(&d.worker.employer_id).await {
        Ok(o) => o.name,
        Err(_) => String::new(),
    };
    let actor = s.user.actor();
    let may_record = policy::offers_supervision_form(&actor, &d.worker.employer_id, d.worker.user_id.as_deref(), d.supervisor.is_some());
    let may_keep = policy::offers_credential_form(&actor, &d.worker.employer_id);
    let mut page = worker_view(state, s, &d, organization, path, may_record);
    page.credential_href = may_keep.then(|| format!("/workforce/workers/{}/credentials/new", d.worker.id));
    // Whoever sees a worker's development sees their caseload's contacts too.
    page.caseload_href = format!("/workforce/workers/{}/caseload", d.worker.id);
    Ok(render(page))
}

fn worker_view(state: &AppState, s: &Signed, d: &WorkerDevelopment, organization: String, path: &str, may_record: bool) -> WorkerPage {
    let t = &s.tr;
    let w = &d.worker;
    let role = state.catalog.role(&w.role_id);
    let mut warnings = Vec::new();
    let credentials = d
        .credentials
        .iter()
        .map(|c| {
            let name = credential_name(state, t, &c.credential.kind);
            let expires = c.credential.expires_on.map(format_date).unwrap_or_default();
            let (status, warn) = match c.expiry {
                Expiry::Current => (t.t("wf-status-current"), false),
                Expiry::Expiring { days_left, threshold } => {
                    warnings.push(t.tn(
                        "wf-expiring",
                        &[
                            ("credential", name.clone()),
                            ("date", expires.clone()),
                            ("days", days_left.to_string()),
                            ("threshold", threshold.to_string()),
                        ],
                    ));
                    (t.t1("wf-status-expiring", "days", days_left), true)
                }
                Expiry::Expired { .. } => {
                    warnings.push(t.tn("wf-expired", &[("credential", name.clone()), ("date", expires.clone())]));
                    (t.t("wf-status-expired"), true)
                }
            };
            CredRow {
                name,
                issuer: c.credential.issuer.clone().unwrap_or_default(),
                issued: format_date(c.credential.issued_on),
                expires: if expires.is_empty() { t.t("wf-no-expiry") } else { expires },
                status,
                warn,
                evidence: c.credential.evidence.clone().unwrap_or_default(),
            }
        })
        .collect();
    let checklist = d
        .eligibility
        .iter()
        .flat_map(|e| e.items.iter())
        .map(|i| CheckRow {
            name: requirement_name(state, t, &w.role_id, &i.requirement_id),
            met: i.met,
            note: match (i.met, i.expired_on) {
                (true, _) => t.t("wf-check-met"),
                (false, Some(d)) => t.t1("wf-check-expired", "date", format_date(d)),
                (false, None) => t.t("wf-check-missing"),
            },
        })
        .collect();
    let billing = d.billing_block.as_ref().map(|b| {
        let name = requirement_name(state, t, &w.role_id, &b.requirement_id);
        let abbreviation = role.map_or(String::new(), |r| r.abbreviation.clone());
        match b.expired_on {
            Some(x) => t.tn("wf-billing-expired", &[("requirement", name), ("date", format_date(x)), ("role", abbreviation)]),
            None => t.tn("wf-billing-missing", &[("requirement", name), ("role", abbreviation)]),
        }
    });
    let ce = d
        .ce_progress
        .iter()
        .map(|p| CeRow {
            credential: credential_name(state, t, &p.credential_kind),
            progress: t.tn("wf-ce-progress", &[("earned", tenths_text(p.earned_tenths)), ("required", tenths_text(p.required_tenths))]),
            window: t.tn("wf-ce-window", &[("from", format_date(p.window_start)), ("to", format_date(p.window_end))]),
            complete: p.complete,
        })
        .collect();
    let program_name = |id: &str| state.catalog.training_program(id).map_or_else(|| id.to_string(), |p| p.name.get(t.lang).to_string());
    let ce_entries = d.ce_entries.iter().map(|e| (format_date(e.completed_on), e.title.clone(), tenths_text(e.tenths))).collect();
    let enrolments = d
        .enrolments
        .iter()
        .map(|e| EnrolRow {
            program: program_name(&e.program_id),
            cohort: e.cohort.clone(),
            status: t.t(&format!("wf-enrolment-{}", e.status.as_str())),
            hours: tenths_text(e.attended_tenths),
            exam: e.exam.map(|x| t.t(&format!("wf-exam-{}", x.as_str()))).unwrap_or_default(),
            completed: e.completed_on.map(format_date).unwrap_or_default(),
        })
        .collect();
    let (supervisor, supervisor_note) = match &d.supervisor {
        None => (t.t("wf-no-supervisor"), String::new()),
        Some(sv) => {
            let note = match &sv.qualification {
                Some(q) if q.qualifies && q.not_same_role => t.t("wf-supervisor-qualifies-other-role"),
                Some(q) if q.qualifies => t.t("wf-supervisor-qualifies"),
                Some(q) => t.t1("wf-supervisor-unqualified", "missing", rule_names(state, t, &w.role_id, &q.missing.join(", "))),
                None => String::new(),
            };
            (format!("{} ({})", sv.name, role_name(state, t, &sv.role_id)), note)
        }
    };
    let cadence = match d.cadence {
        Some(c) if c.overdue => t.tn("wf-cadence-overdue", &[("days", c.days_since.to_string()), ("max", c.max_days.to_string())]),
        Some(c) => t.tn("wf-cadence-ok", &[("days", c.days_since.to_string()), ("max", c.max_days.to_string())]),
        None => t.t("wf-cadence-none"),
    };
    let sessions = d
        .sessions
        .iter()
        .map(|x| SessionRow {
            date: format_date(x.held_on),
            minutes: x.minutes.to_string(),
            format: t.t(&format!("wf-format-{}", x.format.as_str())),
            topics: x.topics.clone(),
            signature: x.signature.clone(),
        })
        .collect();
    WorkerPage {
        l: Layout::new(t, Some(s), path, format!("{} {}", w.given_name, w.family_name)),
        sub: sub_nav(t, s.user.persona, path),
        role: role_name(state, t, &w.role_id),
        organization,
        billing,
        warnings,
        eligible: d.eligibility.as_ref().is_some_and(|e| e.eligible),
        checklist,
        credentials,
        ce,
        ce_entries,
        enrolments,
        supervisor,
        supervisor_note,
        cadence,
        sessions,
        problems: d.problems.iter().map(|p| problem_text(state, t, p)).collect(),
        record_href: may_record.then(|| format!("/workforce/workers/{}/sessions/new", w.id)),
        credential_href: None,
        caseload_href: String::new(),
    }
}

// --- Supervision -------------------------------------------------------------------

pub struct SupRow {
    pub href: String,
    pub name: String,
    pub role: String,
    pub last: String,
    pub cadence: String,
    pub overdue: bool,
    pub qualification: String,
    pub qualifies: bool,
    pub problems: usize,
    pub record_href: String,
    pub caseload_href: String,
}

#[derive(Template)]
#[template(path = "workforce/supervision.html")]
struct SupervisionPage {
    l: Layout,
    sub: Vec<SubLink>,
    rows: Vec<SupRow>,
    recorded: bool,
    summary: String,
    glance: super::glance::GlanceSection,
}

#[derive(Deserialize, Default)]
struct RecordedQuery {
    recorded: Option<String>,
}

async fn supervision(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<RecordedQuery>) -> PageResult {
    let t = &s.tr;
    let list = s.access(&state).supervisees().await?;
    let rows: Vec<SupRow> = list
        .iter()
        .map(|r| SupRow {
            href: format!("/workforce/workers/{}", r.worker_id),
            name: r.name.clone(),
            role: role_name(&state, t, &r.role_id),
            last: r.last_session.map(format_date).unwrap_or_else(|| t.t("wf-never")),
            cadence: match r.cadence {
                Some(c) if c.overdue => t.tn("wf-cadence-overdue", &[("days", c.days_since.to_string()), ("max", c.max_days.to_string())]),
                Some(c) => t.tn("wf-cadence-ok", &[("days", c.days_since.to_string()), ("max", c.max_days.to_string())]),
                None => t.t("wf-cadence-none"),
            },
            overdue: r.cadence.is_some_and(|c| c.overdue),
            qualification: if r.qualification.qualifies {
                t.t("wf-supervisor-qualifies")
            } else {
                t.t1("wf-supervisor-unqualified", "missing", rule_names(&state, t, &r.role_id, &r.qualification.missing.join(", ")))
            },
            qualifies: r.qualification.qualifies,
            problems: r.problems.len(),
            record_href: format!("/workforce/workers/{}/sessions/new", r.worker_id),
            caseload_href: format!("/workforce/workers/{}/caseload", r.worker_id),
        })
        .collect();
    Ok(render(SupervisionPage {
        l: Layout::new(t, Some(&s), "/workforce/supervision", t.t("wf-supervision-title")),
        sub: sub_nav(t, s.user.persona, "/workforce/supervision"),
        summary: t.tn(
            "wf-supervision-summary",
            &[
                ("count", rows.len().to_string()),
                ("overdue", rows.iter().filter(|r| r.overdue).count().to_string()),
                ("unqualified", rows.iter().filter(|r| !r.qualifies).count().to_string()),
            ],
        ),
        rows,
        recorded: q.recorded.is_some(),
        glance: super::glance::section(t, &list, state.catalog.reporting.no_activity_days),
    }))
}

#[derive(Deserialize, Default, Clone)]
pub struct SessionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub held_on: String,
    #[serde(default)]
    pub minutes: String,
    #[serde(default)]
    pub format: String,
    #[serde(default)]
    pub topics: String,
    #[serde(default)]
    pub signature: String,
}

#[derive(Template)]
#[template(path = "workforce/session_form.html")]
struct SessionFormPage {
    l: Layout,
    sub: Vec<SubLink>,
    worker_name: String,
    action: String,
    f: SessionForm,
    errors: HashMap<String, String>,
    error_list: Vec<(String, String, String)>,
    formats: Vec<(String, String)>,
}

impl FieldErrors for SessionFormPage {
    fn field_errors(&self) -> &HashMap<String, String> {
        &self.errors
    }
}

async fn session_form_page(state: &AppState, s: &Signed, id: &str, f: SessionForm, errors: Vec<FieldError>) -> PageResult {
    let t = &s.tr;
    let w = s.access(state).worker_development(id).await?.worker;
    let name = format!("{} {}", w.given_name, w.family_name);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let path = if policy::supervises(s.user.persona) { "/workforce/supervision" } else { "/workforce/compliance" };
    let mut r = render(SessionFormPage {
        l: Layout::new(t, Some(s), path, t.t1("wf-session-title", "name", &name)),
        sub: sub_nav(t, s.user.persona, path),
        worker_name: name,
        action: format!("/workforce/workers/{id}/sessions"),
        f,
        errors: errors.iter().map(|e| (e.field.clone(), t.field_error(e))).collect(),
        error_list: errors.iter().map(|e| (e.field.clone(), t.field_label(&e.field), t.field_error(e))).collect(),
        formats: SessionFormat::ALL.iter().map(|f| (f.as_str().to_string(), t.t(&format!("wf-format-{}", f.as_str())))).collect(),
    });
    *r.status_mut() = status;
    Ok(r)
}

async fn session_form(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>) -> PageResult {
    if !policy::may_record_supervision_sessions(s.user.persona) {
        return Err(forbidden(&s));
    }
    let f =
        SessionForm { held_on: format_date(accompany_store::today_date()), minutes: "60".into(), format: "individual".into(), ..Default::default() };
    session_form_page(&state, &s, &id, f, vec![]).await
}

async fn record_session(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Form(f): Form<SessionForm>) -> PageResult {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return Ok(r);
    }
    let input = SessionInput {
        held_on: f.held_on.clone(),
        minutes: f.minutes.clone(),
        format: f.format.clone(),
        topics: f.topics.clone(),
        signature: f.signature.clone(),
        supervisor_id: None,
    };
    match s.access(&state).record_session(&id, &input, "supervision session recorded").await {
        Ok(_) if policy::supervises(s.user.persona) => Ok(Redirect::to("/workforce/supervision?recorded=1").into_response()),
        Ok(_) => Ok(Redirect::to(&format!("/workforce/workers/{id}")).into_response()),
        Err(e) => match AppError::from(e) {
            AppError::Invalid(errors) => session_form_page(&state, &s, &id, f, errors).await,
            other => Err(other.into()),
        },
    }
}

// --- Recording a credential (organization and state admins) -----------------------------

#[derive(Deserialize, Default, Clone)]
pub struct CredentialForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub issuer: String,
    #[serde(default)]
    pub issued_on: String,
    #[serde(default)]
    pub expires_on: String,
    #[serde(default)]
    pub evidence: String,
}

#[derive(Template)]
#[template(path = "workforce/credential_form.html")]
struct CredentialFormPage {
    l: Layout,
    sub: Vec<SubLink>,
    worker_name: String,
    action: String,
    f: CredentialForm,
    errors: HashMap<String, String>,
    error_list: Vec<(String, String, String)>,
    kinds: Vec<(String, String)>,
}

impl FieldErrors for CredentialFormPage {
    fn field_errors(&self) -> &HashMap<String, String> {
        &self.errors
    }
}

async fn credential_form_page(state: &AppState, s: &Signed, id: &str, f: CredentialForm, errors: Vec<FieldError>) -> PageResult {
    let t = &s.tr;
    if !policy::may_record_credentials(s.user.persona) {
        return Err(forbidden(s));
    }
    let w = s.access(state).worker_development(id).await?.worker;
    let name = format!("{} {}", w.given_name, w.family_name);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut r = render(CredentialFormPage {
        l: Layout::new(t, Some(s), "/workforce/compliance", t.t1("wf-credential-title", "name", &name)),
        sub: sub_nav(t, s.user.persona, "/workforce/compliance"),
        worker_name: name,
        action: format!("/workforce/workers/{id}/credentials"),
        f,
        errors: errors.iter().map(|e| (e.field.clone(), t.field_error(e))).collect(),
        error_list: errors
            .iter()
            .map(|e| {
                let label = if e.field == "kind" { t.t("field-kind-credential") } else { t.field_label(&e.field) };
                (e.field.clone(), label, t.field_error(e))
            })
            .collect(),
        kinds: state.catalog.credential_kinds.iter().map(|k| (k.id.clone(), k.name.get(t.lang).to_string())).collect(),
    });
    *r.status_mut() = status;
    Ok(r)
}

async fn credential_form(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>) -> PageResult {
    credential_form_page(&state, &s, &id, CredentialForm::default(), vec![]).await
}

async fn record_credential(
    State(state): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<CredentialForm>,
) -> PageResult {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return Ok(r);
    }
    let some = |v: &str| Some(v.to_string()).filter(|v| !v.trim().is_empty());
    let input = CredentialInput {
        kind: f.kind.clone(),
        issuer: some(&f.issuer),
        issued_on: f.issued_on.clone(),
        expires_on: some(&f.expires_on),
        evidence: some(&f.evidence),
    };
    match s.access(&state).add_credential(&id, &input, "credential recorded").await {
        Ok(_) => Ok(Redirect::to(&format!("/workforce/workers/{id}")).into_response()),
        Err(e) => match AppError::from(e) {
            AppError::Invalid(errors) => credential_form_page(&state, &s, &id, f, errors).await,
            other => Err(other.into()),
        },
    }
}
