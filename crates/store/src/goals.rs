//! The member's recovery goals: written by the member, progress recorded by
//! the member or their peer, read by the care team as far as the member's
//! sharing choices allow (label RecoveryGoals). Every version of a goal is
//! kept; every access is decided by the policy and audited.

use crate::ids::new_id;
use accompany_domain::goals::{GoalInput, GoalProgress, GoalStatus, GoalStep, ProgressInput, RecoveryGoal};
use accompany_domain::policy::{may_record_progress, may_write_goal, Action, Decision};
use accompany_domain::privacy::{Categories, Category};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::access::{Access, Checked, Seen};
use crate::rows::VersionEntry;
use crate::rows::{date_text, stored_date, to_json};
use crate::today_date as today;
use crate::writes::record_version;
use crate::{now_text, Result, StoreError};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Goals {
    /// Active goals first, then the rest; oldest first within each.
    pub goals: Vec<RecoveryGoal>,
    /// The member's choices keep recovery goals from this reader.
    pub hidden: bool,
    /// The reader is the member, who writes and changes goals.
    pub can_write: bool,
    /// The reader may record progress (the member or their peer).
    pub can_record_progress: bool,
}

const GOAL_COLUMNS: &str = "id, member_id, goal, steps, target_date, status, version, updated_at";

fn goal_from_row(r: &AnyRow) -> Result<RecoveryGoal> {
    let steps: String = r.try_get("steps")?;
    let target: Option<String> = r.try_get("target_date")?;
    let status: String = r.try_get("status")?;
    Ok(RecoveryGoal {
        id: r.try_get("id")?,
        member_id: r.try_get("member_id")?,
        goal: r.try_get("goal")?,
        steps: serde_json::from_str::<Vec<GoalStep>>(&steps).map_err(|e| StoreError::Corrupt(format!("goal steps: {e}")))?,
        target_date: target.as_deref().map(stored_date).transpose()?,
        status: GoalStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("goal status {status}")))?,
        version: r.try_get("version")?,
        updated_at: r.try_get("updated_at")?,
        progress: vec![],
    })
}

fn labels() -> Categories {
    Categories::of(&[Category::Demographics, Category::RecoveryGoals])
}

impl Access {
    async fn goal_rows(&self, member_id: &str, goal_id: Option<&str>) -> Result<Vec<RecoveryGoal>> {
        let rows =
            sqlx::query(&format!("SELECT {GOAL_COLUMNS} FROM recovery_goals WHERE member_id = $1 AND ($2 = '' OR id = $2) ORDER BY created_at, id"))
                .bind(member_id)
                .bind(goal_id.unwrap_or(""))
                .fetch_all(&self.store.pool)
                .await?;
        let mut goals = rows.iter().map(goal_from_row).collect::<Result<Vec<_>>>()?;
        let progress = sqlx::query(
            "SELECT p.id, p.goal_id, p.progress_date, p.note, u.display_name FROM goal_progress p JOIN users u ON u.id = p.recorded_by \
             WHERE p.member_id = $1 ORDER BY p.progress_date DESC, p.recorded_at DESC, p.id",
        )
        .bind(member_id)
        .fetch_all(&self.store.pool)
        .await?;
        for r in &progress {
            let goal_id: String = r.try_get("goal_id")?;
            if let Some(g) = goals.iter_mut().find(|g| g.id == goal_id) {
                let date: String = r.try_get("progress_date")?;
                g.progress.push(GoalProgress {
                    id: r.try_get("id")?,
                    date: stored_date(&date)?,
                    note: r.try_get("note")?,
                    recorded_by: r.try_get("display_name")?,
                });
            }
        }
        goals.sort_by_key(|g| g.status != GoalStatus::Active);
        Ok(goals)
    }

    /// The member's recovery goals, when the reader sees that label.
    pub async fn recovery_goals(&self, member_id: &str) -> Result<Seen<Goals>> {
        let c = self.checked_member_for(member_id, Action::Read, "recovery-goal", None).await?;
        let hidden = !c.visible.contains(Category::RecoveryGoals);
        let goals = if hidden { vec![] } else { self.goal_rows(member_id, None).await? };
        let goals = Goals {
            goals,
            hidden,
            can_write: may_write_goal(self.actor(), &c.rel).is_permit(),
            can_record_progress: !hidden && may_record_progress(self.actor(), &c.rel).is_permit(),
        };
        Ok(Seen::new(goals, &c))
    }

    /// Refuse a write the pure rule denies, with an audit event saying so.
    async fn refuse(&self, c: &Checked, action: &str, entity: &str, id: Option<&str>, member_id: &str, d: Decision) -> Result<()> {
        if let Decision::Deny(why) = d {
            self.audit_member(action, entity, id, Some(member_id), &d, Categories::NONE, Some(c.purpose)).await?;
            return Err(StoreError::Denied(why));
        }
        Ok(())
    }

    /// The member writes a new goal in their own words.
    pub async fn add_goal(&self, member_id: &str, input: &GoalInput) -> Result<RecoveryGoal> {
        let c = self.checked_member_for(member_id, Action::Update, "recovery-goal", None).await?;
        self.refuse(&c, "create", "recovery-goal", None, member_id, may_write_goal(self.actor(), &c.rel)).await?;
        let v = input.validate()?;
        let now = now_text();
        let goal = RecoveryGoal {
            id: new_id(),
            member_id: member_id.to_string(),
            goal: v.goal,
            steps: v.steps,
            target_date: v.target_date,
            status: v.status,
            version: 1,
            updated_at: now.clone(),
            progress: vec![],
        };
        let mut tx = self.store.begin().await?;
        sqlx::query(
            "INSERT INTO recovery_goals (id, member_id, goal, steps, target_date, status, version, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $8)",
        )
        .bind(&goal.id)
        .bind(member_id)
        .bind(&goal.goal)
        .bind(to_json(&goal.steps))
        .bind(goal.target_date.map(date_text))
        .bind(goal.status.as_str())
        .bind(&self.actor().user_id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        record_version(&mut tx, "recovery-goal", &goal.id, 1, &goal, Some(&self.actor().user_id), "goal written").await?;
        tx.commit().await?;
        self.audit_member("create", "recovery-goal", Some(&goal.id), Some(member_id), &Decision::Permit, labels(), Some(c.purpose)).await?;
        Ok(goal)
    }

    /// The member changes their goal; the version read must still be current.
    pub async fn update_goal(&self, member_id: &str, goal_id: &str, expected_version: i64, input: &GoalInput) -> Result<RecoveryGoal> {
        let c = self.checked_member_for(member_id, Action::Update, "recovery-goal", Some(goal_id)).await?;
        self.refuse(&c, "update", "recovery-goal", Some(goal_id), member_id, may_write_goal(self.actor(), &c.rel)).await?;
        let current = self.goal_rows(member_id, Some(goal_id)).await?.pop().ok_or(StoreError::NotFound)?;
        let v = input.validate()?;
        if current.version != expected_version {
            return Err(StoreError::Conflict { current: current.version });
        }
        let goal = RecoveryGoal {
            goal: v.goal,
            steps: v.steps,
            target_date: v.target_date,
            status: v.status,
            version: current.version + 1,
            updated_at: now_text(),
            ..current.clone()
        };
        let mut tx = self.store.begin().await?;
        let changed = sqlx::query(
            "UPDATE recovery_goals SET goal = $1, steps = $2, target_date = $3, status = $4, version = $5, updated_at = $6 \
             WHERE id = $7 AND member_id = $8 AND version = $9",
        )
        .bind(&goal.goal)
        .bind(to_json(&goal.steps))
        .bind(goal.target_date.map(date_text))
        .bind(goal.status.as_str())
        .bind(goal.version)
        .bind(&goal.updated_at)
        .bind(goal_id)
        .bind(member_id)
        .bind(current.version)
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() != 1 {
            return Err(StoreError::Conflict { current: goal.version });
        }
        let stored = RecoveryGoal { progress: vec![], ..goal.clone() };
        record_version(&mut tx, "recovery-goal", goal_id, goal.version, &stored, Some(&self.actor().user_id), "goal changed").await?;
        tx.commit().await?;
        self.audit_member("update", "recovery-goal", Some(goal_id), Some(member_id), &Decision::Permit, labels(), Some(c.purpose)).await?;
        Ok(goal)
    }

    /// The member or their peer records dated progress on a goal they can see.
    pub async fn add_goal_progress(&self, member_id: &str, goal_id: &str, input: &ProgressInput) -> Result<GoalProgress> {
        let c = self.checked_member_for(member_id, Action::Read, "recovery-goal", Some(goal_id)).await?;
        if !c.visible.contains(Category::RecoveryGoals) {
            return Err(StoreError::NotFound);
        }
        self.refuse(&c, "create", "goal-progress", Some(goal_id), member_id, may_record_progress(self.actor(), &c.rel)).await?;
        if self.goal_rows(member_id, Some(goal_id)).await?.is_empty() {
            return Err(StoreError::NotFound);
        }
        let (date, note) = input.validate(today())?;
        let recorded_by = match self.store.user_by_id(&self.actor().user_id).await? {
            Some(u) => u.display_name,
            None => self.actor().username.clone(),
        };
        let p = GoalProgress { id: new_id(), date, note, recorded_by };
        sqlx::query(
            "INSERT INTO goal_progress (id, goal_id, member_id, progress_date, note, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&p.id)
        .bind(goal_id)
        .bind(member_id)
        .bind(date_text(date))
        .bind(&p.note)
        .bind(&self.actor().user_id)
        .bind(now_text())
        .execute(&self.store.pool)
        .await?;
        self.audit_member("create", "goal-progress", Some(&p.id), Some(member_id), &Decision::Permit, labels(), Some(c.purpose)).await?;
        Ok(p)
    }

    /// Every version of one goal, newest first, for a reader who sees goals.
    pub async fn goal_history(&self, member_id: &str, goal_id: &str) -> Result<Vec<VersionEntry>> {
        let c = self.checked_member_for(member_id, Action::Read, "recovery-goal", Some(goal_id)).await?;
        if !c.visible.contains(Category::RecoveryGoals) || self.goal_rows(member_id, Some(goal_id)).await?.is_empty() {
            return Err(StoreError::NotFound);
        }
        self.store.versions("recovery-goal", goal_id).await
    }
}
