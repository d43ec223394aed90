//! Pages for a peer's contacts (logged in seconds on a phone, with billing
//! units and the engagement rule), the member's recovery goals, and the
//! member's care team in plain words.

use std::collections::HashMap;

use accompany_domain::contacts::{EngagementRule, LoggedContact, Standing};
use accompany_domain::goals::{GoalInput, GoalStatus, GoalStepInput, ProgressInput, RecoveryGoal, MAX_STEPS};
use accompany_domain::notes::{format_start_time, ContactNoteInput, Modality, Setting};
use accompany_domain::records::format_date;
use accompany_domain::FieldError;
use accompany_store::{TeamCard, VersionEntry};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::auth::{PageUser, Signed};
use crate::i18n::Tr;
use crate::pages::{csrf_refused, form_page, page_error, render, saved_or_form, FieldErrors, Layout};
use crate::problem::AppError;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/members/{id}/contact-log", get(contact_log).post(log_contact))
        .route("/members/{id}/contact-log/{contact}", get(edit_contact).post(update_contact))
        .route("/members/{id}/goals", get(goals).post(add_goal))
        .route("/members/{id}/goals/{goal}", get(edit_goal).post(update_goal))
        .route("/members/{id}/goals/{goal}/progress", post(add_progress))
        .route("/members/{id}/team", get(team))
}

/// Today and the time now in the state's time zone, as a form shows them.
fn local_now(store: &accompany_store::Store) -> (String, String) {
    let now = store.now_local();
    (accompany_domain::records::format_date(now.date()), format!("{:02}:{:02}", now.hour(), now.minute()))
}

fn options(t: &Tr, ids: impl IntoIterator<Item = &'static str>, prefix: &str) -> Vec<(String, String)> {
    ids.into_iter().map(|i| (i.to_string(), t.t(&format!("{prefix}{i}")))).collect()
}

fn errors_by_field(t: &Tr, errors: &[FieldError]) -> HashMap<String, String> {
    errors.iter().map(|e| (e.field.clone(), t.field_error(e))).collect()
}

/// The summary's rows: anchor, label, problem. Fields of a goal's steps
/// (`steps[1].text`) are named "Step 2".
fn error_list(t: &Tr, errors: &[FieldError]) -> Vec<(String, String, String)> {
    errors
        .iter()
        .map(|e| {
            let label = match e.field.strip_prefix("steps[").and_then(|r| r.split(']').next()).and_then(|n| n.parse::<usize>().ok()) {
                Some(n) => t.t1("ct-step-n", "n", n + 1),
                None => t.field_label(&e.field),
            };
            (e.field.replace(['[', ']', '.'], "-"), label, t.field_error(e))
        })
        .collect()
}

// --- Contacts ---------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
pub struct ContactForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub start_time: String,
    #[serde(default)]
    pub duration_minutes: String,
    #[serde(default)]
    pub modality: String,
    #[serde(default)]
    pub setting: String,
    #[serde(default)]
    pub note: String,
}

impl ContactForm {
    fn input(&self) -> ContactNoteInput {
        ContactNoteInput {
            date: self.date.clone(),
            duration_minutes: self.duration_minutes.clone(),
            modality: self.modality.clone(),
            setting: self.setting.clone(),
            note: self.note.clone(),
            start_time: self.start_time.clone(),
        }
    }

    /// A fresh form: today, now, half an hour, by phone from home.
    fn fresh(state: &AppState) -> ContactForm {
        let (date, start_time) = local_now(&state.store);
        ContactForm {
            date,
            start_time,
            duration_minutes: "30".into(),
            modality: Modality::InPerson.as_str().into(),
            setting: Setting::Community.as_str().into(),
            ..Default::default()
        }
    }

    fn of(c: &LoggedContact) -> ContactForm {
        ContactForm {
            version: Some(c.note.version),
            date: format_date(c.note.date),
            start_time: c.note.start_time.map(format_start_time).unwrap_or_default(),
            duration_minutes: c.note.duration_minutes.to_string(),
            modality: c.note.modality.as_str().into(),
            setting: c.note.setting.as_str().into(),
            note: c.note.note.clone(),
            ..Default::default()
        }
    }
}

/// A contact as one row of the log.
pub struct ContactRow {
    pub id: String,
    pub date: String,
    pub start: String,
    pub minutes: u32,
    pub units: String,
    pub modality: String,
    pub setting: String,
    pub author: String,
    pub note: String,
    pub editable: bool,
}

/// The standing in words, for the page.
pub struct StandingView {
    pub unit_rule: String,
    pub authorization: Option<String>,
    pub over: bool,
    pub engagement: Option<String>,
    pub met: bool,
}

fn standing_view(t: &Tr, s: &Standing) -> StandingView {
    let unit_rule = t.tn("ct-unit-rule", &[("minutes", s.unit_minutes.to_string()), ("rounding", t.t(&format!("ct-rounding-{}", rounding_id(s))))]);
    let authorization = s.authorization.as_ref().map(|a| {
        t.tn(
            "ct-authorization",
            &[
                ("used", a.units_used.to_string()),
                ("authorized", a.units_authorized.to_string()),
                ("days", a.days.to_string()),
                ("left", a.units_left.to_string()),
            ],
        )
    });
    let engagement = s.engagement.as_ref().map(|e| match e.rule {
        EngagementRule::Connections { min, days } => t.tn(
            if e.met { "ct-engagement-connections-met" } else { "ct-engagement-connections-short" },
            &[("count", e.count.to_string()), ("min", min.to_string()), ("days", days.to_string()), ("needed", e.needed.to_string())],
        ),
        EngagementRule::WithinUnits { units, days } => t.tn(
            if e.met { "ct-engagement-units-met" } else { "ct-engagement-units-over" },
            &[("count", e.count.to_string()), ("units", units.to_string()), ("days", days.to_string())],
        ),
    });
    StandingView {
        unit_rule,
        authorization,
        over: s.authorization.as_ref().is_some_and(|a| a.over),
        engagement,
        met: s.engagement.as_ref().is_none_or(|e| e.met),
    }
}

fn rounding_id(s: &Standing) -> &'static str {
    match s.rounding {
        accompany_domain::catalog::Rounding::FullUnit => "full-unit",
        accompany_domain::catalog::Rounding::HalfUnit => "half-unit",
        accompany_domain::catalog::Rounding::AnyMinute => "any-minute",
    }
}

#[derive(Template)]
#[template(path = "contact_log.html")]
struct ContactLogPage {
    l: Layout,
    member_id: String,
    member_name: String,
    role_name: String,
    standing: Option<StandingView>,
    rows: Vec<ContactRow>,
    can_log: bool,
    logged: bool,
    f: ContactForm,
    errors: HashMap<String, String>,
    error_list: Vec<(String, String, String)>,
    modalities: Vec<(String, String)>,
    settings: Vec<(String, String)>,
    today: String,
}

impl FieldErrors for ContactLogPage {
    fn field_errors(&self) -> &HashMap<String, String> {
        &self.errors
    }
}

#[derive(Deserialize, Default)]
struct LoggedQuery {
    #[serde(default)]
    logged: Option<String>,
}

async fn contact_log_page(state: &AppState, s: &Signed, id: &str, f: ContactForm, errors: Vec<FieldError>, logged: bool) -> Response {
    let t = &s.tr;
    let access = s.access(state);
    let invalid = !errors.is_empty();
    let result: Result<ContactLogPage, AppError> = async {
        let member = access.member(id).await?;
        let log = access.contact_log(id).await?;
        let name = format!("{} {}", member.record.given_name, member.record.family_name);
        let role_name = log.role_id.as_deref().and_then(|r| state.catalog.role(r)).map(|r| r.name.get(t.lang).to_string()).unwrap_or_default();
        let rows = log
            .contacts
            .iter()
            .map(|c| ContactRow {
                id: c.note.id.clone(),
                date: format_date(c.note.date),
                start: c.note.start_time.map(format_start_time).unwrap_or_default(),
                minutes: c.note.duration_minutes,
                units: c.units.map(|u| u.to_string()).unwrap_or_else(|| "—".into()),
                modality: t.t(&format!("modality-{}", c.note.modality.as_str())),
                setting: t.t(&format!("setting-{}", c.note.setting.as_str())),
                author: c.note.author_name.clone(),
                note: c.note.note.clone(),
                editable: log.can_log && c.note.author_id == s.user.id,
            })
            .collect();
        Ok(ContactLogPage {
            l: Layout::new(t, Some(s), "/members", t.t1("ct-log-title", "name", &name)),
            member_id: id.to_string(),
            member_name: name,
            role_name,
            standing: log.standing.as_ref().map(|x| standing_view(t, x)),
            rows,
            can_log: log.can_log,
            logged,
            errors: errors_by_field(t, &errors),
            error_list: error_list(t, &errors),
            f,
            modalities: options(t, Modality::ALL.iter().map(|m| m.as_str()), "modality-"),
            settings: options(t, Setting::ALL.iter().map(|m| m.as_str()), "setting-"),
            today: local_now(&state.store).0,
        })
    }
    .await;
    form_page(s, result, invalid)
}

async fn contact_log(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Query(q): Query<LoggedQuery>) -> Response {
    contact_log_page(&state, &s, &id, ContactForm::fresh(&state), vec![], q.logged.is_some()).await
}

async fn log_contact(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Form(f): Form<ContactForm>) -> Response {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return r;
    }
    let saved = s.access(&state).log_contact(&id, &f.input()).await;
    let done = format!("/members/{id}/contact-log?logged=1#standing-heading");
    saved_or_form(&s, saved, &done, |errors| contact_log_page(&state, &s, &id, f, errors, false)).await
}

#[derive(Template)]
#[template(path = "contact_edit.html")]
struct ContactEditPage {
    l: Layout,
    member_id: String,
    action: String,
    f: ContactForm,
    errors: HashMap<String, String>,
    error_list: Vec<(String, String, String)>,
    modalities: Vec<(String, String)>,
    settings: Vec<(String, String)>,
    today: String,
    history: Vec<VersionEntry>,
}

impl FieldErrors for ContactEditPage {
    fn field_errors(&self) -> &HashMap<String, String> {
        &self.errors
    }
}

async fn contact_edit_page(state: &AppState, s: &Signed, id: &str, contact: &str, f: Option<ContactForm>, errors: Vec<FieldError>) -> Response {
    let t = &s.tr;
    let access = s.access(state);
    let invalid = !errors.is_empty();
    let result: Result<ContactEditPage, AppError> = async {
        let current = access.contact(id, contact).await?;
        let history = access.contact_history(id, contact).await?;
        Ok(ContactEditPage {
            l: Layout::new(t, Some(s), "/members", t.t1("ct-edit-title", "date", format_date(current.note.date))),
            member_id: id.to_string(),
            action: format!("/members/{id}/contact-log/{contact}"),
            f: f.unwrap_or_else(|| ContactForm::of(&current)),
            errors: errors_by_field(t, &errors),
            error_list: error_list(t, &errors),
            modalities: options(t, Modality::ALL.iter().map(|m| m.as_str()), "modality-"),
            settings: options(t, Setting::ALL.iter().map(|m| m.as_str()), "setting-"),
            today: local_now(&state.store).0,
            history,
        })
    }
    .await;
    form_page(s, result, invalid)
}

async fn edit_contact(State(state): State<AppState>, PageUser(s): PageUser, Path((id, contact)): Path<(String, String)>) -> Response {
    contact_edit_page(&state, &s, &id, &contact, None, vec![]).await
}

async fn update_contact(
    State(state): State<AppState>,
    PageUser(s): PageUser,
    Path((id, contact)): Path<(String, String)>,
    Form(f): Form<ContactForm>,
) -> Response {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return r;
    }
    let saved = s.access(&state).update_contact(&id, &contact, f.version.unwrap_or(0), &f.input(), &f.reason).await;
    let done = format!("/members/{id}/contact-log#log-heading");
    saved_or_form(&s, saved, &done, |errors| contact_edit_page(&state, &s, &id, &contact, Some(f), errors)).await
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
#[template(path = "goals.html")]
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
) -> Response {
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
    form_page(s, result, invalid)
}

async fn goals(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>) -> Response {
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
#[template(path = "goal_edit.html")]
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

async fn goal_edit_page(state: &AppState, s: &Signed, id: &str, goal: &str, f: Option<GoalForm>, errors: Vec<FieldError>) -> Response {
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
    form_page(s, result, invalid)
}

async fn edit_goal(State(state): State<AppState>, PageUser(s): PageUser, Path((id, goal)): Path<(String, String)>) -> Response {
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

// --- The team in plain words ----------------------------------------------------------------

pub struct TeamPerson {
    pub name: String,
    pub team_role: String,
    pub role_name: Option<String>,
    pub role_href: Option<String>,
    pub plain: Option<String>,
    pub organization: String,
    pub source: Option<String>,
    pub when: String,
    pub how: String,
    /// What they see, in words; None for readers other than the member.
    pub sees: Option<String>,
}

fn team_person(state: &AppState, t: &Tr, c: &TeamCard) -> TeamPerson {
    let role = c.role_id.as_deref().and_then(|r| state.catalog.role(r));
    let list = |items: Vec<String>| {
        if items.is_empty() {
            t.t("ct-team-ask")
        } else {
            items.join(", ")
        }
    };
    TeamPerson {
        name: c.display_name.clone(),
        team_role: t.t(&format!("team-role-{}", c.team_role.as_str())),
        role_name: role.map(|r| r.name.get(t.lang).to_string()),
        role_href: role.map(|r| format!("/roles/{}", r.id)),
        plain: role.map(|r| r.plain_language.get(t.lang).to_string()),
        organization: c.organization.clone().unwrap_or_default(),
        source: c.source.map(|s| t.t(&format!("match-source-{}", s.as_str()))),
        when: list(c.availability.iter().map(|a| t.t(&format!("match-time-{}", a.as_str()))).collect()),
        how: list(c.ways_to_meet.iter().map(|m| t.t(&format!("modality-{}", m.as_str()))).collect()),
        sees: c.sees.map(|cats| {
            let names: Vec<String> =
                crate::privacy_pages::CHOOSABLE.iter().filter(|k| cats.contains(**k)).map(|k| crate::privacy_pages::category_name(t, *k)).collect();
            if names.is_empty() {
                t.t("ct-team-sees-name-only")
            } else {
                t.t1("ct-team-sees", "list", names.join(", "))
            }
        }),
    }
}

#[derive(Template)]
#[template(path = "care_team.html")]
struct CareTeamPage {
    l: Layout,
    member_id: String,
    is_self: bool,
    people: Vec<TeamPerson>,
}

async fn team(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>) -> Response {
    let t = &s.tr;
    match s.access(&state).team_overview(&id).await {
        Ok(o) => {
            let is_self = s.user.member_id.as_deref() == Some(id.as_str());
            render(CareTeamPage {
                l: Layout::new(
                    t,
                    Some(&s),
                    if is_self { "/home" } else { "/members" },
                    if is_self { t.t("ct-team-own-title") } else { t.t("care-team-title") },
                ),
                member_id: id,
                is_self,
                people: o.team.iter().map(|c| team_person(&state, t, c)).collect(),
            })
        }
        Err(e) => page_error(&s, e),
    }
}
