//! The JSON API of recovery goals.

use accompany_domain::goals::{GoalInput, ProgressInput};
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

#[derive(Deserialize)]
struct GoalUpdate {
    version: i64,
    #[serde(flatten)]
    goal: GoalInput,
}

async fn update_goal(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path((id, goal)): Path<(String, String)>,
    JsonBody(u): JsonBody<GoalUpdate>,
) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).update_goal(&id, &goal, u.version, &u.goal).await?)
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
