//! The access-controlled handle and the policy gate. The only way to member
//! data: each method gathers the facts of how the actor stands to the
//! record, asks the policy decision point, writes the audit event, and only
//! then touches the data. The records themselves are read and written in
//! their own modules (`members`, `workers`, `organizations`, ...), which
//! reach member data only through [`Access::checked_member`] and its kin.
//!
//! May import: `audit` (to record decisions) and `rows` (to load the member
//! a decision is about). Nothing else in the crate, so that every other
//! module can depend on the gate without a circle.

use accompany_domain::policy::{decide, decide_workforce, Action, Actor, Decision, Relationship};
use accompany_domain::privacy::{self, Categories, Category, Purpose, PART2_NOTICE};
use accompany_domain::records::{Member, TeamRole};
use serde::Serialize;
use sqlx::Row;

use crate::rows::{self, MEMBER_COLUMNS};
use crate::today_date as today;
use crate::{now_text, Result, Store, StoreError};

/// A member the actor may reach, what they may see of them and why.
pub(crate) struct Checked {
    pub member: Member,
    pub visible: Categories,
    pub purpose: Purpose,
    pub rel: Relationship,
}

/// A piece of member data as one reader may have it, with the categories
/// that reader sees, the purpose of the access, and the 42 CFR Part 2
/// notice when substance-use information is disclosed to someone other
/// than the member.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Seen<T> {
    #[serde(flatten)]
    pub record: T,
    pub visible_categories: Categories,
    pub purpose: Purpose,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part2_notice: Option<&'static str>,
}

impl<T> Seen<T> {
    pub(crate) fn new(record: T, c: &Checked) -> Seen<T> {
        let discloses_part2 = !c.rel.is_self && c.visible.contains(Category::SubstanceUse);
        Seen { record, visible_categories: c.visible, purpose: c.purpose, part2_notice: discloses_part2.then_some(PART2_NOTICE) }
    }
}

pub struct Access {
    pub(crate) store: Store,
    actor: Actor,
    client_addr: String,
}

impl Access {
    pub(crate) fn new(store: Store, actor: Actor, client_addr: String) -> Access {
        Access { store, actor, client_addr }
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) async fn audit(&self, action: &str, entity: &str, entity_id: Option<&str>, decision: &Decision) -> Result<()> {
        self.audit_member(action, entity, entity_id, None, decision, Categories::NONE, None).await
    }

    /// Record one access to member data: what, about whom, which categories
    /// were disclosed, for which purpose, and the decision.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn audit_member(
        &self,
        action: &str,
        entity: &str,
        entity_id: Option<&str>,
        member_id: Option<&str>,
        decision: &Decision,
        categories: Categories,
        purpose: Option<Purpose>,
    ) -> Result<()> {
        let (d, reason) = crate::audit::decision_text(decision);
        self.store
            .append_audit(crate::audit::NewEvent {
                actor_user_id: Some(&self.actor.user_id),
                actor_username: &self.actor.username,
                action,
                entity,
                entity_id,
                decision: d,
                reason,
                client_addr: &self.client_addr,
                member_id,
                categories: &categories.to_text(),
                purpose: purpose.map_or("", Purpose::as_str),
            })
            .await
    }

    /// Record one list the actor was shown, naming each member on it.
    pub(crate) async fn audit_list(
        &self,
        action: &str,
        entity: &str,
        decision: &Decision,
        categories: Categories,
        purpose: Option<Purpose>,
        listed: &[&str],
    ) -> Result<()> {
        let (d, reason) = crate::audit::decision_text(decision);
        self.store
            .append_audit_listing(
                crate::audit::NewEvent {
                    actor_user_id: Some(&self.actor.user_id),
                    actor_username: &self.actor.username,
                    action,
                    entity,
                    entity_id: None,
                    decision: d,
                    reason,
                    client_addr: &self.client_addr,
                    member_id: None,
                    categories: &categories.to_text(),
                    purpose: purpose.map_or("", Purpose::as_str),
                },
                listed,
            )
            .await
    }

    /// One event inside the change's own transaction, naming every member
    /// it concerns: a file of member data going out or coming in, written
    /// together with what it changed or not at all.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn audit_list_in(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        action: &str,
        entity: &str,
        entity_id: Option<&str>,
        categories: Categories,
        purpose: Purpose,
        listed: &[String],
    ) -> Result<()> {
        let listed: Vec<&str> = listed.iter().map(String::as_str).collect();
        let event = crate::audit::NewEvent {
            actor_user_id: Some(&self.actor.user_id),
            actor_username: &self.actor.username,
            action,
            entity,
            entity_id,
            decision: "permit",
            reason: "",
            client_addr: &self.client_addr,
            member_id: None,
            categories: &categories.to_text(),
            purpose: purpose.as_str(),
        };
        self.store.append_audit_listing_in(tx, event, &listed).await
    }

    /// How the actor stands to a member: the facts the policy needs.
    pub(crate) async fn relationship(&self, member_id: &str, plan_id: Option<&str>) -> Result<Relationship> {
        let pool = &self.store.pool;
        let me = &self.actor.user_id;
        // One round trip for the facts that do not depend on each other.
        let facts = sqlx::query(
            "SELECT \
             (SELECT team_role FROM team_members WHERE member_id = $1 AND user_id = $2 AND until IS NULL ORDER BY created_at LIMIT 1) AS team_role, \
             (SELECT COUNT(*) FROM team_members tm JOIN workers w ON w.user_id = tm.user_id JOIN workers s ON s.id = w.supervisor_id \
              WHERE tm.member_id = $1 AND tm.team_role = 'peer' AND tm.until IS NULL AND s.user_id = $2) AS supervises, \
             (SELECT COUNT(*) FROM team_members tm JOIN users u ON u.id = tm.user_id \
              WHERE tm.member_id = $1 AND tm.until IS NULL AND u.organization_id = $3) AS in_org, \
             (SELECT COUNT(*) FROM firewall_entries WHERE user_id = $2 AND member_id = $1 AND removed_at IS NULL) AS firewalled, \
             (SELECT COUNT(*) FROM break_glass WHERE user_id = $2 AND member_id = $1 AND expires_at > $4) AS break_glass",
        )
        .bind(member_id)
        .bind(me)
        // No organization matches the empty id.
        .bind(self.actor.organization_id.as_deref().unwrap_or(""))
        .bind(now_text())
        .fetch_one(pool)
        .await?;
        let team_role: Option<String> = facts.try_get("team_role")?;
        let team_role = team_role.as_deref().and_then(TeamRole::parse);
        let supervises: i64 = facts.try_get("supervises")?;
        let in_org = match &self.actor.organization_id {
            None => false,
            Some(org) => plan_id == Some(org.as_str()) || facts.try_get::<i64, _>("in_org")? > 0,
        };
        let firewalled: i64 = facts.try_get("firewalled")?;
        let break_glass: i64 = facts.try_get("break_glass")?;
        let choices = self.store.choices_naming(member_id, &self.actor.user_id, self.actor.organization_id.as_deref(), team_role).await?;
        Ok(Relationship {
            is_self: self.actor.member_id.as_deref() == Some(member_id),
            team_role,
            supervises_members_peer: supervises > 0,
            in_actor_organization: in_org,
            in_actor_plan: self.actor.organization_id.is_some() && plan_id == self.actor.organization_id.as_deref(),
            firewalled: firewalled > 0,
            break_glass: break_glass > 0,
            choices,
        })
    }

    async fn load_member(&self, id: &str) -> Result<Option<Member>> {
        let row = sqlx::query(&format!("SELECT {MEMBER_COLUMNS} FROM members m WHERE m.id = $1")).bind(id).fetch_optional(&self.store.pool).await?;
        row.as_ref().map(rows::member).transpose()
    }

    /// Load a member and check `action` on it, auditing the decision with
    /// the categories the actor sees. A denied read answers "not found":
    /// saying the record exists would itself disclose something.
    pub(crate) async fn checked_member(&self, id: &str, action: Action) -> Result<Checked> {
        self.checked_member_for(id, action, "member", Some(id)).await
    }

    /// As [`Self::checked_member`], auditing the access as one to `entity`
    /// (a note, an entry, the sharing settings) of the member.
    pub(crate) async fn checked_member_for(&self, id: &str, action: Action, entity: &str, entity_id: Option<&str>) -> Result<Checked> {
        let Some((member, rel, decision, visible, purpose)) = self.weigh(id, action).await? else {
            self.audit_member(action.as_str(), entity, entity_id, None, &Decision::Deny("no such member"), Categories::NONE, None).await?;
            return Err(StoreError::NotFound);
        };
        self.audit_member(action.as_str(), entity, entity_id, Some(id), &decision, visible, Some(purpose)).await?;
        match decision {
            Decision::Permit => Ok(Checked { member, visible, purpose, rel }),
            // Refusing a change to a record the actor cannot even read says
            // "not found" too, or the refusal would confirm the record exists.
            Decision::Deny(why) if action != Action::Read && decide(&self.actor, Action::Read, &rel).is_permit() => Err(StoreError::Denied(why)),
            Decision::Deny(_) => Err(StoreError::NotFound),
        }
    }

    /// The member, how the actor stands to them, the policy's decision on
    /// `action`, and what a permit lets the actor see; no audit event.
    /// `None` when there is no such member.
    async fn weigh(&self, id: &str, action: Action) -> Result<Option<(Member, Relationship, Decision, Categories, Purpose)>> {
        let Some(member) = self.load_member(id).await? else { return Ok(None) };
        let rel = self.relationship(id, member.plan_id.as_deref()).await?;
        let decision = decide(&self.actor, action, &rel);
        let (visible, purpose) = if decision.is_permit() {
            privacy::visible(self.actor.persona, &rel, &self.store.catalog().privacy, today())
        } else {
            (Categories::NONE, Purpose::Treatment)
        };
        Ok(Some((member, rel, decision, visible, purpose)))
    }

    /// Check a read of a member shown on a list, without an event of its
    /// own: the caller names every member it shows in one `audit_list`.
    /// `None` when the member is gone or the reader may not see them.
    pub(crate) async fn checked_for_list(&self, id: &str) -> Result<Option<Checked>> {
        Ok(match self.weigh(id, Action::Read).await? {
            Some((member, rel, Decision::Permit, visible, purpose)) => Some(Checked { member, visible, purpose, rel }),
            _ => None,
        })
    }

    /// Ask the policy about a workforce record (a worker or an organization)
    /// of organization `org`. No audit event is written.
    pub(crate) fn workforce(&self, action: Action, org: Option<&str>) -> Result<()> {
        match decide_workforce(&self.actor, action, org) {
            Decision::Permit => Ok(()),
            Decision::Deny(why) => Err(StoreError::Denied(why)),
        }
    }
}
