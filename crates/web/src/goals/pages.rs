//! A member's recovery goals, their steps and progress.

use accompany_domain::goals::{GoalInput, GoalStatus, GoalStepInput, ProgressInput, RecoveryGoal, MAX_STEPS};
use accompany_domain::records::format_date;
use accompany_domain::FieldError;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Form;
use axum::Router;
use serde::Deserialize;
use std::collections::HashMap;

use crate::auth::Signed;
use crate::i18n::Tr;
use crate::page::{
    csrf_refused, error_list, errors_by_field, form_page, local_now, options, saved_or_form, FieldErrors, Layout, PageResult, PageUser,
};
use crate::problem::AppError;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/members/{id}/goals", get(goals).post(add_goal))
        .route("/members/{id}/goals/{goal}", get(edit_goal).post(update_goal))
        .route("/members/{id}/goals/{goal}/progress", post(add_progress))
}

// --- Recovery goals -------------------------------------------------------------------

/// Spare step rows a goal form offers.
const STEP_ROWS: usize = 3;

#[derive(Deserialize, Default, Clone)]
pub struct GoalForm {
    #[serde(default)]
    csrf: String,
    /// Text: a flattened form reads every value as text.
    #[serde(default)]
    version: String,
    #[serde(default)]
    pub goal: String,
    #[serde(default)]
    pub target_date: String,
    #[serde(default)]
    pub status: String,
    /// Steps arrive flat, as `step_text_N`, `step_date_N` and `step_done_N`.
    #[serde(flatten)]
    pub rest: HashMap<String, String>,
}

/// One step row of the form.
pub struct StepRow {
    pub n: usize,
    pub text: String,
    pub date: String,
    pub done: bool,
}

impl GoalForm {
    fn steps(&self) -> Vec<GoalStepInput> {
        (0..MAX_STEPS)
            .map(|i| GoalStepInput {
                text: self.rest.get(&format!("step_text_{i}")).cloned().unwrap_or_default(),
                target_date: self.rest.get(&format!("step_date_{i}")).cloned().unwrap_or_default(),
                done: self.rest.contains_key(&format!("step_done_{i}")),
            })
            .collect()
    }

    fn input(&self) -> GoalInput {
        GoalInput { goal: self.goal.clone(), steps: self.steps(), target_date: self.target_date.clone(), status: self.status.clone() }
    }

    fn of(g: &RecoveryGoal) -> GoalForm {
        let mut rest = HashMap::new();
        for (i, s) in g.steps.iter().enumerate() {
            rest.insert(format!("step_text_{i}"), s.text.clone());
            rest.insert(format!("step_date_{i}"), s.target_date.map(format_date).unwrap_or_default());
            if s.done {
                rest.insert(format!("step_done_{i}"), "on".into());
            }
        }
        GoalForm {
            version: g.version.to_string(),
            goal: g.goal.clone(),
            target_date: g.target_date.map(format_date).unwrap_or_default(),
            status: g.status.as_str().into(),
            rest,
            ..Default::default()
        }
    }

    /// The filled rows and a few spare ones, up to the most a goal may have.
    fn rows(&self) -> Vec<StepRow> {
        let steps = self.steps();
        let filled = steps.iter().rposition(|s| !s.text.trim().is_empty() || !s.target_date.trim().is_empty()).map_or(0, |i| i + 1);
        steps
            .into_iter()
            .take((filled + STEP_ROWS).min(MAX_STEPS))
            .enumerate()
            .map(|(n, s)| StepRow { n, text: s.text, date: s.target_date, done: s.done })
            .collect()
    }
}

pub struct GoalView {
    pub id: String,
    pub goal: String,
    pub status: String,
    pub active: bool,
    pub target_date: String,
    pub steps: Vec<(String, String, bool)>,
    pub progress: Vec<(String, String, String)>,
}

fn goal_view(t: &Tr, g: &RecoveryGoal) -> GoalView {
    GoalView {
        id: g.id.clone(),
        goal: g.goal.clone(),
        status: t.t(&format!("ct-goal-status-{}", g.status.as_str())),
        active: g.status == GoalStatus::Active,
        target_date: g.target_date.map(format_date).unwrap_or_default(),
        steps: g.steps.iter().map(|s| (s.text.clone(), s.target_date.map(format_date).unwrap_or_default(), s.done)).collect(),
        progress: g.progress.iter().map(|p| (format_date(p.date), p.recorded_by.clone(), p.note.clone())).collect(),
    }
}

#[derive(Template)]
#[template(path = "goals/goals.html")]
struct GoalsPage {
    l: Layout,
    member_id: String,
    is_self: bool,
    goals: Vec<GoalView>,
    hidden: bool,
    can_write: bool,
    can_record_progress: bool,
    f: GoalForm,
    steps: Vec<StepRow>,
    errors: HashMap<String, String>,
    error_list: Vec<(String, String, String)>,
    /// The goal whose progress form had a problem, with the problem.
    progress_error: Option<(String, HashMap<String, String>)>,
    today: String,
}

impl FieldErrors for GoalsPage {
    fn field_errors(&self) -> &HashMap<String, String> {
        &self.errors
    }
}

impl GoalsPage {
    fn progress_problem(&self, goal: &str, field: &str) -> String {
        match &self.progress_error {
            Some((g, e)) if g == goal => e.get(field).cloned().unwrap_or_default(),
            _ => String::new(),
        }
    }
}

async fn goals_page(
    state: &AppState,
    s: &Signed,
    id: &str,
    f: GoalForm,
    errors: Vec<FieldError>,
    progress_error: Option<(String, Vec<FieldError>)>,
) -> PageResult {
    let t = &s.tr;
    let access = s.access(state);
    let invalid = !errors.is_empty() || progress_error.as_ref().is_some_and(|(_, e)| !e.is_empty());
    let result: Result<GoalsPage, AppError> = async {
        let member = access.member(id).await?;
        let goals = access.recovery_goals(id).await?.record;
        let is_self = s.user.member_id.as_deref() == Some(id);
        let name = format!("{} {}", member.record.given_name, member.record.family_name);
        let mut list = error_list(t, &errors);
        if let Some((goal, e)) = &progress_error {
            list.extend(error_list(t, e).into_iter().map(|(a, l, p)| (format!("progress-{a}-{goal}"), l, p)));
        }
        Ok(GoalsPage {
            l: Layout::new(
                t,
                Some(s),
                if is_self { "/home" } else { "/members" },
                if is_self { t.t("ct-goals-own-title") } else { t.t1("ct-goals-title", "name", &name) },
            ),
            member_id: id.to_string(),
            is_self,
            goals: goals.goals.iter().map(|g| goal_view(t, g)).collect(),
            hidden: goals.hidden,
            can_write: goals.can_write,
            can_record_progress: goals.can_record_progress,
            steps: f.rows(),
            f,
            errors: errors_by_field(t, &errors),
            error_list: list,
            progress_error: progress_error.map(|(g, e)| (g, errors_by_field(t, &e))),
            today: local_now(&state.store).0,
        })
    }
    .await;
    form_page(result, invalid)
}

async fn goals(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>) -> PageResult {
    goals_page(&state, &s, &id, GoalForm::default(), vec![], None).await
}

async fn add_goal(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Form(f): Form<GoalForm>) -> Response {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return r;
    }
    let saved = s.access(&state).add_goal(&id, &f.input()).await;
    saved_or_form(&s, saved, &format!("/members/{id}/goals"), |errors| goals_page(&state, &s, &id, f, errors, None)).await
}

#[derive(Template)]
#[template(path = "goals/goal_edit.html")]
struct GoalEditPage {
    l: Layout,
    member_id: String,
    action: String,
    f: GoalForm,
    steps: Vec<StepRow>,
    statuses: Vec<(String, String)>,
    errors: HashMap<String, String>,
    error_list: Vec<(String, String, String)>,
}

impl FieldErrors for GoalEditPage {
    fn field_errors(&self) -> &HashMap<String, String> {
        &self.errors
    }
}

async fn goal_edit_page(state: &AppState, s: &Signed, id: &str, goal: &str, f: Option<GoalForm>, errors: Vec<FieldError>) -> PageResult {
    let t = &s.tr;
    let invalid = !errors.is_empty();
    let result: Result<GoalEditPage, AppError> = async {
        let goals = s.access(state).recovery_goals(id).await?.record;
        let current = goals.goals.iter().find(|g| g.id == goal).ok_or(AppError::NotFound)?;
        if !goals.can_write {
            return Err(AppError::Forbidden(t.t("ct-goal-only-member")));
        }
        let f = f.unwrap_or_else(|| GoalForm::of(current));
        Ok(GoalEditPage {
            l: Layout::new(t, Some(s), "/home", t.t("ct-goal-edit-title")),
            member_id: id.to_string(),
            action: format!("/members/{id}/goals/{goal}"),
            steps: f.rows(),
            f,
            statuses: options(t, GoalStatus::ALL.iter().map(|g| g.as_str()), "ct-goal-status-"),
            errors: errors_by_field(t, &errors),
            error_list: error_list(t, &errors),
        })
    }
    .await;
    form_page(result, invalid)
}

async fn edit_goal(State(state): State<AppState>, PageUser(s): PageUser, Path((id, goal)): Path<(String, String)>) -> PageResult {
    goal_edit_page(&state, &s, &id, &goal, None, vec![]).await
}

async fn update_goal(
    State(state): State<AppState>,
    PageUser(s): PageUser,
    Path((id, goal)): Path<(String, String)>,
    Form(f): Form<GoalForm>,
) -> Response {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return r;
    }
    let saved = s.access(&state).update_goal(&id, &goal, f.version.trim().parse().unwrap_or(0), &f.input()).await;
    saved_or_form(&s, saved, &format!("/members/{id}/goals"), |errors| goal_edit_page(&state, &s, &id, &goal, Some(f), errors)).await
}

#[derive(Deserialize)]
struct ProgressForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    note: String,
}

async fn add_progress(
    State(state): State<AppState>,
    PageUser(s): PageUser,
    Path((id, goal)): Path<(String, String)>,
    Form(f): Form<ProgressForm>,
) -> Response {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return r;
    }
    let saved = s.access(&state).add_goal_progress(&id, &goal, &ProgressInput { date: f.date, note: f.note }).await;
    let done = format!("/members/{id}/goals#goal-{goal}");
    saved_or_form(&s, saved, &done, |errors| goals_page(&state, &s, &id, GoalForm::default(), vec![], Some((goal, errors)))).await
}
