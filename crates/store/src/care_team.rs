//! Changes to a member's care team, decided by the policy: who may give
//! which role to whom, requests to join and their answers, and the team's
//! history the member sees. Every change is audited against the member and
//! the member is told.

use crate::ids::new_id;
use accompany_domain::policy::{may_answer_join_request, may_ask_to_join, may_give_team_role, role_fits, Action, Decision};
use accompany_domain::privacy::{Categories, Purpose};
use accompany_domain::records::{Persona, TeamRole};
use accompany_domain::Invalid;
use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use crate::access::Access;
use crate::writes::insert_team_member;
use crate::{now_text, Result, StoreError};

/// A request to join a member's team, as the member or their plan sees it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct TeamRequest {
    pub id: String,
    pub user_id: String,
    pub display_name: String,
    pub persona: String,
    pub organization: Option<String>,
    pub team_role: TeamRole,
    pub reason: String,
    pub requested_at: String,
}

/// One change to the team, for the member's sharing page.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct TeamChange {
    pub display_name: String,
    pub team_role: TeamRole,
    /// enrolled, added or approved
    pub change: String,
    pub changed_by: Option<String>,
    pub at: String,
}

/// The same answer whether or not the member exists or the asker may know
/// them: the request goes to the member, who decides.
pub const REQUEST_RECEIVED: &str = "requested";

/// Tell every account of the member something about their team.
async fn tell_member(tx: &mut Transaction<'_, Any>, member_id: &str, key: &str, args: &serde_json::Value) -> Result<()> {
    let accounts = sqlx::query("SELECT id FROM users WHERE member_id = $1").bind(member_id).fetch_all(&mut **tx).await?;
    for a in &accounts {
        crate::notifications::tell(tx, &a.try_get::<String, _>(0)?, key, args).await?;
    }
    Ok(())
}

impl Access {
    async fn audit_team(&self, action: &str, entity_id: Option<&str>, member_id: Option<&str>, d: &Decision) -> Result<()> {
        self.audit_member(action, "care-team", entity_id, member_id, d, Categories::NONE, Some(Purpose::Treatment)).await
    }

    /// Put someone on a member's care team in `role`, as the policy allows:
    /// the member, their care coordinator or their plan's admin, never the
    /// person themselves, never a peer (members choose their peer).
    pub async fn add_team_member(&self, member_id: &str, user_id: &str, role: TeamRole) -> Result<()> {
        let c = self.checked_member_for(member_id, Action::Read, "care-team", None).await?;
        let target = self.store.user_by_id(user_id).await?;
        // An unknown account and one that cannot hold the role get the same answer.
        let Some(target) = target.filter(|u| role_fits(u.persona, role)) else {
            self.audit_team("add", Some(user_id), Some(member_id), &Decision::Deny("this person cannot take that role on the team")).await?;
            return Err(
                Invalid::one("user_id", "cannot-take-role", "this person cannot take that role on the team; check the person and the role").into()
            );
        };
        let d = may_give_team_role(self.actor(), &c.rel, role, &target.id, target.persona);
        self.audit_team("add", Some(user_id), Some(member_id), &d).await?;
        if let Decision::Deny(why) = d {
            return Err(StoreError::Denied(why));
        }
        let mut tx = self.store.begin().await?;
        let on_team: i64 =
            sqlx::query("SELECT COUNT(*) FROM team_members WHERE member_id = $1 AND user_id = $2 AND team_role = $3 AND until IS NULL")
                .bind(member_id)
                .bind(user_id)
                .bind(role.as_str())
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
        if on_team > 0 {
            return Err(Invalid::one("user_id", "already-on-team", "is already on the team in this role").into());
        }
        insert_team_member(&mut tx, member_id, user_id, role, Some(&self.actor().user_id), "added").await?;
        tell_member(&mut tx, member_id, "notice-team-added", &serde_json::json!({ "who": target.display_name, "role": role.as_str() })).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ask to join a member's team in one's own role. The answer is the same
    /// whatever the member id: only the member (or their plan) learns of it.
    pub async fn ask_to_join(&self, member_id: &str, role: TeamRole, reason: &str) -> Result<&'static str> {
        let mut errs = Invalid::default();
        let reason = errs.required("reason", reason, accompany_domain::limits::text::REASON);
        errs.finish()?;
        let d = may_ask_to_join(self.actor(), role);
        if let Decision::Deny(why) = d {
            self.audit_team("ask-to-join", None, None, &d).await?;
            return Err(StoreError::Denied(why));
        }
        let facts = sqlx::query(
            "SELECT m.plan_id, \
             (SELECT COUNT(*) FROM firewall_entries f WHERE f.member_id = m.id AND f.user_id = $2 AND f.removed_at IS NULL) AS walled, \
             (SELECT COUNT(*) FROM team_members t WHERE t.member_id = m.id AND t.user_id = $2 AND t.until IS NULL) AS on_team, \
             (SELECT COUNT(*) FROM team_requests r WHERE r.member_id = m.id AND r.user_id = $2 AND r.status = 'pending') AS pending \
             FROM members m WHERE m.id = $1",
        )
        .bind(member_id)
        .bind(&self.actor().user_id)
        .fetch_optional(&self.store.pool)
        .await?;
        let Some(facts) = facts else {
            self.audit_team("ask-to-join", None, None, &Decision::Deny("no such member")).await?;
            return Ok(REQUEST_RECEIVED);
        };
        let count = |name: &str| facts.try_get::<i64, _>(name);
        // A person the member walled off, or who is already on the team or
        // waiting, changes nothing; they are told the same.
        let quiet = if count("walled")? > 0 {
            Some("the member asked that this person not see their record")
        } else if count("on_team")? > 0 || count("pending")? > 0 {
            Some("already on the team or waiting")
        } else {
            None
        };
        if let Some(why) = quiet {
            self.audit_team("ask-to-join", None, Some(member_id), &Decision::Deny(why)).await?;
            return Ok(REQUEST_RECEIVED);
        }
        let plan: Option<String> = facts.try_get("plan_id")?;
        let id = new_id();
        let mut tx = self.store.begin().await?;
        sqlx::query(
            "INSERT INTO team_requests (id, member_id, user_id, team_role, reason, status, requested_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6)",
        )
        .bind(&id)
        .bind(member_id)
        .bind(&self.actor().user_id)
        .bind(role.as_str())
        .bind(&reason)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        let args = serde_json::json!({ "who": self.actor().username, "role": role.as_str() });
        tell_member(&mut tx, member_id, "notice-team-request", &args).await?;
        if let Some(plan) = plan {
            let admins = sqlx::query("SELECT id FROM users WHERE persona = $1 AND organization_id = $2")
                .bind(Persona::OrganizationAdmin.as_str())
                .bind(&plan)
                .fetch_all(&mut *tx)
                .await?;
            for a in &admins {
                crate::notifications::tell(&mut tx, &a.try_get::<String, _>(0)?, "notice-team-request-plan", &args).await?;
            }
        }
        tx.commit().await?;
        self.audit_team("ask-to-join", Some(&id), Some(member_id), &Decision::Permit).await?;
        Ok(REQUEST_RECEIVED)
    }

    async fn may_answer(&self, member_id: &str) -> Result<()> {
        let c = self.checked_member_for(member_id, Action::Read, "team-request", None).await?;
        let d = may_answer_join_request(self.actor(), &c.rel);
        if let Decision::Deny(why) = d {
            self.audit_team("answer", None, Some(member_id), &d).await?;
            return Err(StoreError::Denied(why));
        }
        Ok(())
    }

    /// Requests waiting for the member's (or their plan's) answer.
    pub async fn team_requests(&self, member_id: &str) -> Result<Vec<TeamRequest>> {
        self.may_answer(member_id).await?;
        let rows = sqlx::query(
            "SELECT r.id, r.user_id, u.display_name, u.persona, o.name AS organization, r.team_role, r.reason, r.requested_at \
             FROM team_requests r JOIN users u ON u.id = r.user_id LEFT JOIN organizations o ON o.id = u.organization_id \
             WHERE r.member_id = $1 AND r.status = 'pending' ORDER BY r.requested_at, r.id",
        )
        .bind(member_id)
        .fetch_all(&self.store.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let role: String = r.try_get("team_role")?;
                Ok(TeamRequest {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    display_name: r.try_get("display_name")?,
                    persona: r.try_get("persona")?,
                    organization: r.try_get("organization")?,
                    team_role: crate::rows::team_role(&role)?,
                    reason: r.try_get("reason")?,
                    requested_at: r.try_get("requested_at")?,
                })
            })
            .collect()
    }

    /// Approve or decline a request to join. Approving puts the person on
    /// the team in the role they asked for, in one transaction.
    pub async fn answer_team_request(&self, member_id: &str, request_id: &str, approve: bool) -> Result<()> {
        self.may_answer(member_id).await?;
        let mut tx = self.store.begin().await?;
        let row = sqlx::query("SELECT user_id, team_role FROM team_requests WHERE id = $1 AND member_id = $2 AND status = 'pending'")
            .bind(request_id)
            .bind(member_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Err(StoreError::NotFound);
        };
        let user_id: String = row.try_get("user_id")?;
        let role: String = row.try_get("team_role")?;
        let role = crate::rows::team_role(&role)?;
        let status = if approve { "approved" } else { "declined" };
        sqlx::query("UPDATE team_requests SET status = $1, answered_by = $2, answered_at = $3 WHERE id = $4")
            .bind(status)
            .bind(&self.actor().user_id)
            .bind(now_text())
            .bind(request_id)
            .execute(&mut *tx)
            .await?;
        let args = serde_json::json!({ "role": role.as_str() });
        if approve {
            insert_team_member(&mut tx, member_id, &user_id, role, Some(&self.actor().user_id), "approved").await?;
        }
        crate::notifications::tell(&mut tx, &user_id, if approve { "notice-team-request-approved" } else { "notice-team-request-declined" }, &args)
            .await?;
        tx.commit().await?;
        self.audit_team(if approve { "approve" } else { "decline" }, Some(request_id), Some(member_id), &Decision::Permit).await
    }

    /// The team's history, newest first, for the member's own page.
    pub(crate) async fn team_changes(&self, member_id: &str) -> Result<Vec<TeamChange>> {
        let rows = sqlx::query(
            "SELECT u.display_name, c.team_role, c.change, b.display_name AS changed_by, c.at FROM team_changes c \
             JOIN users u ON u.id = c.user_id LEFT JOIN users b ON b.id = c.changed_by \
             WHERE c.member_id = $1 ORDER BY c.at DESC, c.id LIMIT 200",
        )
        .bind(member_id)
        .fetch_all(&self.store.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let role: String = r.try_get("team_role")?;
                Ok(TeamChange {
                    display_name: r.try_get("display_name")?,
                    team_role: crate::rows::team_role(&role)?,
                    change: r.try_get("change")?,
                    changed_by: r.try_get("changed_by")?,
                    at: r.try_get("at")?,
                })
            })
            .collect()
    }
}
