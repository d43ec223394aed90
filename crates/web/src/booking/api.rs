//! The JSON API of availability and booking.

use accompany_domain::booking::{SessionInput, WindowInput};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use crate::auth::ApiUser;
use crate::json::{change, ok, precondition, query, stale, tagged, ApiResult, Change, JsonBody};
use crate::problem::Problem;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/workers/{id}/availability", get(availability).put(set_availability))
        .route("/members/{id}/bookable-peers", get(bookable_peers))
        .route("/members/{id}/slots", get(slots))
        .route("/members/{id}/sessions", get(member_sessions).post(book))
        .route("/sessions", get(my_sessions))
        .route("/sessions/{id}/reschedule", post(reschedule))
        .route("/sessions/{id}/cancel", post(cancel))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WeekBody {
    windows: Vec<WindowInput>,
}

async fn availability(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    tagged(StatusCode::OK, s.access(&state).availability(&id).await?)
}

/// The whole week, from the version that was read (`If-Match` or `version`).
async fn set_availability(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<WeekBody> = change(&headers, &bytes)?;
    let p = precondition(&headers, c.version)?;
    tagged(StatusCode::OK, s.access(&state).set_availability(&id, &c.input.windows, p.version).await.map_err(|e| stale(e, &p))?)
}

async fn bookable_peers(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, json!({ "peers": s.access(&state).bookable_peers(&id).await? }))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SlotQuery {
    worker_id: Option<String>,
    minutes: Option<u32>,
    days: Option<u32>,
}

async fn slots(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult {
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
    let slots: Vec<_> = slots
        .iter()
        .map(|x| json!({ "start": accompany_domain::booking::datetime_text(x.span.start), "end": accompany_domain::booking::datetime_text(x.span.end), "modality": x.modality }))
        .collect();
    ok(StatusCode::OK, json!({ "worker_id": worker_id, "minutes": minutes, "slots": slots }))
}

async fn member_sessions(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, json!({ "sessions": s.access(&state).member_sessions(&id).await? }))
}

async fn my_sessions(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    let access = s.access(&state);
    let sessions = match s.user.member_id.clone() {
        Some(m) => access.member_sessions(&m).await,
        None => access.worker_sessions().await,
    }?;
    ok(StatusCode::OK, json!({ "sessions": sessions }))
}

async fn book(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, JsonBody(input): JsonBody<SessionInput>) -> ApiResult {
    ok(StatusCode::CREATED, s.access(&state).book_session(&id, &input).await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RescheduleBody {
    start: String,
    #[serde(deserialize_with = "number_text")]
    minutes: String,
    #[serde(default)]
    version: Option<i64>,
}

fn number_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(match v {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    })
}

async fn reschedule(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(b): JsonBody<RescheduleBody>,
) -> ApiResult {
    let p = precondition(&headers, b.version)?;
    tagged(StatusCode::OK, s.access(&state).reschedule_session(&id, &b.start, &b.minutes, p.version).await.map_err(|e| stale(e, &p))?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CancelBody {}

/// Cancelling is a change too: it names the version read, like any other.
async fn cancel(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let version = if bytes.iter().all(u8::is_ascii_whitespace) { None } else { change::<CancelBody>(&headers, &bytes)?.version };
    let p = precondition(&headers, version)?;
    tagged(StatusCode::OK, s.access(&state).cancel_session(&id, p.version).await.map_err(|e| stale(e, &p))?)
}
