//! Referrals: the public "get support" door, staff referring someone, and the queue.

use accompany_domain::matching::SupportKind;
use accompany_domain::policy;
use accompany_domain::records::Persona;
use accompany_domain::referral::{Door, ReferralInput, ReferralStatus};
use accompany_domain::FieldError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Form;
use axum::Router;
use serde::Deserialize;

use crate::auth::{cookie, optional_user, random_token, set_cookie, ClientAddr, Lang, Signed, LOGIN_CSRF_COOKIE};
use crate::i18n::Tr;
use crate::page::{csrf_refused, error_page, render, Layout, MessagePage, PageResult, PageUser};
use crate::problem::AppError;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/get-support", get(public_form).post(public_submit))
        .route("/referrals", get(queue).post(staff_submit))
        .route("/referrals/new", get(staff_form))
        .route("/referrals/{id}/enrol", post(enrol))
        .route("/referrals/{id}/status", post(set_status))
}

/// Doors a person picks on the public page: who is filling it in, or how
/// they heard of peer support.
const PUBLIC_DOORS: [Door; 6] =
    [Door::SelfReferral, Door::FriendOrFamily, Door::SocialMedia, Door::RecoveryLearningCommunity, Door::CommunityOrganization, Door::Other];

/// One form field as the template draws it.
pub struct Field {
    pub name: &'static str,
    pub label: String,
    pub kind: &'static str,
    pub value: String,
    pub hint: String,
    pub error: String,
    pub optional: bool,
    pub autocomplete: &'static str,
    pub choices: Vec<(String, String)>,
}

#[derive(Deserialize, Default, Clone)]
pub struct ReferralForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    door: String,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    date_of_birth: String,
    #[serde(default)]
    masshealth_id: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    support: String,
}

fn some(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

impl ReferralForm {
    fn input(&self) -> ReferralInput {
        ReferralInput {
            door: self.door.clone(),
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            date_of_birth: self.date_of_birth.clone(),
            masshealth_id: some(&self.masshealth_id),
            phone: some(&self.phone),
            email: some(&self.email),
            language: self.language.clone(),
            support: self.support.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "referrals/get_support.html")]
struct SupportPage {
    l: Layout,
    intro_key: &'static str,
    action: &'static str,
    csrf: String,
    roles: Vec<(String, String, String)>,
    fields: Vec<Field>,
    support: Vec<(&'static str, String, bool)>,
    public: bool,
    error_list: Vec<(String, String, String)>,
}

#[allow(clippy::too_many_arguments)]
fn support_page(
    state: &AppState,
    t: &Tr,
    signed: Option<&Signed>,
    f: &ReferralForm,
    doors: &[Door],
    errors: &[FieldError],
    csrf: String,
    public: bool,
) -> Response {
    let err = |name: &str| errors.iter().find(|e| e.field == name).map(|e| t.field_error(e)).unwrap_or_default();
    let field = |name: &'static str, label: &str, kind: &'static str, value: &str, hint: &str, optional: bool, autocomplete: &'static str| Field {
        name,
        label: t.t(label),
        kind,
        value: value.to_string(),
        hint: if hint.is_empty() { String::new() } else { t.t(hint) },
        error: err(name),
        optional,
        autocomplete,
        choices: vec![],
    };
    let default_door = doors.first().map_or("", |d| d.as_str());
    let door = if f.door.is_empty() { default_door.to_string() } else { f.door.clone() };
    let language = if f.language.is_empty() { t.lang.to_string() } else { f.language.clone() };
    let fields = vec![
        Field {
            choices: doors.iter().map(|d| (d.as_str().to_string(), t.t(&format!("door-{}", d.as_str())))).collect(),
            ..field("door", "support-door", "text", &door, "", false, "")
        },
        field("given_name", "field-given-name", "text", &f.given_name, "", false, "given-name"),
        field("family_name", "field-family-name", "text", &f.family_name, "", false, "family-name"),
        field("date_of_birth", "field-date-of-birth", "date", &f.date_of_birth, "hint-date", false, "bday"),
        field("phone", "field-phone", "tel", &f.phone, "support-reach-hint", true, "tel"),
        field("email", "field-email", "email", &f.email, "", true, "email"),
        Field {
            choices: state.catalog.languages.iter().map(|l| (l.code.clone(), l.name.get(t.lang).to_string())).collect(),
            ..field("language", "support-language", "text", &language, "", false, "")
        },
        field("masshealth_id", "field-masshealth-id", "text", &f.masshealth_id, "support-masshealth-hint", true, "off"),
    ];
    let support = SupportKind::ALL.iter().map(|k| (k.as_str(), t.t(&format!("support-{}", k.as_str())), f.support == k.as_str())).collect();
    let roles =
        state.catalog.roles.iter().map(|r| (r.id.clone(), r.name.get(t.lang).to_string(), r.plain_language.get(t.lang).to_string())).collect();
    let (path, title) = if public { ("/get-support", "support-title") } else { ("/referrals/new", "referrals-new") };
    let error_list = errors
        .iter()
        .map(|e| {
            let anchor = if e.field == "support" { "support-mental-health".to_string() } else { e.field.clone() };
            (anchor, t.field_label(&e.field), t.field_error(e))
        })
        .collect();
    let mut r = render(SupportPage {
        l: Layout::new(t, signed, path, t.t(title)),
        intro_key: if public { "support-intro" } else { "referrals-intro" },
        action: if public { "/get-support" } else { "/referrals" },
        csrf,
        roles,
        fields,
        support,
        public,
        error_list,
    });
    if !errors.is_empty() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

// --- The public page ----------------------------------------------------------

async fn public_form(State(state): State<AppState>, headers: HeaderMap, Lang(t): Lang) -> Response {
    let signed = optional_user(&state, &headers, &t).await;
    public_page(&state, &t, signed.as_ref(), &ReferralForm::default(), &[])
}

/// The public form carries its own double-submit token, as the sign-in form does.
fn public_page(state: &AppState, t: &Tr, signed: Option<&Signed>, f: &ReferralForm, errors: &[FieldError]) -> Response {
    let token = random_token();
    let mut r = support_page(state, t, signed, f, &PUBLIC_DOORS, errors, token.clone(), true);
    if let Ok(v) = set_cookie(LOGIN_CSRF_COOKIE, &token, 3600, state.secure_cookies).parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

async fn public_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Lang(t): Lang,
    ClientAddr(addr): ClientAddr,
    Form(f): Form<ReferralForm>,
) -> Response {
    if cookie(&headers, LOGIN_CSRF_COOKIE) != Some(f.csrf.as_str()) {
        return error_page(&t, AppError::Forbidden(t.t("sign-in-expired")));
    }
    match state.store.self_refer(&f.input(), &addr).await {
        Ok(_) => render(MessagePage { l: Layout::new(&t, None, "/get-support", t.t("support-done-title")), message: t.t("support-done") }),
        Err(e) => match AppError::from(e) {
            AppError::Invalid(errors) => public_page(&state, &t, None, &f, &errors),
            other => error_page(&t, other),
        },
    }
}

// --- Staff: refer someone, and the queue ----------------------------------------

/// The door a staff member most likely stands at.
fn staff_doors(p: Persona) -> Vec<Door> {
    let first = match p {
        Persona::CareCoordinator | Persona::OrganizationAdmin => Door::CareCoordinator,
        Persona::PeerWorker | Persona::Supervisor => Door::RecoveryLearningCommunity,
        _ => Door::Other,
    };
    std::iter::once(first).chain(Door::ALL.into_iter().filter(|d| *d != first && *d != Door::SelfReferral)).collect()
}

async fn staff_form(State(state): State<AppState>, PageUser(s): PageUser) -> PageResult {
    if let accompany_domain::policy::Decision::Deny(_) =
        accompany_domain::policy::decide_referrals(&s.user.actor(), accompany_domain::policy::Action::Create)
    {
        return Err(AppError::Forbidden(s.tr.t("error-forbidden-detail")).into());
    }
    let csrf = s.csrf.clone().unwrap_or_default();
    Ok(support_page(&state, &s.tr, Some(&s), &ReferralForm::default(), &staff_doors(s.user.persona), &[], csrf, false))
}

async fn staff_submit(State(state): State<AppState>, PageUser(s): PageUser, Form(f): Form<ReferralForm>) -> PageResult {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return Ok(r);
    }
    match s.access(&state).refer(&f.input()).await {
        Ok(_) => Ok(Redirect::to(if policy::may_work_referral_queue(s.user.persona) { "/referrals" } else { "/home" }).into_response()),
        Err(e) => match AppError::from(e) {
            AppError::Invalid(errors) => {
                let csrf = s.csrf.clone().unwrap_or_default();
                Ok(support_page(&state, &s.tr, Some(&s), &f, &staff_doors(s.user.persona), &errors, csrf, false))
            }
            other => Err(other.into()),
        },
    }
}

pub struct QueueRow {
    pub id: String,
    pub name: String,
    pub age_days: i64,
    pub doors: String,
    pub language: String,
    pub support: String,
    pub reach: String,
    pub status: String,
    pub arrivals: u32,
    pub member_id: Option<String>,
    pub has_masshealth: bool,
}

#[derive(Template)]
#[template(path = "referrals/referrals.html")]
struct QueuePage {
    l: Layout,
    rows: Vec<QueueRow>,
    next: Option<String>,
}

#[derive(Deserialize, Default)]
struct QueueQuery {
    after: Option<String>,
}

async fn queue(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<QueueQuery>) -> PageResult {
    let t = &s.tr;
    let page = s.access(&state).referral_queue(None, q.after.as_deref(), 100).await?;
    let today = time::OffsetDateTime::now_utc().date();
    let rows = page
        .items
        .iter()
        .map(|r| QueueRow {
            id: r.id.clone(),
            name: format!("{} {}", r.given_name, r.family_name),
            age_days: r.age_days(today),
            doors: r.doors.iter().map(|d| t.t(&format!("door-{}", d.as_str()))).collect::<Vec<_>>().join(", "),
            language: state.catalog.language(&r.language).map(|l| l.name.get(t.lang).to_string()).unwrap_or_else(|| r.language.clone()),
            support: t.t(&format!("support-{}", r.support.as_str())),
            reach: [r.phone.clone(), r.email.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · "),
            status: t.t(&format!("referral-status-{}", r.status.as_str())),
            arrivals: r.arrivals,
            member_id: r.member_id.clone(),
            has_masshealth: r.masshealth_id.is_some(),
        })
        .collect();
    let next = page.next_cursor.map(|c| format!("/referrals?after={}", crate::auth::urlencode(&c)));
    Ok(render(QueuePage { l: Layout::new(t, Some(&s), "/referrals", t.t("referrals-title")), rows, next }))
}

#[derive(Deserialize)]
struct EnrolForm {
    csrf: String,
    #[serde(default)]
    masshealth_id: String,
}

async fn enrol(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Form(f): Form<EnrolForm>) -> PageResult {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return Ok(r);
    }
    let access = s.access(&state);
    let e = access.enrol_referral(&id, some(&f.masshealth_id).as_deref()).await?;
    if e.joined_team {
        return Ok(Redirect::to(&format!("/members/{}", e.member_id)).into_response());
    }
    // The record existed: the coordinator asks to join its team, and the
    // member or their plan answers.
    if policy::joins_team_on_enrolment(s.user.persona) {
        let reason = s.tr.t("referrals-join-reason");
        access.ask_to_join(&e.member_id, accompany_domain::records::TeamRole::CareCoordinator, &reason).await?;
    }
    Ok(Redirect::to("/referrals?asked=1").into_response())
}

#[derive(Deserialize)]
struct StatusForm {
    csrf: String,
    status: String,
}

async fn set_status(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Form(f): Form<StatusForm>) -> PageResult {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return Ok(r);
    }
    let Some(status) = ReferralStatus::parse(&f.status) else {
        return Err(AppError::Invalid(vec![FieldError::new("status", "unknown-choice", "choose contacted or closed")]).into());
    };
    s.access(&state).set_referral_status(&id, status).await?;
    Ok(Redirect::to("/referrals").into_response())
}
