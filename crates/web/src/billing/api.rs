//! The JSON API of coverage and authorizations.

use accompany_domain::coverage::{AuthorizationDecision, AuthorizationRecord, AuthorizationRequest, Coverage, CoverageInput};
use accompany_store::{AuthorizationList, CoverageList, QueueRow, Seen};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::routes;

use crate::auth::ApiUser;
use crate::json::{created, ok, ApiResult, JsonBody};
use crate::openapi::ApiRouter;
use crate::AppState;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(list_coverage, add_coverage))
        .routes(routes!(end_coverage))
        .routes(routes!(list_authorizations, request_authorization))
        .routes(routes!(decide_authorization))
        .routes(routes!(needs_authorization))
}

/// The member's coverage
///
/// Their plans and payers with the days each covers, primary first, when
/// the caller sees the member's billing information (`hidden` says when not).
#[utoipa::path(get, path = "/members/{id}/coverage", tag = "billing", params(("id" = String, Path, description = "the member's id")),
    responses((status = 200, description = "The coverage the caller may see", body = Seen<CoverageList>)))]
async fn list_coverage(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).coverage(&id).await?)
}

/// Record a plan or payer
///
/// For the billing office (the organization's admins) and state admins.
/// Contacts on the days it covers are priced under its payer's rule.
#[utoipa::path(post, path = "/members/{id}/coverage", tag = "billing", params(("id" = String, Path, description = "the member's id")),
    request_body = CoverageInput,
    responses((status = 201, description = "Recorded", body = Coverage, headers(("Location" = String, description = "where to read the member's coverage")))))]
async fn add_coverage(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<CoverageInput>,
) -> ApiResult {
    created(format!("/api/v1/members/{id}/coverage"), s.access(&state).add_coverage(&id, &input).await?)
}

/// The last day of a coverage.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CoverageEnd {
    #[schema(schema_with = accompany_domain::limits::schema::day)]
    pub end: String,
}

/// End a coverage
///
/// On its last day; contacts after it are no longer priced under its payer.
#[utoipa::path(post, path = "/members/{id}/coverage/{coverage}/end", tag = "billing",
    params(("id" = String, Path, description = "the member's id"), ("coverage" = String, Path, description = "the coverage's id")),
    request_body = CoverageEnd,
    responses((status = 200, description = "Ended", body = Coverage)))]
async fn end_coverage(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path((id, coverage)): Path<(String, String)>,
    JsonBody(input): JsonBody<CoverageEnd>,
) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).end_coverage(&id, &coverage, &input.end).await?)
}

/// The member's authorizations
///
/// Requested, approved, denied and expired, newest first, with the units
/// billable contacts used under each.
#[utoipa::path(get, path = "/members/{id}/authorizations", tag = "billing", params(("id" = String, Path, description = "the member's id")),
    responses((status = 200, description = "The authorizations the caller may see", body = Seen<AuthorizationList>)))]
async fn list_authorizations(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).authorizations(&id).await?)
}

/// Request an authorization
///
/// For the member's care coordinator and the billing office. Units and the
/// last day default to the payer's initial or renewal figures (a Recovery
/// Coach under MassHealth: 90 days over 90).
#[utoipa::path(post, path = "/members/{id}/authorizations", tag = "billing", params(("id" = String, Path, description = "the member's id")),
    request_body = AuthorizationRequest,
    responses((status = 201, description = "Requested", body = AuthorizationRecord, headers(("Location" = String, description = "where to read the member's authorizations")))))]
async fn request_authorization(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<AuthorizationRequest>,
) -> ApiResult {
    created(format!("/api/v1/members/{id}/authorizations"), s.access(&state).request_authorization(&id, &input).await?)
}

/// Record the payer's decision
///
/// For the billing office: approved (with the payer's number), denied, or
/// an approved authorization expired early. A decided request is not decided again.
#[utoipa::path(post, path = "/members/{id}/authorizations/{authorization}/decision", tag = "billing",
    params(("id" = String, Path, description = "the member's id"), ("authorization" = String, Path, description = "the authorization's id")),
    request_body = AuthorizationDecision,
    responses((status = 200, description = "Recorded", body = AuthorizationRecord)))]
async fn decide_authorization(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path((id, authorization)): Path<(String, String)>,
    JsonBody(input): JsonBody<AuthorizationDecision>,
) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).decide_authorization(&id, &authorization, &input).await?)
}

/// The needs-authorization queue
///
/// Members whose contacts in the last 180 days have units no approved
/// authorization covers, oldest first: the units are kept, waiting.
#[utoipa::path(get, path = "/authorizations/needed", tag = "billing",
    responses((status = 200, description = "Units waiting, by member, role and payer", body = Vec<QueueRow>)))]
async fn needs_authorization(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).needs_authorization().await?)
}
