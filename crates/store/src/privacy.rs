//! The member's privacy controls and the data they protect: sharing choices
//! (with Part 2 consent), the firewall, break-glass access, health entries,
//! contact notes, and the privacy officer's view of the audit trail. Every
//! method goes through `checked_member_for` or an explicit policy check and
//! leaves an audit event.

use crate::ids::new_id;
use accompany_domain::notes::{ContactNote, HealthEntry, HealthEntryInput};
use accompany_domain::policy::{Action, Decision, Relationship};
use accompany_domain::privacy::{
    self, check_emergency_request, may_break_glass, Categories, Category, Part2Consent, Purpose, Recipient, SharingChoice, SharingInput,
};
use accompany_domain::records::{Persona, TeamRole};
use accompany_domain::Invalid;
use serde::Serialize;
use sqlx::Row;
use std::collections::HashMap;
use time::{Duration, OffsetDateTime};

use crate::access::{Access, Seen};
use crate::audit::{audit_event, AuditEvent, AUDIT_COLUMNS};
use crate::lists::Page;
use crate::rows::{date_text, stored_date, to_json};
use crate::today_date as today;
use crate::{now_text, Result, Store, StoreError};

/// One person on the member's team, and what they see today.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct TeamSharing {
    pub user_id: String,
    pub display_name: String,
    pub persona: Persona,
    pub organization_id: Option<String>,
    pub organization: Option<String>,
    pub team_role: TeamRole,
    /// What this person sees under the member's choices and the defaults.
    pub sees: Categories,
    /// The member's own choice naming this person, when there is one.
    pub choice: Option<SharingChoice>,
}

/// The supervisor of the member's peer: off the team, they see the
/// catalog's default for supervisors, which a choice may narrow, never widen.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct SupervisorSharing {
    pub user_id: String,
    pub display_name: String,
    pub organization_id: Option<String>,
    pub organization: Option<String>,
    pub sees: Categories,
    pub choice: Option<SharingChoice>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct FirewallEntry {
    pub id: String,
    pub user_id: String,
    pub display_name: String,
    pub organization: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct BreakGlassEvent {
    pub id: String,
    pub member_id: String,
    pub username: String,
    pub display_name: String,
    pub reason: String,
    pub reason_category: Option<String>,
    /// The organization the person opened it from.
    pub organization: Option<String>,
    pub started_at: String,
    pub expires_at: String,
    pub reviewed_by: Option<String>,
}

/// Everything the member's sharing page shows.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct SharingOverview {
    pub team: Vec<TeamSharing>,
    /// Supervisors of the member's peers who are not on the team themselves.
    pub peer_supervisors: Vec<SupervisorSharing>,
    /// Every choice in force, including those about organizations and roles.
    pub choices: Vec<SharingChoice>,
    pub firewall: Vec<FirewallEntry>,
    pub emergency_access: Vec<BreakGlassEvent>,
    /// Who joined the team, when and by whose act, newest first.
    pub team_changes: Vec<crate::TeamChange>,
    /// Requests to join the team waiting for the member's answer.
    pub team_requests: Vec<crate::TeamRequest>,
    /// The payers of the member's coverage that take claims: a claim's
    /// diagnosis goes to them, a substance-use one only with the member's consent.
    pub payers: Vec<String>,
}

/// A staff member a member may name in their firewall.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct StaffEntry {
    pub user_id: String,
    pub display_name: String,
    pub organization: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct HealthEntries {
    pub entries: Vec<HealthEntry>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub member_id: Option<String>,
    /// Inclusive dates, YYYY-MM-DD.
    pub from: Option<String>,
    pub to: Option<String>,
    pub decision: Option<String>,
    pub purpose: Option<String>,
    /// Events older than this sequence number (the next-page cursor).
    pub before: Option<i64>,
    pub limit: u32,
}

const CHOICE_COLUMNS: &str = "id, member_id, recipient, categories, purposes, until, part2";

fn choice_from_row(r: &sqlx::any::AnyRow) -> Result<SharingChoice> {
    let recipient: String = r.try_get("recipient")?;
    let purposes: String = r.try_get("purposes")?;
    let until: Option<String> = r.try_get("until")?;
    let part2: Option<String> = r.try_get("part2")?;
    Ok(SharingChoice {
        id: r.try_get("id")?,
        member_id: r.try_get("member_id")?,
        recipient: Recipient::from_key(&recipient).ok_or_else(|| StoreError::Corrupt(format!("recipient {recipient}")))?,
        categories: Categories::from_text(&r.try_get::<String, _>("categories")?),
        purposes: purposes.split(',').filter_map(Purpose::parse).collect(),
        until: until.as_deref().map(stored_date).transpose()?,
        part2: part2.map(|p| serde_json::from_str::<Part2Consent>(&p).map_err(|e| StoreError::Corrupt(e.to_string()))).transpose()?,
    })
}

impl Store {
    /// The member's choices in force that name this reader, their
    /// organization or their team role.
    pub(crate) async fn choices_naming(
        &self,
        member_id: &str,
        user_id: &str,
        organization_id: Option<&str>,
        team_role: Option<TeamRole>,
    ) -> Result<Vec<SharingChoice>> {
        let rows = sqlx::query(&format!(
            "SELECT {CHOICE_COLUMNS} FROM sharing_choices WHERE member_id = $1 AND revoked_at IS NULL AND recipient IN ($2, $3, $4)"
        ))
        .bind(member_id)
        .bind(Recipient::Person(user_id.to_string()).to_key())
        .bind(organization_id.map(|o| Recipient::Organization(o.to_string()).to_key()))
        .bind(team_role.map(|r| Recipient::TeamRole(r).to_key()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(choice_from_row).collect()
    }

    /// These members' choices in force about payers: a Part 2 consent for
    /// payment names the payer it lets substance-use diagnoses go to.
    pub(crate) async fn payer_choices_for(&self, member_ids: &[String]) -> Result<HashMap<String, Vec<SharingChoice>>> {
        let sql =
            format!("SELECT {CHOICE_COLUMNS} FROM sharing_choices WHERE member_id IN ({{ids}}) AND revoked_at IS NULL AND recipient LIKE 'payer:%'");
        let mut out: HashMap<String, Vec<SharingChoice>> = HashMap::new();
        for r in &crate::rows::rows_for_ids(&self.pool, &sql, member_ids).await? {
            let c = choice_from_row(r)?;
            out.entry(c.member_id.clone()).or_default().push(c);
        }
        Ok(out)
    }
}

/// What one person sees of the member, standing as `rel` says, under the
/// member's choices naming them (and the firewall); and the member's own
/// choice about that person, when there is one.
fn person_sees(
    choices: &[SharingChoice],
    firewall: &[FirewallEntry],
    defaults: &privacy::PrivacyDefaults,
    persona: Persona,
    user_id: &str,
    organization_id: Option<&str>,
    rel: Relationship,
) -> (Categories, Option<SharingChoice>) {
    let naming = choices.iter().filter(|c| c.recipient.names(user_id, organization_id, rel.team_role)).cloned().collect();
    let rel = Relationship { firewalled: firewall.iter().any(|f| f.user_id == user_id), choices: naming, ..rel };
    let (sees, _) = privacy::visible(persona, &rel, defaults, today());
    let choice = rel.choices.iter().find(|c| matches!(&c.recipient, Recipient::Person(u) if u == user_id)).cloned();
    (sees, choice)
}

impl Access {
    /// The member's own privacy controls: only the member reaches them.
    async fn own_record(&self, member_id: &str, action: Action, entity: &str) -> Result<crate::access::Checked> {
        let c = self.checked_member_for(member_id, action, entity, Some(member_id)).await?;
        if !c.rel.is_self {
            return Err(StoreError::Denied("only the member decides who sees their information"));
        }
        Ok(c)
    }

    /// The sharing page: everyone on the team and what each sees.
    pub async fn sharing(&self, member_id: &str) -> Result<SharingOverview> {
        self.own_record(member_id, Action::Read, "sharing").await?;
        let pool = &self.store.pool;
        let choices =
            sqlx::query(&format!("SELECT {CHOICE_COLUMNS} FROM sharing_choices WHERE member_id = $1 AND revoked_at IS NULL ORDER BY decided_at, id"))
                .bind(member_id)
                .fetch_all(pool)
                .await?
                .iter()
                .map(choice_from_row)
                .collect::<Result<Vec<_>>>()?;
        let firewall = self.firewall(member_id).await?;
        let team_rows = sqlx::query(
            "SELECT tm.user_id, tm.team_role, u.display_name, u.persona, u.organization_id, o.name AS organization \
             FROM team_members tm JOIN users u ON u.id = tm.user_id LEFT JOIN organizations o ON o.id = u.organization_id \
             WHERE tm.member_id = $1 AND tm.until IS NULL ORDER BY tm.created_at, tm.id",
        )
        .bind(member_id)
        .fetch_all(pool)
        .await?;
        let defaults = &self.store.catalog().privacy;
        let mut team = Vec::new();
        for r in &team_rows {
            let user_id: String = r.try_get("user_id")?;
            let role: String = r.try_get("team_role")?;
            let persona: String = r.try_get("persona")?;
            let organization_id: Option<String> = r.try_get("organization_id")?;
            let team_role = crate::rows::team_role(&role)?;
            let persona = Persona::parse(&persona).ok_or_else(|| StoreError::Corrupt(format!("persona {persona}")))?;
            let (sees, choice) = person_sees(
                &choices,
                &firewall,
                defaults,
                persona,
                &user_id,
                organization_id.as_deref(),
                Relationship { team_role: Some(team_role), ..Relationship::default() },
            );
            team.push(TeamSharing {
                user_id,
                display_name: r.try_get("display_name")?,
                persona,
                organization_id,
                organization: r.try_get("organization")?,
                team_role,
                sees,
                choice,
            });
        }
        let supervisor_rows = sqlx::query(
            "SELECT DISTINCT su.id AS user_id, su.display_name, su.organization_id, o.name AS organization \
             FROM team_members tm JOIN workers w ON w.user_id = tm.user_id JOIN workers sw ON sw.id = w.supervisor_id \
             JOIN users su ON su.id = sw.user_id LEFT JOIN organizations o ON o.id = su.organization_id \
             WHERE tm.member_id = $1 AND tm.team_role = 'peer' AND tm.until IS NULL ORDER BY su.id",
        )
        .bind(member_id)
        .fetch_all(pool)
        .await?;
        let mut peer_supervisors = Vec::new();
        for r in &supervisor_rows {
            let user_id: String = r.try_get("user_id")?;
            if team.iter().any(|t| t.user_id == user_id) {
                continue;
            }
            let organization_id: Option<String> = r.try_get("organization_id")?;
            let (sees, choice) = person_sees(
                &choices,
                &firewall,
                defaults,
                Persona::Supervisor,
                &user_id,
                organization_id.as_deref(),
                Relationship { supervises_members_peer: true, ..Relationship::default() },
            );
            peer_supervisors.push(SupervisorSharing {
                user_id,
                display_name: r.try_get("display_name")?,
                organization_id,
                organization: r.try_get("organization")?,
                sees,
                choice,
            });
        }
        let emergency_access = self.break_glass_rows(Some(member_id)).await?;
        let team_changes = self.team_changes(member_id).await?;
        let team_requests = self.team_requests(member_id).await?;
        let catalog = self.store.catalog();
        let mut payers: Vec<String> = sqlx::query("SELECT DISTINCT payer_id FROM coverage WHERE member_id = $1 ORDER BY payer_id")
            .bind(member_id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<std::result::Result<_, _>>()?;
        payers.retain(|p| catalog.payer(p).is_some_and(|p| p.kind.takes_claims()));
        Ok(SharingOverview { team, peer_supervisors, choices, firewall, emergency_access, team_changes, team_requests, payers })
    }

    /// Record the member's decision about one recipient; it replaces the
    /// previous one and takes effect on the next request.
    pub async fn set_sharing(&self, member_id: &str, input: &SharingInput) -> Result<SharingChoice> {
        self.own_record(member_id, Action::Update, "sharing").await?;
        let choice = input.validate(new_id(), member_id.to_string(), today())?;
        let exists = match &choice.recipient {
            Recipient::Person(u) => self.store.user_by_id(u).await?.is_some(),
            Recipient::Organization(o) => self.store.organization_row(o).await?.is_some(),
            Recipient::TeamRole(_) => true,
            Recipient::Payer(p) => self.store.catalog().payer(p).is_some(),
        };
        if !exists {
            return Err(Invalid::one("recipient", "recipient", "names nobody: choose a person, organization or role from the page").into());
        }
        let now = now_text();
        let mut tx = self.store.begin().await?;
        sqlx::query("UPDATE sharing_choices SET revoked_at = $1 WHERE member_id = $2 AND recipient = $3 AND revoked_at IS NULL")
            .bind(&now)
            .bind(member_id)
            .bind(choice.recipient.to_key())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sharing_choices (id, member_id, recipient, categories, purposes, until, part2, decided_by, decided_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&choice.id)
        .bind(member_id)
        .bind(choice.recipient.to_key())
        .bind(choice.categories.to_text())
        .bind(choice.purposes.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(","))
        .bind(choice.until.map(date_text))
        .bind(choice.part2.as_ref().map(to_json))
        .bind(&self.actor().user_id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(choice)
    }

    /// Withdraw a decision: the recipient falls back to the defaults.
    /// Withdrawing a Part 2 consent is how a member revokes it.
    pub async fn revoke_sharing(&self, member_id: &str, choice_id: &str) -> Result<()> {
        self.own_record(member_id, Action::Update, "sharing").await?;
        let done = sqlx::query("UPDATE sharing_choices SET revoked_at = $1 WHERE id = $2 AND member_id = $3 AND revoked_at IS NULL")
            .bind(now_text())
            .bind(choice_id)
            .bind(member_id)
            .execute(&self.store.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn firewall(&self, member_id: &str) -> Result<Vec<FirewallEntry>> {
        let rows = sqlx::query(
            "SELECT f.id, f.user_id, u.display_name, o.name AS organization FROM firewall_entries f JOIN users u ON u.id = f.user_id \
             LEFT JOIN organizations o ON o.id = u.organization_id WHERE f.member_id = $1 AND f.removed_at IS NULL ORDER BY f.created_at, f.id",
        )
        .bind(member_id)
        .fetch_all(&self.store.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FirewallEntry {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    display_name: r.try_get("display_name")?,
                    organization: r.try_get("organization")?,
                })
            })
            .collect()
    }

    /// Staff whose names start with `query`, for a member naming people they
    /// know socially. Staff names and employers are a public directory.
    pub async fn staff_directory(&self, query: &str) -> Result<Vec<StaffEntry>> {
        if self.actor().persona != Persona::Member {
            return Err(StoreError::Denied("the staff directory here is for members building their firewall"));
        }
        let q = query.trim().to_lowercase().replace(['%', '_', '\\'], "");
        if q.chars().count() < 2 {
            return Ok(vec![]);
        }
        let rows = sqlx::query(
            "SELECT u.id, u.display_name, o.name AS organization FROM users u LEFT JOIN organizations o ON o.id = u.organization_id \
             WHERE u.persona <> 'member' AND LOWER(u.display_name) LIKE $1 ORDER BY u.display_name, u.id LIMIT 20",
        )
        .bind(format!("%{q}%"))
        .fetch_all(&self.store.pool)
        .await?;
        rows.iter()
            .map(|r| Ok(StaffEntry { user_id: r.try_get("id")?, display_name: r.try_get("display_name")?, organization: r.try_get("organization")? }))
            .collect()
    }

    /// Name someone the member knows socially: from the next request on,
    /// they see nothing of the member, wherever they work.
    pub async fn add_to_firewall(&self, member_id: &str, user_id: &str) -> Result<()> {
        self.own_record(member_id, Action::Update, "firewall").await?;
        match self.store.user_by_id(user_id).await? {
            Some(u) if u.persona != Persona::Member => {}
            _ => return Err(Invalid::one("user_id", "no-such-user", "choose a staff member from the search results").into()),
        }
        if self.firewall(member_id).await?.iter().any(|f| f.user_id == user_id) {
            return Ok(());
        }
        sqlx::query("INSERT INTO firewall_entries (id, member_id, user_id, created_at) VALUES ($1, $2, $3, $4)")
            .bind(new_id())
            .bind(member_id)
            .bind(user_id)
            .bind(now_text())
            .execute(&self.store.pool)
            .await?;
        Ok(())
    }

    pub async fn remove_from_firewall(&self, member_id: &str, entry_id: &str) -> Result<()> {
        self.own_record(member_id, Action::Update, "firewall").await?;
        let done = sqlx::query("UPDATE firewall_entries SET removed_at = $1 WHERE id = $2 AND member_id = $3 AND removed_at IS NULL")
            .bind(now_text())
            .bind(entry_id)
            .bind(member_id)
            .execute(&self.store.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Emergency access to a member found by MassHealth ID, for the
    /// personas the catalog lists. The reason is a category and a sentence;
    /// each person has a daily limit (failed tries count); the access ends
    /// on its own; the privacy officer is alerted at once and the member
    /// is told.
    pub async fn break_glass(&self, masshealth_id: &str, reason_category: &str, reason: &str) -> Result<String> {
        let (category, reason) = check_emergency_request(reason_category, reason)?;
        let defaults = &self.store.catalog().privacy;
        let deny = |why: &'static str| async move {
            self.audit_member("break-glass", "member", None, None, &Decision::Deny(why), Categories::NONE, Some(Purpose::Emergency)).await?;
            Err::<String, _>(StoreError::Denied(why))
        };
        if !may_break_glass(self.actor().persona, defaults) {
            return deny("emergency access is for the clinicians the catalog names").await;
        }
        let now = OffsetDateTime::now_utc();
        let tries: i64 = sqlx::query("SELECT COUNT(*) FROM audit_events WHERE actor_user_id = $1 AND action = 'break-glass' AND at > $2")
            .bind(&self.actor().user_id)
            .bind(crate::timestamp_text(now - Duration::hours(24)))
            .fetch_one(&self.store.pool)
            .await?
            .try_get(0)?;
        if tries >= i64::from(defaults.break_glass_per_day) {
            return deny("today's emergency accesses are used up; call the privacy officer").await;
        }
        let found: Option<String> = sqlx::query("SELECT id FROM members WHERE masshealth_id = $1")
            .bind(masshealth_id.trim())
            .fetch_optional(&self.store.pool)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        let Some(member_id) = found else {
            self.audit_member(
                "break-glass",
                "member",
                None,
                None,
                &Decision::Deny("no member has this MassHealth ID"),
                Categories::NONE,
                Some(Purpose::Emergency),
            )
            .await?;
            return Err(Invalid::one("masshealth_id", "no-such-member", "no member has this MassHealth ID; check the number").into());
        };
        let hours = i64::from(defaults.break_glass_hours);
        let mut tx = self.store.begin().await?;
        sqlx::query(
            "INSERT INTO break_glass (id, member_id, user_id, reason, started_at, expires_at, organization_id, reason_category) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new_id())
        .bind(&member_id)
        .bind(&self.actor().user_id)
        .bind(&reason)
        .bind(crate::timestamp_text(now))
        .bind(crate::timestamp_text(now + Duration::hours(hours)))
        .bind(&self.actor().organization_id)
        .bind(category.as_str())
        .execute(&mut *tx)
        .await?;
        // The alert names who and when, never the member's health.
        let officers = sqlx::query("SELECT id FROM users WHERE persona = $1").bind(Persona::PrivacyOfficer.as_str()).fetch_all(&mut *tx).await?;
        let args = serde_json::json!({ "who": self.actor().username, "hours": hours });
        for o in &officers {
            crate::notifications::tell(&mut tx, &o.try_get::<String, _>(0)?, "notice-break-glass-alert", &args).await?;
        }
        let accounts = sqlx::query("SELECT id FROM users WHERE member_id = $1").bind(&member_id).fetch_all(&mut *tx).await?;
        for a in &accounts {
            crate::notifications::tell(&mut tx, &a.try_get::<String, _>(0)?, "notice-break-glass-member", &args).await?;
        }
        tx.commit().await?;
        self.audit_member("break-glass", "member", Some(&member_id), Some(&member_id), &Decision::Permit, Categories::NONE, Some(Purpose::Emergency))
            .await?;
        Ok(member_id)
    }

    /// Break-glass accesses to one member, or the unreviewed ones of everyone.
    async fn break_glass_rows(&self, member_id: Option<&str>) -> Result<Vec<BreakGlassEvent>> {
        let rows = sqlx::query(
            "SELECT b.id, b.member_id, u.username, u.display_name, b.reason, b.reason_category, o.name AS organization, b.started_at, b.expires_at, \
             r.username AS reviewed_by \
             FROM break_glass b JOIN users u ON u.id = b.user_id LEFT JOIN users r ON r.id = b.reviewed_by \
             LEFT JOIN organizations o ON o.id = b.organization_id \
             WHERE (b.member_id = $1 OR ($2 = 'unreviewed' AND b.reviewed_at IS NULL)) ORDER BY b.started_at DESC, b.id LIMIT 200",
        )
        .bind(member_id.unwrap_or(""))
        .bind(if member_id.is_some() { "member" } else { "unreviewed" })
        .fetch_all(&self.store.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(BreakGlassEvent {
                    id: r.try_get("id")?,
                    member_id: r.try_get("member_id")?,
                    username: r.try_get("username")?,
                    display_name: r.try_get("display_name")?,
                    reason: r.try_get("reason")?,
                    reason_category: r.try_get("reason_category")?,
                    organization: r.try_get("organization")?,
                    started_at: r.try_get("started_at")?,
                    expires_at: r.try_get("expires_at")?,
                    reviewed_by: r.try_get("reviewed_by")?,
                })
            })
            .collect()
    }

    // --- Health information and contact notes -----------------------------

    /// The member's health entries the actor may see, each labelled.
    pub async fn health_entries(&self, member_id: &str) -> Result<Seen<HealthEntries>> {
        let c = self.checked_member_for(member_id, Action::Read, "health-entry", None).await?;
        let rows = sqlx::query(
            "SELECT h.id, h.member_id, h.category, h.text, u.display_name, h.recorded_at FROM health_entries h JOIN users u ON u.id = h.recorded_by \
             WHERE h.member_id = $1 ORDER BY h.recorded_at DESC, h.id",
        )
        .bind(member_id)
        .fetch_all(&self.store.pool)
        .await?;
        let mut entries = Vec::new();
        for r in &rows {
            let category: String = r.try_get("category")?;
            let category = Category::parse(&category).ok_or_else(|| StoreError::Corrupt(format!("category {category}")))?;
            if c.visible.contains(category) {
                entries.push(HealthEntry {
                    id: r.try_get("id")?,
                    member_id: r.try_get("member_id")?,
                    category,
                    text: r.try_get("text")?,
                    recorded_by: r.try_get("display_name")?,
                    recorded_at: r.try_get("recorded_at")?,
                });
            }
        }
        let discloses_part2 = entries.iter().any(|e| e.category == Category::SubstanceUse);
        let mut seen = Seen::new(HealthEntries { entries }, &c);
        if !discloses_part2 {
            seen.part2_notice = None;
        }
        Ok(seen)
    }

    /// Add a health entry: the member, or someone who may change the record.
    pub async fn add_health_entry(&self, member_id: &str, input: &HealthEntryInput) -> Result<HealthEntry> {
        self.checked_member_for(member_id, Action::Update, "health-entry", None).await?;
        let (category, text) = input.validate()?;
        let entry = HealthEntry {
            id: new_id(),
            member_id: member_id.to_string(),
            category,
            text,
            recorded_by: self.actor().username.clone(),
            recorded_at: now_text(),
        };
        sqlx::query("INSERT INTO health_entries (id, member_id, category, text, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&entry.id)
            .bind(member_id)
            .bind(category.as_str())
            .bind(&entry.text)
            .bind(&self.actor().user_id)
            .bind(&entry.recorded_at)
            .execute(&self.store.pool)
            .await?;
        Ok(entry)
    }

    // --- The privacy officer ----------------------------------------------

    fn privacy_officer(&self) -> Result<()> {
        match self.actor().persona {
            Persona::PrivacyOfficer => Ok(()),
            _ => Err(StoreError::Denied("only privacy officers search the audit trail")),
        }
    }

    /// Search the audit trail, newest first. The search itself is audited.
    pub async fn audit_search(&self, f: &AuditFilter, export: bool) -> Result<Page<AuditEvent>> {
        let allowed = self.privacy_officer();
        let decision = match &allowed {
            Ok(()) => Decision::Permit,
            Err(_) => Decision::Deny("only privacy officers search the audit trail"),
        };
        self.audit_member(
            if export { "export" } else { "search" },
            "audit",
            None,
            f.member_id.as_deref(),
            &decision,
            Categories::NONE,
            Some(Purpose::Operations),
        )
        .await?;
        allowed?;
        let limit = if export { 100_000 } else { f.limit.clamp(1, 500) };
        let mut sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_events WHERE 1 = 1");
        let mut args: Vec<String> = Vec::new();
        let mut add = |clause: &str, v: String| {
            args.push(v);
            sql.push_str(&clause.replace('?', &format!("${}", args.len())));
        };
        if let Some(a) = f.actor.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            add(" AND actor_username = ?", a.to_string());
        }
        if let Some(m) = f.member_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            add(" AND member_id = ?", m.to_string());
        }
        if let Some(d) = f.from.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            add(" AND at >= ?", d.to_string());
        }
        if let Some(d) = f.to.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            // Dates are inclusive: everything up to the end of that day.
            add(" AND at < ?", format!("{d}~"));
        }
        if let Some(d) = f.decision.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            add(" AND decision = ?", d.to_string());
        }
        if let Some(p) = f.purpose.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            add(" AND purpose = ?", p.to_string());
        }
        if let Some(b) = f.before {
            // A number, so it is written into the query as one.
            sql.push_str(&format!(" AND seq < {b}"));
        }
        sql.push_str(&format!(" ORDER BY seq DESC LIMIT {}", limit + 1));
        let mut q = sqlx::query(&sql);
        for a in &args {
            q = q.bind(a.clone());
        }
        let items = q.fetch_all(&self.store.pool).await?.iter().map(audit_event).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_one_extra(items, limit, |e| e.seq.to_string()))
    }

    /// Break-glass accesses not yet reviewed, for the privacy officer.
    pub async fn break_glass_alerts(&self) -> Result<Vec<BreakGlassEvent>> {
        self.privacy_officer()?;
        self.break_glass_rows(None).await
    }

    pub async fn review_break_glass(&self, id: &str) -> Result<()> {
        self.privacy_officer()?;
        let done = sqlx::query("UPDATE break_glass SET reviewed_by = $1, reviewed_at = $2 WHERE id = $3 AND reviewed_at IS NULL")
            .bind(&self.actor().user_id)
            .bind(now_text())
            .bind(id)
            .execute(&self.store.pool)
            .await?;
        self.audit("review", "break-glass", Some(id), &Decision::Permit).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}

/// Write a contact note and its first version; every path that logs a
/// contact (a peer's form, group attendance) goes through here.
pub(crate) async fn insert_contact_note(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    note: &ContactNote,
    role_id: Option<&str>,
    reason: &str,
) -> Result<()> {
    let now = now_text();
    sqlx::query(
        "INSERT INTO contact_notes (id, member_id, author_id, contact_date, start_time, duration_minutes, modality, setting, note, role_id, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11)",
    )
    .bind(&note.id)
    .bind(&note.member_id)
    .bind(&note.author_id)
    .bind(date_text(note.date))
    .bind(note.start_time.map(accompany_domain::notes::format_start_time))
    .bind(i64::from(note.duration_minutes))
    .bind(note.modality.as_str())
    .bind(note.setting.as_str())
    .bind(&note.note)
    .bind(role_id)
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    crate::writes::record_version(tx, "contact-note", &note.id, 1, note, Some(&note.author_id), reason).await?;
    Ok(())
}
