//! Server-rendered pages. Each persona lands on its own home page with its
//! own navigation; every form carries the session's CSRF token.

use std::collections::HashMap;

use accompany_domain::catalog::Role;
use accompany_domain::notes::{ContactNote, Modality, Setting, HEALTH_CATEGORIES};
use accompany_domain::privacy::{Categories, Category, Purpose};
use accompany_domain::records::{format_date, Demographics, Member, MemberInput, Organization, Persona, Worker};
use accompany_domain::FieldError;
use accompany_store::{MemberFilter, Page, TeamMemberView, User, VersionEntry, WorkerFilter};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::auth::{cookie, random_token, safe_next, set_cookie, ClientAddr, Lang, PageUser, Signed, LANG_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::i18n::{Tr, SHIPPED};
use crate::problem::AppError;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(landing))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/account/password", get(password_form).post(change_password))
        .route("/lang/{code}", get(switch_language))
        .route("/home", get(home))
        .route("/members", get(members).post(create_member))
        .route("/members/new", get(new_member))
        .route("/members/{id}", get(member).post(update_member))
        .route("/members/{id}/edit", get(edit_member))
        .route("/roles", get(roles))
        .route("/roles/{id}", get(role))
        .route("/organizations", get(organizations))
        .route("/workers", get(workers))
        .fallback(not_found)
}

/// What every page's frame needs: language, who is signed in, navigation.
pub struct Layout {
    pub t: Tr,
    pub user: Option<User>,
    pub csrf: String,
    pub path: String,
    pub title: String,
    /// The person may open emergency access.
    pub emergency: bool,
}

pub struct NavLink {
    pub href: &'static str,
    pub label: String,
    pub current: bool,
}

impl Layout {
    pub(crate) fn new(t: &Tr, user: Option<&Signed>, path: &str, title: String) -> Layout {
        Layout {
            t: t.clone(),
            user: user.map(|s| s.user.clone()),
            csrf: user.and_then(|s| s.csrf.clone()).unwrap_or_default(),
            path: path.to_string(),
            title,
            emergency: user.is_some_and(|s| s.emergency),
        }
    }

    /// Navigation for the signed-in persona.
    pub fn nav(&self) -> Vec<NavLink> {
        let Some(u) = &self.user else {
            return vec![self.link("/get-support", "nav-get-support"), self.link("/roles", "nav-roles"), self.link("/login", "nav-sign-in")];
        };
        let mut links = vec![self.link("/home", "nav-home")];
        match u.persona {
            Persona::Member => {
                links.push(self.link("/choose", "nav-choose"));
                links.push(self.link("/sharing", "nav-sharing"));
            }
            Persona::PrivacyOfficer => links.push(self.link("/privacy", "nav-privacy")),
            Persona::PeerWorker => links.push(self.link("/members", "nav-caseload")),
            Persona::Supervisor => {
                links.push(self.link("/members", "nav-members"));
                links.push(self.link("/workers", "nav-workers"));
            }
            Persona::CareCoordinator => {
                links.push(self.link("/members", "nav-members"));
                links.push(self.link("/members/new", "nav-new-member"));
            }
            Persona::Clinician => links.push(self.link("/members", "nav-members")),
            Persona::OrganizationAdmin | Persona::StateAdmin => {
                links.push(self.link("/members", "nav-members"));
                links.push(self.link("/workers", "nav-workers"));
                links.push(self.link("/organizations", "nav-organizations"));
                links.push(self.link("/matching", "nav-matching"));
            }
        }
        for (href, key) in crate::booking_pages::nav_keys(u.persona) {
            links.push(self.link(href, key));
        }
        if !matches!(u.persona, Persona::Member | Persona::PrivacyOfficer) {
            links.push(self.workforce_link());
        }
        if crate::referral_pages::can_work_queue(u.persona) {
            links.push(self.link("/referrals", "nav-referrals"));
        } else if matches!(u.persona, Persona::PeerWorker | Persona::Supervisor) {
            links.push(self.link("/referrals/new", "nav-refer"));
        }
        if self.emergency {
            links.push(self.link("/emergency", "nav-emergency"));
        }
        links.push(self.link("/roles", "nav-roles"));
        links
    }

    /// The workforce pages, current on any page under /workforce.
    fn workforce_link(&self) -> NavLink {
        NavLink { href: "/workforce", label: self.t.t("nav-workforce"), current: self.path.starts_with("/workforce") }
    }

    fn link(&self, href: &'static str, key: &str) -> NavLink {
        NavLink { href, label: self.t.t(key), current: self.path == href }
    }

    pub fn languages(&self) -> Vec<(&'static str, &'static str, bool)> {
        SHIPPED.iter().map(|(c, n)| (*c, *n, *c == self.t.lang)).collect()
    }

    pub fn persona_name(&self) -> String {
        self.user.as_ref().map(|u| self.t.t(&format!("persona-{}", u.persona.as_str()))).unwrap_or_default()
    }

    pub fn persona_key(&self) -> &'static str {
        self.user.as_ref().map_or("", |u| u.persona.as_str())
    }

    pub fn next_param(&self) -> String {
        crate::auth::urlencode(&self.path)
    }
}

pub(crate) fn render(t: impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be shown").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Layout,
    heading: String,
    message: String,
    /// (field, translated problem)
    fields: Vec<(String, String)>,
}

pub fn error_page(t: &Tr, e: AppError) -> Response {
    let (status, heading, message, fields) = match e {
        AppError::NotFound => (StatusCode::NOT_FOUND, t.t("error-not-found"), t.t("error-not-found-detail"), vec![]),
        AppError::Denied(_) => (StatusCode::FORBIDDEN, t.t("error-forbidden"), t.t("error-forbidden-detail"), vec![]),
        AppError::Forbidden(message) => (StatusCode::FORBIDDEN, t.t("error-forbidden"), message, vec![]),
        AppError::Invalid(f) => (StatusCode::UNPROCESSABLE_ENTITY, t.t("error-invalid"), t.t("error-invalid-detail"), f),
        AppError::Conflict(_) => (StatusCode::CONFLICT, t.t("error-conflict"), t.t("error-conflict-detail"), vec![]),
        AppError::Throttled => (StatusCode::TOO_MANY_REQUESTS, t.t("error-throttled"), t.t("error-throttled-detail"), vec![]),
        AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, t.t("error-internal"), t.t("error-internal-detail"), vec![]),
    };
    let l = Layout::new(t, None, "", heading.clone());
    let fields = fields.iter().map(|f| (f.field.clone(), t.field_error(f))).collect();
    let mut r = render(ErrorPage { l, heading, message, fields });
    *r.status_mut() = status;
    r
}

pub(crate) fn page_error(s: &Signed, e: impl Into<AppError>) -> Response {
    error_page(&s.tr, e.into())
}

/// A page whose form shows each field's problem: templates call
/// `self.error("field")` and `self.has_error("field")`.
pub(crate) trait FieldErrors {
    /// Field name to its translated problem.
    fn field_errors(&self) -> &HashMap<String, String>;

    fn error(&self, field: &str) -> String {
        self.field_errors().get(field).cloned().unwrap_or_default()
    }

    fn has_error(&self, field: &str) -> bool {
        self.field_errors().contains_key(field)
    }
}

/// A form's page, 422 while it shows problems; an error page if it could not be built.
pub(crate) fn form_page(s: &Signed, page: Result<impl Template, AppError>, invalid: bool) -> Response {
    match page {
        Ok(p) => {
            let mut r = render(p);
            if invalid {
                *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            }
            r
        }
        Err(e) => page_error(s, e),
    }
}

/// Every form carries the session's token; without it the form is refused.
pub(crate) fn csrf_refused(s: &Signed, csrf: &str) -> Option<Response> {
    (!s.check_csrf(Some(csrf))).then(|| page_error(s, AppError::Forbidden(s.tr.t("error-csrf"))))
}

/// After a form's change: on to `done`; the form again with its problems; or
/// an error page for any other failure.
pub(crate) async fn saved_or_form<T, F: std::future::Future<Output = Response>>(
    s: &Signed,
    saved: Result<T, impl Into<AppError>>,
    done: &str,
    form: impl FnOnce(Vec<FieldError>) -> F,
) -> Response {
    match saved.map_err(Into::into) {
        Ok(_) => Redirect::to(done).into_response(),
        Err(AppError::Invalid(errors)) => form(errors).await,
        Err(other) => page_error(s, other),
    }
}

/// After a change without a form to show again: on to `done`, or an error page.
pub(crate) fn done_or_error<T>(s: &Signed, result: Result<T, impl Into<AppError>>, done: &str) -> Response {
    match result {
        Ok(_) => Redirect::to(done).into_response(),
        Err(e) => page_error(s, e),
    }
}

async fn not_found(Lang(t): Lang) -> Response {
    error_page(&t, AppError::NotFound)
}

// --- Public pages -------------------------------------------------------------

#[derive(Template)]
#[template(path = "landing.html")]
struct LandingPage {
    l: Layout,
    roles: Vec<(String, String, String)>,
}

async fn landing(State(state): State<AppState>, Lang(t): Lang) -> Response {
    let roles =
        state.catalog.chart_roles().map(|r| (r.id.clone(), r.name.get(t.lang).to_string(), r.plain_language.get(t.lang).to_string())).collect();
    render(LandingPage { l: Layout::new(&t, None, "/", t.t("app-name")), roles })
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    next: String,
    error: Option<String>,
    username: String,
    login_csrf: String,
}

#[derive(Deserialize, Default)]
struct NextQuery {
    next: Option<String>,
}

async fn login_form(State(state): State<AppState>, Lang(t): Lang, Query(q): Query<NextQuery>) -> Response {
    login_page(&state, &t, safe_next(q.next.as_deref()), None, String::new(), StatusCode::OK)
}

fn login_page(state: &AppState, t: &Tr, next: String, error: Option<String>, username: String, status: StatusCode) -> Response {
    let token = random_token();
    let l = Layout::new(t, None, "/login", t.t("sign-in-title"));
    let mut r = render(LoginPage { l, next, error, username, login_csrf: token.clone() });
    *r.status_mut() = status;
    if let Ok(v) = set_cookie(LOGIN_CSRF_COOKIE, &token, 3600, state.secure_cookies).parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
    csrf: String,
}

async fn login(State(state): State<AppState>, Lang(t): Lang, headers: HeaderMap, ClientAddr(addr): ClientAddr, Form(f): Form<LoginForm>) -> Response {
    let next = safe_next(f.next.as_deref());
    if cookie(&headers, LOGIN_CSRF_COOKIE) != Some(f.csrf.as_str()) {
        return login_page(&state, &t, next, Some(t.t("sign-in-expired")), f.username, StatusCode::FORBIDDEN);
    }
    let user = match state.store.authenticate(f.username.trim(), &f.password, &addr).await {
        Ok(Ok(u)) => u,
        Ok(Err(accompany_store::LoginError::BadCredentials)) => {
            return login_page(&state, &t, next, Some(t.t("sign-in-failed")), f.username, StatusCode::UNAUTHORIZED)
        }
        Ok(Err(accompany_store::LoginError::Throttled { seconds })) => {
            let msg = t.t1("sign-in-throttled", "seconds", seconds.to_string());
            let mut r = login_page(&state, &t, next, Some(msg), f.username, StatusCode::TOO_MANY_REQUESTS);
            if let Ok(v) = seconds.max(1).to_string().parse() {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return r;
        }
        Err(e) => return error_page(&t, e.into()),
    };
    let session = match state.store.create_session(&user.id).await {
        Ok(s) => s,
        Err(e) => return error_page(&t, e.into()),
    };
    let mut r = Redirect::to(&next).into_response();
    for c in [
        set_cookie(SESSION_COOKIE, &session, i64::from(state.store.limits().session_hours) * 3600, state.secure_cookies),
        set_cookie(LOGIN_CSRF_COOKIE, "", 0, state.secure_cookies),
    ] {
        if let Ok(v) = c.parse() {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    r
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(State(state): State<AppState>, headers: HeaderMap, PageUser(s): PageUser, Form(f): Form<CsrfForm>) -> Response {
    if !s.check_csrf(Some(&f.csrf)) {
        return page_error(&s, AppError::Forbidden(s.tr.t("error-csrf")));
    }
    if let Some(id) = cookie(&headers, SESSION_COOKIE) {
        if let Err(e) = state.store.sign_out(id, &s.client_addr).await {
            return page_error(&s, e);
        }
    }
    let mut r = Redirect::to("/").into_response();
    if let Ok(v) = set_cookie(SESSION_COOKIE, "", 0, state.secure_cookies).parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    l: Layout,
    error: Option<String>,
}

async fn password_form(PageUser(s): PageUser) -> Response {
    let l = Layout::new(&s.tr, Some(&s), "/account/password", s.tr.t("password-title"));
    render(PasswordPage { l, error: None })
}

#[derive(Deserialize)]
struct PasswordForm {
    csrf: String,
    current_password: String,
    new_password: String,
}

/// Change one's own password; every session ends, so the next page is the sign-in.
async fn change_password(State(state): State<AppState>, PageUser(s): PageUser, Form(f): Form<PasswordForm>) -> Response {
    if !s.check_csrf(Some(&f.csrf)) {
        return page_error(&s, AppError::Forbidden(s.tr.t("error-csrf")));
    }
    let again = |status: StatusCode, message: String| {
        let l = Layout::new(&s.tr, Some(&s), "/account/password", s.tr.t("password-title"));
        let mut r = render(PasswordPage { l, error: Some(message) });
        *r.status_mut() = status;
        r
    };
    match state.store.change_password(&s.user, &f.current_password, &f.new_password, &s.client_addr).await {
        Ok(Ok(())) => {
            let mut r = Redirect::to("/login?next=/home").into_response();
            if let Ok(v) = set_cookie(SESSION_COOKIE, "", 0, state.secure_cookies).parse() {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            r
        }
        Ok(Err(accompany_store::PasswordError::WrongCurrent)) => again(StatusCode::FORBIDDEN, s.tr.t("password-wrong-current")),
        Ok(Err(accompany_store::PasswordError::Throttled { seconds })) => {
            again(StatusCode::TOO_MANY_REQUESTS, s.tr.t1("sign-in-throttled", "seconds", seconds.to_string()))
        }
        Err(accompany_store::StoreError::Invalid(i)) => {
            again(StatusCode::UNPROCESSABLE_ENTITY, i.0.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; "))
        }
        Err(e) => page_error(&s, e),
    }
}

async fn switch_language(State(state): State<AppState>, Path(code): Path<String>, Query(q): Query<NextQuery>) -> Response {
    let code = SHIPPED.iter().map(|(c, _)| *c).find(|c| *c == code).unwrap_or("en");
    let mut r = Redirect::to(&safe_next(q.next.as_deref())).into_response();
    if let Ok(v) = set_cookie(LANG_COOKIE, code, 365 * 24 * 3600, state.secure_cookies).parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

// --- Roles ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "roles.html")]
struct RolesPage<'a> {
    l: Layout,
    roles: Vec<&'a Role>,
    shared_values: &'a [String],
    state_name: &'a str,
}

async fn roles(State(state): State<AppState>, headers: HeaderMap, Lang(t): Lang) -> Response {
    let signed = optional_user(&state, &headers, &t).await;
    let l = Layout::new(&t, signed.as_ref(), "/roles", t.t("roles-title"));
    render(RolesPage {
        l,
        roles: state.catalog.chart_roles().collect(),
        shared_values: &state.catalog.shared_values,
        state_name: &state.catalog.state,
    })
}

#[derive(Template)]
#[template(path = "role.html")]
struct RolePage<'a> {
    l: Layout,
    role: &'a Role,
}

async fn role(State(state): State<AppState>, headers: HeaderMap, Lang(t): Lang, Path(id): Path<String>) -> Response {
    let Some(role) = state.catalog.role(&id) else {
        return error_page(&t, AppError::NotFound);
    };
    let signed = optional_user(&state, &headers, &t).await;
    let l = Layout::new(&t, signed.as_ref(), "/roles", role.name.get(t.lang).to_string());
    render(RolePage { l, role })
}

/// Public pages still show who is signed in, when someone is.
pub(crate) async fn optional_user(state: &AppState, headers: &HeaderMap, t: &Tr) -> Option<Signed> {
    let id = cookie(headers, SESSION_COOKIE)?;
    let s = state.store.session(id).await.ok()??;
    let emergency = accompany_domain::privacy::may_break_glass(s.user.persona, &state.catalog.privacy);
    Some(Signed { tr: t.clone(), user: s.user, csrf: Some(s.csrf_token), client_addr: String::new(), emergency })
}

// --- Home -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    greeting: String,
    own: Option<MemberView>,
    team: Vec<TeamRow>,
    members: Vec<MemberRow>,
    workers: Vec<WorkerRow>,
    organizations: Vec<Organization>,
    /// Notifications, in the reader's language.
    notices: Vec<String>,
    /// The member just chose a peer.
    chosen: bool,
}

pub struct TeamRow {
    pub name: String,
    pub team_role: String,
    pub organization: String,
    pub role_href: Option<String>,
    pub role_name: Option<String>,
    pub role_plain: Option<String>,
}

pub struct MemberRow {
    pub id: String,
    pub name: String,
    pub language: String,
    pub city: String,
    pub age_band: String,
}

pub struct WorkerRow {
    pub name: String,
    pub role: String,
    pub languages: String,
    pub active: bool,
}

#[derive(Deserialize, Default)]
struct HomeQuery {
    chosen: Option<String>,
}

async fn home(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<HomeQuery>) -> Response {
    let t = &s.tr;
    let access = s.access(&state);
    let greeting = t.t1("home-greeting", "name", &s.user.display_name);
    let mut page = HomePage {
        l: Layout::new(t, Some(&s), "/home", t.t("home-title")),
        greeting,
        own: None,
        team: vec![],
        members: vec![],
        workers: vec![],
        organizations: vec![],
        notices: vec![],
        chosen: q.chosen.is_some(),
    };
    let result: Result<(), AppError> = async {
        page.notices = access.notifications(10).await?.iter().map(|n| crate::choice_pages::notice_text(t, n)).collect();
        match s.user.persona {
            Persona::Member => {
                if let Some(id) = &s.user.member_id {
                    let m = access.member(id).await?;
                    page.team = team_rows(&state, t, &access.care_team(id).await?);
                    page.own = Some(member_view(&state, t, &m.record, m.visible_categories));
                }
            }
            Persona::PeerWorker | Persona::Supervisor | Persona::CareCoordinator | Persona::Clinician => {
                let list = access.members(&MemberFilter { limit: 20, ..Default::default() }).await?;
                page.members = member_rows(&state, t, &list);
            }
            Persona::OrganizationAdmin => {
                let workers = access.workers(&WorkerFilter { employer_id: s.user.organization_id.clone(), limit: 20, ..Default::default() }).await?;
                page.workers = worker_rows(&state, t, &workers.items);
                let list = access.members(&MemberFilter { limit: 10, ..Default::default() }).await?;
                page.members = member_rows(&state, t, &list);
            }
            Persona::StateAdmin => {
                page.organizations = access.organizations(None, None, 50).await?.items;
            }
            Persona::PrivacyOfficer => {}
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => render(page),
        Err(e) => page_error(&s, e),
    }
}

fn team_rows(state: &AppState, t: &Tr, team: &[TeamMemberView]) -> Vec<TeamRow> {
    team.iter()
        .map(|p| {
            let role = p.worker_role_id.as_deref().and_then(|r| state.catalog.role(r));
            TeamRow {
                name: p.display_name.clone(),
                team_role: t.t(&format!("team-role-{}", p.team_role.as_str())),
                organization: p.organization.clone().unwrap_or_default(),
                role_href: role.map(|r| format!("/roles/{}", r.id)),
                role_name: role.map(|r| r.name.get(t.lang).to_string()),
                role_plain: role.map(|r| r.plain_language.get(t.lang).to_string()),
            }
        })
        .collect()
}

fn language_name(state: &AppState, t: &Tr, code: &str) -> String {
    state.catalog.language(code).map(|l| l.name.get(t.lang).to_string()).unwrap_or_else(|| code.to_string())
}

fn member_rows(state: &AppState, t: &Tr, page: &Page<Member>) -> Vec<MemberRow> {
    page.items
        .iter()
        .map(|m| MemberRow {
            id: m.id.clone(),
            name: format!("{} {}", m.given_name, m.family_name),
            language: m.preferred_languages.first().map(|c| language_name(state, t, c)).unwrap_or_default(),
            city: m.city.clone().unwrap_or_default(),
            age_band: m.demographics.age_band.clone().unwrap_or_default(),
        })
        .collect()
}

fn worker_rows(state: &AppState, t: &Tr, workers: &[Worker]) -> Vec<WorkerRow> {
    workers
        .iter()
        .map(|w| WorkerRow {
            name: format!("{} {}", w.given_name, w.family_name),
            role: state.catalog.role(&w.role_id).map(|r| r.name.get(t.lang).to_string()).unwrap_or_default(),
            languages: w.languages.iter().map(|c| language_name(state, t, c)).collect::<Vec<_>>().join(", "),
            active: w.employment_end.is_none(),
        })
        .collect()
}

// --- Members ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    l: Layout,
    members: Vec<MemberRow>,
    name: String,
    next: Option<String>,
    can_create: bool,
}

#[derive(Deserialize, Default)]
struct MembersQuery {
    name: Option<String>,
    after: Option<String>,
}

fn can_create_members(p: Persona) -> bool {
    matches!(p, Persona::CareCoordinator | Persona::OrganizationAdmin | Persona::StateAdmin)
}

async fn members(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<MembersQuery>) -> Response {
    let filter = MemberFilter { name: q.name.clone(), after: q.after.clone(), limit: 50, ..Default::default() };
    let page = match s.access(&state).members(&filter).await {
        Ok(p) => p,
        Err(e) => return page_error(&s, e),
    };
    let name = q.name.unwrap_or_default();
    let next = page.next_cursor.as_ref().map(|c| format!("/members?name={}&after={}", crate::auth::urlencode(&name), c));
    let title = if s.user.persona == Persona::PeerWorker { s.tr.t("nav-caseload") } else { s.tr.t("members-title") };
    render(MembersPage {
        l: Layout::new(&s.tr, Some(&s), "/members", title),
        members: member_rows(&state, &s.tr, &page),
        name,
        next,
        can_create: can_create_members(s.user.persona),
    })
}

/// A member's record as a page shows it.
pub struct MemberView {
    pub id: String,
    pub name: String,
    pub masshealth_id: String,
    pub medicare_id: String,
    pub date_of_birth: String,
    pub phone: String,
    pub email: String,
    pub city: String,
    pub languages: String,
    pub needs: String,
    pub demographics: Vec<(String, String)>,
}

/// The page's view of a record: what the reader may not see says so, rather
/// than looking empty.
fn member_view(state: &AppState, t: &Tr, m: &Member, visible: Categories) -> MemberView {
    let hidden = t.t("hidden-by-choice");
    let shown = |c: Category, v: String| {
        if visible.contains(c) {
            v
        } else {
            hidden.clone()
        }
    };
    let d = &m.demographics;
    let dims = [
        ("demo-gender", &d.gender),
        ("demo-race", &d.race),
        ("demo-ethnicity", &d.ethnicity),
        ("demo-sexual-orientation", &d.sexual_orientation),
        ("demo-faith", &d.faith),
        ("demo-age-band", &d.age_band),
    ];
    MemberView {
        id: m.id.clone(),
        name: format!("{} {}", m.given_name, m.family_name),
        masshealth_id: shown(Category::Billing, m.masshealth_id.clone()),
        medicare_id: shown(Category::Billing, m.medicare_id.clone().unwrap_or_default()),
        date_of_birth: format_date(m.date_of_birth),
        phone: shown(Category::Contact, m.phone.clone().unwrap_or_default()),
        email: shown(Category::Contact, m.email.clone().unwrap_or_default()),
        city: m.city.clone().unwrap_or_default(),
        languages: m.preferred_languages.iter().map(|c| language_name(state, t, c)).collect::<Vec<_>>().join(", "),
        needs: shown(Category::CarePlan, m.needs.join(", ")),
        demographics: dims.iter().map(|(k, v)| (t.t(k), shown(Category::Identity, (*v).clone().unwrap_or_else(|| t.t("not-said"))))).collect(),
    }
}

#[derive(Template)]
#[template(path = "member.html")]
struct MemberPage {
    l: Layout,
    m: MemberView,
    team: Vec<TeamRow>,
    history: Vec<VersionEntry>,
    can_edit: bool,
    /// For the member themself: who looked at the record, newest first.
    looked: Vec<AccessRow>,
    /// What the member's choices keep from this reader, in words; empty for the member.
    hidden: String,
    emergency: bool,
    health: Vec<HealthRow>,
    part2_notice: Option<&'static str>,
    notes: Vec<ContactNote>,
    can_log_contact: bool,
    health_categories: Vec<(&'static str, String)>,
    modalities: Vec<(&'static str, String)>,
    settings: Vec<(&'static str, String)>,
    today: String,
    /// The member's recovery goals beside the care plan, as far as shared with the reader.
    goals: Vec<(String, String)>,
    goals_hidden: bool,
    /// The member's care coordinator may give them an enrolment code.
    can_issue_code: bool,
}

pub struct HealthRow {
    pub category: String,
    pub text: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

pub struct AccessRow {
    pub when: String,
    pub who: String,
    pub what: String,
    pub refused: bool,
    pub emergency: bool,
}

async fn member(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>) -> Response {
    let access = s.access(&state);
    let result: Result<MemberPage, AppError> = async {
        let seen = access.member(&id).await?;
        let team = team_rows(&state, &s.tr, &access.care_team(&id).await?);
        let history = access.member_history(&id).await?;
        let health = access.health_entries(&id).await?;
        let notes = access.contact_notes(&id).await?;
        let goals = access.recovery_goals(&id).await?.record;
        let is_self = s.user.member_id.as_deref() == Some(id.as_str());
        let emergency = seen.purpose == Purpose::Emergency;
        let can_edit =
            !emergency && matches!(s.user.persona, Persona::Member | Persona::CareCoordinator | Persona::OrganizationAdmin | Persona::StateAdmin);
        let visible = seen.visible_categories;
        let hidden_list: Vec<String> = crate::privacy_pages::CHOOSABLE
            .iter()
            .filter(|c| !visible.contains(**c))
            .map(|c| crate::privacy_pages::category_name(&s.tr, *c))
            .collect();
        let hidden = if is_self || hidden_list.is_empty() { String::new() } else { s.tr.t1("hidden-list", "list", hidden_list.join(", ")) };
        let view = member_view(&state, &s.tr, &seen.record, visible);
        let t = &s.tr;
        let options = |ids: Vec<&'static str>, prefix: &str| ids.into_iter().map(|i| (i, t.t(&format!("{prefix}{i}")))).collect();
        let looked = if s.user.member_id.as_deref() == Some(id.as_str()) {
            access
                .member_audit(&id)
                .await?
                .into_iter()
                .map(|e| AccessRow {
                    when: e.at.get(..16).unwrap_or(&e.at).replace('T', " "),
                    who: e.actor_username,
                    what: s.tr.t(&format!("audit-action-{}", e.action)),
                    refused: e.decision == "deny",
                    emergency: e.purpose == "emergency",
                })
                .collect()
        } else {
            vec![]
        };
        Ok(MemberPage {
            l: Layout::new(&s.tr, Some(&s), "/members", view.name.clone()),
            m: view,
            team,
            history,
            can_edit,
            looked,
            hidden,
            emergency,
            part2_notice: health.part2_notice,
            health: health
                .record
                .entries
                .into_iter()
                .map(|e| HealthRow {
                    category: crate::privacy_pages::category_name(t, e.category),
                    text: e.text,
                    recorded_by: e.recorded_by,
                    recorded_at: e.recorded_at.get(..10).unwrap_or(&e.recorded_at).to_string(),
                })
                .collect(),
            notes,
            can_log_contact: s.user.persona == Persona::PeerWorker,
            can_issue_code: s.user.persona == Persona::CareCoordinator && !emergency,
            health_categories: options(HEALTH_CATEGORIES.iter().map(|c| c.as_str()).collect(), "category-"),
            modalities: options(Modality::ALL.iter().map(|m| m.as_str()).collect(), "modality-"),
            settings: options(Setting::ALL.iter().map(|m| m.as_str()).collect(), "setting-"),
            today: format_date(time::OffsetDateTime::now_utc().date()),
            goals_hidden: goals.hidden,
            goals: goals.goals.iter().map(|g| (g.goal.clone(), s.tr.t(&format!("ct-goal-status-{}", g.status.as_str())))).collect(),
        })
    }
    .await;
    match result {
        Ok(p) => render(p),
        Err(e) => page_error(&s, e),
    }
}

/// The member form, flat as HTML forms are.
#[derive(Deserialize, Default, Clone)]
pub struct MemberForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    reason: String,
    pub masshealth_id: String,
    #[serde(default)]
    pub medicare_id: String,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub language_1: String,
    #[serde(default)]
    pub language_2: String,
    #[serde(default)]
    pub needs: String,
    #[serde(default)]
    pub gender: String,
    #[serde(default)]
    pub race: String,
    #[serde(default)]
    pub ethnicity: String,
    #[serde(default)]
    pub sexual_orientation: String,
    #[serde(default)]
    pub faith: String,
    #[serde(default)]
    pub age_band: String,
    #[serde(default)]
    pub plan_id: String,
}

fn some(s: &str) -> Option<String> {
    Some(s.to_string()).filter(|s| !s.trim().is_empty())
}

impl MemberForm {
    fn input(&self) -> MemberInput {
        MemberInput {
            masshealth_id: self.masshealth_id.clone(),
            medicare_id: some(&self.medicare_id),
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            date_of_birth: self.date_of_birth.clone(),
            phone: some(&self.phone),
            email: some(&self.email),
            city: some(&self.city),
            preferred_languages: [&self.language_1, &self.language_2].iter().filter_map(|l| some(l)).collect(),
            needs: self.needs.split(',').map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).collect(),
            demographics: Demographics {
                gender: some(&self.gender),
                race: some(&self.race),
                ethnicity: some(&self.ethnicity),
                sexual_orientation: some(&self.sexual_orientation),
                faith: some(&self.faith),
                age_band: some(&self.age_band),
            },
            plan_id: some(&self.plan_id),
        }
    }

    fn of(m: &Member) -> MemberForm {
        let d = &m.demographics;
        let s = |o: &Option<String>| o.clone().unwrap_or_default();
        MemberForm {
            csrf: String::new(),
            version: Some(m.version),
            reason: String::new(),
            masshealth_id: m.masshealth_id.clone(),
            medicare_id: s(&m.medicare_id),
            given_name: m.given_name.clone(),
            family_name: m.family_name.clone(),
            date_of_birth: format_date(m.date_of_birth),
            phone: s(&m.phone),
            email: s(&m.email),
            city: s(&m.city),
            language_1: m.preferred_languages.first().cloned().unwrap_or_default(),
            language_2: m.preferred_languages.get(1).cloned().unwrap_or_default(),
            needs: m.needs.join(", "),
            gender: s(&d.gender),
            race: s(&d.race),
            ethnicity: s(&d.ethnicity),
            sexual_orientation: s(&d.sexual_orientation),
            faith: s(&d.faith),
            age_band: s(&d.age_band),
            plan_id: s(&m.plan_id),
        }
    }
}

#[derive(Template)]
#[template(path = "member_form.html")]
struct MemberFormPage {
    l: Layout,
    action: String,
    f: MemberForm,
    errors: HashMap<String, String>,
    /// (form field to jump to, its label, translated problem)
    error_list: Vec<(String, String, String)>,
    languages: Vec<(String, String)>,
    plans: Vec<(String, String)>,
    is_new: bool,
}

impl FieldErrors for MemberFormPage {
    fn field_errors(&self) -> &HashMap<String, String> {
        &self.errors
    }
}

async fn member_form_page(state: &AppState, s: &Signed, action: String, f: MemberForm, errors: Vec<FieldError>, is_new: bool) -> Response {
    let t = &s.tr;
    let plans = match s.access(state).organizations(Some("health-plan"), None, 100).await {
        Ok(p) => p.items.into_iter().map(|o| (o.id, o.name)).collect(),
        Err(_) => vec![],
    };
    let title = if is_new { t.t("member-new-title") } else { t.t("member-edit-title") };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut r = render(MemberFormPage {
        l: Layout::new(t, Some(s), if is_new { "/members/new" } else { "/members" }, title),
        action,
        f,
        errors: errors.iter().map(|e| (form_field(&e.field).to_string(), t.field_error(e))).collect(),
        error_list: errors.iter().map(|e| (form_field(&e.field).to_string(), t.field_label(form_field(&e.field)), t.field_error(e))).collect(),
        languages: state.catalog.languages.iter().map(|l| (l.code.clone(), l.name.get(t.lang).to_string())).collect(),
        plans,
        is_new,
    });
    *r.status_mut() = status;
    r
}

/// The form field that shows a domain field's error.
fn form_field(field: &str) -> &str {
    match field {
        "preferred_languages" => "language_1",
        f => f.rsplit('.').next().unwrap_or(f),
    }
}

async fn new_member(State(state): State<AppState>, PageUser(s): PageUser) -> Response {
    if !can_create_members(s.user.persona) {
        return page_error(&s, AppError::Forbidden(s.tr.t("error-forbidden-detail")));
    }
    member_form_page(&state, &s, "/members".into(), MemberForm::default(), vec![], true).await
}

async fn create_member(State(state): State<AppState>, PageUser(s): PageUser, Form(f): Form<MemberForm>) -> Response {
    if !s.check_csrf(Some(&f.csrf)) {
        return page_error(&s, AppError::Forbidden(s.tr.t("error-csrf")));
    }
    match s.access(&state).create_member(&f.input(), or_default(&f.reason, "created")).await {
        Ok(m) => Redirect::to(&format!("/members/{}", m.id)).into_response(),
        Err(e) => match AppError::from(e) {
            AppError::Invalid(errors) => member_form_page(&state, &s, "/members".into(), f, errors, true).await,
            other => page_error(&s, other),
        },
    }
}

fn or_default<'a>(s: &'a str, d: &'a str) -> &'a str {
    if s.trim().is_empty() {
        d
    } else {
        s
    }
}

async fn edit_member(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>) -> Response {
    match s.access(&state).member(&id).await {
        Ok(m) => member_form_page(&state, &s, format!("/members/{id}"), MemberForm::of(&m.record), vec![], false).await,
        Err(e) => page_error(&s, e),
    }
}

async fn update_member(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Form(f): Form<MemberForm>) -> Response {
    if !s.check_csrf(Some(&f.csrf)) {
        return page_error(&s, AppError::Forbidden(s.tr.t("error-csrf")));
    }
    match s.access(&state).update_member(&id, &f.input(), f.version, or_default(&f.reason, "updated")).await {
        Ok(m) => Redirect::to(&format!("/members/{}", m.id)).into_response(),
        Err(e) => match AppError::from(e) {
            AppError::Invalid(errors) => member_form_page(&state, &s, format!("/members/{id}"), f, errors, false).await,
            other => page_error(&s, other),
        },
    }
}

// --- Workforce ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "organizations.html")]
struct OrganizationsPage {
    l: Layout,
    organizations: Vec<(Organization, String)>,
}

async fn organizations(State(state): State<AppState>, PageUser(s): PageUser) -> Response {
    match s.access(&state).organizations(None, None, 500).await {
        Ok(p) => {
            let organizations = p
                .items
                .into_iter()
                .map(|o| {
                    let k = s.tr.t(&format!("org-kind-{}", o.kind.as_str()));
                    (o, k)
                })
                .collect();
            render(OrganizationsPage { l: Layout::new(&s.tr, Some(&s), "/organizations", s.tr.t("nav-organizations")), organizations })
        }
        Err(e) => page_error(&s, e),
    }
}

#[derive(Template)]
#[template(path = "workers.html")]
struct WorkersPage {
    l: Layout,
    workers: Vec<WorkerRow>,
}

async fn workers(State(state): State<AppState>, PageUser(s): PageUser) -> Response {
    let employer = if s.user.persona == Persona::StateAdmin { None } else { s.user.organization_id.clone() };
    match s.access(&state).workers(&WorkerFilter { employer_id: employer, limit: 200, ..Default::default() }).await {
        Ok(p) => {
            render(WorkersPage { l: Layout::new(&s.tr, Some(&s), "/workers", s.tr.t("nav-workers")), workers: worker_rows(&state, &s.tr, &p.items) })
        }
        Err(e) => page_error(&s, e),
    }
}
