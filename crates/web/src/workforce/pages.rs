//! Workforce pages and API: a worker's credentials, continuing education
//! and supervision; a supervisor's supervisees and the session form; the
//! compliance picture statewide → organization → worker; the workforce
//! picture; job descriptions with their flags and pay parity.

use std::collections::{BTreeMap, HashMap};

use accompany_domain::records::{format_date, parse_date, Persona};
use accompany_domain::workforce::{
    cents_text, tenths_text, CeInput, Cell, CredentialInput, EnrolmentInput, Expiry, PositionInput, Problem, ProblemKind, SessionFormat, SessionInput,
};
use accompany_domain::FieldError;
use accompany_store::WorkerDevelopment;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::json;
use time::Date;

use crate::api::{change, err, ok, query, ApiResult, Change};
use crate::auth::{ApiUser, PageUser, Signed};
use crate::i18n::Tr;
use crate::pages::{page_error, render, FieldErrors, Layout};
use crate::problem::AppError;
use crate::AppState;

/// Pages under /workforce.
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
        .route("/workforce/compliance", get(compliance))
        .route("/workforce/picture", get(picture))
        .route("/workforce/picture.csv", get(picture_csv))
        .route("/workforce/positions", get(positions))
}

/// API routes, nested under /api/v1.
pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/workforce/catalog", get(api_catalog))
        .route("/workforce/problems", get(api_problems))
        .route("/workforce/compliance", get(api_compliance))
        .route("/workforce/me", get(api_me))
        .route("/workforce/supervisees", get(api_supervisees))
        .route("/workforce/workers/{id}", get(api_worker))
        .route("/workforce/workers/{id}/credentials", axum::routing::post(api_add_credential))
        .route("/workforce/workers/{id}/ce", axum::routing::post(api_add_ce))
        .route("/workforce/workers/{id}/enrolments", axum::routing::post(api_add_enrolment))
        .route("/workforce/workers/{id}/sessions", axum::routing::post(api_add_session))
        .route("/workforce/picture", get(api_picture))
        .route("/workforce/positions", get(api_positions).post(api_create_position))
}

// --- Shared helpers -------------------------------------------------------------

pub struct SubLink {
    pub href: String,
    pub label: String,
    pub current: bool,
}

/// The workforce section's own navigation, by persona.
pub(crate) fn sub_nav(t: &Tr, persona: Persona, path: &str) -> Vec<SubLink> {
    let mut links: Vec<(&str, &str)> = Vec::new();
    match persona {
        Persona::StateAdmin | Persona::OrganizationAdmin => {
            links.push(("/workforce/compliance", "wf-nav-compliance"));
            links.push(("/workforce/picture", "wf-nav-picture"));
            links.push(("/workforce/positions", "wf-nav-positions"));
        }
        Persona::Supervisor => {
            links.push(("/workforce/supervision", "wf-nav-supervisees"));
            links.push(("/workforce/me", "wf-nav-me"));
        }
        _ => links.push(("/workforce/me", "wf-nav-me")),
    }
    links.into_iter().map(|(href, key)| SubLink { href: href.to_string(), label: t.t(key), current: path == href }).collect()
}

fn role_name(state: &AppState, t: &Tr, id: &str) -> String {
    state.catalog.role(id).map_or_else(|| id.to_string(), |r| r.name.get(t.lang).to_string())
}

fn credential_name(state: &AppState, t: &Tr, id: &str) -> String {
    state.catalog.credential_kind(id).map_or_else(|| id.to_string(), |k| k.name.get(t.lang).to_string())
}

fn requirement_name(state: &AppState, t: &Tr, role: &str, id: &str) -> String {
    state
        .catalog
        .role(role)
        .and_then(|r| r.requirements.iter().find(|q| q.id == id))
        .map_or_else(|| id.to_string(), |q| q.name.get(t.lang).to_string())
}

fn rule_names(state: &AppState, t: &Tr, role: &str, ids: &str) -> String {
    let rules = state.catalog.role(role).map(|r| r.supervision.qualification_rules.as_slice()).unwrap_or(&[]);
    ids.split(", ")
        .filter(|s| !s.is_empty())
        .map(|id| rules.iter().find(|r| r.id == id).map_or_else(|| id.to_string(), |r| r.name.get(t.lang).to_string()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A compliance problem in the reader's language.
fn problem_text(state: &AppState, t: &Tr, p: &Problem) -> String {
    let a = |k: &str| p.args.get(k).cloned().unwrap_or_default();
    let role = a("role");
    let billing = if a("blocks") == "yes" {
        t.t1("wf-billing-blocked-note", "role", state.catalog.role(&role).map_or(role.clone(), |r| r.abbreviation.clone()))
    } else {
        String::new()
    };
    let args: Vec<(&str, String)> = vec![
        ("subject", p.subject.clone()),
        ("credential", credential_name(state, t, &a("credential"))),
        ("requirement", requirement_name(state, t, &role, &a("requirement"))),
        ("role", role_name(state, t, &role)),
        ("date", a("date")),
        ("days", a("days")),
        ("threshold", a("threshold")),
        ("max", a("max")),
        ("supervisor", a("supervisor")),
        ("missing", rule_names(state, t, &role, &a("missing"))),
        ("task", a("task")),
        ("reason", a("reason")),
        ("setting", t.t(&format!("wf-setting-{}", a("setting")))),
        ("billing", billing),
        ("critical", if a("critical") == "yes" { t.t("wf-lone-critical") } else { String::new() }),
    ];
    t.tn(&format!("wf-problem-{}", p.kind.as_str()), &args)
}

fn kind_label(t: &Tr, k: ProblemKind) -> String {
    t.t(&format!("wf-kind-{}", k.as_str()))
}

fn cell(t: &Tr, c: Cell) -> String {
    c.text(&t.t("wf-suppressed"))
}

fn turnover_text(t: &Tr, per_mille: accompany_domain::stats::Suppressed<u64>) -> String {
    per_mille.map(|x| format!("{}.{}%", x / 10, x % 10)).text(&t.t("wf-rate-withheld"))
}

fn forbidden(s: &Signed) -> Response {
    page_error(s, AppError::Forbidden(s.tr.t("error-forbidden-detail")))
}

// --- Home and "me" ---------------------------------------------------------------

async fn home(PageUser(s): PageUser) -> Response {
    let target = match s.user.persona {
        Persona::StateAdmin | Persona::OrganizationAdmin => "/workforce/compliance",
        Persona::Supervisor => "/workforce/supervision",
        Persona::Member => return forbidden(&s),
        _ => "/workforce/me",
    };
    Redirect::to(target).into_response()
}

#[derive(Template)]
#[template(path = "workforce_none.html")]
struct NonePage {
    l: Layout,
    sub: Vec<SubLink>,
}

async fn me(State(state): State<AppState>, PageUser(s): PageUser) -> Response {
    match s.access(&state).my_worker().await {
        Ok(Some(w)) => worker_page(&state, &s, &w.id, "/workforce/me").await,
        Ok(None) => render(NonePage {
            l: Layout::new(&s.tr, Some(&s), "/workforce/me", s.tr.t("wf-me-title")),
            sub: sub_nav(&s.tr, s.user.persona, "/workforce/me"),
        }),
        Err(e) => page_error(&s, e),
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
#[template(path = "workforce_worker.html")]
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

async fn worker(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>) -> Response {
    worker_page(&state, &s, &id, "/workforce/workers").await
}

async fn worker_page(state: &AppState, s: &Signed, id: &str, path: &str) -> Response {
    let access = s.access(state);
    let d = match access.worker_development(id).await {
        Ok(d) => d,
        Err(e) => return page_error(s, e),
    };
    let organization = match access.organization(&d.worker.employer_id).await {
        Ok(o) => o.name,
        Err(_) => String::new(),
    };
    let may_record = match s.user.persona {
        Persona::StateAdmin => true,
        Persona::OrganizationAdmin => s.user.organization_id.as_deref() == Some(d.worker.employer_id.as_str()),
        Persona::Supervisor => d.supervisor.is_some() && d.worker.user_id.as_deref() != Some(s.user.id.as_str()),
        _ => false,
    } && d.supervisor.is_some();
    let may_keep = match s.user.persona {
        Persona::StateAdmin => true,
        Persona::OrganizationAdmin => s.user.organization_id.as_deref() == Some(d.worker.employer_id.as_str()),
        _ => false,
    };
    let mut page = worker_view(state, s, &d, organization, path, may_record);
    page.credential_href = may_keep.then(|| format!("/workforce/workers/{}/credentials/new", d.worker.id));
    // Whoever sees a worker's development sees their caseload's contacts too.
    page.caseload_href = format!("/workforce/workers/{}/caseload", d.worker.id);
    render(page)
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
#[template(path = "workforce_supervision.html")]
struct SupervisionPage {
    l: Layout,
    sub: Vec<SubLink>,
    rows: Vec<SupRow>,
    recorded: bool,
    summary: String,
}

#[derive(Deserialize, Default)]
struct RecordedQuery {
    recorded: Option<String>,
}

async fn supervision(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<RecordedQuery>) -> Response {
    let t = &s.tr;
    let list = match s.access(&state).supervisees().await {
        Ok(l) => l,
        Err(e) => return page_error(&s, e),
    };
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
    render(SupervisionPage {
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
    })
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
#[template(path = "workforce_session_form.html")]
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

async fn session_form_page(state: &AppState, s: &Signed, id: &str, f: SessionForm, errors: Vec<FieldError>) -> Response {
    let t = &s.tr;
    let w = match s.access(state).worker_development(id).await {
        Ok(d) => d.worker,
        Err(e) => return page_error(s, e),
    };
    let name = format!("{} {}", w.given_name, w.family_name);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let path = if s.user.persona == Persona::Supervisor { "/workforce/supervision" } else { "/workforce/compliance" };
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
    r
}

async fn session_form(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>) -> Response {
    if !matches!(s.user.persona, Persona::Supervisor | Persona::OrganizationAdmin | Persona::StateAdmin) {
        return forbidden(&s);
    }
    let f =
        SessionForm { held_on: format_date(accompany_store::today_date()), minutes: "60".into(), format: "individual".into(), ..Default::default() };
    session_form_page(&state, &s, &id, f, vec![]).await
}

async fn record_session(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Form(f): Form<SessionForm>) -> Response {
    if !s.check_csrf(Some(&f.csrf)) {
        return page_error(&s, AppError::Forbidden(s.tr.t("error-csrf")));
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
        Ok(_) if s.user.persona == Persona::Supervisor => Redirect::to("/workforce/supervision?recorded=1").into_response(),
        Ok(_) => Redirect::to(&format!("/workforce/workers/{id}")).into_response(),
        Err(e) => match AppError::from(e) {
            AppError::Invalid(errors) => session_form_page(&state, &s, &id, f, errors).await,
            other => page_error(&s, other),
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
#[template(path = "workforce_credential_form.html")]
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

async fn credential_form_page(state: &AppState, s: &Signed, id: &str, f: CredentialForm, errors: Vec<FieldError>) -> Response {
    let t = &s.tr;
    if !matches!(s.user.persona, Persona::OrganizationAdmin | Persona::StateAdmin) {
        return forbidden(s);
    }
    let w = match s.access(state).worker_development(id).await {
        Ok(d) => d.worker,
        Err(e) => return page_error(s, e),
    };
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
    r
}

async fn credential_form(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>) -> Response {
    credential_form_page(&state, &s, &id, CredentialForm::default(), vec![]).await
}

async fn record_credential(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Form(f): Form<CredentialForm>) -> Response {
    if !s.check_csrf(Some(&f.csrf)) {
        return page_error(&s, AppError::Forbidden(s.tr.t("error-csrf")));
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
        Ok(_) => Redirect::to(&format!("/workforce/workers/{id}")).into_response(),
        Err(e) => match AppError::from(e) {
            AppError::Invalid(errors) => credential_form_page(&state, &s, &id, f, errors).await,
            other => page_error(&s, other),
        },
    }
}

// --- Compliance ------------------------------------------------------------------------

pub struct OrgRow {
    pub href: String,
    pub name: String,
    pub total: usize,
    pub credentials: usize,
    pub supervision: usize,
    pub fidelity: usize,
}

pub struct ProblemRow {
    pub kind: String,
    pub subject: String,
    pub href: Option<String>,
    pub text: String,
}

#[derive(Template)]
#[template(path = "workforce_compliance.html")]
struct CompliancePage {
    l: Layout,
    sub: Vec<SubLink>,
    scope: String,
    by_kind: Vec<(String, usize)>,
    total: usize,
    orgs: Vec<OrgRow>,
    problems: Vec<ProblemRow>,
    shown: usize,
    shown_text: String,
    back: Option<String>,
}

#[derive(Deserialize, Default)]
struct OrgQuery {
    org: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

const PROBLEMS_SHOWN: usize = 500;

fn group(k: ProblemKind) -> usize {
    match k {
        ProblemKind::CredentialExpired | ProblemKind::CredentialExpiring | ProblemKind::RequirementMissing => 0,
        ProblemKind::SupervisionOverdue | ProblemKind::NoSupervisor | ProblemKind::SupervisorUnqualified => 1,
        ProblemKind::ProhibitedTask | ProblemKind::SinglePeerProgram => 2,
    }
}

async fn compliance(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<OrgQuery>) -> Response {
    let t = &s.tr;
    if !matches!(s.user.persona, Persona::StateAdmin | Persona::OrganizationAdmin) {
        return forbidden(&s);
    }
    let access = s.access(&state);
    let org = match s.user.persona {
        Persona::OrganizationAdmin => s.user.organization_id.clone(),
        _ => q.org.clone().filter(|o| !o.is_empty()),
    };
    let problems = match access.workforce_problems(org.as_deref()).await {
        Ok(p) => p,
        Err(e) => return page_error(&s, e),
    };
    let mut counts: BTreeMap<ProblemKind, usize> = BTreeMap::new();
    for p in &problems {
        *counts.entry(p.kind).or_default() += 1;
    }
    let by_kind = ProblemKind::ALL.iter().map(|k| (kind_label(t, *k), counts.get(k).copied().unwrap_or(0))).collect();
    let (scope, orgs, rows, back) = match &org {
        None => {
            let names = match state.store.organization_names().await {
                Ok(n) => n,
                Err(e) => return page_error(&s, e),
            };
            let mut by: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
            for p in &problems {
                by.entry(p.organization_id.as_str()).or_default()[group(p.kind)] += 1;
            }
            let mut orgs: Vec<OrgRow> = by
                .into_iter()
                .map(|(id, g)| OrgRow {
                    href: format!("/workforce/compliance?org={id}"),
                    name: names.get(id).cloned().unwrap_or_else(|| id.to_string()),
                    total: g.iter().sum(),
                    credentials: g[0],
                    supervision: g[1],
                    fidelity: g[2],
                })
                .collect();
            orgs.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.name.cmp(&b.name)));
            (t.t("wf-statewide"), orgs, vec![], None)
        }
        Some(o) => {
            let name = access.organization(o).await.map(|x| x.name).unwrap_or_else(|_| o.clone());
            let rows = problems
                .iter()
                .take(PROBLEMS_SHOWN)
                .map(|p| ProblemRow {
                    kind: kind_label(t, p.kind),
                    subject: p.subject.clone(),
                    href: p.worker_id.as_ref().map(|w| format!("/workforce/workers/{w}")),
                    text: problem_text(&state, t, p),
                })
                .collect();
            let back = (s.user.persona == Persona::StateAdmin).then(|| "/workforce/compliance".to_string());
            (name, vec![], rows, back)
        }
    };
    render(CompliancePage {
        l: Layout::new(t, Some(&s), "/workforce/compliance", t.t1("wf-compliance-title", "scope", &scope)),
        sub: sub_nav(t, s.user.persona, "/workforce/compliance"),
        scope,
        by_kind,
        total: problems.len(),
        orgs,
        shown: rows.len(),
        shown_text: t.tn("wf-shown", &[("shown", rows.len().to_string()), ("total", problems.len().to_string())]),
        problems: rows,
        back,
    })
}

// --- The workforce picture ---------------------------------------------------------------

#[derive(Template)]
#[template(path = "workforce_picture.html")]
struct PicturePage {
    l: Layout,
    sub: Vec<SubLink>,
    from: String,
    to: String,
    headcount: String,
    vacancies: String,
    hires: String,
    departures: String,
    turnover: String,
    leaders: String,
    by_role: Vec<(String, String, String)>,
    by_language: Vec<(String, String)>,
    by_identity: Vec<(String, String, String)>,
    organizations: Vec<(String, String, bool)>,
    state_admin: bool,
    errors: Vec<String>,
    /// The same picture as CSV.
    csv_href: String,
}

/// The period of a picture: `to` defaults to today, `from` to a year before it.
fn period(from: Option<&str>, to: Option<&str>) -> Result<(Date, Date), Vec<FieldError>> {
    let today = accompany_store::today_date();
    let mut errs = vec![];
    let parse = |field: &'static str, v: Option<&str>, d: Date, errs: &mut Vec<FieldError>| match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => d,
        Some(s) => parse_date(s).unwrap_or_else(|| {
            errs.push(FieldError::new(field, "date-format", "write the date as YYYY-MM-DD"));
            d
        }),
    };
    let to = parse("to", to, today, &mut errs);
    let from = parse("from", from, to - time::Duration::days(365), &mut errs);
    if from > to {
        errs.push(FieldError::new("to", "end-before-start", "the end of the period is before its start"));
    }
    if errs.is_empty() {
        Ok((from, to))
    } else {
        Err(errs)
    }
}

async fn picture(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<OrgQuery>) -> Response {
    let t = &s.tr;
    if !matches!(s.user.persona, Persona::StateAdmin | Persona::OrganizationAdmin) {
        return forbidden(&s);
    }
    let state_admin = s.user.persona == Persona::StateAdmin;
    let org = if state_admin { q.org.clone().filter(|o| !o.is_empty()) } else { s.user.organization_id.clone() };
    let (period, errors) = match period(q.from.as_deref(), q.to.as_deref()) {
        Ok(p) => (p, vec![]),
        Err(e) => {
            let today = accompany_store::today_date();
            ((today - time::Duration::days(365), today), e.iter().map(|e| format!("{}: {}", t.field_label(&e.field), t.field_error(e))).collect())
        }
    };
    let access = s.access(&state);
    let p = match access.workforce_picture(org.as_deref(), period.0, period.1).await {
        Ok(p) => p,
        Err(e) => return page_error(&s, e),
    };
    let names = state.store.organization_names().await.unwrap_or_default();
    let mut organizations: Vec<(String, String, bool)> =
        names.iter().map(|(id, n)| (id.clone(), n.clone(), org.as_deref() == Some(id.as_str()))).collect();
    organizations.sort_by(|a, b| a.1.cmp(&b.1));
    let scope = org.as_ref().and_then(|o| names.get(o).cloned()).unwrap_or_else(|| t.t("wf-statewide"));
    let supervisors: HashMap<&str, Cell> = p.supervisors_by_role.iter().map(|(r, c)| (r.as_str(), *c)).collect();
    render(PicturePage {
        l: Layout::new(t, Some(&s), "/workforce/picture", t.t1("wf-picture-title", "scope", &scope)),
        sub: sub_nav(t, s.user.persona, "/workforce/picture"),
        from: format_date(p.from),
        to: format_date(p.to),
        headcount: cell(t, p.headcount),
        vacancies: cell(t, p.vacancies),
        hires: cell(t, p.hires),
        departures: cell(t, p.departures),
        turnover: turnover_text(t, p.turnover_per_mille),
        leaders: cell(t, p.peers_in_leadership),
        by_role: p
            .by_role
            .iter()
            .map(|(r, c)| (role_name(&state, t, r), cell(t, *c), supervisors.get(r.as_str()).map_or_else(|| "0".to_string(), |x| cell(t, *x))))
            .collect(),
        by_language: p
            .by_language
            .iter()
            .map(|(code, c)| (state.catalog.language(code).map_or(code.clone(), |l| l.name.get(t.lang).to_string()), cell(t, *c)))
            .collect(),
        by_identity: p
            .by_identity
            .iter()
            .filter(|(_, _, c)| !c.is_hidden())
            .map(|(d, x, c)| (t.t(&format!("wf-identity-{d}")), x.clone(), cell(t, *c)))
            .collect(),
        csv_href: format!(
            "/workforce/picture.csv?{}",
            serde_urlencoded::to_string([("org", org.as_deref().unwrap_or("")), ("from", &format_date(p.from)), ("to", &format_date(p.to))])
                .unwrap_or_default()
        ),
        organizations,
        state_admin,
        errors,
    })
}

/// The picture as CSV, one row a number, with the same cells withheld:
/// a withheld value is empty and marked, never written.
async fn picture_csv(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<OrgQuery>) -> Response {
    if !matches!(s.user.persona, Persona::StateAdmin | Persona::OrganizationAdmin) {
        return forbidden(&s);
    }
    let org = if s.user.persona == Persona::StateAdmin { q.org.clone().filter(|o| !o.is_empty()) } else { s.user.organization_id.clone() };
    let (from, to) = match period(q.from.as_deref(), q.to.as_deref()) {
        Ok(p) => p,
        Err(e) => return page_error(&s, AppError::Invalid(e)),
    };
    let p = match s.access(&state).workforce_picture(org.as_deref(), from, to).await {
        Ok(p) => p,
        Err(e) => return page_error(&s, e),
    };
    let mut rows: Vec<(String, String, Cell)> = vec![
        ("headcount".into(), String::new(), p.headcount),
        ("vacancies".into(), String::new(), p.vacancies),
        ("hires".into(), String::new(), p.hires),
        ("departures".into(), String::new(), p.departures),
        ("turnover-per-mille".into(), String::new(), p.turnover_per_mille),
        ("peers-in-leadership".into(), String::new(), p.peers_in_leadership),
    ];
    rows.extend(p.by_role.iter().map(|(r, c)| ("role".to_string(), r.clone(), *c)));
    rows.extend(p.supervisors_by_role.iter().map(|(r, c)| ("supervisors-of-role".to_string(), r.clone(), *c)));
    rows.extend(p.by_language.iter().map(|(l, c)| ("language".to_string(), l.clone(), *c)));
    rows.extend(p.by_identity.iter().map(|(d, x, c)| (format!("identity-{d}"), x.clone(), *c)));
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut result = w.write_record(["measure", "group", "value", "withheld"]);
    for (measure, group, c) in &rows {
        if result.is_err() {
            break;
        }
        let value = c.shown().map(u64::to_string).unwrap_or_default();
        result = w.write_record([measure.as_str(), group.as_str(), value.as_str(), if c.is_hidden() { "fewer-than-11-or-derivable" } else { "" }]);
    }
    match (result, w.into_inner()) {
        (Ok(()), Ok(bytes)) => (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8"), (header::CONTENT_DISPOSITION, "attachment; filename=\"workforce-picture.csv\"")],
            bytes,
        )
            .into_response(),
        _ => page_error(&s, AppError::Internal("the CSV could not be written".into())),
    }
}

// --- Job descriptions, lone peers and pay --------------------------------------------

pub struct PosRow {
    pub title: String,
    pub organization: String,
    pub program: String,
    pub role: String,
    pub worker: String,
    pub pay: String,
    pub tasks: Vec<(String, Option<String>)>,
    pub flagged: bool,
}

pub struct PayRow {
    pub title: String,
    pub organization: String,
    pub midpoint: String,
    pub comparable: String,
    pub percent: String,
    pub below: bool,
}

#[derive(Template)]
#[template(path = "workforce_positions.html")]
struct PositionsPage {
    l: Layout,
    sub: Vec<SubLink>,
    scope: String,
    statewide: bool,
    positions: Vec<PosRow>,
    flagged: usize,
    lone: Vec<String>,
    pay: Vec<PayRow>,
    organizations: Vec<(String, String, bool)>,
    state_admin: bool,
}

async fn positions(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<OrgQuery>) -> Response {
    let t = &s.tr;
    if !matches!(s.user.persona, Persona::StateAdmin | Persona::OrganizationAdmin) {
        return forbidden(&s);
    }
    let state_admin = s.user.persona == Persona::StateAdmin;
    let org = if state_admin { q.org.clone().filter(|o| !o.is_empty()) } else { s.user.organization_id.clone() };
    let report = match s.access(&state).positions(org.as_deref()).await {
        Ok(r) => r,
        Err(e) => return page_error(&s, e),
    };
    let names = state.store.organization_names().await.unwrap_or_default();
    let org_name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let statewide = org.is_none();
    let flagged = report.positions.iter().filter(|p| !p.flags.is_empty()).count();
    let positions = report
        .positions
        .iter()
        // Statewide, only the job descriptions that need attention are listed.
        .filter(|p| !statewide || !p.flags.is_empty())
        .map(|p| {
            let tasks = p
                .position
                .tasks
                .iter()
                .enumerate()
                .map(|(i, task)| (task.text.clone(), p.flags.iter().find(|f| f.task_index == i).map(|f| f.reason.clone())))
                .collect();
            PosRow {
                title: p.position.title.clone(),
                organization: org_name(&p.position.organization_id),
                program: format!("{} ({})", p.position.program, t.t(&format!("wf-setting-{}", p.position.setting.as_str()))),
                role: p.position.role_id.as_deref().map(|r| role_name(&state, t, r)).unwrap_or_else(|| t.t("wf-other-staff")),
                worker: p.worker_name.clone().unwrap_or_else(|| t.t("wf-vacant")),
                pay: format!("{} – {}", cents_text(p.position.pay_min_cents), cents_text(p.position.pay_max_cents)),
                tasks,
                flagged: !p.flags.is_empty(),
            }
        })
        .collect();
    let lone = report
        .single_peer_programs
        .iter()
        .map(|l| {
            t.tn(
                "wf-lone-peer",
                &[
                    ("program", l.program.clone()),
                    ("organization", org_name(&l.organization_id)),
                    ("setting", t.t(&format!("wf-setting-{}", l.setting.as_str()))),
                    ("critical", if l.critical { t.t("wf-lone-critical") } else { String::new() }),
                ],
            )
        })
        .collect();
    let pay = report
        .pay
        .iter()
        .filter(|p| !statewide || p.below)
        .take(PROBLEMS_SHOWN)
        .map(|p| PayRow {
            title: p.title.clone(),
            organization: org_name(&p.organization_id),
            midpoint: cents_text(p.midpoint_cents),
            comparable: p.comparable_median_cents.map(cents_text).unwrap_or_else(|| t.t("wf-none")),
            percent: p.percent.map(|x| format!("{x}%")).unwrap_or_else(|| t.t("wf-none")),
            below: p.below,
        })
        .collect();
    let mut organizations: Vec<(String, String, bool)> =
        names.iter().map(|(id, n)| (id.clone(), n.clone(), org.as_deref() == Some(id.as_str()))).collect();
    organizations.sort_by(|a, b| a.1.cmp(&b.1));
    let scope = org.as_deref().map(org_name).unwrap_or_else(|| t.t("wf-statewide"));
    render(PositionsPage {
        l: Layout::new(t, Some(&s), "/workforce/positions", t.t1("wf-positions-title", "scope", &scope)),
        sub: sub_nav(t, s.user.persona, "/workforce/positions"),
        scope,
        statewide,
        positions,
        flagged,
        lone,
        pay,
        organizations,
        state_admin,
    })
}

// --- API -----------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ApiOrgQuery {
    organization_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

async fn api_catalog(State(state): State<AppState>, ApiUser(_): ApiUser) -> ApiResult {
    let c = &state.catalog;
    let requirements: BTreeMap<&str, _> = c.roles.iter().map(|r| (r.id.as_str(), (&r.requirements, &r.supervision))).collect();
    ok(
        StatusCode::OK,
        json!({
            "credential_kinds": c.credential_kinds,
            "training_programs": c.training_programs,
            "task_kinds": c.task_kinds,
            "roles": requirements.iter().map(|(id, (req, sup))| json!({ "id": id, "requirements": req, "supervision": sup })).collect::<Vec<_>>(),
            "warning_days": accompany_domain::workforce::WARNING_DAYS,
            "small_cell": accompany_domain::workforce::SMALL_CELL,
        }),
    )
}

async fn api_problems(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: ApiOrgQuery = query(raw)?;
    let problems = s.access(&state).workforce_problems(q.organization_id.as_deref()).await.map_err(err)?;
    ok(StatusCode::OK, json!({ "count": problems.len(), "problems": problems }))
}

async fn api_compliance(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    ok(StatusCode::OK, json!({ "organizations": s.access(&state).compliance_by_organization().await.map_err(err)? }))
}

async fn api_me(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    let access = s.access(&state);
    let me = access.my_worker().await.map_err(err)?.ok_or_else(|| err(AppError::NotFound))?;
    ok(StatusCode::OK, access.worker_development(&me.id).await.map_err(err)?)
}

async fn api_supervisees(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    ok(StatusCode::OK, json!({ "supervisees": s.access(&state).supervisees().await.map_err(err)? }))
}

async fn api_worker(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).worker_development(&id).await.map_err(err)?)
}

async fn api_add_credential(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult {
    let c: Change<CredentialInput> = change(&headers, &bytes)?;
    let reason = c.reason.as_deref().unwrap_or("credential recorded");
    ok(StatusCode::CREATED, s.access(&state).add_credential(&id, &c.input, reason).await.map_err(err)?)
}

async fn api_add_ce(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<CeInput> = change(&headers, &bytes)?;
    let reason = c.reason.as_deref().unwrap_or("continuing education recorded");
    ok(StatusCode::CREATED, s.access(&state).add_ce_entry(&id, &c.input, reason).await.map_err(err)?)
}

async fn api_add_enrolment(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult {
    let c: Change<EnrolmentInput> = change(&headers, &bytes)?;
    let reason = c.reason.as_deref().unwrap_or("training recorded");
    ok(StatusCode::CREATED, s.access(&state).add_enrolment(&id, &c.input, reason).await.map_err(err)?)
}

async fn api_add_session(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<SessionInput> = change(&headers, &bytes)?;
    let reason = c.reason.as_deref().unwrap_or("supervision session recorded");
    ok(StatusCode::CREATED, s.access(&state).record_session(&id, &c.input, reason).await.map_err(err)?)
}

async fn api_picture(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: ApiOrgQuery = query(raw)?;
    let (from, to) = period(q.from.as_deref(), q.to.as_deref()).map_err(|e| err(AppError::Invalid(e)))?;
    ok(StatusCode::OK, s.access(&state).workforce_picture(q.organization_id.as_deref(), from, to).await.map_err(err)?)
}

async fn api_positions(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: ApiOrgQuery = query(raw)?;
    ok(StatusCode::OK, s.access(&state).positions(q.organization_id.as_deref()).await.map_err(err)?)
}

async fn api_create_position(State(state): State<AppState>, ApiUser(s): ApiUser, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<PositionInput> = change(&headers, &bytes)?;
    let reason = c.reason.as_deref().unwrap_or("position created");
    let p = s.access(&state).create_position(&c.input, reason).await.map_err(err)?;
    let flags = accompany_domain::workforce::prohibited_tasks(&state.catalog, &p);
    ok(StatusCode::CREATED, json!({ "position": p, "flags": flags }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use accompany_domain::workforce::{EnrolmentStatus, ProgramSetting, IDENTITY_TOPICS};

    /// Keys built at run time from enums resolve in every shipped language.
    #[test]
    fn every_built_key_is_translated() {
        let mut keys: Vec<String> = Vec::new();
        keys.extend(ProblemKind::ALL.iter().flat_map(|k| [format!("wf-kind-{}", k.as_str()), format!("wf-problem-{}", k.as_str())]));
        keys.extend(ProgramSetting::ALL.iter().map(|s| format!("wf-setting-{}", s.as_str())));
        keys.extend(SessionFormat::ALL.iter().map(|f| format!("wf-format-{}", f.as_str())));
        keys.extend(EnrolmentStatus::ALL.iter().map(|s| format!("wf-enrolment-{}", s.as_str())));
        keys.extend(["passed", "failed"].iter().map(|x| format!("wf-exam-{x}")));
        keys.extend(IDENTITY_TOPICS.iter().map(|d| format!("wf-identity-{d}")));
        for code in ["expiry-required", "hours", "minutes", "no-exam", "pay", "pay-band", "too-many", "no-such-worker"] {
            keys.push(format!("err-{code}"));
        }
        let names = [
            "subject",
            "credential",
            "requirement",
            "role",
            "date",
            "days",
            "threshold",
            "max",
            "min",
            "supervisor",
            "missing",
            "task",
            "reason",
            "setting",
            "billing",
            "critical",
        ];
        let args: Vec<(&str, String)> = names.iter().map(|n| (*n, "x".to_string())).collect();
        for (lang, _) in crate::i18n::SHIPPED {
            let t = Tr::new(lang);
            for k in &keys {
                assert!(!t.tn(k, &args).starts_with("Unknown localization key"), "{lang}: {k}");
            }
        }
        let es = Tr::new("es");
        assert_eq!(es.tn("wf-ce-progress", &[("earned", "2.5".into()), ("required", "15".into())]), "2.5 de 15 horas");
    }
}
