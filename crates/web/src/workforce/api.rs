//! The JSON API of the workforce.

use accompany_domain::catalog::{CredentialKind, Requirement, Supervision, TaskKind, TrainingProgram};
use accompany_domain::workforce::{
    CeEntry, CeInput, ComplianceProblem, Credential, CredentialInput, Enrolment, EnrolmentInput, Picture, Position, PositionInput, SessionInput,
    SupervisionSession, TaskFlag,
};
use accompany_store::{OrganizationCompliance, PositionReport, SuperviseeRow, WorkerDevelopment};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use crate::auth::ApiUser;
use crate::json::{change, created, err, ok, query, ApiResult, Change};
use crate::openapi::ApiRouter;
use crate::problem::{AppError, Problem};
use crate::AppState;

use super::reports::period;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(workforce_catalog))
        .routes(routes!(workforce_problems))
        .routes(routes!(workforce_compliance))
        .routes(routes!(my_development))
        .routes(routes!(my_supervisees))
        .routes(routes!(worker_development))
        .routes(routes!(add_credential))
        .routes(routes!(add_ce_entry))
        .routes(routes!(add_enrolment))
        .routes(routes!(record_supervision_session))
        .routes(routes!(workforce_picture))
        .routes(routes!(list_positions, create_position))
        .routes(routes!(super::caseload::caseload_contacts))
}

#[derive(Deserialize, Default, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct OrganizationFilter {
    /// Only this organization's.
    organization_id: Option<String>,
}

#[derive(Deserialize, Default, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct PictureQuery {
    /// Only this organization's.
    organization_id: Option<String>,
    /// The first day of the period, YYYY-MM-DD (a year before `to` when left out).
    #[param(
        pattern = r"^\s*$|^\s*((19[0-9]{2}|2[01][0-9]{2}|2200)-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))|(19(0[48]|[2468][048]|[13579][26])|20(0[048]|[2468][048]|[13579][26])|21(0[48]|[2468][048]|[13579][26]))-02-29)\s*$"
    )]
    from: Option<String>,
    /// The last day of the period, YYYY-MM-DD (today when left out).
    #[param(
        pattern = r"^\s*$|^\s*((19[0-9]{2}|2[01][0-9]{2}|2200)-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))|(19(0[48]|[2468][048]|[13579][26])|20(0[048]|[2468][048]|[13579][26])|21(0[48]|[2468][048]|[13579][26]))-02-29)\s*$"
    )]
    to: Option<String>,
}

/// A role's requirements and supervision rules.
#[derive(Serialize, ToSchema)]
struct RoleRules<'a> {
    id: &'a str,
    requirements: &'a [Requirement],
    supervision: &'a Supervision,
}

/// What the workforce is measured against.
#[derive(Serialize, ToSchema)]
struct WorkforceCatalog<'a> {
    credential_kinds: &'a [CredentialKind],
    training_programs: &'a [TrainingProgram],
    task_kinds: &'a [TaskKind],
    /// By role id.
    roles: Vec<RoleRules<'a>>,
    /// Days before a credential lapses when it is flagged as expiring.
    warning_days: [i64; 3],
    /// Counts below this are suppressed in reports.
    small_cell: u64,
}

/// Credential kinds, training programs, task kinds, and each role's requirements and supervision rules
#[utoipa::path(get, path = "/workforce/catalog", tag = "workforce",
    responses((status = 200, description = "The workforce catalog", body = WorkforceCatalog)))]
async fn workforce_catalog(State(state): State<AppState>, ApiUser(_): ApiUser) -> ApiResult {
    let c = &state.catalog;
    let mut roles: Vec<RoleRules> =
        c.roles.iter().map(|r| RoleRules { id: &r.id, requirements: &r.requirements, supervision: &r.supervision }).collect();
    roles.sort_by(|a, b| a.id.cmp(b.id));
    roles.dedup_by(|a, b| a.id == b.id);
    ok(
        StatusCode::OK,
        WorkforceCatalog {
            credential_kinds: &c.credential_kinds,
            training_programs: &c.training_programs,
            task_kinds: &c.task_kinds,
            roles,
            warning_days: accompany_domain::workforce::WARNING_DAYS,
            small_cell: accompany_domain::workforce::SMALL_CELL,
        },
    )
}

/// Compliance problems the caller may see.
#[derive(Serialize, ToSchema)]
struct WorkforceProblems {
    count: usize,
    problems: Vec<ComplianceProblem>,
}

/// Compliance problems the caller may see
///
/// The same list as `accompany workforce check --json`.
#[utoipa::path(get, path = "/workforce/problems", tag = "workforce", params(OrganizationFilter),
    responses((status = 200, description = "The problems", body = WorkforceProblems)))]
async fn workforce_problems(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: OrganizationFilter = query(raw)?;
    let problems = s.access(&state).workforce_problems(q.organization_id.as_deref()).await?;
    ok(StatusCode::OK, WorkforceProblems { count: problems.len(), problems })
}

/// Compliance problems counted by organization.
#[derive(Serialize, ToSchema)]
struct WorkforceCompliance {
    organizations: Vec<OrganizationCompliance>,
}

/// Compliance problems counted by organization and kind (admins)
#[utoipa::path(get, path = "/workforce/compliance", tag = "workforce",
    responses((status = 200, description = "The counts", body = WorkforceCompliance)))]
async fn workforce_compliance(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    ok(StatusCode::OK, WorkforceCompliance { organizations: s.access(&state).compliance_by_organization().await? })
}

/// The caller's own credentials, eligibility, continuing education, training and supervision
#[utoipa::path(get, path = "/workforce/me", tag = "workforce",
    responses((status = 200, description = "The caller's development", body = WorkerDevelopment),
        (status = 404, description = "The caller is not a worker")))]
async fn my_development(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    let access = s.access(&state);
    let me = access.my_worker().await?.ok_or_else(|| Problem::from(AppError::NotFound))?;
    ok(StatusCode::OK, access.worker_development(&me.id).await?)
}

/// The caller's supervisees.
#[derive(Serialize, ToSchema)]
struct Supervisees {
    supervisees: Vec<SuperviseeRow>,
}

/// The caller's supervisees, with cadence and the caller's qualification for each
#[utoipa::path(get, path = "/workforce/supervisees", tag = "workforce",
    responses((status = 200, description = "The supervisees", body = Supervisees)))]
async fn my_supervisees(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    ok(StatusCode::OK, Supervisees { supervisees: s.access(&state).supervisees().await? })
}

/// One worker's development
///
/// Credentials, eligibility, billing block, continuing education, training, supervision and problems.
#[utoipa::path(get, path = "/workforce/workers/{id}", tag = "workforce", params(("id" = String, Path, description = "the worker's id")),
    responses((status = 200, description = "The worker's development", body = WorkerDevelopment)))]
async fn worker_development(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).worker_development(&id).await?)
}

/// Record a credential (organization and state admins)
#[utoipa::path(post, path = "/workforce/workers/{id}/credentials", tag = "workforce", params(("id" = String, Path, description = "the worker's id")),
    request_body = Change<CredentialInput>,
    responses((status = 201, description = "Recorded", body = Credential, headers(("Location" = String, description = "the worker's development, where it is listed"))),
        (status = 422, description = "A field does not fit, the date is in the future, or the credential lapses and has no expiry date")))]
async fn add_credential(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<CredentialInput> = change(&headers, &bytes)?;
    let reason = c.reason.as_deref().unwrap_or("credential recorded");
    created(format!("/api/v1/workforce/workers/{id}"), s.access(&state).add_credential(&id, &c.input, reason).await?)
}

/// Record continuing-education hours (the worker or an admin)
#[utoipa::path(post, path = "/workforce/workers/{id}/ce", tag = "workforce", params(("id" = String, Path, description = "the worker's id")),
    request_body = Change<CeInput>,
    responses((status = 201, description = "Recorded", body = CeEntry, headers(("Location" = String, description = "the worker's development, where it is listed"))),
        (status = 422, description = "A field does not fit, or the date is in the future")))]
async fn add_ce_entry(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<CeInput> = change(&headers, &bytes)?;
    let reason = c.reason.as_deref().unwrap_or("continuing education recorded");
    created(format!("/api/v1/workforce/workers/{id}"), s.access(&state).add_ce_entry(&id, &c.input, reason).await?)
}

/// Enrol in a training cohort, or record attendance, exam and completion
///
/// Completion issues the program's certificate.
#[utoipa::path(post, path = "/workforce/workers/{id}/enrolments", tag = "workforce", params(("id" = String, Path, description = "the worker's id")),
    request_body = Change<EnrolmentInput>,
    responses((status = 201, description = "Recorded", body = Enrolment, headers(("Location" = String, description = "the worker's development, where it is listed"))),
        (status = 422, description = "A field does not fit; or the completion date is in the future or missing for a completed training; or an exam result for a program without exam")))]
async fn add_enrolment(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<EnrolmentInput> = change(&headers, &bytes)?;
    let reason = c.reason.as_deref().unwrap_or("training recorded");
    created(format!("/api/v1/workforce/workers/{id}"), s.access(&state).add_enrolment(&id, &c.input, reason).await?)
}

/// Record a supervision session (the worker's supervisor or an admin)
#[utoipa::path(post, path = "/workforce/workers/{id}/sessions", tag = "workforce", params(("id" = String, Path, description = "the worker's id")),
    request_body = Change<SessionInput>,
    responses((status = 201, description = "Recorded", body = SupervisionSession, headers(("Location" = String, description = "the worker's development, where it is listed"))),
        (status = 409, description = "The worker has no supervisor and none is named (`supervisor`)"),
        (status = 422, description = "A field does not fit, or the session is in the future")))]
async fn record_supervision_session(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult {
    let c: Change<SessionInput> = change(&headers, &bytes)?;
    let reason = c.reason.as_deref().unwrap_or("supervision session recorded");
    created(format!("/api/v1/workforce/workers/{id}"), s.access(&state).record_session(&id, &c.input, reason).await?)
}

/// The workforce picture
///
/// Headcount, languages, identity, vacancies, hires, departures, turnover and leadership, small cells suppressed.
#[utoipa::path(get, path = "/workforce/picture", tag = "workforce", params(PictureQuery),
    responses((status = 200, description = "The picture of the period", body = Picture),
        (status = 422, description = "A date does not fit, or `to` is before `from`")))]
async fn workforce_picture(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: PictureQuery = query(raw)?;
    let (from, to) = period(q.from.as_deref(), q.to.as_deref()).map_err(|e| err(AppError::Invalid(e)))?;
    ok(StatusCode::OK, s.access(&state).workforce_picture(q.organization_id.as_deref(), from, to).await?)
}

/// Job descriptions with prohibited-task flags, single-peer programs and pay parity
#[utoipa::path(get, path = "/workforce/positions", tag = "workforce", params(OrganizationFilter),
    responses((status = 200, description = "The positions", body = PositionReport)))]
async fn list_positions(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: OrganizationFilter = query(raw)?;
    ok(StatusCode::OK, s.access(&state).positions(q.organization_id.as_deref()).await?)
}

/// A new position and the tasks its role must not do.
#[derive(Serialize, ToSchema)]
struct PositionCreated {
    position: Position,
    flags: Vec<TaskFlag>,
}

/// Add a position: job description, pay band, and its worker or none for a vacancy
#[utoipa::path(post, path = "/workforce/positions", tag = "workforce", request_body = Change<PositionInput>,
    responses((status = 201, description = "Added, with the tasks its role must not do", body = PositionCreated,
        headers(("Location" = String, description = "the positions, where it is listed"))),
        (status = 409, description = "`organization_id` names no organization (`no-such-organization`)"),
        (status = 422, description = "A field does not fit, `worker_id` is not a worker of the organization, or the highest pay is below the lowest")))]
async fn create_position(State(state): State<AppState>, ApiUser(s): ApiUser, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<PositionInput> = change(&headers, &bytes)?;
    let reason = c.reason.as_deref().unwrap_or("position created");
    let p = s.access(&state).create_position(&c.input, reason).await?;
    let flags = accompany_domain::workforce::prohibited_tasks(&state.catalog, &p);
    created("/api/v1/workforce/positions".into(), PositionCreated { position: p, flags })
}
