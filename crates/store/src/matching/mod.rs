//! Member choice of a peer: preferences, peer profiles from the database,
//! ranking with reasons, choosing and ending a peer, batch assignment of a
//! waiting list, and continuity when a peer leaves. Member data goes
//! through `checked_member_for`; batch runs through `policy::may_run_batch`;
//! every decision is audited.
//!
//! The folder holds: `pool` (the peer pool and the matching facts of
//! workers), `choice` (a member's preferences, ranking, choosing and ending
//! a peer), `batch` (the waiting list and batch assignment), `continuity`
//! (time without a peer, and members left when a peer departs) and
//! `import` (bulk loads). This file holds the views they answer with and
//! the helpers they share.
//!
//! May import: `access`, `bulk`, `notifications`, `rows`, `writes`.

mod batch;
mod choice;
mod continuity;

pub(crate) use continuity::flag_departure;
mod import;
mod pool;

use accompany_domain::matching::{Blocker, GeoPoint, Modality, PeerProfile, Preferences, SourceKind};
use accompany_domain::records::{Visibility, Worker};
use accompany_domain::{FieldError, Invalid};
use serde::{Deserialize, Serialize};
use sqlx::{Any, Row, Transaction};

use crate::{Result, StoreError};

/// How a worker meets members and where from: the facts matching needs
/// that the worker record does not hold.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WorkerMatching {
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub modalities: Vec<Modality>,
    /// Where the worker meets from; the centre of their town when absent.
    #[serde(default)]
    pub location: Option<GeoPoint>,
}

impl Default for WorkerMatching {
    fn default() -> Self {
        WorkerMatching { modalities: vec![Modality::InPerson, Modality::Phone], location: None }
    }
}

impl WorkerMatching {
    pub fn validate(&self) -> Result<WorkerMatching, Invalid> {
        let mut errs = Invalid::default();
        if self.modalities.is_empty() {
            errs.push(FieldError::new("modalities", "required", "give at least one way to meet: in-person, phone or video"));
        }
        if let Some(p) = self.location {
            if !(-90.0..=90.0).contains(&p.lat) || !(-180.0..=180.0).contains(&p.lon) {
                errs.push(FieldError::new("location", "out-of-range", "latitude is between -90 and 90, longitude between -180 and 180"));
            }
        }
        errs.finish()?;
        let mut m = self.clone();
        m.modalities.sort();
        m.modalities.dedup();
        Ok(m)
    }
}

/// The centre of a town of the catalog, by name (any case).
pub fn town_point(catalog: &accompany_domain::Catalog, name: &str) -> Option<GeoPoint> {
    catalog.town(name).map(|t| GeoPoint { lat: t.lat, lon: t.lon })
}

/// What a member is told about a peer, beside the reasons: only what the
/// worker chose to show.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct PeerCard {
    pub worker_id: String,
    #[serde(skip)]
    pub user_id: String,
    pub name: String,
    pub role_id: String,
    pub organization_id: String,
    pub organization: String,
    pub source: SourceKind,
    pub town: Option<String>,
    pub languages: Vec<String>,
    /// (dimension, value) of identity statements shown to members.
    #[cfg_attr(feature = "openapi", schema(schema_with = accompany_domain::limits::schema::text_pairs))]
    pub shown_identity: Vec<(String, String)>,
    /// Lived-experience topics shown to members.
    pub shown_lived_experience: Vec<String>,
    pub remaining_capacity: u32,
}

/// Every peer who may take members, as matching sees them, with the card
/// a member reads about each (same order).
#[derive(Debug, Default)]
pub struct PeerPool {
    pub profiles: Vec<PeerProfile>,
    pub cards: Vec<PeerCard>,
}

impl PeerPool {
    pub fn card(&self, worker_id: &str) -> Option<&PeerCard> {
        self.cards.iter().find(|c| c.worker_id == worker_id)
    }
}

/// Which peers to load.
#[derive(Debug, Clone, Default)]
pub struct PoolFilter {
    pub employer_id: Option<String>,
    pub worker_id: Option<String>,
}

/// One peer a member may choose, best first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct RankedChoice {
    #[serde(flatten)]
    pub peer: PeerCard,
    pub score: i64,
    /// Structured reasons (`code` and its values), translated by pages.
    pub reasons: Vec<serde_json::Value>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Ranking {
    pub member_id: String,
    /// Eligible peers in all.
    pub eligible: usize,
    pub choices: Vec<RankedChoice>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Chosen {
    pub member_id: String,
    pub worker_id: String,
    pub peer_name: String,
    pub team_member_id: String,
    /// The peer the member had before, when they asked for a different one.
    pub previous_worker_id: Option<String>,
}

/// A waiting list ready for the batch: members (with the preferences the
/// batch uses) and the peers with room.
#[derive(Debug, Default)]
pub struct WaitingList {
    pub members: Vec<(String, Preferences)>,
    pub pool: PeerPool,
    /// Members whose preferences were derived from the peer they lost.
    pub derived: usize,
    /// Only the members this worker left, not the whole waiting list.
    pub departing: Option<String>,
}

/// A member's time without a peer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct GapEntry {
    pub member_id: String,
    pub member_name: String,
    pub former_peer: Option<String>,
    pub reason: String,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub days: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    pub run_id: String,
    pub assigned: usize,
    /// Pairs dropped because the peer filled up or the member found a peer meanwhile.
    pub skipped: usize,
}

fn source_text(s: SourceKind) -> &'static str {
    s.as_str()
}

fn parse_source(s: &str) -> Option<SourceKind> {
    SourceKind::ALL.into_iter().find(|k| k.as_str() == s)
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn card(worker: &Worker, profile: &PeerProfile, user_id: String, organization: String) -> PeerCard {
    let facts = profile.facts();
    PeerCard {
        worker_id: worker.id.clone(),
        user_id,
        name: format!("{} {}", worker.given_name, worker.family_name),
        role_id: worker.role_id.clone(),
        organization_id: worker.employer_id.clone(),
        organization,
        source: facts.source,
        town: worker.city.clone(),
        languages: facts.languages.clone(),
        // The worker's own words, as they chose to show them.
        shown_identity: worker
            .statements
            .iter()
            .filter(|s| s.visibility == Visibility::Members)
            .filter(|s| accompany_domain::matching::IdentityDimension::parse(&s.topic).is_some())
            .map(|s| (s.topic.clone(), s.text.clone()))
            .collect(),
        shown_lived_experience: profile.shown_lived_experience().map(|t| t.topic.clone()).collect(),
        remaining_capacity: profile.remaining_capacity(),
    }
}

async fn lock_row(tx: &mut Transaction<'_, Any>, table: &str, key: &str, id: &str) -> Result<u64> {
    // Writing the row first takes the write lock on SQLite (before any read
    // in the transaction) and the row lock on PostgreSQL.
    let done = sqlx::query(&format!("UPDATE {table} SET version = version + 1 WHERE {key} = $1")).bind(id).execute(&mut **tx).await?;
    Ok(done.rows_affected())
}

async fn active_peer_count(tx: &mut Transaction<'_, Any>, user_id: &str) -> Result<u32> {
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM team_members WHERE user_id = $1 AND team_role = 'peer' AND until IS NULL")
        .bind(user_id)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
    Ok(n.max(0) as u32)
}

async fn member_name(tx: &mut Transaction<'_, Any>, member_id: &str) -> Result<String> {
    let row = sqlx::query("SELECT given_name, family_name FROM members WHERE id = $1").bind(member_id).fetch_one(&mut **tx).await?;
    Ok(format!("{} {}", row.try_get::<String, _>("given_name")?, row.try_get::<String, _>("family_name")?))
}

/// The reason a chosen peer is refused, as a field error on `worker_id`.
fn blocker_error(b: &Blocker) -> FieldError {
    match b {
        Blocker::Capacity => peer_full(),
        other => FieldError::new(
            "worker_id",
            "peer-not-eligible",
            format!("this peer does not meet what you asked ({}); change your preferences or choose another peer", other.code()),
        )
        .arg("blocker", other.code()),
    }
}

fn peer_full() -> FieldError {
    FieldError::new("worker_id", "peer-full", "this peer has no room left for another member; choose another peer")
}

/// Whether a reason says something about what the member asked of a
/// peer's identity or lived experience.
fn reveals_identity(reason: &serde_json::Value) -> bool {
    matches!(
        reason["code"].as_str(),
        Some("shares-identity" | "shares-lived-experience" | "named-peer" | "same-organization" | "preferred-but-missing")
    )
}

fn no_preferences() -> StoreError {
    Invalid::one("preferences", "no-preferences", "save the member's preferences first (what they want of a peer)").into()
}

/// Rank `prefs` against the pool: the peers and their reasons as a member reads them.
pub fn rank_with(member_id: &str, prefs: &Preferences, pool: &PeerPool, catalog: &accompany_domain::Catalog, limit: usize) -> Ranking {
    let ranking = accompany_domain::matching::PeerRanking::new(prefs, &pool.profiles, catalog, usize::MAX);
    let eligible = ranking.len();
    // Reasons are put into words only for the peers returned.
    let choices = (0..limit.min(eligible))
        .filter_map(|i| ranking.explain(i))
        .map(|r| RankedChoice {
            peer: pool.cards[r.index].clone(),
            score: r.score,
            reasons: r.reasons.iter().map(|x| serde_json::to_value(x).unwrap_or(serde_json::Value::Null)).collect(),
        })
        .collect();
    Ranking { member_id: member_id.to_string(), eligible, choices }
}
