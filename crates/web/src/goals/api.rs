//! The JSON API of recovery goals.

use accompany_domain::goals::{GoalInput, ProgressInput};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;

use crate::auth::ApiUser;
use crate::json::{change, ok, precondition, stale, tagged, ApiResult, Change, JsonBody};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/members/{id}/recovery-goals", get(goals).post(add_goal))
        .route("/members/{id}/recovery-goals/{goal}", axum::routing::put(update_goal))
        .route("/members/{id}/recovery-goals/{goal}/progress", post(add_progress))
        .route("/members/{id}/recovery-goals/{goal}/history", get(goal_history))
}

async fn goals(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).recovery_goals(&id).await?)
}

async fn add_goal(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, JsonBody(input): JsonBody<GoalInput>) -> ApiResult {
    ok(StatusCode::CREATED, s.access(&state).add_goal(&id, &input).await?)
}

/// A goal changed from the version that was read (`If-Match` or `version`).
async fn update_goal(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path((id, goal)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult {
    let c: Change<GoalInput> = change(&headers, &bytes)?;
    let p = precondition(&headers, c.version)?;
    tagged(StatusCode::OK, s.access(&state).update_goal(&id, &goal, p.version, &c.input).await.map_err(|e| stale(e, &p))?)
}

async fn add_progress(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path((id, goal)): Path<(String, String)>,
    JsonBody(input): JsonBody<ProgressInput>,
) -> ApiResult {
    ok(StatusCode::CREATED, s.access(&state).add_goal_progress(&id, &goal, &input).await?)
}

async fn goal_history(State(state): State<AppState>, ApiUser(s): ApiUser, Path((id, goal)): Path<(String, String)>) -> ApiResult {
    ok(StatusCode::OK, json!({ "versions": s.access(&state).goal_history(&id, &goal).await? }))
}
