//! The JSON API under /api/v1. Bodies and queries are parsed here into
//! domain inputs; every failure is problem+json naming the field at fault.

use accompany_domain::notes::{ContactNoteInput, HealthEntryInput};
use accompany_domain::privacy::SharingInput;
use accompany_domain::records::{MemberInput, OrganizationInput, TeamRole, WorkerInput};
use accompany_domain::referral::{ReferralInput, ReferralStatus};
use accompany_store::{AuditFilter, ClaimInput, LoginError, MemberFilter, WorkerFilter};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

use crate::auth::{client_addr_of, set_cookie, ApiUser, SESSION_COOKIE};
use crate::problem::{AppError, Problem};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/me", get(me))
        .route("/me/password", axum::routing::put(change_password))
        .route("/roles", get(roles))
        .route("/roles/{id}", get(role))
        .route("/members", get(list_members).post(create_member))
        .route("/members/{id}", get(get_member).put(update_member))
        .route("/members/{id}/history", get(member_history))
        .route("/members/{id}/care-team", get(care_team).post(add_team_member))
        .route("/members/{id}/care-team/requests", get(team_requests).post(ask_to_join))
        .route("/members/{id}/care-team/requests/{request}/approve", post(approve_team_request))
        .route("/members/{id}/care-team/requests/{request}/decline", post(decline_team_request))
        .route("/members/{id}/enrolment-codes", post(issue_enrolment_code))
        .route("/members/{id}/audit", get(member_audit))
        .route("/members/{id}/sharing", get(sharing).post(set_sharing))
        .route("/members/{id}/sharing/{choice}", delete(revoke_sharing))
        .route("/members/{id}/firewall", post(add_to_firewall))
        .route("/members/{id}/firewall/{entry}", delete(remove_from_firewall))
        .route("/members/{id}/health-entries", get(health_entries).post(add_health_entry))
        .route("/members/{id}/contact-notes", get(contact_notes).post(add_contact_note))
        .route("/staff", get(staff_directory))
        .route("/break-glass", post(break_glass))
        .route("/break-glass/alerts", get(break_glass_alerts))
        .route("/break-glass/{id}/review", post(review_break_glass))
        .route("/audit", get(audit_search))
        .route("/referrals", get(referral_queue).post(refer))
        .route("/referrals/{id}", get(referral))
        .route("/referrals/{id}/enrol", post(enrol_referral))
        .route("/referrals/{id}/status", post(referral_status))
        .route("/public/referrals", post(public_referral))
        .route("/public/claim", post(public_claim))
        .route("/organizations", get(list_organizations).post(create_organization))
        .route("/organizations/{id}", get(get_organization).put(update_organization))
        .route("/workers", get(list_workers).post(create_worker))
        .route("/workers/{id}", get(get_worker).put(update_worker))
        .route("/workers/{id}/history", get(worker_history))
        .fallback(|| async { Problem::new(StatusCode::NOT_FOUND, "no-route", "No such endpoint", "see /api/openapi.json for the endpoints") })
}

pub(crate) type ApiResult = Result<Response, Problem>;

/// Parse a JSON body, naming the field at fault when it does not fit.
pub(crate) fn body<T: DeserializeOwned>(headers: &HeaderMap, bytes: &Bytes) -> Result<T, Problem> {
    let json_type =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
    if !json_type {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "media-type",
            "JSON expected",
            "send the body as JSON with Content-Type: application/json",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(path_problem)
}

/// A JSON body as an extractor (the last argument of a handler), read and
/// refused as [`body`] does.
pub(crate) struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for JsonBody<T> {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Response> {
        let headers = req.headers().clone();
        let bytes = Bytes::from_request(req, state).await.map_err(IntoResponse::into_response)?;
        body(&headers, &bytes).map(JsonBody).map_err(IntoResponse::into_response)
    }
}

/// A body that does not fit, as a problem naming the field at fault.
fn path_problem<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> Problem {
    let path = e.path().to_string();
    let message = e.into_inner().to_string();
    let field = if path != "." {
        Some(path)
    } else {
        // serde reports a missing field at the enclosing object.
        message.split('`').nth(1).filter(|_| message.starts_with("missing field")).map(str::to_string)
    };
    let mut p = Problem::bad_body(message.clone());
    if let Some(field) = field {
        p.errors.push(accompany_domain::FieldError::new(field, "body", message));
    }
    p
}

pub(crate) fn query<T: DeserializeOwned + Default>(raw: Option<String>) -> Result<T, Problem> {
    match raw {
        None => Ok(T::default()),
        Some(q) => serde_urlencoded::from_str(&q)
            .map_err(|e| Problem::new(StatusCode::BAD_REQUEST, "bad-query", "The query string could not be read", e.to_string())),
    }
}

pub(crate) fn ok<T: serde::Serialize>(status: StatusCode, v: T) -> ApiResult {
    Ok((status, Json(v)).into_response())
}

pub(crate) fn err(e: impl Into<AppError>) -> Problem {
    Problem::from(e.into())
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
    let user = match state.store.authenticate(b.username.trim(), &b.password, &addr).await.map_err(err)? {
        Ok(u) => u,
        Err(e @ LoginError::BadCredentials) => {
            return Err(Problem::new(StatusCode::UNAUTHORIZED, "bad-credentials", "Sign-in failed", e.to_string()))
        }
        Err(e @ LoginError::Throttled { seconds }) => return Ok(throttled(seconds, e.to_string())),
    };
    let session = state.store.create_session(&user.id).await.map_err(err)?;
    let info = state.store.session(&session).await.map_err(err)?.ok_or_else(|| err(AppError::NotFound))?;
    let token = state.store.create_sign_in_token(&user.id, &session, &addr).await.map_err(err)?;
    let hours = i64::from(state.store.limits().session_hours);
    let cookie = set_cookie(SESSION_COOKIE, &session, hours * 3600, state.secure_cookies);
    Ok((StatusCode::OK, [(header::SET_COOKIE, cookie)], Json(json!({ "user": user, "token": token, "csrf_token": info.csrf_token }))).into_response())
}

/// 429 with the seconds to wait, in the body and in `Retry-After`.
pub(crate) fn throttled(seconds: i64, detail: String) -> Response {
    let mut r = Problem::new(StatusCode::TOO_MANY_REQUESTS, "throttled", "Too many attempts", detail).into_response();
    if let Ok(v) = seconds.max(1).to_string().parse() {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// Sign out: with a bearer token, that token ends, and the session of the
/// sign-in that made it; with a cookie, the session ends, and its token.
async fn logout(State(state): State<AppState>, headers: HeaderMap, ApiUser(s): ApiUser) -> ApiResult {
    if let Some(token) = crate::auth::bearer(&headers) {
        state.store.sign_out_token(token, &s.client_addr).await.map_err(err)?;
    } else if let Some(id) = crate::auth::cookie(&headers, SESSION_COOKIE) {
        state.store.sign_out(id, &s.client_addr).await.map_err(err)?;
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
    match state.store.change_password(&s.user, &b.current_password, &b.new_password, &s.client_addr).await.map_err(err)? {
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

async fn roles(State(state): State<AppState>) -> ApiResult {
    ok(StatusCode::OK, json!({ "state": state.catalog.state, "shared_values": state.catalog.shared_values, "roles": state.catalog.roles }))
}

async fn role(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult {
    state.catalog.role(&id).map_or_else(|| Err(err(AppError::NotFound)), |r| ok(StatusCode::OK, r))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct MemberQuery {
    name: Option<String>,
    language: Option<String>,
    plan_id: Option<String>,
    city: Option<String>,
    after: Option<String>,
    limit: Option<u32>,
}

async fn list_members(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: MemberQuery = query(raw)?;
    let filter = MemberFilter { name: q.name, language: q.language, plan_id: q.plan_id, city: q.city, after: q.after, limit: q.limit.unwrap_or(50) };
    ok(StatusCode::OK, s.access(&state).members(&filter).await.map_err(err)?)
}

/// A create or update body: the record's fields, plus why it changes and,
/// for updates, the version the client last saw.
pub(crate) struct Change<T> {
    pub(crate) input: T,
    pub(crate) version: Option<i64>,
    pub(crate) reason: Option<String>,
}

/// Read a [`Change`]: the two bookkeeping fields are taken out first so that
/// errors in the record's own fields keep their path (`demographics.faith`).
pub(crate) fn change<T: DeserializeOwned>(headers: &HeaderMap, bytes: &Bytes) -> Result<Change<T>, Problem> {
    let mut value: serde_json::Value = body(headers, bytes)?;
    let field_problem = |field: &str, message: &str| {
        let mut p = Problem::bad_body(format!("{field}: {message}"));
        p.errors.push(accompany_domain::FieldError::new(field, "body", message));
        p
    };
    let Some(object) = value.as_object_mut() else {
        return Err(Problem::bad_body("the body must be a JSON object".into()));
    };
    let version = match object.remove("version") {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => Some(v.as_i64().ok_or_else(|| field_problem("version", "must be a whole number, the version you last read"))?),
    };
    let reason = match object.remove("reason") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(_) => return Err(field_problem("reason", "must be text")),
    };
    let input = serde_path_to_error::deserialize(value).map_err(path_problem)?;
    Ok(Change { input, version, reason })
}

/// The version an update is based on: `If-Match` with the `ETag` of a read,
/// or the body's `version`.
pub(crate) struct Precondition {
    version: i64,
    if_match: bool,
    /// Neither was sent: the update is refused (428) once the store has
    /// found it allowed and valid, so that a refusal still says 403 or 404.
    missing: bool,
}

/// Every update names the version it was based on; one with neither
/// `If-Match` nor `version` is refused (428), so that no change silently
/// overwrites another.
pub(crate) fn precondition(headers: &HeaderMap, body_version: Option<i64>) -> Result<Precondition, Problem> {
    if let Some(v) = headers.get(header::IF_MATCH) {
        let text = v.to_str().unwrap_or("").trim();
        let text = text.strip_prefix("W/").unwrap_or(text);
        let version = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).and_then(|t| t.parse::<i64>().ok()).ok_or_else(|| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "bad-if-match",
                "If-Match could not be read",
                "send the ETag of your last read, e.g. If-Match: \"3\"",
            )
        })?;
        return Ok(Precondition { version, if_match: true, missing: false });
    }
    Ok(match body_version {
        Some(version) => Precondition { version, if_match: false, missing: false },
        // No record has this version, so the store answers with a conflict.
        None => Precondition { version: i64::MIN, if_match: false, missing: true },
    })
}

/// A stale version: 412 when it came in `If-Match`, 409 when in the body.
pub(crate) fn stale(e: accompany_store::StoreError, p: &Precondition) -> Problem {
    match e {
        accompany_store::StoreError::Conflict { .. } if p.missing => Problem::new(
            StatusCode::PRECONDITION_REQUIRED,
            "version-required",
            "The version you read is required",
            "send If-Match with the ETag of your last read, or `version` in the body, so that no one else's change is overwritten",
        ),
        accompany_store::StoreError::Conflict { current } if p.if_match => Problem::new(
            StatusCode::PRECONDITION_FAILED,
            "stale",
            "The record changed",
            format!("the record is now version {current}; read it again (new ETag) and apply your change again"),
        ),
        other => err(other),
    }
}

/// A record as JSON with its version as the `ETag`.
pub(crate) fn tagged<T: serde::Serialize>(status: StatusCode, v: T) -> ApiResult {
    let value = serde_json::to_value(v).map_err(|e| err(AppError::Internal(e.to_string())))?;
    let etag = value.get("version").and_then(serde_json::Value::as_i64).map(|n| format!("\"{n}\""));
    let mut r = (status, Json(value)).into_response();
    if let Some(v) = etag.and_then(|e| e.parse().ok()) {
        r.headers_mut().insert(header::ETAG, v);
    }
    Ok(r)
}

async fn create_member(State(state): State<AppState>, ApiUser(s): ApiUser, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<MemberInput> = change(&headers, &bytes)?;
    let m = s.access(&state).create_member(&c.input, c.reason.as_deref().unwrap_or("created")).await.map_err(err)?;
    ok(StatusCode::CREATED, m)
}

async fn get_member(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    tagged(StatusCode::OK, s.access(&state).member(&id).await.map_err(err)?)
}

async fn update_member(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<MemberInput> = change(&headers, &bytes)?;
    let p = precondition(&headers, c.version)?;
    let m =
        s.access(&state).update_member(&id, &c.input, Some(p.version), c.reason.as_deref().unwrap_or("updated")).await.map_err(|e| stale(e, &p))?;
    tagged(StatusCode::OK, m)
}

async fn member_history(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, json!({ "versions": s.access(&state).member_history(&id).await.map_err(err)? }))
}

async fn member_audit(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, json!({ "events": s.access(&state).member_audit(&id).await.map_err(err)? }))
}

async fn care_team(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, json!({ "participants": s.access(&state).care_team(&id).await.map_err(err)? }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TeamBody {
    user_id: String,
    team_role: TeamRole,
}

async fn add_team_member(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let b: TeamBody = body(&headers, &bytes)?;
    let access = s.access(&state);
    access.add_team_member(&id, &b.user_id, b.team_role).await.map_err(err)?;
    ok(StatusCode::CREATED, json!({ "participants": access.care_team(&id).await.map_err(err)? }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JoinBody {
    team_role: TeamRole,
    reason: String,
}

/// Ask to join a member's team. The answer is the same whatever the id.
async fn ask_to_join(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, JsonBody(b): JsonBody<JoinBody>) -> ApiResult {
    let status = s.access(&state).ask_to_join(&id, b.team_role, &b.reason).await.map_err(err)?;
    ok(StatusCode::ACCEPTED, json!({ "status": status }))
}

async fn team_requests(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, json!({ "requests": s.access(&state).team_requests(&id).await.map_err(err)? }))
}

async fn approve_team_request(State(state): State<AppState>, ApiUser(s): ApiUser, Path((id, request)): Path<(String, String)>) -> ApiResult {
    let access = s.access(&state);
    access.answer_team_request(&id, &request, true).await.map_err(err)?;
    ok(StatusCode::OK, json!({ "participants": access.care_team(&id).await.map_err(err)? }))
}

async fn decline_team_request(State(state): State<AppState>, ApiUser(s): ApiUser, Path((id, request)): Path<(String, String)>) -> ApiResult {
    s.access(&state).answer_team_request(&id, &request, false).await.map_err(err)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeBody {
    delivery: accompany_domain::enrolment::Delivery,
}

/// A one-time enrolment code for a member with no account yet: in the
/// answer only when it is to be shown.
async fn issue_enrolment_code(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<CodeBody>,
) -> ApiResult {
    ok(StatusCode::CREATED, s.access(&state).issue_enrolment_code(&id, b.delivery).await.map_err(err)?)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    kind: Option<String>,
    role_id: Option<String>,
    employer_id: Option<String>,
    after: Option<String>,
    limit: Option<u32>,
}

async fn list_organizations(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: PageQuery = query(raw)?;
    let page = s.access(&state).organizations(q.kind.as_deref(), q.after.as_deref(), q.limit.unwrap_or(50)).await.map_err(err)?;
    ok(StatusCode::OK, page)
}

async fn create_organization(State(state): State<AppState>, ApiUser(s): ApiUser, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<OrganizationInput> = change(&headers, &bytes)?;
    let o = s.access(&state).create_organization(&c.input, c.reason.as_deref().unwrap_or("created")).await.map_err(err)?;
    ok(StatusCode::CREATED, o)
}

async fn get_organization(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    tagged(StatusCode::OK, s.access(&state).organization(&id).await.map_err(err)?)
}

async fn update_organization(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult {
    let c: Change<OrganizationInput> = change(&headers, &bytes)?;
    let p = precondition(&headers, c.version)?;
    let o = s
        .access(&state)
        .update_organization(&id, &c.input, Some(p.version), c.reason.as_deref().unwrap_or("updated"))
        .await
        .map_err(|e| stale(e, &p))?;
    tagged(StatusCode::OK, o)
}

async fn list_workers(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: PageQuery = query(raw)?;
    let filter = WorkerFilter { role_id: q.role_id, employer_id: q.employer_id, after: q.after, limit: q.limit.unwrap_or(50) };
    ok(StatusCode::OK, s.access(&state).workers(&filter).await.map_err(err)?)
}

async fn create_worker(State(state): State<AppState>, ApiUser(s): ApiUser, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<WorkerInput> = change(&headers, &bytes)?;
    let w = s.access(&state).create_worker(&c.input, c.reason.as_deref().unwrap_or("created")).await.map_err(err)?;
    ok(StatusCode::CREATED, w)
}

async fn get_worker(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    tagged(StatusCode::OK, s.access(&state).worker(&id).await.map_err(err)?)
}

async fn update_worker(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<WorkerInput> = change(&headers, &bytes)?;
    let p = precondition(&headers, c.version)?;
    let w =
        s.access(&state).update_worker(&id, &c.input, Some(p.version), c.reason.as_deref().unwrap_or("updated")).await.map_err(|e| stale(e, &p))?;
    tagged(StatusCode::OK, w)
}

async fn worker_history(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, json!({ "versions": s.access(&state).worker_history(&id).await.map_err(err)? }))
}

// --- Privacy ------------------------------------------------------------------

async fn sharing(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).sharing(&id).await.map_err(err)?)
}

async fn set_sharing(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let input: SharingInput = body(&headers, &bytes)?;
    ok(StatusCode::CREATED, s.access(&state).set_sharing(&id, &input).await.map_err(err)?)
}

async fn revoke_sharing(State(state): State<AppState>, ApiUser(s): ApiUser, Path((id, choice)): Path<(String, String)>) -> ApiResult {
    s.access(&state).revoke_sharing(&id, &choice).await.map_err(err)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FirewallBody {
    user_id: String,
}

async fn add_to_firewall(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let b: FirewallBody = body(&headers, &bytes)?;
    let access = s.access(&state);
    access.add_to_firewall(&id, &b.user_id).await.map_err(err)?;
    ok(StatusCode::CREATED, access.sharing(&id).await.map_err(err)?.firewall)
}

async fn remove_from_firewall(State(state): State<AppState>, ApiUser(s): ApiUser, Path((id, entry)): Path<(String, String)>) -> ApiResult {
    s.access(&state).remove_from_firewall(&id, &entry).await.map_err(err)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StaffQuery {
    q: Option<String>,
}

async fn staff_directory(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: StaffQuery = query(raw)?;
    ok(StatusCode::OK, json!({ "staff": s.access(&state).staff_directory(q.q.as_deref().unwrap_or("")).await.map_err(err)? }))
}

async fn health_entries(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).health_entries(&id).await.map_err(err)?)
}

async fn add_health_entry(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let input: HealthEntryInput = body(&headers, &bytes)?;
    ok(StatusCode::CREATED, s.access(&state).add_health_entry(&id, &input).await.map_err(err)?)
}

async fn contact_notes(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, json!({ "notes": s.access(&state).contact_notes(&id).await.map_err(err)? }))
}

async fn add_contact_note(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let input: ContactNoteInput = body(&headers, &bytes)?;
    ok(StatusCode::CREATED, s.access(&state).add_contact_note(&id, &input).await.map_err(err)?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BreakGlassBody {
    masshealth_id: String,
    reason_category: String,
    reason: String,
}

async fn break_glass(State(state): State<AppState>, ApiUser(s): ApiUser, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let b: BreakGlassBody = body(&headers, &bytes)?;
    let member_id = s.access(&state).break_glass(&b.masshealth_id, &b.reason_category, &b.reason).await.map_err(err)?;
    let hours = state.catalog.privacy.break_glass_hours;
    ok(StatusCode::CREATED, json!({ "member_id": member_id, "hours": hours }))
}

async fn break_glass_alerts(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    ok(StatusCode::OK, json!({ "alerts": s.access(&state).break_glass_alerts().await.map_err(err)? }))
}

async fn review_break_glass(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    s.access(&state).review_break_glass(&id).await.map_err(err)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditQuery {
    pub actor: Option<String>,
    pub member_id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub decision: Option<String>,
    pub purpose: Option<String>,
    pub before: Option<i64>,
    pub limit: Option<u32>,
}

impl AuditQuery {
    pub(crate) fn filter(self) -> AuditFilter {
        AuditFilter {
            actor: self.actor,
            member_id: self.member_id,
            from: self.from,
            to: self.to,
            decision: self.decision,
            purpose: self.purpose,
            before: self.before,
            limit: self.limit.unwrap_or(100),
        }
    }
}

async fn audit_search(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: AuditQuery = query(raw)?;
    ok(StatusCode::OK, s.access(&state).audit_search(&q.filter(), false).await.map_err(err)?)
}

// --- Referrals ----------------------------------------------------------------

async fn refer(State(state): State<AppState>, ApiUser(s): ApiUser, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let input: ReferralInput = body(&headers, &bytes)?;
    ok(StatusCode::CREATED, s.access(&state).refer(&input).await.map_err(err)?)
}

/// The public door: no account needed. It records the request and
/// answers the same whoever is named; accounts come through enrolment codes.
async fn public_referral(State(state): State<AppState>, req: axum::extract::Request) -> ApiResult {
    let addr = client_addr_of(&req);
    let headers = req.headers().clone();
    let bytes = axum::body::to_bytes(req.into_body(), 64 * 1024).await.map_err(|e| Problem::bad_body(e.to_string()))?;
    let b: ReferralInput = body(&headers, &bytes)?;
    state.store.self_refer(&b, &addr).await.map_err(err)?;
    ok(StatusCode::ACCEPTED, json!({ "received": true }))
}

/// Redeem an enrolment code: the account is made and linked to the record
/// the code was issued for; signing in is then up to the client.
async fn public_claim(State(state): State<AppState>, req: axum::extract::Request) -> ApiResult {
    let addr = client_addr_of(&req);
    let headers = req.headers().clone();
    let bytes = axum::body::to_bytes(req.into_body(), 64 * 1024).await.map_err(|e| Problem::bad_body(e.to_string()))?;
    let b: ClaimInput = body(&headers, &bytes)?;
    let user = state.store.claim_enrolment(&b, &addr).await.map_err(err)?;
    ok(StatusCode::CREATED, json!({ "user": user }))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct QueueQuery {
    status: Option<String>,
    after: Option<String>,
    limit: Option<u32>,
}

async fn referral_queue(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: QueueQuery = query(raw)?;
    let status = match q.status.as_deref() {
        None | Some("open") => None,
        Some(x) => Some(ReferralStatus::parse(x).ok_or_else(|| {
            err(AppError::Invalid(vec![accompany_domain::FieldError::new(
                "status",
                "unknown-choice",
                "use open, new, contacted, enrolled or closed",
            )]))
        })?),
    };
    ok(StatusCode::OK, s.access(&state).referral_queue(status, q.after.as_deref(), q.limit.unwrap_or(100)).await.map_err(err)?)
}

async fn referral(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).referral(&id).await.map_err(err)?)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct EnrolBody {
    masshealth_id: Option<String>,
}

async fn enrol_referral(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let b: EnrolBody = if bytes.is_empty() { EnrolBody::default() } else { body(&headers, &bytes)? };
    ok(StatusCode::OK, s.access(&state).enrol_referral(&id, b.masshealth_id.as_deref()).await.map_err(err)?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    status: ReferralStatus,
}

async fn referral_status(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let b: StatusBody = body(&headers, &bytes)?;
    ok(StatusCode::OK, s.access(&state).set_referral_status(&id, b.status).await.map_err(err)?)
}
