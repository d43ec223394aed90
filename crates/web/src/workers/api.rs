//! Workers: list, create, read, update and history.

use accompany_domain::records::WorkerInput;
use accompany_store::WorkerFilter;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::Router;
use serde_json::json;

use crate::auth::ApiUser;
use crate::json::{change, ok, precondition, query, stale, tagged, ApiResult, Change, PageQuery};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/workers", get(list_workers).post(create_worker))
        .route("/workers/{id}", get(get_worker).put(update_worker))
        .route("/workers/{id}/history", get(worker_history))
}

async fn list_workers(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: PageQuery = query(raw)?;
    let filter = WorkerFilter { role_id: q.role_id, employer_id: q.employer_id, after: q.after, limit: q.limit.unwrap_or(50) };
    ok(StatusCode::OK, s.access(&state).workers(&filter).await?)
}

async fn create_worker(State(state): State<AppState>, ApiUser(s): ApiUser, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<WorkerInput> = change(&headers, &bytes)?;
    let w = s.access(&state).create_worker(&c.input, c.reason.as_deref().unwrap_or("created")).await?;
    ok(StatusCode::CREATED, w)
}

async fn get_worker(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    tagged(StatusCode::OK, s.access(&state).worker(&id).await?)
}

async fn update_worker(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<WorkerInput> = change(&headers, &bytes)?;
    let p = precondition(&headers, c.version)?;
    let w =
        s.access(&state).update_worker(&id, &c.input, Some(p.version), c.reason.as_deref().unwrap_or("updated")).await.map_err(|e| stale(e, &p))?;
    tagged(StatusCode::OK, w)
}

async fn worker_history(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, json!({ "versions": s.access(&state).worker_history(&id).await? }))
}
