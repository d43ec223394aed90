//! The roles of the state's chart.

use accompany_domain::catalog::Role;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::routes;

use crate::json::{ok, ApiResult};
use crate::openapi::ApiRouter;
use crate::problem::{AppError, Problem};
use crate::AppState;

pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(roles)).routes(routes!(role))
}

/// The state's chart of roles.
#[derive(Serialize, ToSchema)]
struct RoleCatalog<'a> {
    state: &'a str,
    shared_values: &'a [String],
    roles: &'a [Role],
}

/// The role catalog
///
/// Every role of the state's chart, with the values all of them share. No sign-in needed.
#[utoipa::path(get, path = "/roles", tag = "roles", security(()), responses((status = 200, description = "The role catalog", body = RoleCatalog)))]
async fn roles(State(state): State<AppState>) -> ApiResult {
    let c = &state.catalog;
    ok(StatusCode::OK, RoleCatalog { state: &c.state, shared_values: &c.shared_values, roles: &c.roles })
}

/// One role of the catalog
#[utoipa::path(get, path = "/roles/{id}", tag = "roles", security(()),
    params(("id" = String, Path, description = "a role id of the catalog", max_length = 64)),
    responses((status = 200, description = "The role", body = Role), (status = 404, description = "No role has this id")))]
async fn role(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult {
    state.catalog.role(&id).map_or_else(|| Err(Problem::from(AppError::NotFound)), |r| ok(StatusCode::OK, r))
}
