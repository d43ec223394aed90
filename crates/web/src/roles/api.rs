//! The roles of the state's chart.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde_json::json;

use crate::json::{ok, ApiResult};
use crate::problem::{AppError, Problem};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/roles", get(roles)).route("/roles/{id}", get(role))
}

async fn roles(State(state): State<AppState>) -> ApiResult {
    ok(StatusCode::OK, json!({ "state": state.catalog.state, "shared_values": state.catalog.shared_values, "roles": state.catalog.roles }))
}

async fn role(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult {
    state.catalog.role(&id).map_or_else(|| Err(Problem::from(AppError::NotFound)), |r| ok(StatusCode::OK, r))
}
