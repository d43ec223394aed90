//! Signing in and out, one's own password, and the language of the pages.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Form;
use axum::Router;
use serde::Deserialize;

use crate::auth::{cookie, random_token, safe_next, set_cookie, ClientAddr, Lang, LANG_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::i18n::{Tr, SHIPPED};
use crate::page::{csrf_refused, error_page, render, CsrfForm, Layout, PageResult, PageUser};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/account/password", get(password_form).post(change_password))
        .route("/lang/{code}", get(switch_language))
}

#[derive(Template)]
#[template(path = "account/login.html")]
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

async fn logout(State(state): State<AppState>, headers: HeaderMap, PageUser(s): PageUser, Form(f): Form<CsrfForm>) -> PageResult {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return Ok(r);
    }
    if let Some(id) = cookie(&headers, SESSION_COOKIE) {
        state.store.sign_out(id, &s.client_addr).await?;
    }
    let mut r = Redirect::to("/").into_response();
    if let Ok(v) = set_cookie(SESSION_COOKIE, "", 0, state.secure_cookies).parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}

#[derive(Template)]
#[template(path = "account/password.html")]
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
async fn change_password(State(state): State<AppState>, PageUser(s): PageUser, Form(f): Form<PasswordForm>) -> PageResult {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return Ok(r);
    }
    let again = |status: StatusCode, message: String| {
        let l = Layout::new(&s.tr, Some(&s), "/account/password", s.tr.t("password-title"));
        let mut r = render(PasswordPage { l, error: Some(message) });
        *r.status_mut() = status;
        r
    };
    Ok(match state.store.change_password(&s.user, &f.current_password, &f.new_password, &s.client_addr).await {
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
        Err(e) => return Err(e.into()),
    })
}

async fn switch_language(State(state): State<AppState>, Path(code): Path<String>, Query(q): Query<NextQuery>) -> Response {
    let code = SHIPPED.iter().map(|(c, _)| *c).find(|c| *c == code).unwrap_or("en");
    let mut r = Redirect::to(&safe_next(q.next.as_deref())).into_response();
    if let Ok(v) = set_cookie(LANG_COOKIE, code, 365 * 24 * 3600, state.secure_cookies).parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}
