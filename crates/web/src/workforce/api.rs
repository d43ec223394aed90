//! The JSON API of the workforce.

use accompany_domain::workforce::{CeInput, CredentialInput, EnrolmentInput, PositionInput, SessionInput};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

use crate::auth::ApiUser;
use crate::json::{change, err, ok, query, ApiResult, Change};
use crate::problem::{AppError, Problem};
use crate::AppState;

use super::reports::period;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/workforce/catalog", get(api_catalog))
        .route("/workforce/problems", get(api_problems))
        .route("/workforce/compliance", get(api_compliance))
        .route("/workforce/me", get(api_me))
        .route("/workforce/supervisees", get(api_supervisees))
        .route("/workforce/workers/{id}", get(api_worker))
        .route("/workforce/workers/{id}/credentials", axum::routing::post(api_add_credential))
        .route("/workforce/workers/{id}/ce", axum::routing::post(api_add_ce))
        .route("/workforce/workers/{id}/enrolments", axum::routing::post(api_add_enrolment))
        .route("/workforce/workers/{id}/sessions", axum::routing::post(api_add_session))
        .route("/workforce/picture", get(api_picture))
        .route("/workforce/positions", get(api_positions).post(api_create_position))
        .route("/workforce/workers/{id}/caseload", get(super::caseload::api_caseload))
}

// --- API -----------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ApiOrgQuery {
    organization_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

async fn api_catalog(State(state): State<AppState>, ApiUser(_): ApiUser) -> ApiResult {
    let c = &state.catalog;
    let requirements: BTreeMap<&str, _> = c.roles.iter().map(|r| (r.id.as_str(), (&r.requirements, &r.supervision))).collect();
    ok(
        StatusCode::OK,
        json!({
            "credential_kinds": c.credential_kinds,
            "training_programs": c.training_programs,
            "task_kinds": c.task_kinds,
            "roles": requirements.iter().map(|(id, (req, sup))| json!({ "id": id, "requirements": req, "supervision": sup })).collect::<Vec<_>>(),
            "warning_days": accompany_domain::workforce::WARNING_DAYS,
            "small_cell": accompany_domain::workforce::SMALL_CELL,
        }),
    )
}

async fn api_problems(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: ApiOrgQuery = query(raw)?;
    let problems = s.access(&state).workforce_problems(q.organization_id.as_deref()).await?;
    ok(StatusCode::OK, json!({ "count": problems.len(), "problems": problems }))
}

async fn api_compliance(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    ok(StatusCode::OK, json!({ "organizations": s.access(&state).compliance_by_organization().await? }))
}

async fn api_me(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    let access = s.access(&state);
    let me = access.my_worker().await?.ok_or_else(|| Problem::from(AppError::NotFound))?;
    ok(StatusCode::OK, access.worker_development(&me.id).await?)
}

async fn api_supervisees(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    ok(StatusCode::OK, json!({ "supervisees": s.access(&state).supervisees().await? }))
}

async fn api_worker(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).worker_development(&id).await?)
}

async fn api_add_credential(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult {
    let c: Change<CredentialInput> = change(&headers, &bytes)?;
    let reason = c.reason.as_deref().unwrap_or("credential recorded");
    ok(StatusCode::CREATED, s.access(&state).add_credential(&id, &c.input, reason).await?)
}

async fn api_add_ce(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<CeInput> = change(&headers, &bytes)?;
    let reason = c.reason.as_deref().unwrap_or("continuing education recorded");
    ok(StatusCode::CREATED, s.access(&state).add_ce_entry(&id, &c.input, reason).await?)
}

async fn api_add_enrolment(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult {
    let c: Change<EnrolmentInput> = change(&headers, &bytes)?;
    let reason = c.reason.as_deref().unwrap_or("training recorded");
    ok(StatusCode::CREATED, s.access(&state).add_enrolment(&id, &c.input, reason).await?)
}

async fn api_add_session(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<SessionInput> = change(&headers, &bytes)?;
    let reason = c.reason.as_deref().unwrap_or("supervision session recorded");
    ok(StatusCode::CREATED, s.access(&state).record_session(&id, &c.input, reason).await?)
}

async fn api_picture(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: ApiOrgQuery = query(raw)?;
    let (from, to) = period(q.from.as_deref(), q.to.as_deref()).map_err(|e| err(AppError::Invalid(e)))?;
    ok(StatusCode::OK, s.access(&state).workforce_picture(q.organization_id.as_deref(), from, to).await?)
}

async fn api_positions(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: ApiOrgQuery = query(raw)?;
    ok(StatusCode::OK, s.access(&state).positions(q.organization_id.as_deref()).await?)
}

async fn api_create_position(State(state): State<AppState>, ApiUser(s): ApiUser, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<PositionInput> = change(&headers, &bytes)?;
    let reason = c.reason.as_deref().unwrap_or("position created");
    let p = s.access(&state).create_position(&c.input, reason).await?;
    let flags = accompany_domain::workforce::prohibited_tasks(&state.catalog, &p);
    ok(StatusCode::CREATED, json!({ "position": p, "flags": flags }))
}
