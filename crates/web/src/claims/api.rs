//! The JSON API of claims.

use std::collections::BTreeMap;

use accompany_domain::{FieldError, Invalid};
use accompany_store::claims::{
    BatchFormat, BatchSummary, ClaimDetail, ClaimSummary, ExportedBatch, Frequency, ImportReport, PendingClaims, Reconciliation, CLAIM_STATUSES,
};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use crate::auth::ApiUser;
use crate::json::{created, err, ok, query, ApiResult, JsonBody};
use crate::openapi::ApiRouter;
use crate::problem::AppError;
use crate::AppState;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(list_claims))
        .routes(routes!(pending_claims))
        .routes(routes!(export_claims))
        .routes(routes!(list_batches))
        .routes(routes!(batch_file))
        .routes(routes!(mark_submitted))
        .routes(routes!(import_response))
        .routes(routes!(reconciliation))
        .routes(routes!(get_claim))
        .routes(routes!(correct_claim))
}

fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> crate::problem::Problem {
    err(AppError::Invalid(vec![FieldError::new(field, code, message)]))
}

fn format_of(text: Option<&str>) -> Result<BatchFormat, crate::problem::Problem> {
    match text {
        None => Ok(BatchFormat::X12),
        Some(t) => BatchFormat::parse(t).ok_or_else(|| invalid("format", "unknown-choice", "use x12 or csv")),
    }
}

#[derive(Deserialize, Default, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ClaimsQuery {
    /// written, submitted, accepted, rejected, paid, denied, replaced or voided.
    #[param(pattern = "^(written|submitted|accepted|rejected|paid|denied|replaced|voided)$")]
    status: Option<String>,
    /// Only the claims of this batch.
    batch: Option<String>,
    /// Only this billing organization (state admins; everyone else sees their own).
    organization: Option<String>,
}

/// Claims written, newest first.
#[derive(Serialize, ToSchema)]
struct ClaimList {
    claims: Vec<ClaimSummary>,
}

/// Claims
///
/// The claims of the organizations the caller bills for (its admins and
/// billing office; state admins, every organization), newest first, at most 500.
#[utoipa::path(get, path = "/claims", tag = "claims", params(ClaimsQuery),
    responses((status = 200, description = "Claims", body = ClaimList), (status = 403, description = "The caller does not bill")))]
async fn list_claims(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: ClaimsQuery = query(raw)?;
    if let Some(x) = q.status.as_deref().filter(|x| !CLAIM_STATUSES.contains(x)) {
        return Err(invalid("status", "unknown-choice", format!("{x:?} is not a claim status; use one of {}", CLAIM_STATUSES.join(", "))));
    }
    let claims = s.access(&state).claims(q.organization.as_deref(), q.status.as_deref(), q.batch.as_deref()).await?;
    ok(StatusCode::OK, ClaimList { claims })
}

#[derive(Deserialize, Default, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ScopeQuery {
    /// Only this catalog payer.
    payer: Option<String>,
    /// First day of service, YYYY-MM-DD (default: a year before `to`).
    #[param(schema_with = accompany_domain::limits::schema::day_or_blank)]
    from: Option<String>,
    /// Last day of service, YYYY-MM-DD (default: today).
    #[param(schema_with = accompany_domain::limits::schema::day_or_blank)]
    to: Option<String>,
    /// Only this billing organization (state admins).
    organization: Option<String>,
}

/// Claims ready and held
///
/// The billable contacts not yet in a batch, gathered into claims: ready,
/// or held with what would release them (needs-authorization,
/// credential-blocks, needs-consent, needs-diagnosis, needs-provider-ids).
#[utoipa::path(get, path = "/claims/pending", tag = "claims", params(ScopeQuery),
    responses((status = 200, description = "Ready and held", body = PendingClaims), (status = 403, description = "The caller does not bill")))]
async fn pending_claims(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: ScopeQuery = query(raw)?;
    let scope = super::scope(&state.catalog, q.payer.as_deref(), q.from.as_deref(), q.to.as_deref(), q.organization.as_deref()).map_err(err)?;
    ok(StatusCode::OK, s.access(&state).pending_claims(&scope).await?)
}

/// What to export: the scope, or one batch to write again.
#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
struct ExportBody {
    /// x12 (837P) or csv; x12 when left out.
    #[schema(pattern = "^(x12|csv)$")]
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    payer: Option<String>,
    #[serde(default)]
    #[schema(schema_with = accompany_domain::limits::schema::day_or_blank)]
    from: Option<String>,
    #[serde(default)]
    #[schema(schema_with = accompany_domain::limits::schema::day_or_blank)]
    to: Option<String>,
    #[serde(default)]
    organization: Option<String>,
    /// Write this existing batch again instead of new claims.
    #[serde(default)]
    batch: Option<String>,
}

/// A batch written, with its file's hash and where to download it.
#[derive(Serialize, ToSchema)]
struct Written {
    batch: BatchSummary,
    sha256: String,
    /// GET this for the file.
    file: String,
}

#[derive(Serialize, ToSchema)]
struct WrittenList {
    batches: Vec<Written>,
}

fn written(b: ExportedBatch, format: BatchFormat) -> Written {
    let file = format!("/api/v1/claims/batches/{}/file?format={}", b.batch.id, format.extension());
    Written { batch: b.batch, sha256: b.sha256, file }
}

/// Write claims
///
/// Every ready claim in the scope not yet in a batch, one batch per billing
/// organization, payer and kind (claims, or encounters for case-rate and
/// per-member-per-month contracts). A second export never repeats a claim.
/// With `batch`, that batch is written again as it was. Nothing ready
/// answers 409 `nothing-billable`, naming what is held.
#[utoipa::path(post, path = "/claims/export", tag = "claims", request_body = ExportBody,
    responses((status = 201, description = "Batches written", body = WrittenList), (status = 200, description = "The batch, written again", body = WrittenList),
        (status = 409, description = "Nothing billable in the scope"), (status = 403, description = "The caller does not bill"),
        (status = 404, description = "No such batch among the caller's")))]
async fn export_claims(State(state): State<AppState>, ApiUser(s): ApiUser, JsonBody(b): JsonBody<ExportBody>) -> ApiResult {
    let format = format_of(b.format.as_deref())?;
    let access = s.access(&state);
    if let Some(id) = b.batch.as_deref().filter(|id| !id.is_empty()) {
        let again = access.rewrite_batch(id, format).await?;
        return ok(StatusCode::OK, WrittenList { batches: vec![written(again, format)] });
    }
    let scope = super::scope(&state.catalog, b.payer.as_deref(), b.from.as_deref(), b.to.as_deref(), b.organization.as_deref()).map_err(err)?;
    let batches = access.export_claims(&scope, format).await?;
    if batches.is_empty() {
        let pending = access.pending_claims(&scope).await?;
        let mut holds: BTreeMap<&str, usize> = BTreeMap::new();
        for h in pending.held.iter().filter_map(|c| c.hold.as_ref()) {
            *holds.entry(h.code()).or_default() += 1;
        }
        let held = holds.iter().map(|(k, n)| format!("{n} {k}")).collect::<Vec<_>>().join(", ");
        let message = if held.is_empty() {
            format!("nothing is billable between {} and {} that is not already in a batch", pending.from, pending.to)
        } else {
            format!("nothing is ready between {} and {}; held: {held}", pending.from, pending.to)
        };
        return Err(err(Invalid::one("from", "nothing-billable", message)));
    }
    created("/api/v1/claims/batches".into(), WrittenList { batches: batches.into_iter().map(|b| written(b, format)).collect() })
}

#[derive(Serialize, ToSchema)]
struct BatchList {
    batches: Vec<BatchSummary>,
}

/// Batches
///
/// The batches of the organizations the caller bills for, newest first, at most 500.
#[utoipa::path(get, path = "/claims/batches", tag = "claims",
    responses((status = 200, description = "Batches", body = BatchList), (status = 403, description = "The caller does not bill")))]
async fn list_batches(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    ok(StatusCode::OK, BatchList { batches: s.access(&state).claim_batches(None).await? })
}

#[derive(Deserialize, Default, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct FileQuery {
    /// x12 (the default) or csv.
    #[param(pattern = "^(x12|csv)$")]
    format: Option<String>,
}

/// A batch's file
///
/// The batch written again from what was stored: the same claims, claim
/// numbers and control numbers, so the same 837P as first written unless a
/// member's or provider's record changed since. Each download is audited
/// with the file's hash.
#[utoipa::path(get, path = "/claims/batches/{id}/file", tag = "claims", params(("id" = String, Path, description = "the batch's id"), FileQuery),
    responses((status = 200, description = "The file: X12, or CSV with `format=csv`", content((String = "application/edi-x12"), (String = "text/csv"))),
        (status = 404, description = "No such batch among the caller's")))]
async fn batch_file(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult {
    let q: FileQuery = query(raw)?;
    let format = format_of(q.format.as_deref())?;
    Ok(super::file_response(s.access(&state).rewrite_batch(&id, format).await?, format))
}

/// Mark a batch submitted
///
/// The file has gone to the payer: the batch and its written claims are submitted.
#[utoipa::path(post, path = "/claims/batches/{id}/submitted", tag = "claims", params(("id" = String, Path, description = "the batch's id")),
    responses((status = 200, description = "Submitted", body = BatchSummary), (status = 409, description = "Already submitted"), (status = 404, description = "No such batch among the caller's")))]
async fn mark_submitted(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).mark_submitted(&id).await?)
}

/// Import a payer's response
///
/// The body is the file as the payer sent it: a 999 (the batch accepted or
/// rejected), a 277CA (each claim accepted or rejected, with the payer's
/// claim number) or an 835 (each claim paid or denied, with adjustment
/// reason codes), told apart by content. Claims are matched by number
/// (CLP01 = CLM01); the same file twice is refused.
#[utoipa::path(post, path = "/claims/import", tag = "claims",
    request_body(content = String, content_type = "text/plain", description = "The X12 file, as text"),
    responses((status = 200, description = "What the file changed", body = ImportReport), (status = 422, description = "Not a file we read"),
        (status = 409, description = "Already imported")))]
async fn import_response(State(state): State<AppState>, ApiUser(s): ApiUser, bytes: Bytes) -> ApiResult {
    let text = String::from_utf8(bytes.to_vec()).map_err(|_| invalid("file", "x12", "an X12 file is text; this one is not UTF-8"))?;
    ok(StatusCode::OK, s.access(&state).import_claim_response(&text).await?)
}

/// Paid against billed
///
/// By payer and month of service: claims, billed, paid, denied and still
/// outstanding, for the claims the caller may read one by one.
#[utoipa::path(get, path = "/claims/reconciliation", tag = "claims",
    responses((status = 200, description = "By payer and month", body = Reconciliation), (status = 403, description = "The caller does not bill")))]
async fn reconciliation(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).reconciliation(None).await?)
}

/// One claim
///
/// Its lines, diagnoses as sent, and the payer's answer with adjustments.
#[utoipa::path(get, path = "/claims/{id}", tag = "claims", params(("id" = String, Path, description = "the claim's id")),
    responses((status = 200, description = "The claim", body = ClaimDetail), (status = 404, description = "No such claim among the caller's")))]
async fn get_claim(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).claim(&id).await?)
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
struct CorrectionBody {
    /// replacement (frequency code 7) or void (8).
    #[schema(pattern = "^(replacement|void)$")]
    frequency: String,
}

/// Correct or void a claim
///
/// A replacement (7) carries the same lines again; a void (8) cancels the
/// claim. Either names the payer's claim number and goes in a batch of its
/// own. Only a claim the payer has numbered (accepted, paid or denied).
#[utoipa::path(post, path = "/claims/{id}/correction", tag = "claims", params(("id" = String, Path, description = "the claim's id")),
    request_body = CorrectionBody,
    responses((status = 201, description = "The correction's batch", body = Written), (status = 409, description = "Not correctable now"),
        (status = 404, description = "No such claim among the caller's")))]
async fn correct_claim(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<CorrectionBody>,
) -> ApiResult {
    let frequency = match b.frequency.as_str() {
        "replacement" => Frequency::Replacement,
        "void" => Frequency::Void,
        _ => return Err(invalid("frequency", "unknown-choice", "use replacement or void")),
    };
    let batch = s.access(&state).correct_claim(&id, frequency).await?;
    created(format!("/api/v1/claims/batches/{}/file", batch.batch.id), written(batch, BatchFormat::X12))
}
