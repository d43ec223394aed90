//! Enrolment codes: issuing one for a member, and claiming a record with it.

use accompany_store::ClaimInput;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use crate::auth::{client_addr_of, ApiUser};
use crate::json::{body, ok, ApiResult, JsonBody};
use crate::problem::Problem;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/members/{id}/enrolment-codes", post(issue_enrolment_code)).route("/public/claim", post(public_claim))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeBody {
    delivery: accompany_domain::enrolment::Delivery,
}

/// A one-time enrolment code for a member with no account yet: in the
/// answer only when it is to be shown.
async fn issue_enrolment_code(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<CodeBody>,
) -> ApiResult {
    ok(StatusCode::CREATED, s.access(&state).issue_enrolment_code(&id, b.delivery).await?)
}

/// Redeem an enrolment code: the account is made and linked to the record
/// the code was issued for; signing in is then up to the client.
async fn public_claim(State(state): State<AppState>, req: axum::extract::Request) -> ApiResult {
    let addr = client_addr_of(&req);
    let headers = req.headers().clone();
    let bytes = axum::body::to_bytes(req.into_body(), 64 * 1024).await.map_err(|e| Problem::bad_body(e.to_string()))?;
    let b: ClaimInput = body(&headers, &bytes)?;
    let user = state.store.claim_enrolment(&b, &addr).await?;
    ok(StatusCode::CREATED, json!({ "user": user }))
}
