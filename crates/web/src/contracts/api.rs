//! The JSON API of contracts.

use accompany_domain::contracts::{Contract, ContractInput};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use utoipa_axum::routes;

use crate::auth::ApiUser;
use crate::json::{change, created, ok, precondition, query, stale, tagged, ApiResult, Change, Update};
use crate::openapi::ApiRouter;
use crate::AppState;

pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(list_contracts, create_contract)).routes(routes!(get_contract, update_contract))
}

#[derive(Deserialize, Default, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ContractQuery {
    /// Only the contracts this organization funds or is paid under.
    organization: Option<String>,
}

/// The contracts the caller may see.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ContractList {
    pub contracts: Vec<Contract>,
}

/// Contracts
///
/// For state admins every contract; for an organization's admins and
/// billing office, those their organization funds or is paid under.
/// Everyone else sees none.
#[utoipa::path(get, path = "/contracts", tag = "contracts", params(ContractQuery),
    responses((status = 200, description = "The contracts the caller may see, oldest first", body = ContractList)))]
async fn list_contracts(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: ContractQuery = query(raw)?;
    let contracts = s.access(&state).contracts(q.organization.as_deref()).await?;
    ok(StatusCode::OK, ContractList { contracts })
}

/// Add a contract
///
/// For state admins and the funder's organization admins. The funder is a
/// health plan, an ACO or a state agency (which funds through its own payer).
#[utoipa::path(post, path = "/contracts", tag = "contracts", request_body = Change<ContractInput>,
    responses((status = 201, description = "Added", body = Contract, headers(("Location" = String, description = "where to read the new contract"))),
        (status = 409, description = "A party names no organization (`no-such-organization`), the funder cannot fund (`not-a-funder`), or an agency names another's payer (`not-the-agencys-payer`)")))]
async fn create_contract(State(state): State<AppState>, ApiUser(s): ApiUser, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<ContractInput> = change(&headers, &bytes)?;
    let contract = s.access(&state).create_contract(&c.input, c.reason.as_deref().unwrap_or("created")).await?;
    created(format!("/api/v1/contracts/{}", contract.id), contract)
}

/// One contract
#[utoipa::path(get, path = "/contracts/{id}", tag = "contracts", params(("id" = String, Path, description = "the contract's id")),
    responses((status = 200, description = "The contract", body = Contract, headers(("ETag" = String, description = "the version, for If-Match")))))]
async fn get_contract(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    tagged(StatusCode::OK, s.access(&state).contract(&id).await?)
}

/// Change a contract
///
/// Say why in `reason`, and name the version read in `version` (409 when
/// stale), or send `If-Match` with the ETag of the read instead (412 when stale).
#[utoipa::path(put, path = "/contracts/{id}", tag = "contracts", params(("id" = String, Path, description = "the contract's id")),
    request_body = Update<ContractInput>,
    responses((status = 200, description = "Changed", body = Contract, headers(("ETag" = String, description = "the new version"))),
        (status = 409, description = "`version` is not the record's version: read it again; or the parties cannot contract"),
        (status = 412, description = "If-Match is not the record's version: read it again"),
        (status = 428, description = "Neither If-Match nor `version` was sent")))]
async fn update_contract(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<ContractInput> = change(&headers, &bytes)?;
    let p = precondition(&headers, c.version)?;
    let contract =
        s.access(&state).update_contract(&id, &c.input, Some(p.version), c.reason.as_deref().unwrap_or("updated")).await.map_err(|e| stale(e, &p))?;
    tagged(StatusCode::OK, contract)
}
