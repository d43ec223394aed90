//! Member records: list, create, read, update, history and who looked.

use accompany_domain::records::MemberInput;
use accompany_store::MemberFilter;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use crate::auth::ApiUser;
use crate::json::{change, ok, precondition, query, stale, tagged, ApiResult, Change};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/members", get(list_members).post(create_member))
        .route("/members/{id}", get(get_member).put(update_member))
        .route("/members/{id}/history", get(member_history))
        .route("/members/{id}/audit", get(member_audit))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct MemberQuery {
    name: Option<String>,
    language: Option<String>,
    plan_id: Option<String>,
    city: Option<String>,
    after: Option<String>,
    limit: Option<u32>,
}

async fn list_members(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: MemberQuery = query(raw)?;
    let filter = MemberFilter { name: q.name, language: q.language, plan_id: q.plan_id, city: q.city, after: q.after, limit: q.limit.unwrap_or(50) };
    ok(StatusCode::OK, s.access(&state).members(&filter).await?)
}

async fn create_member(State(state): State<AppState>, ApiUser(s): ApiUser, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<MemberInput> = change(&headers, &bytes)?;
    let m = s.access(&state).create_member(&c.input, c.reason.as_deref().unwrap_or("created")).await?;
    ok(StatusCode::CREATED, m)
}

async fn get_member(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    tagged(StatusCode::OK, s.access(&state).member(&id).await?)
}

async fn update_member(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<MemberInput> = change(&headers, &bytes)?;
    let p = precondition(&headers, c.version)?;
    let m =
        s.access(&state).update_member(&id, &c.input, Some(p.version), c.reason.as_deref().unwrap_or("updated")).await.map_err(|e| stale(e, &p))?;
    tagged(StatusCode::OK, m)
}

async fn member_history(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, json!({ "versions": s.access(&state).member_history(&id).await? }))
}

async fn member_audit(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, json!({ "events": s.access(&state).member_audit(&id).await? }))
}
