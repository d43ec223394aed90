//! The JSON API of contacts with billing units.

use accompany_domain::notes::ContactNoteInput;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use crate::auth::ApiUser;
use crate::json::{ok, ApiResult, JsonBody};
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
    ok(StatusCode::OK, s.access(&state).contact(&id, &contact).await?)
}

/// A correction: the contact's fields, the version it was read at and why.
#[derive(Deserialize)]
struct ContactUpdate {
    version: i64,
    #[serde(default)]
    reason: String,
    #[serde(flatten)]
    contact: ContactNoteInput,
}

async fn update_contact(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path((id, contact)): Path<(String, String)>,
    JsonBody(u): JsonBody<ContactUpdate>,
) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).update_contact(&id, &contact, u.version, &u.contact, &u.reason).await?)
}

async fn contact_history(State(state): State<AppState>, ApiUser(s): ApiUser, Path((id, contact)): Path<(String, String)>) -> ApiResult {
    ok(StatusCode::OK, json!({ "versions": s.access(&state).contact_history(&id, &contact).await? }))
}
