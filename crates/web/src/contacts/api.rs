//! The JSON API of contacts with billing units.

use accompany_domain::notes::ContactNoteInput;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::Router;
use serde_json::json;

use crate::auth::ApiUser;
use crate::json::{change, ok, precondition, stale, tagged, ApiResult, Change, JsonBody};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/members/{id}/contacts", get(contact_log).post(log_contact))
        .route("/members/{id}/contacts/{contact}", get(contact).put(update_contact))
        .route("/members/{id}/contacts/{contact}/history", get(contact_history))
}

async fn contact_log(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).contact_log(&id).await?)
}

async fn log_contact(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ContactNoteInput>,
) -> ApiResult {
    ok(StatusCode::CREATED, s.access(&state).log_contact(&id, &input).await?)
}

async fn contact(State(state): State<AppState>, ApiUser(s): ApiUser, Path((id, contact)): Path<(String, String)>) -> ApiResult {
    tagged(StatusCode::OK, s.access(&state).contact(&id, &contact).await?)
}

/// A correction: the contact's fields and why, from the version that was
/// read (`If-Match` or `version`).
async fn update_contact(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path((id, contact)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult {
    let c: Change<ContactNoteInput> = change(&headers, &bytes)?;
    let p = precondition(&headers, c.version)?;
    let reason = c.reason.unwrap_or_default();
    tagged(StatusCode::OK, s.access(&state).update_contact(&id, &contact, p.version, &c.input, &reason).await.map_err(|e| stale(e, &p))?)
}

async fn contact_history(State(state): State<AppState>, ApiUser(s): ApiUser, Path((id, contact)): Path<(String, String)>) -> ApiResult {
    ok(StatusCode::OK, json!({ "versions": s.access(&state).contact_history(&id, &contact).await? }))
}
