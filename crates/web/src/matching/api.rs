//! The JSON API of peer choice: a member's preferences, ranking, choosing
//! and ending a peer, worker matching facts, notifications, and the
//! program's waiting list, batch runs and time without a peer.

use accompany_domain::matching::{BatchProblem, PreferencesInput};
use accompany_store::{PoolFilter, WorkerMatching};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use crate::auth::ApiUser;
use crate::json::{body, change, ok, precondition, query, stale, tagged, ApiResult, Change};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/members/{id}/preferences", get(preferences).put(set_preferences))
        .route("/members/{id}/ranking", get(ranking))
        .route("/members/{id}/peer", post(choose))
        .route("/members/{id}/peer/end", post(end))
        .route("/workers/{id}/matching", get(worker_matching).put(set_worker_matching))
        .route("/notifications", get(notifications))
        .route("/matching/batch", post(batch))
        .route("/matching/gaps", get(gaps))
}

async fn preferences(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    let (preferences, version) = s.access(&state).preferences(&id).await?;
    tagged(StatusCode::OK, json!({ "member_id": id, "preferences": preferences, "version": version }))
}

/// The member's wishes, from the version read (`If-Match` or `version`; 0
/// before any were saved).
async fn set_preferences(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<PreferencesInput> = change(&headers, &bytes)?;
    let p = precondition(&headers, c.version)?;
    let reason = c.reason.as_deref().unwrap_or("preferences");
    let prefs = s.access(&state).set_preferences(&id, &c.input, reason, p.version).await.map_err(|e| stale(e, &p))?;
    tagged(StatusCode::OK, json!({ "member_id": id, "preferences": prefs, "version": p.version + 1 }))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RankQuery {
    limit: Option<usize>,
}

async fn ranking(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult {
    let q: RankQuery = query(raw)?;
    let pool = state.store.peer_pool(&PoolFilter::default()).await?;
    let ranking = s.access(&state).rank_peers(&id, &pool, q.limit.unwrap_or(50).min(10_000)).await?;
    ok(StatusCode::OK, ranking)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct ChooseBody {
    /// Empty or absent: "choose for me", the top-ranked peer.
    worker_id: Option<String>,
}

async fn choose(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let b: ChooseBody = if bytes.is_empty() { ChooseBody::default() } else { body(&headers, &bytes)? };
    let chosen = s.access(&state).choose_peer(&id, b.worker_id.as_deref()).await?;
    ok(StatusCode::CREATED, chosen)
}

async fn end(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    s.access(&state).end_peer(&id).await?;
    ok(StatusCode::OK, json!({ "member_id": id, "ended": true }))
}

async fn worker_matching(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    let (facts, version) = s.access(&state).worker_matching(&id).await?;
    tagged(StatusCode::OK, json!({ "worker_id": id, "matching": facts, "version": version }))
}

/// How a worker meets members, from the version read (`If-Match` or `version`).
async fn set_worker_matching(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult {
    let c: Change<WorkerMatching> = change(&headers, &bytes)?;
    let p = precondition(&headers, c.version)?;
    let facts = s.access(&state).set_worker_matching(&id, &c.input, p.version).await.map_err(|e| stale(e, &p))?;
    tagged(StatusCode::OK, json!({ "worker_id": id, "matching": facts, "version": p.version + 1 }))
}

async fn notifications(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    ok(StatusCode::OK, json!({ "notifications": s.access(&state).notifications(50).await? }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchBody {
    /// Compute and report only.
    dry_run: bool,
    /// Only the members this worker left.
    #[serde(default)]
    departing: Option<String>,
}

async fn batch(State(state): State<AppState>, ApiUser(s): ApiUser, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let b: BatchBody = body(&headers, &bytes)?;
    let access = s.access(&state);
    let waiting = access.waiting_list(b.departing.as_deref()).await?;
    let problem = BatchProblem::new(&waiting.members, &waiting.pool.profiles, &state.catalog);
    let a = problem.solve();
    let applied = if b.dry_run { None } else { Some(access.apply_batch(&a.pairs, &waiting.pool).await?) };
    ok(
        StatusCode::OK,
        json!({
            "dry_run": b.dry_run, "members": a.members, "peers": waiting.pool.profiles.len(), "served": a.served,
            "unmatched": a.unmatched.len(), "total_score": a.total_score, "objective": a.objective, "big": a.big,
            "gap": a.gap, "applied": applied, "pairs": a.pairs, "unmatched_members": a.unmatched
        }),
    )
}

async fn gaps(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    ok(StatusCode::OK, json!({ "gaps": s.access(&state).peer_gaps(500).await? }))
}
