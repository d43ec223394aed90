//! The JSON API of availability, booking, groups and how to reach a person;
//! the calendar feed a calendar app fetches; and the outbox worker that
//! delivers messages in each reader's language.

use std::sync::Arc;
use std::time::Duration;

use accompany_domain::booking::{ReachInput, SessionInput, WindowInput};
use accompany_domain::groups::GroupInput;
use accompany_store::{OutboxMessage, Sender, Store};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use crate::api::{err, ok, query, ApiResult, JsonBody};
use crate::auth::{ApiUser, ClientAddr};
use crate::i18n::Tr;
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
        .route("/groups", get(groups).post(create_group))
        .route("/groups/{id}/roster", get(roster))
        .route("/groups/{id}/join", post(join))
        .route("/groups/{id}/leave", post(leave))
        .route("/groups/{id}/attendance", post(attendance))
        .route("/me/reach", get(reach).put(set_reach))
        .route("/me/calendar-feed", post(calendar_feed).delete(revoke_calendar_feed))
        .route("/outbox", get(outbox))
}

/// Routes outside /api/v1: the calendar feed, authenticated by its secret.
pub fn feed_routes() -> Router<AppState> {
    Router::new().route("/calendar/{token}", get(feed))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WeekBody {
    windows: Vec<WindowInput>,
}

async fn availability(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).availability(&id).await.map_err(err)?)
}

async fn set_availability(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, JsonBody(b): JsonBody<WeekBody>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).set_availability(&id, &b.windows).await.map_err(err)?)
}

async fn bookable_peers(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, json!({ "peers": s.access(&state).bookable_peers(&id).await.map_err(err)? }))
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
        return Err(err(accompany_domain::Invalid::one("minutes", "session-length", "choose 30, 45, 60, 90, 120 or 180 minutes")));
    }
    let access = s.access(&state);
    let worker_id = match q.worker_id {
        Some(w) => w,
        None => access.bookable_peers(&id).await.map_err(err)?.first().map(|p| p.worker_id.clone()).unwrap_or_default(),
    };
    let slots = access.free_slots(&id, &worker_id, minutes, q.days.unwrap_or(14)).await.map_err(err)?;
    let slots: Vec<_> = slots
        .iter()
        .map(|x| json!({ "start": accompany_domain::booking::datetime_text(x.span.start), "end": accompany_domain::booking::datetime_text(x.span.end), "modality": x.modality }))
        .collect();
    ok(StatusCode::OK, json!({ "worker_id": worker_id, "minutes": minutes, "slots": slots }))
}

async fn member_sessions(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, json!({ "sessions": s.access(&state).member_sessions(&id).await.map_err(err)? }))
}

async fn my_sessions(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    let access = s.access(&state);
    let sessions = match s.user.member_id.clone() {
        Some(m) => access.member_sessions(&m).await,
        None => access.worker_sessions().await,
    }
    .map_err(err)?;
    ok(StatusCode::OK, json!({ "sessions": sessions }))
}

async fn book(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, JsonBody(input): JsonBody<SessionInput>) -> ApiResult {
    ok(StatusCode::CREATED, s.access(&state).book_session(&id, &input).await.map_err(err)?)
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

async fn reschedule(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, JsonBody(b): JsonBody<RescheduleBody>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).reschedule_session(&id, &b.start, &b.minutes, b.version).await.map_err(err)?)
}

async fn cancel(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).cancel_session(&id).await.map_err(err)?)
}

async fn groups(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    ok(StatusCode::OK, json!({ "groups": s.access(&state).groups().await.map_err(err)? }))
}

async fn create_group(State(state): State<AppState>, ApiUser(s): ApiUser, JsonBody(input): JsonBody<GroupInput>) -> ApiResult {
    ok(StatusCode::CREATED, s.access(&state).create_group(&input).await.map_err(err)?)
}

async fn roster(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).roster(&id).await.map_err(err)?)
}

async fn join(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).join_group(&id).await.map_err(err)?)
}

async fn leave(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).leave_group(&id).await.map_err(err)?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AttendanceBody {
    meeting_id: String,
    member_ids: Vec<String>,
}

async fn attendance(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, JsonBody(b): JsonBody<AttendanceBody>) -> ApiResult {
    let notes = s.access(&state).record_attendance(&id, &b.meeting_id, &b.member_ids).await.map_err(err)?;
    ok(StatusCode::CREATED, json!({ "contact_notes": notes }))
}

async fn reach(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).reach().await.map_err(err)?)
}

async fn set_reach(State(state): State<AppState>, ApiUser(s): ApiUser, JsonBody(input): JsonBody<ReachInput>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).set_reach(&input).await.map_err(err)?)
}

async fn calendar_feed(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    let (token, expires_at) = s.access(&state).new_calendar_feed().await.map_err(err)?;
    ok(StatusCode::CREATED, json!({ "path": format!("/calendar/{token}.ics"), "expires_at": expires_at }))
}

async fn revoke_calendar_feed(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    s.access(&state).revoke_calendar_feed().await.map_err(err)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct OutboxQuery {
    status: Option<String>,
    limit: Option<u32>,
}

async fn outbox(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: OutboxQuery = query(raw)?;
    let messages = s.access(&state).outbox(q.status.as_deref(), q.limit.unwrap_or(100)).await.map_err(err)?;
    ok(StatusCode::OK, json!({ "messages": messages }))
}

/// The calendar of the account the secret belongs to; an unknown secret
/// is simply not found.
async fn feed(State(state): State<AppState>, ClientAddr(addr): ClientAddr, Path(token): Path<String>) -> Response {
    let token = token.strip_suffix(".ics").unwrap_or(&token);
    let user = match state.store.user_by_feed_token(token).await {
        Ok(Some(u)) => u,
        Ok(None) => return (StatusCode::NOT_FOUND, "no such calendar\n").into_response(),
        Err(e) => return crate::problem::Problem::from(crate::problem::AppError::from(e)).into_response(),
    };
    match state.store.access(user.actor(), addr).calendar().await {
        Ok(ics) => ([(header::CONTENT_TYPE, "text/calendar; charset=utf-8"), (header::CACHE_CONTROL, "private, max-age=300")], ics).into_response(),
        Err(e) => crate::problem::Problem::from(crate::problem::AppError::from(e)).into_response(),
    }
}

/// A message in its reader's language: (subject, body).
pub fn render_message(m: &OutboxMessage) -> (String, String) {
    let t = Tr::new(&m.lang);
    let args: Vec<(&str, String)> = m.args.iter().map(|(k, v)| (k.as_str(), v.as_str().map_or_else(|| v.to_string(), str::to_string))).collect();
    (t.t("outbox-subject"), t.tn(&m.text_key, &args))
}

/// Deliver due messages every few seconds until the process ends.
pub fn spawn_outbox_worker(store: Store, sender: Arc<dyn Sender>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match store.deliver_due(sender.as_ref(), &render_message, 100).await {
                Ok(r) if r.delivered + r.retried + r.failed > 0 => {
                    tracing::info!(target: "accompany::outbox", delivered = r.delivered, retried = r.retried, failed = r.failed, "outbox pass")
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(target: "accompany::outbox", error = %e, "outbox pass failed")
                }
            }
            tokio::time::sleep(every).await;
        }
    })
}
