//! Signing in and out over the API, one's own password, and who is signed in.

use accompany_store::LoginError;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use crate::auth::{client_addr_of, set_cookie, ApiUser, SESSION_COOKIE};
use crate::json::{body, ok, throttled, ApiResult, JsonBody};
use crate::openapi::ApiRouter;
use crate::problem::{AppError, Problem};
use crate::AppState;

pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(login)).routes(routes!(logout)).routes(routes!(me)).routes(routes!(change_password))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    #[schema(max_length = 1024)]
    username: String,
    #[schema(max_length = 1024)]
    password: String,
}

/// A sign-in: who, a bearer token, and the CSRF token of the cookie session.
#[derive(Serialize, ToSchema)]
struct SignedIn {
    user: accompany_store::User,
    token: String,
    csrf_token: String,
}

/// Sign in
///
/// Answers a bearer token and the CSRF token, and sets a session cookie. Failed
/// sign-ins are slowed: after a few, 429 says how long to wait.
#[utoipa::path(post, path = "/auth/login", tag = "account", security(()), request_body = LoginBody,
    responses((status = 200, description = "Signed in", body = SignedIn, headers(("Set-Cookie" = String, description = "the session cookie"))),
        (status = 401, description = "Wrong username or password"),
        (status = 429, description = "Too many failed sign-ins: wait `Retry-After` seconds", headers(("Retry-After" = u32, description = "seconds to wait")))))]
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
    Ok((StatusCode::OK, [(header::SET_COOKIE, cookie)], Json(SignedIn { user, token, csrf_token: info.csrf_token })).into_response())
}

/// Sign out
///
/// With a bearer token, that token ends, and the session of the sign-in that
/// made it; with a cookie, the session ends, and its token.
#[utoipa::path(post, path = "/auth/logout", tag = "account", responses((status = 204, description = "Signed out")))]
async fn logout(State(state): State<AppState>, headers: HeaderMap, ApiUser(s): ApiUser) -> ApiResult {
    if let Some(token) = crate::auth::bearer(&headers) {
        state.store.sign_out_token(token, &s.client_addr).await?;
    } else if let Some(id) = crate::auth::cookie(&headers, SESSION_COOKIE) {
        state.store.sign_out(id, &s.client_addr).await?;
    }
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0, state.secure_cookies))]).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    #[schema(max_length = 1024)]
    current_password: String,
    /// At least 10 characters.
    #[schema(min_length = 10, max_length = 1024)]
    new_password: String,
}

/// Change your password
///
/// Every session and token of the account ends, this one included.
#[utoipa::path(put, path = "/me/password", tag = "account", request_body = PasswordBody,
    responses((status = 204, description = "Changed; sign in again"),
        (status = 429, description = "Too many wrong current passwords: wait `Retry-After` seconds", headers(("Retry-After" = u32, description = "seconds to wait")))))]
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

/// Who is signed in, and as which persona.
#[derive(Serialize, ToSchema)]
struct Me {
    persona: accompany_domain::records::Persona,
    user: accompany_store::User,
}

/// The signed-in user
#[utoipa::path(get, path = "/me", tag = "account", responses((status = 200, description = "The signed-in user and persona", body = Me)))]
async fn me(ApiUser(s): ApiUser) -> ApiResult {
    ok(StatusCode::OK, Me { persona: s.user.persona, user: s.user })
}
