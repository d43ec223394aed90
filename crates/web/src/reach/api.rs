//! How to reach a person, and the messages waiting to reach them.

use accompany_domain::booking::{Reach, ReachInput};
use accompany_store::OutboxMessage;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use crate::auth::ApiUser;
use crate::json::{change, ok, precondition, query, stale, tagged, ApiResult, Change, Update};
use crate::openapi::ApiRouter;
use crate::AppState;

pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(get_reach, set_reach)).routes(routes!(list_outbox))
}

/// How to be reached, with the version of that choice (0 before it was first saved).
#[derive(Serialize, ToSchema)]
struct VersionedReach {
    #[serde(flatten)]
    reach: Reach,
    version: i64,
}

/// How the caller wants to be reached
///
/// In the app, by email or by text.
#[utoipa::path(get, path = "/me/reach", tag = "reach",
    responses((status = 200, description = "The choice", body = VersionedReach, headers(("ETag" = String, description = "the version, for If-Match")))))]
async fn get_reach(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    let (reach, version) = s.access(&state).reach().await?;
    tagged(StatusCode::OK, VersionedReach { reach, version })
}

/// Choose how to be reached
///
/// Addresses are checked; from the version read (`If-Match` or `version`; 0 before the first).
#[utoipa::path(put, path = "/me/reach", tag = "reach", params(("If-Match" = Option<String>, Header, description = "the ETag of your read", nullable = false, pattern = r#"^(W/)?"-?[0-9]{1,18}"$"#)),
    request_body = Update<ReachInput>,
    responses((status = 200, description = "Chosen", body = VersionedReach, headers(("ETag" = String, description = "the new version"))),
        (status = 409, description = "`version` is not the choice's version: read it again"),
        (status = 412, description = "If-Match is not the choice's version: read it again"),
        (status = 422, description = "A field does not fit, or the channel chosen has no address (`required`)"),
        (status = 428, description = "Neither If-Match nor `version` was sent")))]
async fn set_reach(State(state): State<AppState>, ApiUser(s): ApiUser, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<ReachInput> = change(&headers, &bytes)?;
    let p = precondition(&headers, c.version)?;
    let reach = s.access(&state).set_reach(&c.input, p.version).await.map_err(|e| stale(e, &p))?;
    tagged(StatusCode::OK, VersionedReach { reach, version: p.version + 1 })
}

/// Where a message stands.
#[derive(Deserialize, Clone, Copy, ToSchema)]
#[serde(rename_all = "kebab-case")]
enum OutboxStatus {
    Pending,
    Delivered,
    Failed,
}

impl OutboxStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }
}

#[derive(Deserialize, Default, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct OutboxQuery {
    /// pending, delivered or failed; every message when left out.
    #[param(inline)]
    status: Option<OutboxStatus>,
    /// At most this many (100 when left out; 1 to 10000 are used).
    #[param(value_type = Option<u64>, minimum = 0, maximum = 4294967295_u64)]
    limit: Option<u32>,
}

/// Messages waiting to reach people, and those sent.
#[derive(Serialize, ToSchema)]
struct Outbox {
    messages: Vec<OutboxMessage>,
}

/// The outbox
///
/// For state admins: each message with its status.
#[utoipa::path(get, path = "/outbox", tag = "reach", params(OutboxQuery),
    responses((status = 200, description = "The messages, newest first", body = Outbox)))]
async fn list_outbox(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: OutboxQuery = query(raw)?;
    let messages = s.access(&state).outbox(q.status.map(OutboxStatus::as_str), q.limit.unwrap_or(100)).await?;
    ok(StatusCode::OK, Outbox { messages })
}
