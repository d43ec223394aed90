//! Member choice of a peer: preferences, peer profiles from the database,
//! ranking with reasons, choosing and ending a peer, batch assignment of a
//! waiting list, and continuity when a peer leaves. Member data goes
//! through `checked_member_for`; batch runs through `policy::may_run_batch`;
//! every decision is audited.

use std::collections::{HashMap, HashSet};

use crate::ids::new_id;
use accompany_domain::matching::{
    ineligibility, rank_top, Blocker, GeoPoint, Modality, Pair, PeerProfile, Preferences, PreferencesInput, SourceKind, SupportKind, WorkerExtras,
};
use accompany_domain::policy::{may_end_peer, may_run_batch, Action, Decision};
use accompany_domain::privacy::{redact_labelled, Categories, Category};
use accompany_domain::records::{OrganizationKind, Persona, TeamRole, Visibility, Worker};
use accompany_domain::{FieldError, Invalid};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::OffsetDateTime;

use crate::access::{record_version, Access};
use crate::bulk::{insert_rows, Val};
use crate::rows::{self, date_text, to_json, WORKER_COLUMNS};
use crate::today_date as today;
use crate::{now_text, Result, Store, StoreError};

/// How a worker meets members and where from: the facts matching needs
/// that the worker record does not hold.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WorkerMatching {
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
#[derive(Debug, Clone, Serialize)]
pub struct RankedChoice {
    #[serde(flatten)]
    pub peer: PeerCard,
    pub score: i64,
    /// Structured reasons (`code` and its values), translated by pages.
    pub reasons: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Ranking {
    pub member_id: String,
    /// Eligible peers in all.
    pub eligible: usize,
    pub choices: Vec<RankedChoice>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Chosen {
    pub member_id: String,
    pub worker_id: String,
    pub peer_name: String,
    pub team_member_id: String,
    /// The peer the member had before, when they asked for a different one.
    pub previous_worker_id: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub id: String,
    pub text_key: String,
    pub args: serde_json::Map<String, serde_json::Value>,
    pub created_at: String,
    pub read_at: Option<String>,
}

/// A waiting list ready for the batch: members (with the preferences the
/// batch uses) and the peers with room.
#[derive(Debug, Default)]
pub struct WaitingList {
    pub members: Vec<(String, Preferences)>,
    pub pool: PeerPool,
    /// Members whose preferences were derived from the peer they lost.
    pub derived: usize,
}

/// A member's time without a peer.
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

impl Store {
    /// Active peer memberships by peer account.
    async fn caseloads(&self) -> Result<HashMap<String, u32>> {
        let rows = sqlx::query("SELECT user_id, COUNT(*) AS n FROM team_members WHERE team_role = 'peer' AND until IS NULL GROUP BY user_id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((r.try_get::<String, _>("user_id")?, r.try_get::<i64, _>("n")?.max(0) as u32))).collect()
    }

    /// Peers who may take members: workers with a peer-worker account and
    /// employment that has not ended, with their caseload room. Workers
    /// whose facts do not fit the catalog are left out (and logged).
    pub async fn peer_pool(&self, filter: &PoolFilter) -> Result<PeerPool> {
        let mut sql = format!(
            "SELECT {WORKER_COLUMNS}, o.kind AS org_kind, o.name AS org_name, wm.data AS matching_data \
             FROM workers w JOIN users u ON u.id = w.user_id JOIN organizations o ON o.id = w.employer_id \
             LEFT JOIN worker_matching wm ON wm.worker_id = w.id \
             WHERE u.persona = 'peer-worker' AND (w.employment_end IS NULL OR w.employment_end > $1)"
        );
        let mut args = vec![date_text(today())];
        if let Some(e) = &filter.employer_id {
            args.push(e.clone());
            sql.push_str(&format!(" AND w.employer_id = ${}", args.len()));
        }
        if let Some(w) = &filter.worker_id {
            args.push(w.clone());
            sql.push_str(&format!(" AND w.id = ${}", args.len()));
        }
        sql.push_str(" ORDER BY w.id");
        let mut q = sqlx::query(&sql);
        for a in &args {
            q = q.bind(a);
        }
        let rows = q.fetch_all(&self.pool).await?;
        let caseloads = self.caseloads().await?;
        let mut pool = PeerPool { profiles: Vec::with_capacity(rows.len()), cards: Vec::with_capacity(rows.len()) };
        for r in &rows {
            let worker = rows::worker(r)?;
            let kind: String = r.try_get("org_kind")?;
            let org_name: String = r.try_get("org_name")?;
            let matching: Option<String> = r.try_get("matching_data")?;
            let facts: WorkerMatching = match matching {
                Some(text) => serde_json::from_str(&text).map_err(|e| corrupt("worker_matching.data", e))?,
                None => WorkerMatching::default(),
            };
            let source = SourceKind::of_organization(OrganizationKind::parse(&kind).unwrap_or(OrganizationKind::Cbo));
            let user_id = worker.user_id.clone().unwrap_or_default();
            let extras = WorkerExtras {
                source,
                modalities: facts.modalities.clone(),
                location: facts.location.or_else(|| worker.city.as_deref().and_then(|c| town_point(&self.catalog, c))),
                current_caseload: caseloads.get(&user_id).copied().unwrap_or(0),
            };
            match PeerProfile::from_worker(&worker, &extras, &self.catalog) {
                Ok(profile) => {
                    pool.cards.push(card(&worker, &profile, user_id, org_name));
                    pool.profiles.push(profile);
                }
                Err(e) => {
                    tracing::warn!(worker = %worker.id, error = %e, "worker left out of matching")
                }
            }
        }
        // Ranking is fastest on peers in byte order of id; a database
        // collation may order ids otherwise.
        if !pool.profiles.windows(2).all(|w| w[0].worker_id() <= w[1].worker_id()) {
            let mut both: Vec<(PeerProfile, PeerCard)> = pool.profiles.into_iter().zip(pool.cards).collect();
            both.sort_by(|a, b| a.0.worker_id().cmp(b.0.worker_id()));
            (pool.profiles, pool.cards) = both.into_iter().unzip();
        }
        Ok(pool)
    }

    /// Make sure a worker has a matching row, so that choosing them can lock it.
    async fn ensure_worker_matching(&self, worker_ids: &[String]) -> Result<()> {
        let now = now_text();
        let default = to_json(&WorkerMatching::default());
        for chunk in worker_ids.chunks(100) {
            let mut sql = String::from("INSERT INTO worker_matching (worker_id, data, version, updated_at) VALUES ");
            for i in 0..chunk.len() {
                let b = i * 3;
                sql.push_str(&format!("{}(${}, ${}, 1, ${})", if i == 0 { "" } else { ", " }, b + 1, b + 2, b + 3));
            }
            sql.push_str(" ON CONFLICT (worker_id) DO NOTHING");
            let mut q = sqlx::query(&sql);
            for w in chunk {
                q = q.bind(w).bind(&default).bind(&now);
            }
            q.execute(&self.pool).await?;
        }
        Ok(())
    }
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

async fn notify(tx: &mut Transaction<'_, Any>, user_id: &str, key: &str, args: serde_json::Value) -> Result<()> {
    sqlx::query("INSERT INTO notifications (id, user_id, text_key, args, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(new_id())
        .bind(user_id)
        .bind(key)
        .bind(args.to_string())
        .bind(now_text())
        .execute(&mut **tx)
        .await?;
    Ok(())
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

impl Access {
    async fn stored_preferences(&self, member_id: &str) -> Result<Option<Preferences>> {
        let row = sqlx::query("SELECT data FROM member_preferences WHERE member_id = $1").bind(member_id).fetch_optional(&self.store.pool).await?;
        match row {
            None => Ok(None),
            Some(r) => {
                let text: String = r.try_get("data")?;
                serde_json::from_str(&text).map(Some).map_err(|e| corrupt("member_preferences.data", e))
            }
        }
    }

    /// The member's preferences as the actor may see them (fields whose
    /// label the actor does not see are left out), or `None` when the
    /// member has not said.
    pub async fn preferences(&self, member_id: &str) -> Result<Option<serde_json::Value>> {
        let c = self.checked_member_for(member_id, Action::Read, "preferences", Some(member_id)).await?;
        Ok(self.stored_preferences(member_id).await?.map(|p| redact_labelled(&p, c.visible)))
    }

    /// Check and save what the member wants of a peer; the member or whoever
    /// may change their record (their care coordinator).
    pub async fn set_preferences(&self, member_id: &str, input: &PreferencesInput, reason: &str) -> Result<Preferences> {
        let c = self.checked_member_for(member_id, Action::Update, "preferences", Some(member_id)).await?;
        let mut prefs = input.validate(self.store.catalog())?;
        // A writer who may not see a label keeps what is stored under it:
        // a form that never showed those wishes must not erase them.
        if let Some(current) = self.stored_preferences(member_id).await? {
            if !c.visible.contains(Category::Identity) {
                prefs.identity = current.identity;
                prefs.lived_experience = current.lived_experience;
                prefs.source = current.source;
                prefs.named_peer = current.named_peer;
            }
            if !c.visible.contains(Category::CarePlan) {
                prefs.support = current.support;
            }
            if !c.visible.contains(Category::Contact) {
                prefs.home = current.home;
            }
        }
        if let Some(named) = &prefs.named_peer {
            if self.store.worker_row(named).await?.is_none() {
                return Err(Invalid::one("named_peer", "no-such-peer", "no peer has this id; choose a peer from the list, or leave it empty").into());
            }
        }
        let mut tx = self.store.pool.begin().await?;
        let version: Option<i64> = sqlx::query("SELECT version FROM member_preferences WHERE member_id = $1")
            .bind(member_id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        let next = version.unwrap_or(0) + 1;
        if version.is_some() {
            sqlx::query("UPDATE member_preferences SET data = $1, version = $2, updated_at = $3 WHERE member_id = $4")
                .bind(to_json(&prefs))
                .bind(next)
                .bind(now_text())
                .bind(member_id)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query("INSERT INTO member_preferences (member_id, data, version, updated_at) VALUES ($1, $2, $3, $4)")
                .bind(member_id)
                .bind(to_json(&prefs))
                .bind(next)
                .bind(now_text())
                .execute(&mut *tx)
                .await?;
        }
        record_version(&mut tx, "preferences", member_id, next, &prefs, Some(&self.actor().user_id), reason).await?;
        tx.commit().await?;
        Ok(prefs)
    }

    /// Every peer the member may choose, best first, with reasons; at most
    /// `limit`. `pool` is loaded by the caller (`Store::peer_pool`), so a
    /// program can rank many members on one load.
    pub async fn rank_peers(&self, member_id: &str, pool: &PeerPool, limit: usize) -> Result<Ranking> {
        let c = self.checked_member_for(member_id, Action::Read, "ranking", Some(member_id)).await?;
        let prefs = self.stored_preferences(member_id).await?.ok_or_else(no_preferences)?;
        let mut ranking = rank_with(member_id, &prefs, pool, self.store.catalog(), limit);
        // Reasons that name the member's identity wishes only for readers who see them.
        if !c.visible.contains(Category::Identity) {
            for choice in &mut ranking.choices {
                choice.reasons.retain(|r| !reveals_identity(r));
            }
        }
        Ok(ranking)
    }

    /// Why peers are not eligible for the member: each blocking constraint
    /// (by kind, e.g. `must (identity gender)`) and how many peers it rules out.
    pub async fn blockers(&self, member_id: &str, pool: &PeerPool) -> Result<Vec<(String, usize)>> {
        self.checked_member_for(member_id, Action::Read, "ranking", Some(member_id)).await?;
        let prefs = self.stored_preferences(member_id).await?.ok_or_else(no_preferences)?;
        let mut counts: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
        for p in &pool.profiles {
            if let Some(b) = ineligibility(&prefs, p, self.store.catalog()) {
                let code = match &b {
                    Blocker::Must(w) => format!("must ({})", serde_json::to_value(w).map(|v| v.to_string()).unwrap_or_default()),
                    other => other.code().to_string(),
                };
                *counts.entry(code).or_default() += 1;
            }
        }
        Ok(counts.into_iter().collect())
    }

    /// Make `worker_id` the member's peer (or the top-ranked peer when it is
    /// `None`: "choose for me"). One transaction: the peer's room is checked
    /// again under a lock, the member's current peer (if any) is ended, the
    /// new membership is written, the member's time without a peer ends and
    /// the peer is told.
    pub async fn choose_peer(&self, member_id: &str, worker_id: Option<&str>) -> Result<Chosen> {
        self.checked_member_for(member_id, Action::Update, "peer-choice", Some(member_id)).await?;
        let prefs = self.stored_preferences(member_id).await?.ok_or_else(no_preferences)?;
        let catalog = self.store.catalog();
        let worker_id = match worker_id.map(str::trim).filter(|w| !w.is_empty()) {
            Some(w) => w.to_string(),
            None => {
                let pool = self.store.peer_pool(&PoolFilter::default()).await?;
                let top = rank_top(&prefs, &pool.profiles, catalog, 1);
                match top.first() {
                    Some(t) => t.worker_id.to_string(),
                    None => {
                        return Err(Invalid::one(
                            "worker_id",
                            "no-eligible-peer",
                            "no peer meets what you asked right now; change a must to a preference, or wait: program staff see who is waiting",
                        )
                        .into())
                    }
                }
            }
        };
        let pool = self.store.peer_pool(&PoolFilter { worker_id: Some(worker_id.clone()), ..Default::default() }).await?;
        let (Some(profile), Some(card)) = (pool.profiles.first(), pool.cards.first()) else {
            return Err(Invalid::one("worker_id", "no-such-peer", "no peer who takes members has this id; choose a peer from the list").into());
        };
        if let Some(b) = ineligibility(&prefs, profile, catalog) {
            return Err(Invalid(vec![blocker_error(&b)]).into());
        }
        let cap = catalog.role(&card.role_id).map_or(0, |r| r.caseload_cap);
        self.store.ensure_worker_matching(std::slice::from_ref(&worker_id)).await?;

        let mut tx = self.store.pool.begin().await?;
        lock_row(&mut tx, "member_preferences", "member_id", member_id).await?;
        lock_row(&mut tx, "worker_matching", "worker_id", &worker_id).await?;
        let current: Vec<(String, String)> = sqlx::query(
            "SELECT tm.user_id, w.id AS worker_id FROM team_members tm LEFT JOIN workers w ON w.user_id = tm.user_id \
             WHERE tm.member_id = $1 AND tm.team_role = 'peer' AND tm.until IS NULL",
        )
        .bind(member_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("user_id")?, r.try_get::<Option<String>, _>("worker_id")?.unwrap_or_default())))
        .collect::<Result<_>>()?;
        if current.iter().any(|(u, _)| *u == card.user_id) {
            return Err(Invalid::one("worker_id", "already-your-peer", "this peer is already the member's peer").into());
        }
        if active_peer_count(&mut tx, &card.user_id).await? >= cap {
            return Err(Invalid(vec![peer_full()]).into());
        }
        let today = date_text(today());
        sqlx::query("UPDATE team_members SET until = $1 WHERE member_id = $2 AND team_role = 'peer' AND until IS NULL")
            .bind(&today)
            .bind(member_id)
            .execute(&mut *tx)
            .await?;
        let team_member_id = new_id();
        sqlx::query("INSERT INTO team_members (id, member_id, user_id, team_role, since, created_at) VALUES ($1, $2, $3, 'peer', $4, $5)")
            .bind(&team_member_id)
            .bind(member_id)
            .bind(&card.user_id)
            .bind(&today)
            .bind(now_text())
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE peer_gaps SET ended_at = $1 WHERE member_id = $2 AND ended_at IS NULL")
            .bind(now_text())
            .bind(member_id)
            .execute(&mut *tx)
            .await?;
        let name = member_name(&mut tx, member_id).await?;
        notify(&mut tx, &card.user_id, "notice-new-member", serde_json::json!({ "name": name, "member_id": member_id })).await?;
        let previous_worker_id = current.first().map(|(_, w)| w.clone()).filter(|w| !w.is_empty());
        let chosen = Chosen {
            member_id: member_id.to_string(),
            worker_id: worker_id.clone(),
            peer_name: card.name.clone(),
            team_member_id: team_member_id.clone(),
            previous_worker_id,
        };
        record_version(&mut tx, "peer-choice", &team_member_id, 1, &chosen, Some(&self.actor().user_id), "chosen").await?;
        tx.commit().await?;
        Ok(chosen)
    }

    /// End the member's relationship with their peer: the member, the peer
    /// or whoever may change the member's record; no reason needed. The
    /// member's time without a peer starts.
    pub async fn end_peer(&self, member_id: &str) -> Result<()> {
        let c = self.checked_member_for(member_id, Action::Read, "peer-end", Some(member_id)).await?;
        if let Decision::Deny(why) = may_end_peer(self.actor(), &c.rel) {
            return Err(StoreError::Denied(why));
        }
        let mut tx = self.store.pool.begin().await?;
        let rows = sqlx::query(
            "SELECT tm.id, tm.user_id, w.id AS worker_id, w.role_id, w.employer_id, o.kind FROM team_members tm \
             LEFT JOIN workers w ON w.user_id = tm.user_id LEFT JOIN organizations o ON o.id = w.employer_id \
             WHERE tm.member_id = $1 AND tm.team_role = 'peer' AND tm.until IS NULL",
        )
        .bind(member_id)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            return Err(Invalid::one("member_id", "no-peer", "the member has no peer to end the relationship with").into());
        }
        sqlx::query("UPDATE team_members SET until = $1 WHERE member_id = $2 AND team_role = 'peer' AND until IS NULL")
            .bind(date_text(today()))
            .bind(member_id)
            .execute(&mut *tx)
            .await?;
        let ended_by = if c.rel.is_self {
            "ended-by-member"
        } else if c.rel.team_role == Some(TeamRole::Peer) {
            "ended-by-peer"
        } else {
            "ended-by-staff"
        };
        let r = &rows[0];
        open_gap(&mut tx, member_id, r, ended_by).await?;
        for r in &rows {
            let tm: String = r.try_get("id")?;
            let user: String = r.try_get("user_id")?;
            record_version(
                &mut tx,
                "peer-choice",
                &tm,
                2,
                &serde_json::json!({ "member_id": member_id, "ended": ended_by }),
                Some(&self.actor().user_id),
                ended_by,
            )
            .await?;
            if user != self.actor().user_id {
                let name = member_name(&mut tx, member_id).await?;
                notify(&mut tx, &user, "notice-relationship-ended", serde_json::json!({ "name": name, "member_id": member_id })).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The signed-in person's newest notifications.
    pub async fn notifications(&self, limit: u32) -> Result<Vec<Notification>> {
        let rows = sqlx::query(&format!(
            "SELECT id, text_key, args, created_at, read_at FROM notifications WHERE user_id = $1 ORDER BY created_at DESC, id LIMIT {}",
            limit.clamp(1, 200)
        ))
        .bind(&self.actor().user_id)
        .fetch_all(&self.store.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let args: String = r.try_get("args")?;
                Ok(Notification {
                    id: r.try_get("id")?,
                    text_key: r.try_get("text_key")?,
                    args: serde_json::from_str(&args).map_err(|e| corrupt("notifications.args", e))?,
                    created_at: r.try_get("created_at")?,
                    read_at: r.try_get("read_at")?,
                })
            })
            .collect()
    }

    fn batch_allowed(&self) -> Result<()> {
        match may_run_batch(self.actor()) {
            Decision::Permit => Ok(()),
            Decision::Deny(why) => Err(StoreError::Denied(why)),
        }
    }

    /// An organization admin's batches use their organization's peers and
    /// the members on their plan or left by their peers.
    fn batch_organization(&self) -> Option<String> {
        match self.actor().persona {
            Persona::StateAdmin => None,
            _ => self.actor().organization_id.clone(),
        }
    }

    /// Members waiting for a peer: those who said what they want and have
    /// no peer, and those whose peer left or ended the relationship (with
    /// preferences derived from that peer when they never said). With
    /// `departing`, only the members that worker left. Audited as one
    /// access to the waiting list.
    pub async fn waiting_list(&self, departing: Option<&str>) -> Result<WaitingList> {
        let decision = may_run_batch(self.actor());
        self.audit_member(
            "read",
            "waiting-list",
            departing,
            None,
            &decision,
            Categories::of(&[Category::Demographics, Category::Identity, Category::CarePlan]),
            Some(accompany_domain::privacy::Purpose::Operations),
        )
        .await?;
        self.batch_allowed()?;
        let org = self.batch_organization();
        let catalog = self.store.catalog();
        let no_peer = "NOT EXISTS (SELECT 1 FROM team_members tm WHERE tm.member_id = m.id AND tm.team_role = 'peer' AND tm.until IS NULL)";
        // Per member: the departed peer's role, organization and source, and the member's first language.
        type Kept = (Option<String>, Option<String>, Option<String>, Option<String>);
        let mut gaps: HashMap<String, Kept> = HashMap::new();
        let mut sql = format!(
            "SELECT g.member_id, g.role_id, g.organization_id, g.source, m.primary_language, m.plan_id FROM peer_gaps g JOIN members m ON m.id = g.member_id \
             WHERE g.ended_at IS NULL AND {no_peer}"
        );
        let mut args: Vec<String> = vec![];
        if let Some(w) = departing {
            args.push(w.to_string());
            sql.push_str(&format!(" AND g.worker_id = ${}", args.len()));
        }
        let mut q = sqlx::query(&sql);
        for a in &args {
            q = q.bind(a);
        }
        for r in q.fetch_all(&self.store.pool).await? {
            let member: String = r.try_get("member_id")?;
            let gap_org: Option<String> = r.try_get("organization_id")?;
            let plan: Option<String> = r.try_get("plan_id")?;
            if let Some(o) = &org {
                if gap_org.as_ref() != Some(o) && plan.as_ref() != Some(o) {
                    continue;
                }
            }
            gaps.insert(member, (r.try_get("role_id")?, gap_org, r.try_get("source")?, r.try_get("primary_language")?));
        }
        let mut members: Vec<(String, Preferences)> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        if departing.is_none() {
            let mut sql =
                format!("SELECT p.member_id, p.data, m.plan_id FROM member_preferences p JOIN members m ON m.id = p.member_id WHERE {no_peer}");
            if org.is_some() {
                sql.push_str(" AND m.plan_id = $1");
            }
            let mut q = sqlx::query(&sql);
            if let Some(o) = &org {
                q = q.bind(o);
            }
            for r in q.fetch_all(&self.store.pool).await? {
                let id: String = r.try_get("member_id")?;
                let text: String = r.try_get("data")?;
                let prefs: Preferences = serde_json::from_str(&text).map_err(|e| corrupt("member_preferences.data", e))?;
                seen.insert(id.clone());
                members.push((id, prefs));
            }
        } else {
            let ids: Vec<String> = gaps.keys().cloned().collect();
            for chunk in ids.chunks(200) {
                let list = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
                let sql = format!("SELECT member_id, data FROM member_preferences WHERE member_id IN ({list})");
                let mut q = sqlx::query_as::<_, (String, String)>(&sql);
                for id in chunk {
                    q = q.bind(id);
                }
                for (id, text) in q.fetch_all(&self.store.pool).await? {
                    let prefs: Preferences = serde_json::from_str(&text).map_err(|e| corrupt("member_preferences.data", e))?;
                    seen.insert(id.clone());
                    members.push((id, prefs));
                }
            }
        }
        // Members who lost a peer keep the organization they know where possible.
        for (id, prefs) in members.iter_mut() {
            if let Some((_, Some(gap_org), _, _)) = gaps.get(id) {
                prefs.organization = Some(gap_org.clone());
            }
        }
        let mut derived = 0;
        for (id, (role, gap_org, source, language)) in gaps {
            if seen.contains(&id) {
                continue;
            }
            let support = role.as_deref().and_then(|r| catalog.role(r)).map_or(SupportKind::MentalHealth, |r| SupportKind::of_focus(&r.focus_areas));
            let mut prefs = Preferences::for_reassignment(support, language.into_iter().collect(), source.as_deref().and_then(parse_source));
            prefs.organization = gap_org;
            members.push((id, prefs));
            derived += 1;
        }
        members.sort_by(|a, b| a.0.cmp(&b.0));
        let pool = self.store.peer_pool(&PoolFilter { employer_id: org, ..Default::default() }).await?;
        Ok(WaitingList { members, pool, derived })
    }

    /// Apply a batch's pairs in one transaction. Each peer's room and each
    /// member's state are checked again under the same locks as a member's
    /// own choice: a pair whose peer filled up or whose member found a peer
    /// meanwhile is skipped, never over-assigned.
    pub async fn apply_batch(&self, pairs: &[Pair], pool: &PeerPool) -> Result<Applied> {
        let decision = may_run_batch(self.actor());
        let run_id = new_id();
        self.audit_member(
            "update",
            "batch-run",
            Some(&run_id),
            None,
            &decision,
            Categories::NONE,
            Some(accompany_domain::privacy::Purpose::Operations),
        )
        .await?;
        self.batch_allowed()?;
        let catalog = self.store.catalog();
        let cards: HashMap<&str, &PeerCard> = pool.cards.iter().map(|c| (c.worker_id.as_str(), c)).collect();
        let mut peers: Vec<String> = pairs.iter().map(|p| p.worker_id.clone()).collect();
        peers.sort();
        peers.dedup();
        self.store.ensure_worker_matching(&peers).await?;
        let mut tx = self.store.pool.begin().await?;
        for chunk in peers.chunks(200) {
            let list = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
            let sql = format!("UPDATE worker_matching SET version = version + 1 WHERE worker_id IN ({list})");
            let mut q = sqlx::query(&sql);
            for w in chunk {
                q = q.bind(w);
            }
            q.execute(&mut *tx).await?;
        }
        let counts: HashMap<String, u32> =
            sqlx::query("SELECT user_id, COUNT(*) AS n FROM team_members WHERE team_role = 'peer' AND until IS NULL GROUP BY user_id")
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| Ok((r.try_get::<String, _>("user_id")?, r.try_get::<i64, _>("n")?.max(0) as u32)))
                .collect::<Result<_>>()?;
        let member_ids: Vec<&str> = pairs.iter().map(|p| p.member_id.as_str()).collect();
        let mut has_peer: HashSet<String> = HashSet::new();
        for chunk in member_ids.chunks(200) {
            let list = (2..=chunk.len() + 1).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
            let sql = format!("SELECT member_id FROM team_members WHERE team_role = $1 AND until IS NULL AND member_id IN ({list})");
            let mut q = sqlx::query(&sql).bind("peer");
            for m in chunk {
                q = q.bind(*m);
            }
            for r in q.fetch_all(&mut *tx).await? {
                has_peer.insert(r.try_get("member_id")?);
            }
        }
        let mut added: HashMap<&str, u32> = HashMap::new();
        let today = date_text(today());
        let now = now_text();
        let mut team_rows = Vec::new();
        let mut notes = Vec::new();
        let mut assigned_members = Vec::new();
        let mut skipped = 0;
        for p in pairs {
            let Some(card) = cards.get(p.worker_id.as_str()) else {
                skipped += 1;
                continue;
            };
            let cap = catalog.role(&card.role_id).map_or(0, |r| r.caseload_cap);
            let taken = counts.get(&card.user_id).copied().unwrap_or(0) + added.get(card.user_id.as_str()).copied().unwrap_or(0);
            if has_peer.contains(&p.member_id) || taken >= cap {
                skipped += 1;
                continue;
            }
            *added.entry(card.user_id.as_str()).or_default() += 1;
            has_peer.insert(p.member_id.clone());
            team_rows.push(vec![
                Val::from(new_id()),
                Val::from(p.member_id.clone()),
                Val::from(card.user_id.clone()),
                Val::from("peer"),
                Val::from(today.clone()),
                Val::from(now.clone()),
            ]);
            notes.push(vec![
                Val::from(new_id()),
                Val::from(card.user_id.clone()),
                Val::from("notice-assigned-member"),
                Val::from(serde_json::json!({ "member_id": p.member_id }).to_string()),
                Val::from(now.clone()),
            ]);
            assigned_members.push(p.member_id.clone());
        }
        let backend = self.store.backend;
        let assigned = team_rows.len();
        insert_rows(&mut tx, backend, "team_members", &["id", "member_id", "user_id", "team_role", "since", "created_at"], team_rows).await?;
        insert_rows(&mut tx, backend, "notifications", &["id", "user_id", "text_key", "args", "created_at"], notes).await?;
        for chunk in assigned_members.chunks(200) {
            let list = (2..=chunk.len() + 1).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
            let sql = format!("UPDATE peer_gaps SET ended_at = $1 WHERE ended_at IS NULL AND member_id IN ({list})");
            let mut q = sqlx::query(&sql).bind(&now);
            for m in chunk {
                q = q.bind(m);
            }
            q.execute(&mut *tx).await?;
        }
        let summary = serde_json::json!({ "assigned": assigned, "skipped": skipped, "pairs": pairs.len() });
        record_version(&mut tx, "batch-run", &run_id, 1, &summary, Some(&self.actor().user_id), "batch assignment").await?;
        tx.commit().await?;
        Ok(Applied { run_id, assigned, skipped })
    }

    /// Time members spent without a peer, open gaps first, then the latest
    /// closed ones; for program admins (an organization admin sees the
    /// members on their plan or left by their organization's peers).
    pub async fn peer_gaps(&self, limit: u32) -> Result<Vec<GapEntry>> {
        let decision = may_run_batch(self.actor());
        self.audit_member(
            "list",
            "peer-gaps",
            None,
            None,
            &decision,
            Categories::of(&[Category::Demographics]),
            Some(accompany_domain::privacy::Purpose::Operations),
        )
        .await?;
        self.batch_allowed()?;
        let mut sql = String::from(
            "SELECT g.member_id, g.reason, g.started_at, g.ended_at, m.given_name, m.family_name, w.given_name AS w_given, w.family_name AS w_family \
             FROM peer_gaps g JOIN members m ON m.id = g.member_id LEFT JOIN workers w ON w.id = g.worker_id",
        );
        let org = self.batch_organization();
        if org.is_some() {
            sql.push_str(" WHERE (g.organization_id = $1 OR m.plan_id = $1)");
        }
        sql.push_str(&format!(" ORDER BY CASE WHEN g.ended_at IS NULL THEN 0 ELSE 1 END, g.started_at LIMIT {}", limit.clamp(1, 1000)));
        let mut q = sqlx::query(&sql);
        if let Some(o) = &org {
            q = q.bind(o);
        }
        let now = OffsetDateTime::now_utc();
        q.fetch_all(&self.store.pool).await?.iter().map(|r| gap_entry(r, now)).collect()
    }
}

fn gap_entry(r: &AnyRow, now: OffsetDateTime) -> Result<GapEntry> {
    let started_at: String = r.try_get("started_at")?;
    let ended_at: Option<String> = r.try_get("ended_at")?;
    let day = |s: &str| rows::stored_date(s.get(..10).unwrap_or(s));
    let start = day(&started_at)?;
    let end = match &ended_at {
        Some(e) => day(e)?,
        None => now.date(),
    };
    let w_given: Option<String> = r.try_get("w_given")?;
    let w_family: Option<String> = r.try_get("w_family")?;
    Ok(GapEntry {
        member_id: r.try_get("member_id")?,
        member_name: format!("{} {}", r.try_get::<String, _>("given_name")?, r.try_get::<String, _>("family_name")?),
        former_peer: w_given.map(|g| format!("{g} {}", w_family.unwrap_or_default())),
        reason: r.try_get("reason")?,
        started_at,
        ended_at,
        days: (end - start).whole_days().max(0),
    })
}

/// Open a member's time without a peer, unless one is open already.
async fn open_gap(tx: &mut Transaction<'_, Any>, member_id: &str, peer: &AnyRow, reason: &str) -> Result<()> {
    let open: i64 = sqlx::query("SELECT COUNT(*) FROM peer_gaps WHERE member_id = $1 AND ended_at IS NULL")
        .bind(member_id)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
    if open > 0 {
        return Ok(());
    }
    let kind: Option<String> = peer.try_get("kind")?;
    let source = kind.as_deref().and_then(OrganizationKind::parse).map(SourceKind::of_organization).map(source_text);
    sqlx::query(
        "INSERT INTO peer_gaps (id, member_id, worker_id, role_id, organization_id, source, reason, started_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id())
    .bind(member_id)
    .bind(peer.try_get::<Option<String>, _>("worker_id")?)
    .bind(peer.try_get::<Option<String>, _>("role_id")?)
    .bind(peer.try_get::<Option<String>, _>("employer_id")?)
    .bind(source)
    .bind(reason)
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A worker's employment ended: each member on their caseload loses them as
/// peer (from the end date), starts a time without a peer, and their care
/// coordinators are told. Runs inside the worker update's transaction.
pub(crate) async fn flag_departure(tx: &mut Transaction<'_, Any>, worker: &Worker) -> Result<usize> {
    let (Some(user_id), Some(end)) = (worker.user_id.as_deref(), worker.employment_end) else {
        return Ok(0);
    };
    let rows = sqlx::query(
        "SELECT tm.member_id, w.id AS worker_id, w.role_id, w.employer_id, o.kind FROM team_members tm \
         JOIN workers w ON w.id = $2 JOIN organizations o ON o.id = w.employer_id \
         WHERE tm.user_id = $1 AND tm.team_role = 'peer' AND tm.until IS NULL",
    )
    .bind(user_id)
    .bind(&worker.id)
    .fetch_all(&mut **tx)
    .await?;
    sqlx::query("UPDATE team_members SET until = $1 WHERE user_id = $2 AND team_role = 'peer' AND until IS NULL")
        .bind(date_text(end))
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    let peer = format!("{} {}", worker.given_name, worker.family_name);
    for r in &rows {
        let member: String = r.try_get("member_id")?;
        open_gap(tx, &member, r, "peer-left").await?;
        let name = member_name(tx, &member).await?;
        let coordinators: Vec<String> =
            sqlx::query("SELECT user_id FROM team_members WHERE member_id = $1 AND team_role = 'care-coordinator' AND until IS NULL")
                .bind(&member)
                .fetch_all(&mut **tx)
                .await?
                .iter()
                .map(|r| r.try_get(0))
                .collect::<Result<_, _>>()?;
        for c in coordinators {
            notify(tx, &c, "notice-peer-left", serde_json::json!({ "name": name, "peer": peer, "member_id": member })).await?;
        }
    }
    Ok(rows.len())
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

/// Bulk loading of matching data for `seed`.
impl crate::Import<'_> {
    /// (member id, preferences) rows.
    pub async fn preferences(&self, rows: &[(String, Preferences)]) -> Result<()> {
        let now = now_text();
        let rows = rows.iter().map(|(id, p)| vec![Val::from(id.clone()), Val::from(to_json(p)), Val::from(1i64), Val::from(now.clone())]).collect();
        self.run("member_preferences", &["member_id", "data", "version", "updated_at"], rows).await
    }

    /// (worker id, facts) rows.
    pub async fn worker_matching(&self, rows: &[(String, WorkerMatching)]) -> Result<()> {
        let now = now_text();
        let rows = rows.iter().map(|(id, m)| vec![Val::from(id.clone()), Val::from(to_json(m)), Val::from(1i64), Val::from(now.clone())]).collect();
        self.run("worker_matching", &["worker_id", "data", "version", "updated_at"], rows).await
    }

    /// Open times without a peer: (member id, reason, started at).
    pub async fn peer_gaps(&self, rows: &[(String, String, String)]) -> Result<()> {
        let rows = rows
            .iter()
            .map(|(m, reason, at)| vec![Val::from(new_id()), Val::from(m.clone()), Val::from(reason.clone()), Val::from(at.clone())])
            .collect();
        self.run("peer_gaps", &["id", "member_id", "reason", "started_at"], rows).await
    }
}

impl Access {
    /// Set how a worker meets members and from where: workforce data, kept
    /// by the worker's organization admin or a state admin.
    pub async fn set_worker_matching(&self, worker_id: &str, facts: &WorkerMatching) -> Result<WorkerMatching> {
        let w = self.store.worker_row(worker_id).await?.ok_or(StoreError::NotFound)?;
        if let Decision::Deny(why) = accompany_domain::policy::decide_workforce(self.actor(), Action::Update, Some(&w.employer_id)) {
            return Err(StoreError::Denied(why));
        }
        let facts = facts.validate()?;
        self.store.ensure_worker_matching(&[worker_id.to_string()]).await?;
        let mut tx = self.store.pool.begin().await?;
        lock_row(&mut tx, "worker_matching", "worker_id", worker_id).await?;
        let version: i64 =
            sqlx::query("SELECT version FROM worker_matching WHERE worker_id = $1").bind(worker_id).fetch_one(&mut *tx).await?.try_get(0)?;
        sqlx::query("UPDATE worker_matching SET data = $1, updated_at = $2 WHERE worker_id = $3")
            .bind(to_json(&facts))
            .bind(now_text())
            .bind(worker_id)
            .execute(&mut *tx)
            .await?;
        record_version(&mut tx, "worker-matching", worker_id, version, &facts, Some(&self.actor().user_id), "matching facts").await?;
        tx.commit().await?;
        Ok(facts)
    }
}
