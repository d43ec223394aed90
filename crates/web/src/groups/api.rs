//! The JSON API of groups.

use accompany_domain::groups::GroupInput;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use crate::auth::ApiUser;
use crate::json::{ok, ApiResult, JsonBody};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/groups", get(groups).post(create_group))
        .route("/groups/{id}/roster", get(roster))
        .route("/groups/{id}/join", post(join))
        .route("/groups/{id}/leave", post(leave))
        .route("/groups/{id}/attendance", post(attendance))
}

async fn groups(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    ok(StatusCode::OK, json!({ "groups": s.access(&state).groups().await? }))
}

async fn create_group(State(state): State<AppState>, ApiUser(s): ApiUser, JsonBody(input): JsonBody<GroupInput>) -> ApiResult {
    ok(StatusCode::CREATED, s.access(&state).create_group(&input).await?)
}

async fn roster(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).roster(&id).await?)
}

async fn join(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).join_group(&id).await?)
}

async fn leave(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).leave_group(&id).await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AttendanceBody {
    meeting_id: String,
    member_ids: Vec<String>,
}

async fn attendance(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, JsonBody(b): JsonBody<AttendanceBody>) -> ApiResult {
    let notes = s.access(&state).record_attendance(&id, &b.meeting_id, &b.member_ids).await?;
    ok(StatusCode::CREATED, json!({ "contact_notes": notes }))
}
