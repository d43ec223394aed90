//! Enrolment codes: a coordinator gives one, a member claims their record with it.

use accompany_domain::FieldError;
use accompany_store::ClaimInput;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Form;
use axum::Router;
use serde::Deserialize;

use crate::auth::{cookie, random_token, set_cookie, ClientAddr, Lang, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::i18n::Tr;
use crate::page::{csrf_refused, error_page, render, Layout, MessagePage, PageError, PageResult, PageUser};
use crate::problem::AppError;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/claim", get(claim_form).post(claim_submit)).route("/members/{id}/enrolment-code", post(issue_code))
}

// --- Claiming a record with an enrolment code ----------------------------------

#[derive(Template)]
#[template(path = "enrolment/claim.html")]
struct ClaimPage {
    l: Layout,
    csrf: String,
    code: String,
    username: String,
    errors: Vec<FieldError>,
    error_list: Vec<(String, String, String)>,
}

impl ClaimPage {
    fn error(&self, field: &str) -> String {
        self.errors.iter().find(|e| e.field == field).map(|e| self.l.t.field_error(e)).unwrap_or_default()
    }
}

#[derive(Deserialize, Default)]
struct ClaimForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

fn claim_page(state: &AppState, t: &Tr, f: &ClaimForm, errors: Vec<FieldError>) -> Response {
    let token = random_token();
    let error_list = errors.iter().map(|e| (e.field.clone(), t.field_label(&e.field), t.field_error(e))).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut r = render(ClaimPage {
        l: Layout::new(t, None, "/claim", t.t("claim-title")),
        csrf: token.clone(),
        code: f.code.clone(),
        username: f.username.clone(),
        errors,
        error_list,
    });
    *r.status_mut() = status;
    if let Ok(v) = set_cookie(LOGIN_CSRF_COOKIE, &token, 3600, state.secure_cookies).parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

async fn claim_form(State(state): State<AppState>, Lang(t): Lang) -> Response {
    claim_page(&state, &t, &ClaimForm::default(), vec![])
}

/// Redeem a code: the account is made, signed in, and goes on to choose a peer.
async fn claim_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Lang(t): Lang,
    ClientAddr(addr): ClientAddr,
    Form(f): Form<ClaimForm>,
) -> Response {
    if cookie(&headers, LOGIN_CSRF_COOKIE) != Some(f.csrf.as_str()) {
        return error_page(&t, AppError::Forbidden(t.t("sign-in-expired")));
    }
    let input = ClaimInput { code: f.code.clone(), username: f.username.clone(), password: f.password.clone() };
    let user = match state.store.claim_enrolment(&input, &addr).await {
        Ok(u) => u,
        Err(e) => {
            return match AppError::from(e) {
                AppError::Invalid(errors) => claim_page(&state, &t, &f, errors),
                other => error_page(&t, other),
            }
        }
    };
    let session = match state.store.create_session(&user.id).await {
        Ok(s) => s,
        Err(e) => return error_page(&t, e.into()),
    };
    let mut r = Redirect::to("/choose").into_response();
    if let Ok(v) = set_cookie(SESSION_COOKIE, &session, i64::from(state.store.limits().session_hours) * 3600, state.secure_cookies).parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
struct CodeForm {
    csrf: String,
    delivery: String,
}

/// The coordinator gives the member a code from the member's page: shown
/// once on the answer, or sent to the contact details on the record.
async fn issue_code(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Form(f): Form<CodeForm>) -> PageResult {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return Ok(r);
    }
    let Some(delivery) = accompany_domain::enrolment::Delivery::parse(&f.delivery) else {
        return Err(PageError::from(AppError::Invalid(vec![FieldError::new("delivery", "unknown-choice", "show, email or text")])));
    };
    let issued = s.access(&state).issue_enrolment_code(&id, delivery).await?;
    let t = &s.tr;
    let expires = issued.expires_at.get(..16).unwrap_or(&issued.expires_at).replace('T', " ");
    let message = match &issued.code {
        Some(code) => t.tn("enrolment-code-shown", &[("code", code.clone()), ("expires", expires)]),
        None => t.t1("enrolment-code-sent", "expires", expires),
    };
    let mut r = render(MessagePage { l: Layout::new(t, Some(&s), "/members", t.t("enrolment-code-heading")), message });
    r.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(r)
}
