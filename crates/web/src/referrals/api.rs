//! Referrals: the public door, staff referring someone, and the queue.

use accompany_domain::referral::{ReferralInput, ReferralStatus};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use crate::auth::{client_addr_of, ApiUser};
use crate::json::{body, err, ok, query, ApiResult};
use crate::problem::{AppError, Problem};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/referrals", get(referral_queue).post(refer))
        .route("/referrals/{id}", get(referral))
        .route("/referrals/{id}/enrol", post(enrol_referral))
        .route("/referrals/{id}/status", post(referral_status))
        .route("/public/referrals", post(public_referral))
}

// --- Referrals ----------------------------------------------------------------

async fn refer(State(state): State<AppState>, ApiUser(s): ApiUser, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let input: ReferralInput = body(&headers, &bytes)?;
    ok(StatusCode::CREATED, s.access(&state).refer(&input).await?)
}

/// The public door: no account needed. It records the request and
/// answers the same whoever is named; accounts come through enrolment codes.
async fn public_referral(State(state): State<AppState>, req: axum::extract::Request) -> ApiResult {
    let addr = client_addr_of(&req);
    let headers = req.headers().clone();
    let bytes = axum::body::to_bytes(req.into_body(), 64 * 1024).await.map_err(|e| Problem::bad_body(e.to_string()))?;
    let b: ReferralInput = body(&headers, &bytes)?;
    state.store.self_refer(&b, &addr).await?;
    ok(StatusCode::ACCEPTED, json!({ "received": true }))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct QueueQuery {
    status: Option<String>,
    after: Option<String>,
    limit: Option<u32>,
}

async fn referral_queue(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: QueueQuery = query(raw)?;
    let status = match q.status.as_deref() {
        None | Some("open") => None,
        Some(x) => Some(ReferralStatus::parse(x).ok_or_else(|| {
            err(AppError::Invalid(vec![accompany_domain::FieldError::new(
                "status",
                "unknown-choice",
                "use open, new, contacted, enrolled or closed",
            )]))
        })?),
    };
    ok(StatusCode::OK, s.access(&state).referral_queue(status, q.after.as_deref(), q.limit.unwrap_or(100)).await?)
}

async fn referral(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).referral(&id).await?)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct EnrolBody {
    masshealth_id: Option<String>,
}

async fn enrol_referral(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let b: EnrolBody = if bytes.is_empty() { EnrolBody::default() } else { body(&headers, &bytes)? };
    ok(StatusCode::OK, s.access(&state).enrol_referral(&id, b.masshealth_id.as_deref()).await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    status: ReferralStatus,
}

async fn referral_status(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let b: StatusBody = body(&headers, &bytes)?;
    ok(StatusCode::OK, s.access(&state).set_referral_status(&id, b.status).await?)
}
