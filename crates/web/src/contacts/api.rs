//! The JSON API of contacts with billing units, recovery goals and the
//! member's team in plain words.

use accompany_domain::goals::{GoalInput, ProgressInput};
use accompany_domain::notes::ContactNoteInput;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use crate::api::{err, ok, ApiResult, JsonBody};
use crate::auth::ApiUser;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/members/{id}/contacts", get(contact_log).post(log_contact))
        .route("/members/{id}/contacts/{contact}", get(contact).put(update_contact))
        .route("/members/{id}/contacts/{contact}/history", get(contact_history))
        .route("/members/{id}/recovery-goals", get(goals).post(add_goal))
        .route("/members/{id}/recovery-goals/{goal}", axum::routing::put(update_goal))
        .route("/members/{id}/recovery-goals/{goal}/progress", post(add_progress))
        .route("/members/{id}/recovery-goals/{goal}/history", get(goal_history))
        .route("/members/{id}/team", get(team))
}

async fn contact_log(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).contact_log(&id).await.map_err(err)?)
}

async fn log_contact(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ContactNoteInput>,
) -> ApiResult {
    ok(StatusCode::CREATED, s.access(&state).log_contact(&id, &input).await.map_err(err)?)
}

async fn contact(State(state): State<AppState>, ApiUser(s): ApiUser, Path((id, contact)): Path<(String, String)>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).contact(&id, &contact).await.map_err(err)?)
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
    ok(StatusCode::OK, s.access(&state).update_contact(&id, &contact, u.version, &u.contact, &u.reason).await.map_err(err)?)
}

async fn contact_history(State(state): State<AppState>, ApiUser(s): ApiUser, Path((id, contact)): Path<(String, String)>) -> ApiResult {
    ok(StatusCode::OK, json!({ "versions": s.access(&state).contact_history(&id, &contact).await.map_err(err)? }))
}

async fn goals(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).recovery_goals(&id).await.map_err(err)?)
}

async fn add_goal(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, JsonBody(input): JsonBody<GoalInput>) -> ApiResult {
    ok(StatusCode::CREATED, s.access(&state).add_goal(&id, &input).await.map_err(err)?)
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
    ok(StatusCode::OK, s.access(&state).update_goal(&id, &goal, u.version, &u.goal).await.map_err(err)?)
}

async fn add_progress(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path((id, goal)): Path<(String, String)>,
    JsonBody(input): JsonBody<ProgressInput>,
) -> ApiResult {
    ok(StatusCode::CREATED, s.access(&state).add_goal_progress(&id, &goal, &input).await.map_err(err)?)
}

async fn goal_history(State(state): State<AppState>, ApiUser(s): ApiUser, Path((id, goal)): Path<(String, String)>) -> ApiResult {
    ok(StatusCode::OK, json!({ "versions": s.access(&state).goal_history(&id, &goal).await.map_err(err)? }))
}

async fn team(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).team_overview(&id).await.map_err(err)?)
}
