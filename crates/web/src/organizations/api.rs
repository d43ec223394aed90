//! Organizations: list, create, read and update.

use accompany_domain::records::OrganizationInput;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::Router;

use crate::auth::ApiUser;
use crate::json::{change, ok, precondition, query, stale, tagged, ApiResult, Change, PageQuery};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/organizations", get(list_organizations).post(create_organization))
        .route("/organizations/{id}", get(get_organization).put(update_organization))
}

async fn list_organizations(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: PageQuery = query(raw)?;
    let page = s.access(&state).organizations(q.kind.as_deref(), q.after.as_deref(), q.limit.unwrap_or(50)).await?;
    ok(StatusCode::OK, page)
}

async fn create_organization(State(state): State<AppState>, ApiUser(s): ApiUser, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<OrganizationInput> = change(&headers, &bytes)?;
    let o = s.access(&state).create_organization(&c.input, c.reason.as_deref().unwrap_or("created")).await?;
    ok(StatusCode::CREATED, o)
}

async fn get_organization(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    tagged(StatusCode::OK, s.access(&state).organization(&id).await?)
}

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
