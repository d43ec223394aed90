//! Recovery goals: the member's own goals, in their own words, with steps
//! and target dates; their peer supports them and records progress. The
//! goals sit beside the clinical care plan, which stays with the care
//! coordinator; who sees them is the member's choice (label RecoveryGoals).

use serde::{Deserialize, Serialize};
use time::Date;

use crate::error::{FieldError, Invalid};
use crate::limits::text;
use crate::privacy::{Category, Labelled};
use crate::records::Id;

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// Longest goal, in characters: a few sentences in the member's words.
pub const MAX_STEPS: usize = 10;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GoalStatus {
    Active,
    Achieved,
    /// The member put it down for now; nobody else closes a member's goal.
    SetAside,
}

impl GoalStatus {
    pub const ALL: [GoalStatus; 3] = [Self::Active, Self::Achieved, Self::SetAside];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Achieved => "achieved",
            Self::SetAside => "set-aside",
        }
    }
    pub fn parse(s: &str) -> Option<GoalStatus> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoalStep {
    pub text: String,
    #[serde(default, with = "iso_date::option")]
    pub target_date: Option<Date>,
    #[serde(default)]
    pub done: bool,
}

/// A dated note of progress on a goal, by the member or their peer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoalProgress {
    pub id: Id,
    #[serde(with = "iso_date")]
    pub date: Date,
    pub note: String,
    pub recorded_by: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecoveryGoal {
    pub id: Id,
    pub member_id: Id,
    /// The goal in the member's own words.
    pub goal: String,
    pub steps: Vec<GoalStep>,
    #[serde(default, with = "iso_date::option")]
    pub target_date: Option<Date>,
    pub status: GoalStatus,
    pub version: i64,
    pub updated_at: String,
    /// Newest first.
    #[serde(default)]
    pub progress: Vec<GoalProgress>,
}

impl Labelled for RecoveryGoal {
    const NAME: &'static str = "RecoveryGoal";
    fn field_category(field: &str) -> Option<Category> {
        matches!(field, "id" | "member_id" | "goal" | "steps" | "target_date" | "status" | "version" | "updated_at" | "progress")
            .then_some(Category::RecoveryGoals)
    }
}

/// A step of a goal; a row left blank is dropped.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GoalStepInput {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub target_date: String,
    #[serde(default)]
    pub done: bool,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GoalInput {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::goal))]
    pub goal: String,
    /// At most ten.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::goal_steps))]
    pub steps: Vec<GoalStepInput>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::day_blank))]
    pub target_date: String,
    /// active (the default), achieved or set-aside.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::goal_status_blank))]
    pub status: String,
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for GoalStepInput {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::limits::schema::goal_step().into()
    }
}
#[cfg(feature = "openapi")]
impl utoipa::ToSchema for GoalStepInput {}

/// What a goal's fields hold once checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidGoal {
    pub goal: String,
    pub steps: Vec<GoalStep>,
    pub target_date: Option<Date>,
    pub status: GoalStatus,
}

fn optional_date(field: &str, text: &str, errs: &mut Invalid) -> Option<Date> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let d = crate::limits::parse_day(t);
    if d.is_none() {
        errs.push(FieldError::new(field, "date-format", "must be a date written YYYY-MM-DD, from 1900 to 2200"));
    }
    d
}

impl GoalInput {
    /// Check a goal. Steps left blank (a form's spare rows) are dropped.
    pub fn validate(&self) -> Result<ValidGoal, Invalid> {
        let mut errs = Invalid::default();
        let goal = errs.required("goal", &self.goal, text::GOAL);
        let target_date = optional_date("target_date", &self.target_date, &mut errs);
        let status = match self.status.trim() {
            "" => Some(GoalStatus::Active),
            s => GoalStatus::parse(s),
        };
        if status.is_none() {
            errs.push(FieldError::new("status", "goal-status", "must be active, achieved or set-aside"));
        }
        let mut steps = Vec::new();
        for (i, s) in self.steps.iter().enumerate() {
            if s.text.trim().is_empty() && s.target_date.trim().is_empty() {
                continue;
            }
            let text = errs.required(&format!("steps[{i}].text"), &s.text, text::STEP);
            let target_date = optional_date(&format!("steps[{i}].target_date"), &s.target_date, &mut errs);
            steps.push(GoalStep { text, target_date, done: s.done });
        }
        // Rows count, blank or not: a form never sends more than MAX_STEPS.
        if self.steps.len() > MAX_STEPS {
            errs.push(FieldError::new("steps", "too-many", format!("has too many steps: at most {MAX_STEPS}")).arg("max", MAX_STEPS.to_string()));
        }
        errs.finish()?;
        Ok(ValidGoal { goal, steps, target_date, status: status.unwrap_or(GoalStatus::Active) })
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProgressInput {
    /// YYYY-MM-DD, not in the future.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::past_day))]
    pub date: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::goal))]
    pub note: String,
}

impl ProgressInput {
    /// Progress happened, so it cannot be dated in the future.
    pub fn validate(&self, today: Date) -> Result<(Date, String), Invalid> {
        let mut errs = Invalid::default();
        let date = optional_date("date", &self.date, &mut errs);
        match date {
            None if self.date.trim().is_empty() => errs.push(FieldError::new("date", "required", "is required")),
            Some(d) if d > today => errs.push(FieldError::new("date", "date-future", "cannot be in the future")),
            _ => {}
        }
        let note = errs.required("note", &self.note, text::GOAL);
        errs.finish()?;
        date.map(|d| (d, note)).ok_or_else(|| Invalid::one("date", "required", "is required"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{may_record_progress, may_write_goal, Actor, Relationship};
    use crate::records::{Persona, TeamRole};
    use serde_json::Value;
    use time::macros::date;

    fn actor(persona: Persona) -> Actor {
        Actor { user_id: "u".into(), username: "u".into(), persona, organization_id: None, member_id: None }
    }

    #[test]
    fn every_field_of_a_goal_is_labelled() {
        let g = RecoveryGoal {
            id: "g".into(),
            member_id: "m".into(),
            goal: "Get back to running".into(),
            steps: vec![GoalStep { text: "Buy shoes".into(), target_date: Some(date!(2026 - 07 - 01)), done: false }],
            target_date: None,
            status: GoalStatus::Active,
            version: 1,
            updated_at: "now".into(),
            progress: vec![GoalProgress { id: "p".into(), date: date!(2026 - 06 - 01), note: "ran 1 km".into(), recorded_by: "Peer".into() }],
        };
        let Ok(Value::Object(map)) = serde_json::to_value(&g) else { panic!("a goal serializes to an object") };
        for k in map.keys() {
            assert_eq!(RecoveryGoal::field_category(k), Some(Category::RecoveryGoals), "{k}");
        }
    }

    #[test]
    fn a_goal_needs_words_and_valid_dates() {
        let ok = GoalInput {
            goal: "  Find a job I like  ".into(),
            steps: vec![GoalStepInput { text: "Update my résumé".into(), target_date: "2026-07-01".into(), done: true }, GoalStepInput::default()],
            target_date: "2026-12-31".into(),
            status: String::new(),
        };
        let v = ok.validate().expect("valid");
        assert_eq!(v.goal, "Find a job I like");
        assert_eq!(v.steps.len(), 1, "the blank spare row is dropped");
        assert_eq!(v.status, GoalStatus::Active);
        let bad = GoalInput {
            goal: " ".into(),
            steps: vec![GoalStepInput { text: String::new(), target_date: "July".into(), done: false }],
            target_date: "soon".into(),
            status: "abandoned".into(),
        };
        let fields: Vec<_> = bad.validate().unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["goal", "target_date", "status", "steps[0].text", "steps[0].target_date"]);
        let many = GoalInput {
            goal: "g".into(),
            steps: (0..11).map(|_| GoalStepInput { text: "s".into(), ..Default::default() }).collect(),
            ..Default::default()
        };
        assert_eq!(many.validate().unwrap_err().0[0].field, "steps");
    }

    #[test]
    fn progress_is_dated_and_not_in_the_future() {
        let today = date!(2026 - 06 - 01);
        assert!(ProgressInput { date: "2026-06-01".into(), note: "went to the group".into() }.validate(today).is_ok());
        let e = ProgressInput { date: "2026-06-02".into(), note: "".into() }.validate(today).unwrap_err();
        assert_eq!(e.0.iter().map(|e| e.code).collect::<Vec<_>>(), ["date-future", "required"]);
        assert_eq!(ProgressInput { date: "".into(), note: "x".into() }.validate(today).unwrap_err().0[0].code, "required");
    }

    #[test]
    fn only_the_member_writes_goals_and_only_member_or_peer_record_progress() {
        let own = Relationship { is_self: true, ..Default::default() };
        let peer = Relationship { team_role: Some(TeamRole::Peer), ..Default::default() };
        let coordinator = Relationship { team_role: Some(TeamRole::CareCoordinator), ..Default::default() };
        assert!(may_write_goal(&actor(Persona::Member), &own).is_permit());
        for p in Persona::ALL {
            assert!(!may_write_goal(&actor(p), &peer).is_permit(), "{p:?}");
            assert!(!may_write_goal(&actor(p), &coordinator).is_permit(), "{p:?}");
        }
        assert!(may_record_progress(&actor(Persona::Member), &own).is_permit());
        assert!(may_record_progress(&actor(Persona::PeerWorker), &peer).is_permit());
        assert!(!may_record_progress(&actor(Persona::PeerWorker), &coordinator).is_permit());
        assert!(!may_record_progress(&actor(Persona::CareCoordinator), &coordinator).is_permit());
        assert!(!may_record_progress(&actor(Persona::PeerWorker), &Relationship { firewalled: true, ..peer }).is_permit());
    }
}
