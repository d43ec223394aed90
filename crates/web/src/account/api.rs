//! Signing in and out over the API, one's own password, and who is signed in.

use accompany_store::LoginError;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Json;
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use crate::auth::{client_addr_of, set_cookie, ApiUser, SESSION_COOKIE};
use crate::json::{body, ok, throttled, ApiResult, JsonBody};
use crate::problem::{AppError, Problem};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/me", get(me))
        .route("/me/password", axum::routing::put(change_password))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    username: String,
    password: String,
}

async fn login(State(state): State<AppState>, req: axum::extract::Request) -> ApiResult {
    let addr = client_addr_of(&req);
    let headers = req.headers().clone();
    let bytes = axum::body::to_bytes(req.into_body(), 64 * 1024).await.map_err(|e| Problem::bad_body(e.to_string()))?;
    let b: LoginBody = body(&headers, &bytes)?;
    let user = match state.store.authenticate(b.username.trim(), &b.password, &addr).await? {
        Ok(u) => u,
        Err(e @ LoginError::BadCredentials) => {
            return Err(Problem::new(StatusCode::UNAUTHORIZED, "bad-credentials", "Sign-in failed", e.to_string()))
        }
        Err(e @ LoginError::Throttled { seconds }) => return Ok(throttled(seconds, e.to_string())),
    };
    let session = state.store.create_session(&user.id).await?;
    let info = state.store.session(&session).await?.ok_or_else(|| Problem::from(AppError::NotFound))?;
    let token = state.store.create_sign_in_token(&user.id, &session, &addr).await?;
    let hours = i64::from(state.store.limits().session_hours);
    let cookie = set_cookie(SESSION_COOKIE, &session, hours * 3600, state.secure_cookies);
    Ok((StatusCode::OK, [(header::SET_COOKIE, cookie)], Json(json!({ "user": user, "token": token, "csrf_token": info.csrf_token }))).into_response())
}

/// Sign out: with a bearer token, that token ends, and the session of the
/// sign-in that made it; with a cookie, the session ends, and its token.
async fn logout(State(state): State<AppState>, headers: HeaderMap, ApiUser(s): ApiUser) -> ApiResult {
    if let Some(token) = crate::auth::bearer(&headers) {
        state.store.sign_out_token(token, &s.client_addr).await?;
    } else if let Some(id) = crate::auth::cookie(&headers, SESSION_COOKIE) {
        state.store.sign_out(id, &s.client_addr).await?;
    }
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0, state.secure_cookies))]).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    current_password: String,
    new_password: String,
}

/// Change one's own password; every session and token of the account ends,
/// this one included.
async fn change_password(State(state): State<AppState>, ApiUser(s): ApiUser, JsonBody(b): JsonBody<PasswordBody>) -> ApiResult {
    match state.store.change_password(&s.user, &b.current_password, &b.new_password, &s.client_addr).await? {
        Ok(()) => Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0, state.secure_cookies))]).into_response()),
        Err(accompany_store::PasswordError::WrongCurrent) => Err(Problem {
            errors: vec![accompany_domain::FieldError::new("current_password", "wrong", "is not your current password")],
            ..Problem::new(StatusCode::FORBIDDEN, "wrong-password", "The current password is wrong", "send your current password in current_password")
        }),
        Err(e @ accompany_store::PasswordError::Throttled { seconds }) => Ok(throttled(seconds, e.to_string())),
    }
}

async fn me(ApiUser(s): ApiUser) -> ApiResult {
    ok(StatusCode::OK, json!({ "user": s.user, "persona": s.user.persona }))
}
