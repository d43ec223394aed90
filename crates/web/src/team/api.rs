//! A member's care team: who is on it, adding someone, asking to join and answering, and the team in plain words.

use accompany_domain::records::TeamRole;
use accompany_store::{TeamMemberView, TeamOverview, TeamRequest};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use crate::auth::ApiUser;
use crate::json::{body, created, ok, ApiResult, JsonBody};
use crate::openapi::ApiRouter;
use crate::AppState;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(care_team, add_team_member))
        .routes(routes!(team_requests, ask_to_join))
        .routes(routes!(approve_team_request))
        .routes(routes!(decline_team_request))
        .routes(routes!(team_overview))
}

/// The people on a member's care team.
#[derive(Serialize, ToSchema)]
struct CareTeam {
    participants: Vec<TeamMemberView>,
}

/// The member's care team
#[utoipa::path(get, path = "/members/{id}/care-team", tag = "team", params(("id" = String, Path, description = "the member's id")),
    responses((status = 200, description = "The care team", body = CareTeam)))]
async fn care_team(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, CareTeam { participants: s.access(&state).care_team(&id).await? })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct TeamBody {
    /// The user id of the person to add.
    #[schema(schema_with = accompany_domain::limits::schema::identifier)]
    user_id: String,
    team_role: TeamRole,
}

/// Put someone else on the care team
///
/// The member, their care coordinator or their plan's admin; never oneself,
/// never a peer (members choose their peer); the role must fit the person.
#[utoipa::path(post, path = "/members/{id}/care-team", tag = "team", params(("id" = String, Path, description = "the member's id")),
    request_body = TeamBody,
    responses((status = 201, description = "Added: the care team now", body = CareTeam, headers(("Location" = String, description = "the care team"))),
        (status = 422, description = "This person cannot take the role, or is already on the team in it")))]
async fn add_team_member(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let b: TeamBody = body(&headers, &bytes)?;
    let access = s.access(&state);
    access.add_team_member(&id, &b.user_id, b.team_role).await?;
    created(format!("/api/v1/members/{id}/care-team"), CareTeam { participants: access.care_team(&id).await? })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct JoinBody {
    /// One's own role: care coordinators ask as care-coordinator, clinicians as clinician or primary-care.
    team_role: TeamRole,
    /// Why, for the member.
    #[schema(schema_with = accompany_domain::limits::schema::reason)]
    reason: String,
}

/// A request to join, received.
#[derive(Serialize, ToSchema)]
struct JoinRequested {
    #[schema(value_type = String, example = "requested")]
    status: &'static str,
}

/// Ask to join a member's team in one's own role (care coordinators, clinicians)
///
/// Answered 202 whatever the id: only the member (or their plan) learns of the request.
#[utoipa::path(post, path = "/members/{id}/care-team/requests", tag = "team", params(("id" = String, Path, description = "the member's id")),
    request_body = JoinBody,
    responses((status = 202, description = "Received (the same answer whatever the id)", body = JoinRequested)))]
async fn ask_to_join(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, JsonBody(b): JsonBody<JoinBody>) -> ApiResult {
    let status = s.access(&state).ask_to_join(&id, b.team_role, &b.reason).await?;
    ok(StatusCode::ACCEPTED, JoinRequested { status })
}

/// Requests to join a team waiting for an answer.
#[derive(Serialize, ToSchema)]
struct TeamRequests {
    /// Oldest first.
    requests: Vec<TeamRequest>,
}

/// For the member or their plan's admin: requests to join the team waiting for an answer
#[utoipa::path(get, path = "/members/{id}/care-team/requests", tag = "team", params(("id" = String, Path, description = "the member's id")),
    responses((status = 200, description = "The waiting requests", body = TeamRequests)))]
async fn team_requests(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, TeamRequests { requests: s.access(&state).team_requests(&id).await? })
}

/// For the member or their plan's admin: let the person join in the role they asked for
#[utoipa::path(post, path = "/members/{id}/care-team/requests/{request}/approve", tag = "team",
    params(("id" = String, Path, description = "the member's id"), ("request" = String, Path, description = "the request's id")),
    responses((status = 200, description = "Approved: the care team now", body = CareTeam)))]
async fn approve_team_request(State(state): State<AppState>, ApiUser(s): ApiUser, Path((id, request)): Path<(String, String)>) -> ApiResult {
    let access = s.access(&state);
    access.answer_team_request(&id, &request, true).await?;
    ok(StatusCode::OK, CareTeam { participants: access.care_team(&id).await? })
}

/// For the member or their plan's admin: say no
#[utoipa::path(post, path = "/members/{id}/care-team/requests/{request}/decline", tag = "team",
    params(("id" = String, Path, description = "the member's id"), ("request" = String, Path, description = "the request's id")),
    responses((status = 204, description = "Declined")))]
async fn decline_team_request(State(state): State<AppState>, ApiUser(s): ApiUser, Path((id, request)): Path<(String, String)>) -> ApiResult {
    s.access(&state).answer_team_request(&id, &request, false).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The care team in plain words
///
/// Role, organization and its source, when and how each person meets, and
/// (for the member only) what each sees.
#[utoipa::path(get, path = "/members/{id}/team", tag = "team", params(("id" = String, Path, description = "the member's id")),
    responses((status = 200, description = "The team; `sees` is left out for every reader but the member", body = TeamOverview)))]
async fn team_overview(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).team_overview(&id).await?)
}
