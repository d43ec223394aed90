//! How to reach a person, and the messages waiting to reach them.

use accompany_domain::booking::ReachInput;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use crate::auth::ApiUser;
use crate::json::{ok, query, ApiResult, JsonBody};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/me/reach", get(reach).put(set_reach)).route("/outbox", get(outbox))
}

async fn reach(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).reach().await?)
}

async fn set_reach(State(state): State<AppState>, ApiUser(s): ApiUser, JsonBody(input): JsonBody<ReachInput>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).set_reach(&input).await?)
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
