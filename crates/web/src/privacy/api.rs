//! The JSON API of privacy: sharing choices, the firewall, the staff
//! directory, health entries, emergency access and the audit search.

use accompany_domain::notes::HealthEntryInput;
use accompany_domain::privacy::SharingInput;
use accompany_store::AuditFilter;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{delete, get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use crate::auth::ApiUser;
use crate::json::{body, ok, query, ApiResult};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/members/{id}/sharing", get(sharing).post(set_sharing))
        .route("/members/{id}/sharing/{choice}", delete(revoke_sharing))
        .route("/members/{id}/firewall", post(add_to_firewall))
        .route("/members/{id}/firewall/{entry}", delete(remove_from_firewall))
        .route("/members/{id}/health-entries", get(health_entries).post(add_health_entry))
        .route("/staff", get(staff_directory))
        .route("/break-glass", post(break_glass))
        .route("/break-glass/alerts", get(break_glass_alerts))
        .route("/break-glass/{id}/review", post(review_break_glass))
        .route("/audit", get(audit_search))
}

// --- Privacy ------------------------------------------------------------------

async fn sharing(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).sharing(&id).await?)
}

async fn set_sharing(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let input: SharingInput = body(&headers, &bytes)?;
    ok(StatusCode::CREATED, s.access(&state).set_sharing(&id, &input).await?)
}

async fn revoke_sharing(State(state): State<AppState>, ApiUser(s): ApiUser, Path((id, choice)): Path<(String, String)>) -> ApiResult {
    s.access(&state).revoke_sharing(&id, &choice).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FirewallBody {
    user_id: String,
}

async fn add_to_firewall(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let b: FirewallBody = body(&headers, &bytes)?;
    let access = s.access(&state);
    access.add_to_firewall(&id, &b.user_id).await?;
    ok(StatusCode::CREATED, access.sharing(&id).await?.firewall)
}

async fn remove_from_firewall(State(state): State<AppState>, ApiUser(s): ApiUser, Path((id, entry)): Path<(String, String)>) -> ApiResult {
    s.access(&state).remove_from_firewall(&id, &entry).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StaffQuery {
    q: Option<String>,
}

async fn staff_directory(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: StaffQuery = query(raw)?;
    ok(StatusCode::OK, json!({ "staff": s.access(&state).staff_directory(q.q.as_deref().unwrap_or("")).await? }))
}

async fn health_entries(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).health_entries(&id).await?)
}

async fn add_health_entry(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let input: HealthEntryInput = body(&headers, &bytes)?;
    ok(StatusCode::CREATED, s.access(&state).add_health_entry(&id, &input).await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BreakGlassBody {
    masshealth_id: String,
    reason_category: String,
    reason: String,
}

async fn break_glass(State(state): State<AppState>, ApiUser(s): ApiUser, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let b: BreakGlassBody = body(&headers, &bytes)?;
    let member_id = s.access(&state).break_glass(&b.masshealth_id, &b.reason_category, &b.reason).await?;
    let hours = state.catalog.privacy.break_glass_hours;
    ok(StatusCode::CREATED, json!({ "member_id": member_id, "hours": hours }))
}

async fn break_glass_alerts(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    ok(StatusCode::OK, json!({ "alerts": s.access(&state).break_glass_alerts().await? }))
}

async fn review_break_glass(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    s.access(&state).review_break_glass(&id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditQuery {
    pub actor: Option<String>,
    pub member_id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub decision: Option<String>,
    pub purpose: Option<String>,
    pub before: Option<i64>,
    pub limit: Option<u32>,
}

impl AuditQuery {
    pub(crate) fn filter(self) -> AuditFilter {
        AuditFilter {
            actor: self.actor,
            member_id: self.member_id,
            from: self.from,
            to: self.to,
            decision: self.decision,
            purpose: self.purpose,
            before: self.before,
            limit: self.limit.unwrap_or(100),
        }
    }
}

async fn audit_search(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: AuditQuery = query(raw)?;
    ok(StatusCode::OK, s.access(&state).audit_search(&q.filter(), false).await?)
}
