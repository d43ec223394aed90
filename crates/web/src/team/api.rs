//! A member's care team: who is on it, adding someone, asking to join and answering, and the team in plain words.

use accompany_domain::records::TeamRole;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use crate::auth::ApiUser;
use crate::json::{body, ok, ApiResult, JsonBody};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/members/{id}/care-team", get(care_team).post(add_team_member))
        .route("/members/{id}/care-team/requests", get(team_requests).post(ask_to_join))
        .route("/members/{id}/care-team/requests/{request}/approve", post(approve_team_request))
        .route("/members/{id}/care-team/requests/{request}/decline", post(decline_team_request))
        .route("/members/{id}/team", get(team))
}

async fn care_team(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, json!({ "participants": s.access(&state).care_team(&id).await? }))
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
    access.add_team_member(&id, &b.user_id, b.team_role).await?;
    ok(StatusCode::CREATED, json!({ "participants": access.care_team(&id).await? }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JoinBody {
    team_role: TeamRole,
    reason: String,
}

/// Ask to join a member's team. The answer is the same whatever the id.
async fn ask_to_join(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, JsonBody(b): JsonBody<JoinBody>) -> ApiResult {
    let status = s.access(&state).ask_to_join(&id, b.team_role, &b.reason).await?;
    ok(StatusCode::ACCEPTED, json!({ "status": status }))
}

async fn team_requests(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, json!({ "requests": s.access(&state).team_requests(&id).await? }))
}

async fn approve_team_request(State(state): State<AppState>, ApiUser(s): ApiUser, Path((id, request)): Path<(String, String)>) -> ApiResult {
    let access = s.access(&state);
    access.answer_team_request(&id, &request, true).await?;
    ok(StatusCode::OK, json!({ "participants": access.care_team(&id).await? }))
}

async fn decline_team_request(State(state): State<AppState>, ApiUser(s): ApiUser, Path((id, request)): Path<(String, String)>) -> ApiResult {
    s.access(&state).answer_team_request(&id, &request, false).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn team(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).team_overview(&id).await?)
}
