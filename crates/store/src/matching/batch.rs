//! Batch assignment: the waiting list of members without a peer, and
//! applying a batch's pairs under the same checks as a member's choice.
//!
//! May import: `access`, `bulk`, `notifications`, `rows` and `writes`.

use std::collections::{HashMap, HashSet};

use crate::ids::new_id;
use accompany_domain::matching::{Pair, Preferences, SupportKind};
use accompany_domain::policy::{may_run_batch, Decision};
use accompany_domain::privacy::{Categories, Category};
use accompany_domain::records::Persona;
use sqlx::Row;

use super::{corrupt, parse_source, Applied, PeerCard, PeerPool, PoolFilter, WaitingList};
use crate::access::Access;
use crate::bulk::{insert_rows, Val};
use crate::rows::date_text;
use crate::today_date as today;
use crate::writes::record_version;
use crate::{now_text, Result, StoreError};

impl Access {
    pub(crate) fn batch_allowed(&self) -> Result<()> {
        match may_run_batch(self.actor()) {
            Decision::Permit => Ok(()),
            Decision::Deny(why) => Err(StoreError::Denied(why)),
        }
    }

    /// An organization admin's batches use their organization's peers and
    /// the members on their plan or left by their peers.
    pub(crate) fn batch_organization(&self) -> Option<String> {
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
        Ok(WaitingList { members, pool, derived, departing: departing.map(str::to_string) })
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
        let mut tx = self.store.begin().await?;
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
            notes.push((card.user_id.clone(), "notice-assigned-member", serde_json::json!({ "member_id": p.member_id })));
            assigned_members.push(p.member_id.clone());
        }
        let backend = self.store.backend;
        let assigned = team_rows.len();
        insert_rows(&mut tx, backend, "team_members", &["id", "member_id", "user_id", "team_role", "since", "created_at"], team_rows).await?;
        crate::notifications::in_app_many(&mut tx, backend, notes, &now).await?;
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
}
