//! The JSON API of recovery goals.

use accompany_domain::goals::{GoalInput, GoalProgress, ProgressInput, RecoveryGoal};
use accompany_store::{Goals, Seen};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use utoipa_axum::routes;

use crate::auth::ApiUser;
use crate::json::{change, created, ok, precondition, stale, tagged, ApiResult, Change, JsonBody, Update, Versions};
use crate::openapi::ApiRouter;
use crate::AppState;

pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(list_goals, add_goal)).routes(routes!(update_goal)).routes(routes!(add_progress)).routes(routes!(goal_history))
}

/// The member's recovery goals
///
/// With steps and progress, when the member shares them with the caller
/// (`hidden` says when not).
#[utoipa::path(get, path = "/members/{id}/recovery-goals", tag = "goals", params(("id" = String, Path, description = "the member's id")),
    responses((status = 200, description = "The goals the caller may see", body = Seen<Goals>)))]
async fn list_goals(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).recovery_goals(&id).await?)
}

/// Write a recovery goal
///
/// For the member: a goal in their own words, with steps and target dates.
#[utoipa::path(post, path = "/members/{id}/recovery-goals", tag = "goals", params(("id" = String, Path, description = "the member's id")),
    request_body = GoalInput,
    responses((status = 201, description = "Written", body = RecoveryGoal, headers(("Location" = String, description = "where to read the member's goals")))))]
async fn add_goal(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, JsonBody(input): JsonBody<GoalInput>) -> ApiResult {
    created(format!("/api/v1/members/{id}/recovery-goals"), s.access(&state).add_goal(&id, &input).await?)
}

/// Change a recovery goal
///
/// For the member, from the version that was read (`If-Match` or `version`).
#[utoipa::path(put, path = "/members/{id}/recovery-goals/{goal}", tag = "goals",
    params(("id" = String, Path, description = "the member's id"), ("goal" = String, Path, description = "the goal's id"),
        ("If-Match" = Option<String>, Header, description = "the ETag of your read", nullable = false, pattern = r#"^(W/)?"-?[0-9]{1,18}"$"#)),
    request_body = Update<GoalInput>,
    responses((status = 200, description = "Changed", body = RecoveryGoal, headers(("ETag" = String, description = "the new version"))),
        (status = 409, description = "`version` is not the record's version: read it again"),
        (status = 412, description = "If-Match is not the record's version: read it again"),
        (status = 428, description = "Neither If-Match nor `version` was sent")))]
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

/// Note progress on a goal
///
/// For the member or their peer: dated progress, not in the future.
#[utoipa::path(post, path = "/members/{id}/recovery-goals/{goal}/progress", tag = "goals",
    params(("id" = String, Path, description = "the member's id"), ("goal" = String, Path, description = "the goal's id")),
    request_body = ProgressInput,
    responses((status = 201, description = "Noted", body = GoalProgress, headers(("Location" = String, description = "where to read the member's goals"))),
        (status = 422, description = "A field does not fit, or the date is in the future")))]
async fn add_progress(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path((id, goal)): Path<(String, String)>,
    JsonBody(input): JsonBody<ProgressInput>,
) -> ApiResult {
    created(format!("/api/v1/members/{id}/recovery-goals"), s.access(&state).add_goal_progress(&id, &goal, &input).await?)
}

/// Every version of one goal
#[utoipa::path(get, path = "/members/{id}/recovery-goals/{goal}/history", tag = "goals",
    params(("id" = String, Path, description = "the member's id"), ("goal" = String, Path, description = "the goal's id")),
    responses((status = 200, description = "Every version, oldest first", body = Versions)))]
async fn goal_history(State(state): State<AppState>, ApiUser(s): ApiUser, Path((id, goal)): Path<(String, String)>) -> ApiResult {
    ok(StatusCode::OK, Versions { versions: s.access(&state).goal_history(&id, &goal).await? })
}
