//! How to reach a person, and the messages waiting to reach them.

use accompany_domain::booking::ReachInput;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use crate::auth::ApiUser;
use crate::json::{change, ok, precondition, query, stale, tagged, ApiResult, Change};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/me/reach", get(reach).put(set_reach)).route("/outbox", get(outbox))
}

/// The reach choice with its version beside its fields.
fn versioned(reach: accompany_domain::booking::Reach, version: i64) -> serde_json::Value {
    let mut v = serde_json::to_value(reach).unwrap_or_default();
    v["version"] = json!(version);
    v
}

async fn reach(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    let (reach, version) = s.access(&state).reach().await?;
    tagged(StatusCode::OK, versioned(reach, version))
}

/// How to reach me, from the version read (`If-Match` or `version`; 0 before the first).
async fn set_reach(State(state): State<AppState>, ApiUser(s): ApiUser, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<ReachInput> = change(&headers, &bytes)?;
    let p = precondition(&headers, c.version)?;
    let reach = s.access(&state).set_reach(&c.input, p.version).await.map_err(|e| stale(e, &p))?;
    tagged(StatusCode::OK, versioned(reach, p.version + 1))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct OutboxQuery {
    status: Option<String>,
    limit: Option<u32>,
}

async fn outbox(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: OutboxQuery = query(raw)?;
    let messages = s.access(&state).outbox(q.status.as_deref(), q.limit.unwrap_or(100)).await?;
    ok(StatusCode::OK, json!({ "messages": messages }))
}
