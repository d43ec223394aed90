//! Organizations: list, create, read and update.

use accompany_domain::records::{Organization, OrganizationInput};
use accompany_store::Page;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::routes;

use crate::auth::ApiUser;
use crate::json::{change, created, ok, precondition, query, stale, tagged, ApiResult, Change, Update};
use crate::openapi::ApiRouter;
use crate::AppState;

pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(list_organizations, create_organization)).routes(routes!(get_organization, update_organization))
}

#[derive(Deserialize, Default, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct OrganizationQuery {
    /// Only organizations of this kind (health-plan, aco, community-partner, rlc, cbo, human-service-organization,
    /// state-agency, hospital, recovery-support-center); any other matches none.
    kind: Option<String>,
    /// The `next_cursor` of the page before.
    after: Option<String>,
    /// At most this many (50 when left out; 0 counts as 1, more than 500 as 500).
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4294967295_i64)]
    limit: Option<u32>,
}

/// Organizations
///
/// Filtered by kind, one page at a time.
#[utoipa::path(get, path = "/organizations", tag = "organizations", params(OrganizationQuery),
    responses((status = 200, description = "A page of organizations", body = Page<Organization>)))]
async fn list_organizations(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: OrganizationQuery = query(raw)?;
    let page = s.access(&state).organizations(q.kind.as_deref(), q.after.as_deref(), q.limit.unwrap_or(50)).await?;
    ok(StatusCode::OK, page)
}

/// Add an organization
#[utoipa::path(post, path = "/organizations", tag = "organizations", request_body = Change<OrganizationInput>,
    responses((status = 201, description = "Added", body = Organization, headers(("Location" = String, description = "where to read the new organization")))))]
async fn create_organization(State(state): State<AppState>, ApiUser(s): ApiUser, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<OrganizationInput> = change(&headers, &bytes)?;
    let o = s.access(&state).create_organization(&c.input, c.reason.as_deref().unwrap_or("created")).await?;
    created(format!("/api/v1/organizations/{}", o.id), o)
}

/// One organization
#[utoipa::path(get, path = "/organizations/{id}", tag = "organizations", params(("id" = String, Path, description = "the organization's id")),
    responses((status = 200, description = "The organization", body = Organization, headers(("ETag" = String, description = "the version, for If-Match")))))]
async fn get_organization(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    tagged(StatusCode::OK, s.access(&state).organization(&id).await?)
}

/// Change an organization
///
/// Say why in `reason`, and name the version read in `version` (409 when
/// stale), or send `If-Match` with the ETag of the read instead (412 when stale).
#[utoipa::path(put, path = "/organizations/{id}", tag = "organizations", params(("id" = String, Path, description = "the organization's id")),
    request_body = Update<OrganizationInput>,
    responses((status = 200, description = "Changed", body = Organization, headers(("ETag" = String, description = "the new version"))),
        (status = 409, description = "`version` is not the record's version: read it again"),
        (status = 412, description = "If-Match is not the record's version: read it again"),
        (status = 428, description = "Neither If-Match nor `version` was sent")))]
async fn update_organization(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult {
    let c: Change<OrganizationInput> = change(&headers, &bytes)?;
    let p = precondition(&headers, c.version)?;
    let o = s
        .access(&state)
        .update_organization(&id, &c.input, Some(p.version), c.reason.as_deref().unwrap_or("updated"))
        .await
        .map_err(|e| stale(e, &p))?;
    tagged(StatusCode::OK, o)
}
