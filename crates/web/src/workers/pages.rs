//! The list of workers.

use accompany_domain::policy;
use accompany_store::WorkerFilter;
use askama::Template;
use axum::extract::State;
use axum::routing::get;
use axum::Router;

use crate::page::{render, worker_rows, Layout, PageResult, PageUser, WorkerRow};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/workers", get(workers))
}

#[derive(Template)]
#[template(path = "workers/workers.html")]
struct WorkersPage {
    l: Layout,
    workers: Vec<WorkerRow>,
}

async fn workers(State(state): State<AppState>, PageUser(s): PageUser) -> PageResult {
    let employer = if policy::sees_every_organization(s.user.persona) { None } else { s.user.organization_id.clone() };
    let p = s.access(&state).workers(&WorkerFilter { employer_id: employer, limit: 200, ..Default::default() }).await?;
    Ok(render(WorkersPage { l: Layout::new(&s.tr, Some(&s), "/workers", s.tr.t("nav-workers")), workers: worker_rows(&state, &s.tr, &p.items) }))
}
