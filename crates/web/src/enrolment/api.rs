//! Enrolment codes: issuing one for a member, and claiming a record with it.

use accompany_store::{ClaimInput, IssuedCode, User};
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use crate::auth::{client_addr_of, ApiUser};
use crate::json::{body, created, ApiResult, JsonBody};
use crate::openapi::ApiRouter;
use crate::problem::Problem;
use crate::AppState;

pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(issue_enrolment_code)).routes(routes!(public_claim))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CodeBody {
    /// Show the code in the answer, or send it to the e-mail address or phone on the record.
    delivery: accompany_domain::enrolment::Delivery,
}

/// For the member's care coordinator: a one-time code that links a new account to this record
///
/// Shown once (in the answer only when `delivery` is `show`) or sent to the
/// contact details on the record.
#[utoipa::path(post, path = "/members/{id}/enrolment-codes", tag = "enrolment", params(("id" = String, Path, description = "the member's id")),
    request_body = CodeBody,
    responses((status = 201, description = "Issued; `code` is left out unless it is to be shown", body = IssuedCode,
            headers(("Location" = String, description = "the member's record"))),
        (status = 422, description = "The member already has an account, or the record has no contact for this delivery")))]
async fn issue_enrolment_code(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<CodeBody>,
) -> ApiResult {
    let issued = s.access(&state).issue_enrolment_code(&id, b.delivery).await?;
    created(format!("/api/v1/members/{id}"), issued)
}

/// The account an enrolment code opened.
#[derive(Serialize, ToSchema)]
struct Claimed {
    user: User,
}

/// No account needed: open an account with a one-time enrolment code from a care coordinator
///
/// The account is made and linked to the record the code was issued for;
/// signing in is then up to the client. Tries are limited per hour.
#[utoipa::path(post, path = "/public/claim", tag = "enrolment", security(()), request_body = ClaimInput,
    responses((status = 201, description = "The account is open", body = Claimed, headers(("Location" = String, description = "who is signed in, once signed in"))),
        (status = 422, description = "The code does not open an account, the username is taken, or a field does not fit"),
        (status = 429, description = "Too many tries in an hour: wait")))]
async fn public_claim(State(state): State<AppState>, req: axum::extract::Request) -> ApiResult {
    let addr = client_addr_of(&req);
    let headers = req.headers().clone();
    let bytes = axum::body::to_bytes(req.into_body(), 64 * 1024).await.map_err(|e| Problem::bad_body(e.to_string()))?;
    let b: ClaimInput = body(&headers, &bytes)?;
    let user = state.store.claim_enrolment(&b, &addr).await?;
    created("/api/v1/me".into(), Claimed { user })
}
