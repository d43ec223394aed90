//! The JSON API of a member's diagnoses.

use accompany_domain::claim_data::{Diagnosis, DiagnosisInput, EndDiagnosisInput};
use accompany_store::{Diagnoses, Seen};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use utoipa_axum::routes;

use crate::auth::ApiUser;
use crate::json::{change, created, ok, precondition, stale, tagged, ApiResult, Change, JsonBody, Update};
use crate::openapi::ApiRouter;
use crate::AppState;

pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(diagnoses, add_diagnosis)).routes(routes!(end_diagnosis))
}

/// The member's diagnoses
///
/// ICD-10-CM codes with their labels (substance-use for F10-F19,
/// mental-health for the other F codes, hiv for B20 and Z21, care-plan for
/// the rest). Diagnoses whose label the caller may not see are left out.
#[utoipa::path(get, path = "/members/{id}/diagnoses", tag = "diagnoses", params(("id" = String, Path, description = "the member's id")),
    responses((status = 200, description = "The diagnoses the caller may see", body = Seen<Diagnoses>)))]
async fn diagnoses(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).diagnoses(&id).await?)
}

/// Record a diagnosis
///
/// For the care coordinators and clinicians on the member's team, the
/// admin of the member's organization and state admins.
#[utoipa::path(post, path = "/members/{id}/diagnoses", tag = "diagnoses", params(("id" = String, Path, description = "the member's id")),
    request_body = DiagnosisInput,
    responses((status = 201, description = "Recorded", body = Diagnosis, headers(("Location" = String, description = "the member's diagnoses"))),
        (status = 422, description = "A field does not fit: the code is not ICD-10-CM, a date is not YYYY-MM-DD, or the end is before the start")))]
async fn add_diagnosis(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<DiagnosisInput>,
) -> ApiResult {
    created(format!("/api/v1/members/{id}/diagnoses"), s.access(&state).add_diagnosis(&id, &input).await?)
}

/// End a diagnosis
///
/// From the version that was read (`If-Match` or `version`); a diagnosis
/// ends once (409 `already-ended`).
#[utoipa::path(post, path = "/members/{id}/diagnoses/{diagnosis}/end", tag = "diagnoses",
    params(("id" = String, Path, description = "the member's id"), ("diagnosis" = String, Path, description = "the diagnosis's id"),
        ("If-Match" = Option<String>, Header, description = "the ETag of your read", nullable = false, pattern = r#"^(W/)?"-?[0-9]{1,18}"$"#)),
    request_body = Update<EndDiagnosisInput>,
    responses((status = 200, description = "Ended", body = Diagnosis, headers(("ETag" = String, description = "the new version"))),
        (status = 409, description = "`version` is not the diagnosis's version, or it has already ended"),
        (status = 412, description = "If-Match is not the diagnosis's version: read it again"),
        (status = 428, description = "Neither If-Match nor `version` was sent")))]
async fn end_diagnosis(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path((id, diagnosis)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult {
    let c: Change<EndDiagnosisInput> = change(&headers, &bytes)?;
    let p = precondition(&headers, c.version)?;
    let reason = c.reason.unwrap_or_default();
    tagged(StatusCode::OK, s.access(&state).end_diagnosis(&id, &diagnosis, p.version, &c.input, &reason).await.map_err(|e| stale(e, &p))?)
}
