//! The JSON API of availability and booking.

use accompany_domain::booking::{SessionInput, WindowInput};
use accompany_domain::notes::Modality;
use accompany_store::{Availability, BookablePeer, SessionView};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use crate::auth::ApiUser;
use crate::json::{change, created, ok, precondition, query, stale, tagged, ApiResult, Change, JsonBody};
use crate::openapi::ApiRouter;
use crate::problem::Problem;
use crate::AppState;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(get_availability, set_availability))
        .routes(routes!(bookable_peers))
        .routes(routes!(free_slots))
        .routes(routes!(member_sessions, book_session))
        .routes(routes!(my_sessions))
        .routes(routes!(reschedule_session))
        .routes(routes!(cancel_session))
}

/// A worker's whole week of windows.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct WeekBody {
    /// At most 50; none overlapping another of the same day.
    #[schema(max_items = 50)]
    windows: Vec<WindowInput>,
}

/// The week as an update body shows it: the windows, the version read and
/// why (one closed object, as the week refuses fields it does not know).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // only its schema is used: bodies are read by `change`
struct WeekUpdate {
    /// At most 50; none overlapping another of the same day.
    #[schema(max_items = 50)]
    windows: Vec<WindowInput>,
    /// The version last read (or send `If-Match` with the ETag instead); 0 before the first.
    version: i64,
    #[schema(schema_with = accompany_domain::limits::schema::reason_opt)]
    reason: Option<String>,
}

/// A worker's weekly windows
///
/// Weekday, start, end, modality, and the coarse times matching uses.
#[utoipa::path(get, path = "/workers/{id}/availability", tag = "booking", params(("id" = String, Path, description = "the worker's id")),
    responses((status = 200, description = "The week", body = Availability, headers(("ETag" = String, description = "the version, for If-Match")))))]
async fn get_availability(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    tagged(StatusCode::OK, s.access(&state).availability(&id).await?)
}

/// Replace the weekly windows
///
/// For the worker or their admins: the whole week, from the version that was
/// read (`If-Match` or `version`).
#[utoipa::path(put, path = "/workers/{id}/availability", tag = "booking",
    params(("id" = String, Path, description = "the worker's id"), ("If-Match" = Option<String>, Header, description = "the ETag of your read", nullable = false, pattern = r#"^(W/)?"-?[0-9]{1,18}"$"#)),
    request_body = WeekUpdate,
    responses((status = 200, description = "Replaced", body = Availability, headers(("ETag" = String, description = "the new version"))),
        (status = 409, description = "`version` is not the record's version: read it again"),
        (status = 412, description = "If-Match is not the record's version: read it again"),
        (status = 422, description = "A window does not fit: `end-before-start`, `window-short` (under 30 minutes), `window-overlap` (overlaps another window of the same day)"),
        (status = 428, description = "Neither If-Match nor `version` was sent")))]
async fn set_availability(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<WeekBody> = change(&headers, &bytes)?;
    let p = precondition(&headers, c.version)?;
    tagged(StatusCode::OK, s.access(&state).set_availability(&id, &c.input.windows, p.version).await.map_err(|e| stale(e, &p))?)
}

/// The peers a member may book.
#[derive(Serialize, ToSchema)]
struct BookablePeers {
    peers: Vec<BookablePeer>,
}

/// Peers a session may be booked with
///
/// The peers on the member's care team.
#[utoipa::path(get, path = "/members/{id}/bookable-peers", tag = "booking", params(("id" = String, Path, description = "the member's id")),
    responses((status = 200, description = "The peers", body = BookablePeers)))]
async fn bookable_peers(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, BookablePeers { peers: s.access(&state).bookable_peers(&id).await? })
}

#[derive(Deserialize, Default, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct SlotQuery {
    /// The peer (a worker id on the member's care team); the first bookable peer when left out.
    #[param(max_length = 64)]
    worker_id: Option<String>,
    /// The session's length: 30, 45, 60, 90, 120 or 180 (60 when left out).
    #[param(schema_with = accompany_domain::limits::schema::booking_minutes_opt)]
    minutes: Option<u32>,
    /// How many days ahead, from today (14 when left out; at most 90 are looked at).
    #[param(value_type = Option<u64>, minimum = 0, maximum = 4294967295_u64)]
    days: Option<u32>,
}

/// A free time with a peer.
#[derive(Serialize, ToSchema)]
struct FreeSlot {
    /// YYYY-MM-DDTHH:MM, wall-clock.
    start: String,
    end: String,
    modality: Modality,
}

/// The free times with one peer.
#[derive(Serialize, ToSchema)]
struct Slots {
    worker_id: String,
    minutes: u32,
    slots: Vec<FreeSlot>,
}

/// Free times with a peer
#[utoipa::path(get, path = "/members/{id}/slots", tag = "booking", params(("id" = String, Path, description = "the member's id"), SlotQuery),
    responses((status = 200, description = "The free times, earliest first", body = Slots),
        (status = 422, description = "`not-your-peer`: the worker is not a peer on the member's care team (or the member has none)")))]
async fn free_slots(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult {
    let q: SlotQuery = query(raw)?;
    let minutes = q.minutes.unwrap_or(60);
    if !accompany_domain::booking::SESSION_LENGTHS.contains(&minutes) {
        return Err(Problem::from(accompany_domain::Invalid::one("minutes", "session-length", "choose 30, 45, 60, 90, 120 or 180 minutes")));
    }
    let access = s.access(&state);
    let worker_id = match q.worker_id {
        Some(w) => w,
        None => access.bookable_peers(&id).await?.first().map(|p| p.worker_id.clone()).unwrap_or_default(),
    };
    let slots = access.free_slots(&id, &worker_id, minutes, q.days.unwrap_or(14)).await?;
    let slots = slots
        .iter()
        .map(|x| FreeSlot {
            start: accompany_domain::booking::datetime_text(x.span.start),
            end: accompany_domain::booking::datetime_text(x.span.end),
            modality: x.modality,
        })
        .collect();
    ok(StatusCode::OK, Slots { worker_id, minutes, slots })
}

/// Sessions still to come.
#[derive(Serialize, ToSchema)]
struct Sessions {
    sessions: Vec<SessionView>,
}

/// The member's sessions still to come
#[utoipa::path(get, path = "/members/{id}/sessions", tag = "booking", params(("id" = String, Path, description = "the member's id")),
    responses((status = 200, description = "The sessions, earliest first", body = Sessions)))]
async fn member_sessions(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, Sessions { sessions: s.access(&state).member_sessions(&id).await? })
}

/// The caller's sessions still to come
///
/// A member's own, or a peer's.
#[utoipa::path(get, path = "/sessions", tag = "booking", responses((status = 200, description = "The sessions, earliest first", body = Sessions)))]
async fn my_sessions(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    let access = s.access(&state);
    let sessions = match s.user.member_id.clone() {
        Some(m) => access.member_sessions(&m).await,
        None => access.worker_sessions().await,
    }?;
    ok(StatusCode::OK, Sessions { sessions })
}

/// Book a session
///
/// Inside the peer's hours; an overlap for the peer or the member is refused.
#[utoipa::path(post, path = "/members/{id}/sessions", tag = "booking", params(("id" = String, Path, description = "the member's id")),
    request_body = SessionInput,
    responses((status = 201, description = "Booked", body = SessionView, headers(("Location" = String, description = "where to read the member's sessions"))),
        (status = 422, description = "A field does not fit, or the time cannot be booked: `in-past`, `too-far` (over 90 days ahead), \
`not-your-peer`, `outside-availability` (outside the peer's hours), `modality-unavailable`, `worker-busy` (the peer has a session or group then: the slot is taken), \
`member-busy` (the member has a session then)")))]
async fn book_session(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<SessionInput>,
) -> ApiResult {
    created(format!("/api/v1/members/{id}/sessions"), s.access(&state).book_session(&id, &input).await?)
}

/// A session moved: when, how long, and the version read.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RescheduleBody {
    /// YYYY-MM-DDTHH:MM, wall-clock, on the hour or a quarter past, half past or a quarter to.
    #[schema(schema_with = accompany_domain::limits::schema::session_start)]
    start: String,
    #[serde(deserialize_with = "number_text")]
    #[schema(schema_with = accompany_domain::limits::schema::booking_minutes)]
    minutes: String,
    /// The version last read (or send `If-Match` with the ETag instead).
    #[serde(default)]
    #[schema(required = true, value_type = i64)]
    version: Option<i64>,
}

fn number_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(match v {
        serde_json::Value::String(s) => s,
        serde_json::Value::Number(n) => accompany_domain::notes::number_text(&n),
        other => other.to_string(),
    })
}

/// Move a session
///
/// For the member or their peer, from the version that was read (`If-Match` or `version`).
#[utoipa::path(post, path = "/sessions/{id}/reschedule", tag = "booking",
    params(("id" = String, Path, description = "the session's id"), ("If-Match" = Option<String>, Header, description = "the ETag of your read", nullable = false, pattern = r#"^(W/)?"-?[0-9]{1,18}"$"#)),
    request_body = RescheduleBody,
    responses((status = 200, description = "Moved", body = SessionView, headers(("ETag" = String, description = "the new version"))),
        (status = 409, description = "`version` is not the session's version: read it again"),
        (status = 412, description = "If-Match is not the session's version: read it again"),
        (status = 422, description = "A field does not fit, or the time cannot be booked: `in-past`, `too-far`, `outside-availability` (outside the peer's hours), \
`worker-busy` (the slot is taken), `member-busy`, `session-cancelled`"),
        (status = 428, description = "Neither If-Match nor `version` was sent")))]
async fn reschedule_session(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(b): JsonBody<RescheduleBody>,
) -> ApiResult {
    let p = precondition(&headers, b.version)?;
    tagged(StatusCode::OK, s.access(&state).reschedule_session(&id, &b.start, &b.minutes, p.version).await.map_err(|e| stale(e, &p))?)
}

/// Nothing but the version read and why (read by [`change`]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CancelBody {}

/// A cancellation: the version read, and why if you like.
#[allow(dead_code)]
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CancelInput {
    /// The version last read (or send `If-Match` with the ETag instead).
    #[schema(required = true, value_type = i64)]
    version: Option<i64>,
    /// Why.
    #[schema(schema_with = accompany_domain::limits::schema::reason_opt)]
    reason: Option<String>,
}

/// Cancel a session
///
/// Cancelling is a change too: it names the version read, with If-Match or
/// `version` in the body.
#[utoipa::path(post, path = "/sessions/{id}/cancel", tag = "booking",
    params(("id" = String, Path, description = "the session's id"), ("If-Match" = Option<String>, Header, description = "the ETag of your read", nullable = false, pattern = r#"^(W/)?"-?[0-9]{1,18}"$"#)),
    request_body(content = CancelInput, description = "the version read"),
    responses((status = 200, description = "Cancelled", body = SessionView, headers(("ETag" = String, description = "the new version"))),
        (status = 409, description = "`version` is not the session's version: read it again"),
        (status = 412, description = "If-Match is not the session's version: read it again"),
        (status = 422, description = "`session-cancelled`: the session was cancelled already"),
        (status = 428, description = "Neither If-Match nor `version` was sent")))]
async fn cancel_session(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let blank = bytes.iter().all(u8::is_ascii_whitespace) || bytes.trim_ascii() == b"null";
    let version = if blank { None } else { change::<CancelBody>(&headers, &bytes)?.version };
    let p = precondition(&headers, version)?;
    tagged(StatusCode::OK, s.access(&state).cancel_session(&id, p.version).await.map_err(|e| stale(e, &p))?)
}
