//! The JSON API of peer choice: a member's preferences, ranking, choosing
//! and ending a peer, worker matching facts, notifications, and the
//! program's waiting list, batch runs and time without a peer.

use accompany_domain::matching::{BatchProblem, GapSummary, Pair, Preferences, PreferencesInput, Unmatched};
use accompany_store::{Applied, Chosen, GapEntry, Notification, PoolFilter, Ranking, WorkerMatching};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use crate::auth::ApiUser;
use crate::json::{body, change, created, ok, precondition, query, stale, tagged, ApiResult, Change, Update};
use crate::openapi::ApiRouter;
use crate::AppState;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(member_preferences, set_member_preferences))
        .routes(routes!(peer_ranking))
        .routes(routes!(choose_peer))
        .routes(routes!(end_peer))
        .routes(routes!(worker_matching, set_worker_matching))
        .routes(routes!(notifications))
        .routes(routes!(matching_batch))
        .routes(routes!(peer_gaps))
}

/// What a member wants of a peer, as the caller may see it.
#[derive(Serialize, ToSchema)]
struct PreferencesRead {
    member_id: String,
    /// Null before the member said. Wishes the caller may not see are left out: `identity` and
    /// `lived_experience` (identity), `support` (care plan, or substance use), `home`, `home_town`
    /// and `max_travel_km` (contact), `languages`, `interpreter_ok`, `modalities`, `times` (demographics).
    #[schema(value_type = Option<Object>)]
    preferences: Option<serde_json::Value>,
    /// 0 before any were saved; a change names it.
    version: i64,
}

/// What a member wants of a peer
///
/// Fields the caller may not see are left out.
#[utoipa::path(get, path = "/members/{id}/preferences", tag = "matching", params(("id" = String, Path, description = "the member's id")),
    responses((status = 200, description = "The member's preferences", body = PreferencesRead,
        headers(("ETag" = String, description = "the version, for If-Match")))))]
async fn member_preferences(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    let (preferences, version) = s.access(&state).preferences(&id).await?;
    tagged(StatusCode::OK, PreferencesRead { member_id: id, preferences, version })
}

/// What a member wants of a peer, as saved.
#[derive(Serialize, ToSchema)]
struct PreferencesSaved {
    member_id: String,
    preferences: Preferences,
    version: i64,
}

/// Say what a member wants of a peer
///
/// For the member or their care coordinator. Name the version read with If-Match or `version` (0 before any were saved).
#[utoipa::path(put, path = "/members/{id}/preferences", tag = "matching", params(("id" = String, Path, description = "the member's id")),
    request_body = Update<PreferencesInput>,
    responses((status = 200, description = "Saved", body = PreferencesSaved, headers(("ETag" = String, description = "the new version"))),
        (status = 409, description = "`version` is not the preferences' version: read them again"),
        (status = 412, description = "If-Match is not the preferences' version: read them again"),
        (status = 428, description = "Neither If-Match nor `version` was sent")))]
async fn set_member_preferences(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult {
    let c: Change<PreferencesInput> = change(&headers, &bytes)?;
    let p = precondition(&headers, c.version)?;
    let reason = c.reason.as_deref().unwrap_or("preferences");
    let prefs = s.access(&state).set_preferences(&id, &c.input, reason, p.version).await.map_err(|e| stale(e, &p))?;
    tagged(StatusCode::OK, PreferencesSaved { member_id: id, preferences: prefs, version: p.version + 1 })
}

#[derive(Deserialize, Default, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct RankQuery {
    /// At most this many choices (50 when left out; more than 10000 counts as 10000).
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4294967295_i64)]
    limit: Option<u32>,
}

/// Every peer the member may choose, best first, with structured reasons
///
/// Reasons that name the member's identity wishes are left out for callers who may not see them.
#[utoipa::path(get, path = "/members/{id}/ranking", tag = "matching", params(("id" = String, Path, description = "the member's id"), RankQuery),
    responses((status = 200, description = "The ranking", body = Ranking),
        (status = 422, description = "The member has no saved preferences (`no-preferences`): save them first")))]
async fn peer_ranking(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult {
    let q: RankQuery = query(raw)?;
    let pool = state.store.peer_pool(&PoolFilter::default()).await?;
    let ranking = s.access(&state).rank_peers(&id, &pool, q.limit.map_or(50, |l| l as usize).min(10_000)).await?;
    ok(StatusCode::OK, ranking)
}

/// Which peer to choose.
#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields, default)]
struct ChooseInput {
    /// Empty or absent: "choose for me", the top-ranked peer.
    worker_id: Option<String>,
}

/// Choose a peer
///
/// Name one (`worker_id`), or leave it out for the top-ranked one; ends the current peer. The body may be empty.
#[utoipa::path(post, path = "/members/{id}/peer", tag = "matching", params(("id" = String, Path, description = "the member's id")),
    request_body(content = Option<ChooseInput>),
    responses((status = 201, description = "Chosen", body = Chosen, headers(("Location" = String, description = "the member's care team"))),
        (status = 422, description = "The member has no saved preferences (`no-preferences`); no peer meets them (`no-eligible-peer`); \
the peer named takes no members (`no-such-peer`), does not meet a must, or is already the member's peer (`already-your-peer`)"),
        (status = 409, description = "The peer has no room left (`peer-full`)")))]
async fn choose_peer(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let b: Option<ChooseInput> = if bytes.is_empty() { None } else { body(&headers, &bytes)? };
    let b = b.unwrap_or_default();
    let chosen = s.access(&state).choose_peer(&id, b.worker_id.as_deref()).await?;
    created(format!("/api/v1/members/{id}/team"), chosen)
}

/// The end of a member's relationship with their peer.
#[derive(Serialize, ToSchema)]
struct Ended {
    member_id: String,
    ended: bool,
}

/// End the member's relationship with their peer
///
/// The member, the peer or staff; no reason needed.
#[utoipa::path(post, path = "/members/{id}/peer/end", tag = "matching", params(("id" = String, Path, description = "the member's id")),
    responses((status = 200, description = "Ended", body = Ended),
        (status = 422, description = "The member has no peer (`no-peer`)")))]
async fn end_peer(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    s.access(&state).end_peer(&id).await?;
    ok(StatusCode::OK, Ended { member_id: id, ended: true })
}

/// How a worker meets members, and its version.
#[derive(Serialize, ToSchema)]
struct WorkerMatchingRead {
    worker_id: String,
    matching: WorkerMatching,
    version: i64,
}

/// How a worker meets members and from where, with its version; for admins
#[utoipa::path(get, path = "/workers/{id}/matching", tag = "matching", params(("id" = String, Path, description = "the worker's id")),
    responses((status = 200, description = "The worker's matching facts", body = WorkerMatchingRead,
        headers(("ETag" = String, description = "the version, for If-Match")))))]
async fn worker_matching(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    let (facts, version) = s.access(&state).worker_matching(&id).await?;
    tagged(StatusCode::OK, WorkerMatchingRead { worker_id: id, matching: facts, version })
}

/// How a worker meets members (modalities) and from where (location); for admins
///
/// Name the version read with If-Match or `version`.
#[utoipa::path(put, path = "/workers/{id}/matching", tag = "matching", params(("id" = String, Path, description = "the worker's id")),
    request_body = Update<WorkerMatching>,
    responses((status = 200, description = "Changed", body = WorkerMatchingRead, headers(("ETag" = String, description = "the new version"))),
        (status = 409, description = "`version` is not the facts' version: read them again"),
        (status = 412, description = "If-Match is not the facts' version: read them again"),
        (status = 428, description = "Neither If-Match nor `version` was sent")))]
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
    tagged(StatusCode::OK, WorkerMatchingRead { worker_id: id, matching: facts, version: p.version + 1 })
}

/// The caller's notifications.
#[derive(Serialize, ToSchema)]
struct Notifications {
    notifications: Vec<Notification>,
}

/// The caller's notifications (new members, peers who left)
#[utoipa::path(get, path = "/notifications", tag = "matching",
    responses((status = 200, description = "The newest 50", body = Notifications)))]
async fn notifications(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    ok(StatusCode::OK, Notifications { notifications: s.access(&state).notifications(50).await? })
}

/// What to assign.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct BatchInput {
    /// Compute and report only.
    dry_run: bool,
    /// Only the members this worker left.
    #[serde(default)]
    departing: Option<String>,
}

/// A batch run: the assignment and what was applied.
#[derive(Serialize, ToSchema)]
struct BatchResult {
    dry_run: bool,
    members: usize,
    peers: usize,
    served: usize,
    unmatched: usize,
    total_score: i64,
    objective: i64,
    big: i64,
    gap: GapSummary,
    /// Null on a dry run.
    applied: Option<Applied>,
    pairs: Vec<Pair>,
    unmatched_members: Vec<Unmatched>,
}

/// Assign the waiting list
///
/// For program admins: assign the waiting list (or a departing peer's caseload) optimally; `dry_run` reports only.
#[utoipa::path(post, path = "/matching/batch", tag = "matching", request_body = BatchInput,
    responses((status = 200, description = "The assignment", body = BatchResult)))]
async fn matching_batch(State(state): State<AppState>, ApiUser(s): ApiUser, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let b: BatchInput = body(&headers, &bytes)?;
    let access = s.access(&state);
    let waiting = access.waiting_list(b.departing.as_deref()).await?;
    let problem = BatchProblem::new(&waiting.members, &waiting.pool.profiles, &state.catalog);
    let a = problem.solve();
    let applied = if b.dry_run { None } else { Some(access.apply_batch(&a.pairs, &waiting.pool).await?) };
    // Network adequacy shows this run's unmet demand.
    access.keep_unmatched_report(&waiting, &a, applied.is_some()).await?;
    ok(
        StatusCode::OK,
        BatchResult {
            dry_run: b.dry_run,
            members: a.members,
            peers: waiting.pool.profiles.len(),
            served: a.served,
            unmatched: a.unmatched.len(),
            total_score: a.total_score,
            objective: a.objective,
            big: a.big,
            gap: a.gap,
            applied,
            pairs: a.pairs,
            unmatched_members: a.unmatched,
        },
    )
}

/// Members' time without a peer.
#[derive(Serialize, ToSchema)]
struct Gaps {
    gaps: Vec<GapEntry>,
}

/// Members' time without a peer
///
/// For program admins.
#[utoipa::path(get, path = "/matching/gaps", tag = "matching",
    responses((status = 200, description = "The newest 500", body = Gaps)))]
async fn peer_gaps(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    ok(StatusCode::OK, Gaps { gaps: s.access(&state).peer_gaps(500).await? })
}
