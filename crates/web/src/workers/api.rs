//! Workers: list, create, read, update and history.

use accompany_domain::records::{Worker, WorkerInput};
use accompany_store::{Page, WorkerFilter};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::routes;

use crate::auth::ApiUser;
use crate::json::{change, created, ok, precondition, query, stale, tagged, ApiResult, Change, Update, Versions};
use crate::openapi::ApiRouter;
use crate::AppState;

pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(list_workers, create_worker)).routes(routes!(get_worker, update_worker)).routes(routes!(worker_history))
}

#[derive(Deserialize, Default, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct WorkerQuery {
    /// Only workers in this role of the catalog.
    role_id: Option<String>,
    /// Only workers of this organization (an organization admin always sees only their own).
    employer_id: Option<String>,
    /// The `next_cursor` of the page before.
    after: Option<String>,
    /// At most this many (50 when left out; 0 counts as 1, more than 500 as 500).
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4294967295_i64)]
    limit: Option<u32>,
}

/// Workers
///
/// Filtered by role and employer, one page at a time. Statements a worker keeps
/// private or for matching are left out unless the caller may see the worker in full.
#[utoipa::path(get, path = "/workers", tag = "workers", params(WorkerQuery),
    responses((status = 200, description = "A page of workers", body = Page<Worker>)))]
async fn list_workers(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: WorkerQuery = query(raw)?;
    let filter = WorkerFilter { role_id: q.role_id, employer_id: q.employer_id, after: q.after, limit: q.limit.unwrap_or(50) };
    ok(StatusCode::OK, s.access(&state).workers(&filter).await?)
}

/// Add a worker
#[utoipa::path(post, path = "/workers", tag = "workers", request_body = Change<WorkerInput>,
    responses((status = 201, description = "Added", body = Worker, headers(("Location" = String, description = "where to read the new worker"))),
        (status = 409, description = "`employer_id`, `user_id` or `supervisor_id` names no such organization, account or other worker (`no-such-organization`, `no-such-user`, `supervisor`)"),
        (status = 422, description = "A field does not fit, or the end is before the start")))]
async fn create_worker(State(state): State<AppState>, ApiUser(s): ApiUser, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<WorkerInput> = change(&headers, &bytes)?;
    let w = s.access(&state).create_worker(&c.input, c.reason.as_deref().unwrap_or("created")).await?;
    created(format!("/api/v1/workers/{}", w.id), w)
}

/// One worker
///
/// Statements the worker keeps private or for matching are left out unless the caller may see the worker in full.
#[utoipa::path(get, path = "/workers/{id}", tag = "workers", params(("id" = String, Path, description = "the worker's id")),
    responses((status = 200, description = "The worker", body = Worker, headers(("ETag" = String, description = "the version, for If-Match")))))]
async fn get_worker(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    tagged(StatusCode::OK, s.access(&state).worker(&id).await?)
}

/// Change a worker
///
/// Say why in `reason`, and name the version read in `version` (409 when
/// stale), or send `If-Match` with the ETag of the read instead (412 when stale).
#[utoipa::path(put, path = "/workers/{id}", tag = "workers", params(("id" = String, Path, description = "the worker's id")),
    request_body = Update<WorkerInput>,
    responses((status = 200, description = "Changed", body = Worker, headers(("ETag" = String, description = "the new version"))),
        (status = 409, description = "`version` is not the record's version: read it again; or `employer_id`, `user_id` or `supervisor_id` names no such record"),
        (status = 412, description = "If-Match is not the record's version: read it again"),
        (status = 428, description = "Neither If-Match nor `version` was sent")))]
async fn update_worker(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<WorkerInput> = change(&headers, &bytes)?;
    let p = precondition(&headers, c.version)?;
    let w =
        s.access(&state).update_worker(&id, &c.input, Some(p.version), c.reason.as_deref().unwrap_or("updated")).await.map_err(|e| stale(e, &p))?;
    tagged(StatusCode::OK, w)
}

/// Every version of a worker's record
#[utoipa::path(get, path = "/workers/{id}/history", tag = "workers", params(("id" = String, Path, description = "the worker's id")),
    responses((status = 200, description = "Every version, oldest first", body = Versions)))]
async fn worker_history(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, Versions { versions: s.access(&state).worker_history(&id).await? })
}
