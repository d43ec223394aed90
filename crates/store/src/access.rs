//! The access-controlled handle. The only way to member data: each method
//! gathers the facts of how the actor stands to the record, asks the policy
//! decision point, writes the audit event, and only then touches the data.

use crate::ids::new_id;
use accompany_domain::policy::{decide, decide_workforce, list_scope, sees_worker_in_full, Action, Actor, Decision, ListScope, Relationship};
use accompany_domain::privacy::{self, Categories, Category, Purpose, PART2_NOTICE};
use accompany_domain::records::{Member, MemberInput, Organization, OrganizationInput, Persona, TeamRole, Visibility, Worker, WorkerInput};
use accompany_domain::{FieldError, Invalid};
use serde::Serialize;
use sqlx::any::AnyArguments;
use sqlx::{Any, Row, Transaction};

use crate::rows::{self, date_text, to_json, to_value, MemberData, WorkerData, MEMBER_COLUMNS, ORGANIZATION_COLUMNS, WORKER_COLUMNS};
use crate::today_date as today;
use crate::{now_text, Result, Store, StoreError};

/// One page of a list, with the cursor for the next page when there is one.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Lists fetch one row more than the page holds: its presence says there
    /// is a next page, which starts after the last row kept.
    pub(crate) fn from_one_extra(mut items: Vec<T>, limit: u32, id: impl Fn(&T) -> String) -> Page<T> {
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(&id)
        } else {
            None
        };
        Page { items, next_cursor }
    }
}

#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    /// Start of the family name, case-insensitive.
    pub name: Option<String>,
    pub language: Option<String>,
    pub plan_id: Option<String>,
    pub city: Option<String>,
    pub after: Option<String>,
    pub limit: u32,
}

#[derive(Debug, Clone, Default)]
pub struct WorkerFilter {
    pub role_id: Option<String>,
    pub employer_id: Option<String>,
    pub after: Option<String>,
    pub limit: u32,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TeamMemberView {
    pub id: String,
    pub user_id: String,
    pub display_name: String,
    pub persona: String,
    pub team_role: TeamRole,
    pub since: String,
    pub organization: Option<String>,
    /// The catalog role of the participant when they are a worker.
    pub worker_role_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VersionEntry {
    pub version: i64,
    pub changed_by: Option<String>,
    pub changed_at: String,
    pub reason: String,
    pub data: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AuditEvent {
    pub seq: i64,
    pub at: String,
    pub actor_username: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub member_id: Option<String>,
    pub decision: String,
    pub reason: String,
    pub client_addr: String,
    /// Comma-separated categories disclosed.
    pub categories: String,
    pub purpose: String,
}

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

/// Builds a query with numbered placeholders, the same on both databases.
struct Sql {
    text: String,
    args: Vec<Option<String>>,
}

impl Sql {
    fn new(text: &str) -> Sql {
        Sql { text: text.to_string(), args: vec![] }
    }
    /// Append `fragment`, where `?` stands for `value`.
    fn push(&mut self, fragment: &str, value: impl Into<Option<String>>) -> &mut Self {
        self.args.push(value.into());
        self.text.push_str(&fragment.replace('?', &format!("${}", self.args.len())));
        self
    }
    fn text(&mut self, fragment: &str) -> &mut Self {
        self.text.push_str(fragment);
        self
    }
    fn query(&self) -> sqlx::query::Query<'_, Any, AnyArguments<'_>> {
        let mut q = sqlx::query(&self.text);
        for a in &self.args {
            q = q.bind(a.clone());
        }
        q
    }
}

fn page_limit(limit: u32) -> u32 {
    if limit == 0 {
        50
    } else {
        limit.min(500)
    }
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
        let Some(member) = self.load_member(id).await? else {
            self.audit_member(action.as_str(), entity, entity_id, None, &Decision::Deny("no such member"), Categories::NONE, None).await?;
            return Err(StoreError::NotFound);
        };
        let rel = self.relationship(id, member.plan_id.as_deref()).await?;
        let decision = decide(&self.actor, action, &rel);
        let (visible, purpose) = if decision.is_permit() {
            privacy::visible(self.actor.persona, &rel, &self.store.catalog().privacy, today())
        } else {
            (Categories::NONE, Purpose::Treatment)
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

    /// A member's record, with the fields the actor may not see emptied.
    pub async fn member(&self, id: &str) -> Result<Seen<Member>> {
        let c = self.checked_member(id, Action::Read).await?;
        Ok(Seen::new(c.member.clone().redacted(c.visible), &c))
    }

    /// Members the actor may see, filtered and paged by id.
    pub async fn members(&self, filter: &MemberFilter) -> Result<Page<Member>> {
        let limit = page_limit(filter.limit);
        let mut sql = Sql::new(&format!("SELECT {MEMBER_COLUMNS} FROM members m WHERE 1 = 1"));
        match list_scope(&self.actor) {
            ListScope::Everyone => {}
            ListScope::Nobody => {
                sql.text(" AND 1 = 0");
            }
            ListScope::Only(id) => {
                sql.push(" AND m.id = ?", id);
            }
            ListScope::TeamsOf { user_id, roles } => {
                sql.push(" AND m.id IN (SELECT member_id FROM team_members WHERE until IS NULL AND user_id = ?", user_id);
                for (i, r) in roles.iter().enumerate() {
                    sql.push(if i == 0 { " AND team_role IN (?" } else { ", ?" }, r.as_str().to_string());
                }
                sql.text(if roles.is_empty() { ")" } else { "))" });
            }
            ListScope::SupervisedBy(user_id) => {
                sql.push(" AND (m.id IN (SELECT member_id FROM team_members WHERE until IS NULL AND user_id = ?)", user_id.clone());
                sql.push(
                    " OR m.id IN (SELECT tm.member_id FROM team_members tm JOIN workers w ON w.user_id = tm.user_id JOIN workers s ON s.id = w.supervisor_id \
                     WHERE tm.team_role = 'peer' AND tm.until IS NULL AND s.user_id = ?))",
                    user_id,
                );
            }
            ListScope::Organization(org) => {
                sql.push(" AND (m.plan_id = ?", org.clone());
                sql.push(
                    " OR m.id IN (SELECT tm.member_id FROM team_members tm JOIN users u ON u.id = tm.user_id WHERE tm.until IS NULL AND u.organization_id = ?))",
                    org,
                );
            }
        }
        if self.actor.member_id.is_none() {
            sql.push(
                " AND m.id NOT IN (SELECT member_id FROM firewall_entries WHERE removed_at IS NULL AND user_id = ?)",
                self.actor.user_id.clone(),
            );
        }
        if let Some(n) = filter.name.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            // A range on the indexed key finds the candidates on both databases;
            // LIKE then keeps exactly the names that start with the prefix.
            let prefix = name_key(n).replace(['%', '_', '\\'], "");
            if let Some(upper) = prefix_upper_bound(&prefix) {
                sql.push(" AND m.family_name_key >= ?", prefix.clone());
                sql.push(" AND m.family_name_key < ?", upper);
            }
            sql.push(" AND m.family_name_key LIKE ?", format!("{prefix}%"));
        }
        if let Some(l) = &filter.language {
            sql.push(" AND m.primary_language = ?", l.clone());
        }
        if let Some(p) = &filter.plan_id {
            sql.push(" AND m.plan_id = ?", p.clone());
        }
        if let Some(c) = &filter.city {
            sql.push(" AND m.city = ?", c.clone());
        }
        if let Some(a) = &filter.after {
            sql.push(" AND m.id > ?", a.clone());
        }
        sql.text(&format!(" ORDER BY m.id LIMIT {}", limit + 1));
        let rows = sql.query().fetch_all(&self.store.pool).await?;
        // Lists show who people are, nothing more: the rest is one click and
        // one audited decision away.
        let listed = Categories::of(&[Category::Demographics]);
        let items = rows
            .iter()
            .map(|r| rows::member(r).map(|m| if self.actor.member_id.as_deref() == Some(&m.id) { m } else { m.redacted(listed) }))
            .collect::<Result<Vec<_>>>()?;
        let page = Page::from_one_extra(items, limit, |m| m.id.clone());
        let ids: Vec<&str> = page.items.iter().map(|m| m.id.as_str()).collect();
        self.audit_list("list", "member", &Decision::Permit, listed, None, &ids).await?;
        Ok(page)
    }

    pub async fn create_member(&self, input: &MemberInput, reason: &str) -> Result<Member> {
        let decision = decide(&self.actor, Action::Create, &Relationship::default());
        self.audit("create", "member", None, &decision).await?;
        if let Decision::Deny(why) = decision {
            return Err(StoreError::Denied(why));
        }
        let member = input.validate(new_id(), 1, self.store.catalog(), today())?;
        self.check_plan(member.plan_id.as_deref()).await?;
        let mut tx = self.store.pool.begin().await?;
        insert_member(&mut tx, &member).await?;
        record_version(&mut tx, "member", &member.id, 1, &member, Some(&self.actor.user_id), reason).await?;
        // A coordinator who creates a member record coordinates their care:
        // the one case where someone joins a team by their own act, audited.
        if self.actor.persona == Persona::CareCoordinator {
            insert_team_member(&mut tx, &member.id, &self.actor.user_id, TeamRole::CareCoordinator, Some(&self.actor.user_id), "enrolled").await?;
        }
        tx.commit().await?;
        if self.actor.persona == Persona::CareCoordinator {
            self.audit_member("join", "care-team", None, Some(&member.id), &Decision::Permit, Categories::NONE, Some(Purpose::Treatment)).await?;
        }
        Ok(member)
    }

    pub async fn update_member(&self, id: &str, input: &MemberInput, expected_version: Option<i64>, reason: &str) -> Result<Member> {
        let checked = self.checked_member(id, Action::Update).await?;
        let current = checked.member;
        let member = input.clone().keeping_hidden(&current, checked.visible).validate(
            current.id.clone(),
            current.version + 1,
            self.store.catalog(),
            today(),
        )?;
        if self.actor.persona == Persona::Member {
            member.self_service_change(&current)?;
        }
        // The version is checked once the change is known to be allowed and valid.
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(StoreError::Conflict { current: current.version });
        }
        self.check_plan(member.plan_id.as_deref()).await?;
        let mut tx = self.store.pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE members SET masshealth_id = $1, medicare_id = $2, given_name = $3, family_name = $4, date_of_birth = $5, \
             primary_language = $6, city = $7, plan_id = $8, data = $9, version = $10, updated_at = $11, family_name_key = $14 \
             WHERE id = $12 AND version = $13",
        )
        .bind(&member.masshealth_id)
        .bind(&member.medicare_id)
        .bind(&member.given_name)
        .bind(&member.family_name)
        .bind(date_text(member.date_of_birth))
        .bind(member.preferred_languages.first())
        .bind(&member.city)
        .bind(&member.plan_id)
        .bind(to_json(&MemberData::of(&member)))
        .bind(member.version)
        .bind(now_text())
        .bind(&member.id)
        .bind(current.version)
        .bind(name_key(&member.family_name))
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::from_write(e, "masshealth_id"))?;
        if changed.rows_affected() != 1 {
            return Err(StoreError::Conflict { current: current.version + 1 });
        }
        record_version(&mut tx, "member", &member.id, member.version, &member, Some(&self.actor.user_id), reason).await?;
        tx.commit().await?;
        Ok(member)
    }

    /// Past versions, with what the actor may not see emptied from each.
    pub async fn member_history(&self, id: &str) -> Result<Vec<VersionEntry>> {
        let c = self.checked_member(id, Action::Read).await?;
        let mut versions = self.store.versions("member", id).await?;
        for v in &mut versions {
            v.data = match serde_json::from_value::<Member>(v.data.take()) {
                Ok(m) => to_value(&m.redacted(c.visible)),
                Err(_) => serde_json::Value::Null,
            };
        }
        Ok(versions)
    }

    pub async fn care_team(&self, member_id: &str) -> Result<Vec<TeamMemberView>> {
        self.checked_member(member_id, Action::Read).await?;
        let rows = sqlx::query(
            "SELECT tm.id, tm.user_id, u.display_name, u.persona, tm.team_role, tm.since, o.name AS organization, \
             (SELECT w.role_id FROM workers w WHERE w.user_id = u.id ORDER BY w.created_at LIMIT 1) AS worker_role_id \
             FROM team_members tm JOIN users u ON u.id = tm.user_id LEFT JOIN organizations o ON o.id = u.organization_id \
             WHERE tm.member_id = $1 AND tm.until IS NULL ORDER BY tm.created_at, tm.id",
        )
        .bind(member_id)
        .fetch_all(&self.store.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let role: String = r.try_get("team_role")?;
                Ok(TeamMemberView {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    display_name: r.try_get("display_name")?,
                    persona: r.try_get("persona")?,
                    team_role: crate::rows::team_role(&role)?,
                    since: r.try_get("since")?,
                    organization: r.try_get("organization")?,
                    worker_role_id: r.try_get("worker_role_id")?,
                })
            })
            .collect()
    }

    async fn check_plan(&self, plan_id: Option<&str>) -> Result<()> {
        if let Some(p) = plan_id {
            let org = self.store.organization_row(p).await?;
            if org.is_none_or(|o| o.kind != accompany_domain::records::OrganizationKind::HealthPlan) {
                return Err(Invalid::one(
                    "plan_id",
                    "not-a-plan",
                    "is not the id of a health plan; list plans at /api/v1/organizations?kind=health-plan",
                )
                .into());
            }
        }
        Ok(())
    }

    // --- Workforce records -------------------------------------------------

    fn workforce(&self, action: Action, org: Option<&str>) -> Result<()> {
        match decide_workforce(&self.actor, action, org) {
            Decision::Permit => Ok(()),
            Decision::Deny(why) => Err(StoreError::Denied(why)),
        }
    }

    /// The directory of organizations: open to everyone signed in, members
    /// included (they choose among plans, RLCs and vendors).
    pub async fn organizations(&self, kind: Option<&str>, after: Option<&str>, limit: u32) -> Result<Page<Organization>> {
        let limit = page_limit(limit);
        let mut sql = Sql::new(&format!("SELECT {ORGANIZATION_COLUMNS} FROM organizations o WHERE 1 = 1"));
        if let Some(k) = kind {
            sql.push(" AND o.kind = ?", k.to_string());
        }
        if let Some(a) = after {
            sql.push(" AND o.id > ?", a.to_string());
        }
        sql.text(&format!(" ORDER BY o.id LIMIT {}", limit + 1));
        let items = sql.query().fetch_all(&self.store.pool).await?.iter().map(rows::organization).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_one_extra(items, limit, |o| o.id.clone()))
    }

    pub async fn organization(&self, id: &str) -> Result<Organization> {
        self.store.organization_row(id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn create_organization(&self, input: &OrganizationInput, reason: &str) -> Result<Organization> {
        self.workforce(Action::Create, None)?;
        let (name, kind, contracted_by, city) = input.validate()?;
        if let Some(p) = &contracted_by {
            if self.store.organization_row(p).await?.is_none() {
                return Err(Invalid::one("contracted_by", "no-such-organization", "no such organization").into());
            }
        }
        let org = Organization { id: new_id(), name, kind, contracted_by, city, version: 1 };
        let mut tx = self.store.pool.begin().await?;
        insert_organization(&mut tx, &org).await?;
        record_version(&mut tx, "organization", &org.id, 1, &org, Some(&self.actor.user_id), reason).await?;
        tx.commit().await?;
        Ok(org)
    }

    pub async fn update_organization(
        &self,
        id: &str,
        input: &OrganizationInput,
        expected_version: Option<i64>,
        reason: &str,
    ) -> Result<Organization> {
        self.workforce(Action::Update, Some(id))?;
        let current = self.store.organization_row(id).await?.ok_or(StoreError::NotFound)?;
        let (name, kind, contracted_by, city) = input.validate()?;
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(StoreError::Conflict { current: current.version });
        }
        if contracted_by.as_deref() == Some(id) {
            return Err(Invalid::one("contracted_by", "self-contract", "an organization cannot contract itself").into());
        }
        let org = Organization { id: id.to_string(), name, kind, contracted_by, city, version: current.version + 1 };
        let mut tx = self.store.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE organizations SET name = $1, kind = $2, contracted_by = $3, city = $4, version = $5, updated_at = $6 WHERE id = $7 AND version = $8",
        )
        .bind(&org.name)
        .bind(org.kind.as_str())
        .bind(&org.contracted_by)
        .bind(&org.city)
        .bind(org.version)
        .bind(now_text())
        .bind(id)
        .bind(current.version)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::from_write(e, "contracted_by"))?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict { current: current.version + 1 });
        }
        record_version(&mut tx, "organization", id, org.version, &org, Some(&self.actor.user_id), reason).await?;
        tx.commit().await?;
        Ok(org)
    }

    /// Strip the statements a worker did not choose to show, unless the
    /// actor may see the worker in full.
    fn redact(&self, mut w: Worker) -> Worker {
        if !sees_worker_in_full(&self.actor, &w.employer_id, w.user_id.as_deref()) {
            w.statements.retain(|s| s.visibility == Visibility::Members);
        }
        w
    }

    pub async fn workers(&self, filter: &WorkerFilter) -> Result<Page<Worker>> {
        self.workforce(Action::Read, filter.employer_id.as_deref())?;
        let limit = page_limit(filter.limit);
        let mut sql = Sql::new(&format!("SELECT {WORKER_COLUMNS} FROM workers w WHERE 1 = 1"));
        if let Some(r) = &filter.role_id {
            sql.push(" AND w.role_id = ?", r.clone());
        }
        // An organization admin's lists hold only their own organization.
        let employer = match self.actor.persona {
            Persona::OrganizationAdmin => self.actor.organization_id.clone().or_else(|| Some(String::new())),
            _ => filter.employer_id.clone(),
        };
        if let Some(e) = employer {
            sql.push(" AND w.employer_id = ?", e);
        }
        if let Some(a) = &filter.after {
            sql.push(" AND w.id > ?", a.clone());
        }
        sql.text(&format!(" ORDER BY w.id LIMIT {}", limit + 1));
        let items =
            sql.query().fetch_all(&self.store.pool).await?.iter().map(|r| rows::worker(r).map(|w| self.redact(w))).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_one_extra(items, limit, |w| w.id.clone()))
    }

    pub async fn worker(&self, id: &str) -> Result<Worker> {
        self.workforce(Action::Read, None)?;
        let w = self.store.worker_row(id).await?.ok_or(StoreError::NotFound)?;
        if self.actor.persona == Persona::OrganizationAdmin && self.actor.organization_id.as_deref() != Some(&w.employer_id) {
            return Err(StoreError::NotFound);
        }
        Ok(self.redact(w))
    }

    pub async fn create_worker(&self, input: &WorkerInput, reason: &str) -> Result<Worker> {
        self.workforce(Action::Create, Some(input.employer_id.trim()))?;
        let worker = input.validate(new_id(), 1, self.store.catalog())?;
        self.check_worker_links(&worker).await?;
        let mut tx = self.store.pool.begin().await?;
        insert_worker(&mut tx, &worker).await?;
        record_version(&mut tx, "worker", &worker.id, 1, &worker, Some(&self.actor.user_id), reason).await?;
        tx.commit().await?;
        Ok(worker)
    }

    pub async fn update_worker(&self, id: &str, input: &WorkerInput, expected_version: Option<i64>, reason: &str) -> Result<Worker> {
        let current = self.store.worker_row(id).await?.ok_or(StoreError::NotFound)?;
        self.workforce(Action::Update, Some(&current.employer_id))?;
        let worker = input.validate(id.to_string(), current.version + 1, self.store.catalog())?;
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(StoreError::Conflict { current: current.version });
        }
        // Moving a worker to another employer needs the right over that one too.
        self.workforce(Action::Update, Some(&worker.employer_id))?;
        self.check_worker_links(&worker).await?;
        let mut tx = self.store.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE workers SET given_name = $1, family_name = $2, role_id = $3, employer_id = $4, employment_start = $5, employment_end = $6, \
             city = $7, user_id = $8, supervisor_id = $9, data = $10, version = $11, updated_at = $12 WHERE id = $13 AND version = $14",
        )
        .bind(&worker.given_name)
        .bind(&worker.family_name)
        .bind(&worker.role_id)
        .bind(&worker.employer_id)
        .bind(date_text(worker.employment_start))
        .bind(worker.employment_end.map(date_text))
        .bind(&worker.city)
        .bind(&worker.user_id)
        .bind(&worker.supervisor_id)
        .bind(to_json(&WorkerData::of(&worker)))
        .bind(worker.version)
        .bind(now_text())
        .bind(id)
        .bind(current.version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict { current: current.version + 1 });
        }
        // Employment ends: the worker's members lose them as peer and wait for another.
        if worker.employment_end.is_some() && current.employment_end.is_none() {
            crate::matching::flag_departure(&mut tx, &worker).await?;
        }
        record_version(&mut tx, "worker", id, worker.version, &worker, Some(&self.actor.user_id), reason).await?;
        tx.commit().await?;
        Ok(worker)
    }

    async fn check_worker_links(&self, w: &Worker) -> Result<()> {
        let mut errs = Invalid::default();
        if self.store.organization_row(&w.employer_id).await?.is_none() {
            errs.push(FieldError::new("employer_id", "no-such-organization", "no such organization; give the id of the employer"));
        }
        if let Some(u) = &w.user_id {
            if self.store.user_by_id(u).await?.is_none() {
                errs.push(FieldError::new("user_id", "no-such-user", "no such user account"));
            }
        }
        if let Some(s) = &w.supervisor_id {
            if s == &w.id || self.store.worker_row(s).await?.is_none() {
                errs.push(FieldError::new("supervisor_id", "supervisor", "give the id of another worker who supervises this one"));
            }
        }
        errs.finish().map_err(Into::into)
    }

    /// Past versions hold everything the worker wrote, so only those who may
    /// see the worker in full may read them.
    pub async fn worker_history(&self, id: &str) -> Result<Vec<VersionEntry>> {
        self.workforce(Action::Read, None)?;
        let w = self.store.worker_row(id).await?.ok_or(StoreError::NotFound)?;
        if !sees_worker_in_full(&self.actor, &w.employer_id, w.user_id.as_deref()) {
            return Err(StoreError::Denied("only the worker, their organization's admin and state admins see past versions"));
        }
        self.store.versions("worker", id).await
    }

    /// Who looked at a member's record: for the member themselves (privacy
    /// officers search the whole trail instead).
    pub async fn member_audit(&self, member_id: &str) -> Result<Vec<AuditEvent>> {
        let c = self.checked_member_for(member_id, Action::Read, "audit", Some(member_id)).await?;
        if !c.rel.is_self {
            return Err(StoreError::Denied("only the member sees who looked at their record here; privacy officers search the audit trail"));
        }
        let rows = sqlx::query(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_events WHERE (member_id = $1 AND action <> 'list') \
             OR seq IN (SELECT seq FROM audit_listed_members WHERE member_id = $1) ORDER BY seq DESC LIMIT 200"
        ))
        .bind(member_id)
        .fetch_all(&self.store.pool)
        .await?;
        // Who looked and when, never where from: staff addresses are not the member's.
        rows.iter().map(|r| audit_event(r).map(|e| AuditEvent { client_addr: String::new(), ..e })).collect()
    }
}

pub(crate) const AUDIT_COLUMNS: &str =
    "seq, at, actor_username, action, entity, entity_id, member_id, decision, reason, client_addr, categories, purpose";

pub(crate) fn audit_event(r: &sqlx::any::AnyRow) -> Result<AuditEvent> {
    Ok(AuditEvent {
        seq: r.try_get("seq")?,
        at: r.try_get("at")?,
        actor_username: r.try_get("actor_username")?,
        action: r.try_get("action")?,
        entity: r.try_get("entity")?,
        entity_id: r.try_get("entity_id")?,
        member_id: r.try_get("member_id")?,
        decision: r.try_get("decision")?,
        reason: r.try_get("reason")?,
        client_addr: r.try_get("client_addr")?,
        categories: r.try_get("categories")?,
        purpose: r.try_get("purpose")?,
    })
}

/// The search key of a family name: lower case, so "McCarthy" is found by "mcc".
pub(crate) fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// The smallest string above every string that starts with `prefix`.
fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(last as u32 + 1) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

impl Store {
    pub async fn organization_row(&self, id: &str) -> Result<Option<Organization>> {
        let row =
            sqlx::query(&format!("SELECT {ORGANIZATION_COLUMNS} FROM organizations o WHERE o.id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(rows::organization).transpose()
    }

    pub(crate) async fn worker_row(&self, id: &str) -> Result<Option<Worker>> {
        let row = sqlx::query(&format!("SELECT {WORKER_COLUMNS} FROM workers w WHERE w.id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(rows::worker).transpose()
    }

    pub(crate) async fn versions(&self, entity: &str, id: &str) -> Result<Vec<VersionEntry>> {
        let rows = sqlx::query(
            "SELECT v.version, u.username, v.changed_at, v.reason, v.data FROM record_versions v LEFT JOIN users u ON u.id = v.changed_by \
             WHERE v.entity = $1 AND v.entity_id = $2 ORDER BY v.version DESC",
        )
        .bind(entity)
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let data: String = r.try_get("data")?;
                Ok(VersionEntry {
                    version: r.try_get("version")?,
                    changed_by: r.try_get("username")?,
                    changed_at: r.try_get("changed_at")?,
                    reason: r.try_get("reason")?,
                    data: serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                })
            })
            .collect()
    }
}

pub(crate) async fn record_version<T: Serialize>(
    tx: &mut Transaction<'_, Any>,
    entity: &str,
    id: &str,
    version: i64,
    data: &T,
    changed_by: Option<&str>,
    reason: &str,
) -> Result<()> {
    let reason = if reason.trim().is_empty() { "no reason given" } else { reason.trim() };
    sqlx::query("INSERT INTO record_versions (entity, entity_id, version, data, changed_by, changed_at, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(entity)
        .bind(id)
        .bind(version)
        .bind(to_json(data))
        .bind(changed_by)
        .bind(now_text())
        .bind(reason)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(crate) async fn insert_member(tx: &mut Transaction<'_, Any>, m: &Member) -> Result<()> {
    let now = now_text();
    sqlx::query(
        "INSERT INTO members (id, masshealth_id, medicare_id, given_name, family_name, date_of_birth, primary_language, city, plan_id, data, version, created_at, updated_at, family_name_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&m.id)
    .bind(&m.masshealth_id)
    .bind(&m.medicare_id)
    .bind(&m.given_name)
    .bind(&m.family_name)
    .bind(date_text(m.date_of_birth))
    .bind(m.preferred_languages.first())
    .bind(&m.city)
    .bind(&m.plan_id)
    .bind(to_json(&MemberData::of(m)))
    .bind(m.version)
    .bind(&now)
    .bind(&now)
    .bind(name_key(&m.family_name))
    .execute(&mut **tx)
    .await
    .map_err(|e| StoreError::from_write(e, "masshealth_id"))?;
    Ok(())
}

pub(crate) async fn insert_worker(tx: &mut Transaction<'_, Any>, w: &Worker) -> Result<()> {
    let now = now_text();
    sqlx::query(
        "INSERT INTO workers (id, given_name, family_name, role_id, employer_id, employment_start, employment_end, city, user_id, supervisor_id, data, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&w.id)
    .bind(&w.given_name)
    .bind(&w.family_name)
    .bind(&w.role_id)
    .bind(&w.employer_id)
    .bind(date_text(w.employment_start))
    .bind(w.employment_end.map(date_text))
    .bind(&w.city)
    .bind(&w.user_id)
    .bind(&w.supervisor_id)
    .bind(to_json(&WorkerData::of(w)))
    .bind(w.version)
    .bind(&now)
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn insert_organization(tx: &mut Transaction<'_, Any>, o: &Organization) -> Result<()> {
    let now = now_text();
    sqlx::query(
        "INSERT INTO organizations (id, name, kind, contracted_by, city, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&o.id)
    .bind(&o.name)
    .bind(o.kind.as_str())
    .bind(&o.contracted_by)
    .bind(&o.city)
    .bind(o.version)
    .bind(&now)
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Put a user on a member's team, and keep the change in the team's
/// history for the member to see. `changed_by` is None when the system
/// does it (a coordinator enrolling a new record).
pub(crate) async fn insert_team_member(
    tx: &mut Transaction<'_, Any>,
    member_id: &str,
    user_id: &str,
    role: TeamRole,
    changed_by: Option<&str>,
    change: &str,
) -> Result<()> {
    let now = now_text();
    sqlx::query("INSERT INTO team_members (id, member_id, user_id, team_role, since, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(new_id())
        .bind(member_id)
        .bind(user_id)
        .bind(role.as_str())
        .bind(date_text(today()))
        .bind(&now)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO team_changes (id, member_id, user_id, team_role, change, changed_by, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(new_id())
        .bind(member_id)
        .bind(user_id)
        .bind(role.as_str())
        .bind(change)
        .bind(changed_by)
        .bind(&now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
