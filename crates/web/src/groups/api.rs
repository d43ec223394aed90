//! The JSON API of groups.

use accompany_domain::groups::GroupInput;
use accompany_domain::notes::ContactNote;
use accompany_store::{GroupView, Roster};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use crate::auth::ApiUser;
use crate::json::{created, ok, ApiResult, JsonBody};
use crate::openapi::ApiRouter;
use crate::AppState;

pub fn routes() -> ApiRouter {
    // The document's days to come and gone by are counted from this year.
    ApiRouter::new()
        .routes(routes!(list_groups, create_group))
        .routes(routes!(group_roster))
        .routes(routes!(join_group))
        .routes(routes!(leave_group))
        .routes(routes!(record_attendance))
}

/// Groups with meetings to come.
#[derive(Serialize, ToSchema)]
struct Groups {
    groups: Vec<GroupView>,
}

/// Groups with meetings to come
///
/// Those open to the member, or those the peer runs or their organization offers.
#[utoipa::path(get, path = "/groups", tag = "groups", responses((status = 200, description = "The groups", body = Groups)))]
async fn list_groups(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    ok(StatusCode::OK, Groups { groups: s.access(&state).groups().await? })
}

/// Start a group
///
/// For peers: a weekly group open to the members of an organization.
#[utoipa::path(post, path = "/groups", tag = "groups", request_body = GroupInput,
    responses((status = 201, description = "Started", body = GroupView, headers(("Location" = String, description = "where to read the group's roster"))),
        (status = 422, description = "A field does not fit, the first meeting is in the past (`in-past`), or `open_to` or a co-leader is unknown")))]
async fn create_group(State(state): State<AppState>, ApiUser(s): ApiUser, JsonBody(input): JsonBody<GroupInput>) -> ApiResult {
    let g = s.access(&state).create_group(&input).await?;
    created(format!("/api/v1/groups/{}/roster", g.id), g)
}

/// A group's roster
///
/// For the group's peers: its meetings with attendance, and who joined.
#[utoipa::path(get, path = "/groups/{id}/roster", tag = "groups", params(("id" = String, Path, description = "the group's id")),
    responses((status = 200, description = "The roster", body = Roster)))]
async fn group_roster(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).roster(&id).await?)
}

/// Join a group
///
/// For a member: a group open to them.
#[utoipa::path(post, path = "/groups/{id}/join", tag = "groups", params(("id" = String, Path, description = "the group's id")),
    responses((status = 200, description = "Joined", body = GroupView)))]
async fn join_group(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).join_group(&id).await?)
}

/// Leave a group
#[utoipa::path(post, path = "/groups/{id}/leave", tag = "groups", params(("id" = String, Path, description = "the group's id")),
    responses((status = 200, description = "Left", body = GroupView)))]
async fn leave_group(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).leave_group(&id).await?)
}

/// Who came to a meeting.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AttendanceBody {
    #[schema(max_length = 64)]
    meeting_id: String,
    /// Members who joined the group.
    #[schema(schema_with = accompany_domain::limits::schema::identifiers_some)]
    member_ids: Vec<String>,
}

/// The contact notes written for a meeting's attendance.
#[derive(Serialize, ToSchema)]
struct Attendance {
    contact_notes: Vec<ContactNote>,
}

/// Record who came to a meeting
///
/// For the group's peers: each member who came gets a contact note.
#[utoipa::path(post, path = "/groups/{id}/attendance", tag = "groups", params(("id" = String, Path, description = "the group's id")),
    request_body = AttendanceBody,
    responses((status = 201, description = "Recorded", body = Attendance, headers(("Location" = String, description = "where to read the group's roster"))),
        (status = 422, description = "`no-such-meeting`, a member who did not join, or a meeting still to come")))]
async fn record_attendance(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<AttendanceBody>,
) -> ApiResult {
    let notes = s.access(&state).record_attendance(&id, &b.meeting_id, &b.member_ids).await?;
    created(format!("/api/v1/groups/{id}/roster"), Attendance { contact_notes: notes })
}
