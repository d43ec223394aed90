//! A member's choice of a peer: their preferences, the ranking with
//! reasons, choosing a peer and ending the relationship, each through the
//! gate and audited.
//!
//! May import: `access`, `notifications`, `rows`, `writes` and
//! `continuity` (a time without a peer starts when one ends).

use crate::ids::new_id;
use accompany_domain::matching::{ineligibility, rank_top, Blocker, Preferences, PreferencesInput};
use accompany_domain::policy::{may_end_peer, Action, Decision};
use accompany_domain::privacy::{redact_labelled, Category};
use accompany_domain::records::TeamRole;
use accompany_domain::Invalid;
use sqlx::Row;

use super::continuity::open_gap;
use super::{
    active_peer_count, blocker_error, corrupt, lock_row, member_name, no_preferences, peer_full, rank_with, reveals_identity, Chosen, PeerPool,
    PoolFilter, Ranking,
};
use crate::access::Access;
use crate::notifications::in_app;
use crate::rows::{date_text, to_json};
use crate::today_date as today;
use crate::writes::record_version;
use crate::{now_text, Result, StoreError};

impl Access {
    pub(super) async fn stored_preferences(&self, member_id: &str) -> Result<Option<Preferences>> {
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
    /// The member's wishes as this reader may see them, and their version
    /// (0 before any were saved): a change names it.
    pub async fn preferences(&self, member_id: &str) -> Result<(Option<serde_json::Value>, i64)> {
        let c = self.checked_member_for(member_id, Action::Read, "preferences", Some(member_id)).await?;
        let version = self.preferences_version(member_id).await?;
        Ok((self.stored_preferences(member_id).await?.map(|p| redact_labelled(&p, c.visible)), version))
    }

    async fn preferences_version(&self, member_id: &str) -> Result<i64> {
        let row = sqlx::query("SELECT version FROM member_preferences WHERE member_id = $1").bind(member_id).fetch_optional(&self.store.pool).await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?.unwrap_or(0))
    }

    /// Check and save what the member wants of a peer; the member or whoever
    /// may change their record (their care coordinator), from the version
    /// they read (0 for the first).
    pub async fn set_preferences(&self, member_id: &str, input: &PreferencesInput, reason: &str, expected_version: i64) -> Result<Preferences> {
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
        let mut tx = self.store.begin().await?;
        let version: Option<i64> = sqlx::query("SELECT version FROM member_preferences WHERE member_id = $1")
            .bind(member_id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        let current = version.unwrap_or(0);
        if current != expected_version {
            return Err(StoreError::Conflict { current });
        }
        let next = current + 1;
        // The version in the WHERE clause (and the key for a first save)
        // refuses a change that raced this one.
        let written = if version.is_some() {
            sqlx::query("UPDATE member_preferences SET data = $1, version = $2, updated_at = $3 WHERE member_id = $4 AND version = $5")
                .bind(to_json(&prefs))
                .bind(next)
                .bind(now_text())
                .bind(member_id)
                .bind(current)
                .execute(&mut *tx)
                .await?
        } else {
            sqlx::query(
                "INSERT INTO member_preferences (member_id, data, version, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (member_id) DO NOTHING",
            )
            .bind(member_id)
            .bind(to_json(&prefs))
            .bind(next)
            .bind(now_text())
            .execute(&mut *tx)
            .await?
        };
        if written.rows_affected() != 1 {
            return Err(StoreError::Conflict { current: current + 1 });
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

        let mut tx = self.store.begin().await?;
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
        in_app(&mut tx, &card.user_id, "notice-new-member", &serde_json::json!({ "name": name, "member_id": member_id })).await?;
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
        let mut tx = self.store.begin().await?;
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
            // The next version of this relationship's history, whatever came before it.
            let next: i64 =
                sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM record_versions WHERE entity = 'peer-choice' AND entity_id = $1")
                    .bind(&tm)
                    .fetch_one(&mut *tx)
                    .await?;
            record_version(
                &mut tx,
                "peer-choice",
                &tm,
                next,
                &serde_json::json!({ "member_id": member_id, "ended": ended_by }),
                Some(&self.actor().user_id),
                ended_by,
            )
            .await?;
            if user != self.actor().user_id {
                let name = member_name(&mut tx, member_id).await?;
                in_app(&mut tx, &user, "notice-relationship-ended", &serde_json::json!({ "name": name, "member_id": member_id })).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}
