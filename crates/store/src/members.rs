//! Member records through the gate: reading one member or a paged list,
//! creating and updating a record, its past versions, its care team, and
//! who looked at it.
//!
//! May import: `access` (every call goes through the gate), `audit`,
//! `lists`, `rows` and `writes`.

use crate::ids::new_id;
use accompany_domain::policy::{decide, list_scope, Action, Decision, ListScope, Relationship};
use accompany_domain::privacy::{Categories, Category, Purpose};
use accompany_domain::records::{Member, MemberInput, Persona, TeamRole};
use accompany_domain::Invalid;
use serde::Serialize;
use sqlx::Row;

use crate::access::{Access, Seen};
use crate::audit::{audit_event, AuditEvent, AUDIT_COLUMNS};
use crate::lists::{page_limit, Page, Sql};
use crate::rows::{self, date_text, to_json, to_value, MemberData, VersionEntry, MEMBER_COLUMNS};
use crate::today_date as today;
use crate::writes::{insert_member, insert_team_member, name_key, record_version};
use crate::{now_text, Result, StoreError};

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

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

impl Access {
    /// A member's record, with the fields the actor may not see emptied.
    pub async fn member(&self, id: &str) -> Result<Seen<Member>> {
        let c = self.checked_member(id, Action::Read).await?;
        Ok(Seen::new(c.member.clone().redacted(c.visible), &c))
    }

    /// Members the actor may see, filtered and paged by id.
    pub async fn members(&self, filter: &MemberFilter) -> Result<Page<Member>> {
        let limit = page_limit(filter.limit);
        let mut sql = Sql::new(&format!("SELECT {MEMBER_COLUMNS} FROM members m WHERE 1 = 1"));
        scope_members(&mut sql, self.actor());
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
            .map(|r| rows::member(r).map(|m| if self.actor().member_id.as_deref() == Some(&m.id) { m } else { m.redacted(listed) }))
            .collect::<Result<Vec<_>>>()?;
        let page = Page::from_one_extra(items, limit, |m| m.id.clone());
        let ids: Vec<&str> = page.items.iter().map(|m| m.id.as_str()).collect();
        self.audit_list("list", "member", &Decision::Permit, listed, None, &ids).await?;
        Ok(page)
    }

    pub async fn create_member(&self, input: &MemberInput, reason: &str) -> Result<Member> {
        let decision = decide(self.actor(), Action::Create, &Relationship::default());
        self.audit("create", "member", None, &decision).await?;
        if let Decision::Deny(why) = decision {
            return Err(StoreError::Denied(why));
        }
        let member = input.validate(new_id(), 1, self.store.catalog(), today())?;
        self.check_plan(member.plan_id.as_deref()).await?;
        let mut tx = self.store.begin().await?;
        insert_member(&mut tx, &member).await?;
        record_version(&mut tx, "member", &member.id, 1, &member, Some(&self.actor().user_id), reason).await?;
        // A coordinator who creates a member record coordinates their care:
        // the one case where someone joins a team by their own act, audited.
        if self.actor().persona == Persona::CareCoordinator {
            insert_team_member(&mut tx, &member.id, &self.actor().user_id, TeamRole::CareCoordinator, Some(&self.actor().user_id), "enrolled")
                .await?;
        }
        tx.commit().await?;
        if self.actor().persona == Persona::CareCoordinator {
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
        if self.actor().persona == Persona::Member {
            member.self_service_change(&current)?;
        }
        // The version is checked once the change is known to be allowed and valid.
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(StoreError::Conflict { current: current.version });
        }
        self.check_plan(member.plan_id.as_deref()).await?;
        let mut tx = self.store.begin().await?;
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
        record_version(&mut tx, "member", &member.id, member.version, &member, Some(&self.actor().user_id), reason).await?;
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

/// Narrow `sql` (a query over `members m` with a WHERE clause) to the
/// members `actor` may read on a list: the same rule as a single read
/// ([`list_scope`]), less the members who firewalled the actor.
pub(crate) fn scope_members(sql: &mut Sql, actor: &accompany_domain::policy::Actor) {
    match list_scope(actor) {
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
    if actor.member_id.is_none() {
        sql.push(" AND m.id NOT IN (SELECT member_id FROM firewall_entries WHERE removed_at IS NULL AND user_id = ?)", actor.user_id.clone());
    }
}
