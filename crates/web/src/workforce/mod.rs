//! The workforce: each worker's development, supervision, compliance, the
//! workforce picture, positions and pay, and contacts across a caseload.

mod activity;
mod api;
mod caseload;
mod glance;
mod labels;
mod pages;
mod reports;

use axum::Router;

use crate::AppState;

pub use api::routes as api_routes;

pub fn page_routes() -> Router<AppState> {
    pages::routes().merge(reports::routes()).merge(caseload::routes()).merge(activity::routes())
}
