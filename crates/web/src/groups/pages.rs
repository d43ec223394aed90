//! Pages of groups: groups to join and leave, a new group, and a leader's attendance form.

use accompany_domain::booking::datetime_text;
use accompany_domain::groups::GroupInput;
use accompany_domain::notes::Setting;
use accompany_domain::FieldError;
use accompany_store::{GroupView, Roster};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Form;
use axum::Router;
use serde::Deserialize;

use crate::auth::Signed;
use crate::i18n::Tr;
use crate::page::{
    anchored_error_list, csrf_refused, done_or_error, modality_choices, render, saved_or_form, when_text, Choice, CsrfForm, ErrorList, Layout,
    PageResult, PageUser,
};
use crate::problem::AppError;
use crate::AppState;

#[derive(Deserialize, Default)]
struct NoticeQuery {
    done: Option<String>,
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/groups", get(groups_page))
        .route("/groups/new", get(new_group_page).post(create_group))
        .route("/groups/{id}/join", post(join))
        .route("/groups/{id}/leave", post(leave))
        .route("/groups/{id}/attendance", get(attendance_page).post(record_attendance))
}

// --- Groups ---------------------------------------------------------------------

pub struct GroupCard {
    pub id: String,
    pub title: String,
    pub description: String,
    pub language: String,
    pub way: String,
    pub place: String,
    pub next: String,
    pub minutes: i64,
    pub leaders: String,
    pub open_to: String,
    pub joined: bool,
    pub is_leader: bool,
    pub members: i64,
}

#[derive(Template)]
#[template(path = "groups/groups.html")]
struct GroupsPage {
    l: Layout,
    is_member: bool,
    runs_groups: bool,
    in_my_language: Vec<GroupCard>,
    others: Vec<GroupCard>,
    notice: Option<String>,
}

fn group_card(state: &AppState, t: &Tr, g: &GroupView) -> GroupCard {
    GroupCard {
        id: g.id.clone(),
        title: g.title.clone(),
        description: g.description.clone(),
        language: crate::page::language_name(state, t, &g.language),
        way: format!("{} · {}", t.t(&format!("modality-{}", g.modality.as_str())), t.t(&format!("setting-{}", g.setting.as_str()))),
        place: g.place.clone(),
        next: g.next_meeting.as_deref().map(|n| when_text(t, n)).unwrap_or_default(),
        minutes: g.minutes,
        leaders: g.leaders.join(", "),
        open_to: g.open_to_name.clone(),
        joined: g.joined,
        is_leader: g.is_leader,
        members: g.members,
    }
}

async fn groups_page(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<NoticeQuery>) -> PageResult {
    let t = &s.tr;
    let access = s.access(&state);
    let groups = access.groups().await?;
    // Members see the groups held in their languages first.
    let languages: Vec<String> = match &s.user.member_id {
        Some(m) => access.member(m).await.map(|m| m.record.preferred_languages.clone())?,
        None => vec![],
    };
    let (mine, others): (Vec<&GroupView>, Vec<&GroupView>) =
        groups.iter().partition(|g| languages.is_empty() || languages.contains(&g.language) || g.joined || g.is_leader);
    let notice = q.done.as_deref().filter(|d| ["joined", "left", "created", "recorded"].contains(d)).map(|d| t.t(&format!("groups-done-{d}")));
    Ok(render(GroupsPage {
        l: Layout::new(t, Some(&s), "/groups", t.t("groups-title")),
        is_member: s.user.member_id.is_some(),
        runs_groups: accompany_domain::groups::may_run_groups(&s.user.actor()).is_permit(),
        in_my_language: mine.into_iter().map(|g| group_card(&state, t, g)).collect(),
        others: others.into_iter().map(|g| group_card(&state, t, g)).collect(),
        notice,
    }))
}

async fn join(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Form(f): Form<CsrfForm>) -> Response {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return r;
    }
    done_or_error(&s, s.access(&state).join_group(&id).await, "/groups?done=joined")
}

async fn leave(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Form(f): Form<CsrfForm>) -> Response {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return r;
    }
    done_or_error(&s, s.access(&state).leave_group(&id).await, "/groups?done=left")
}

#[derive(Template)]
#[template(path = "groups/group_form.html")]
struct GroupFormPage {
    l: Layout,
    error_list: ErrorList,
    form: GroupInput,
    languages: Vec<Choice>,
    modalities: Vec<Choice>,
    settings: Vec<Choice>,
    organizations: Vec<Choice>,
}

async fn new_group_page(State(state): State<AppState>, PageUser(s): PageUser) -> PageResult {
    let tomorrow = state.store.now_local().date().next_day().map(accompany_domain::records::format_date).unwrap_or_default();
    let form = GroupInput {
        language: s.tr.lang.to_string(),
        modality: "video".into(),
        setting: "virtual".into(),
        first_date: tomorrow,
        start: "19:00".into(),
        end: "20:30".into(),
        weeks: "12".into(),
        open_to: s.user.organization_id.clone().unwrap_or_default(),
        ..Default::default()
    };
    show_group_form(&state, &s, form, vec![]).await
}

async fn show_group_form(state: &AppState, s: &Signed, form: GroupInput, errors: Vec<FieldError>) -> PageResult {
    let t = &s.tr;
    if !accompany_domain::groups::may_run_groups(&s.user.actor()).is_permit() {
        return Err(AppError::Forbidden(t.t("groups-peers-only")).into());
    }
    let organizations = state.store.organization_names().await?;
    let mut organizations: Vec<Choice> =
        organizations.into_iter().map(|(id, name)| Choice { selected: id == form.open_to, id, label: name }).collect();
    organizations.sort_by(|a, b| a.label.cmp(&b.label));
    let anchor = |f: &str| match f {
        "title" => "title",
        "description" => "description",
        "language" => "language",
        "modality" => "modality",
        "setting" => "setting",
        "place" => "place",
        "first_date" => "first_date",
        "start" => "start",
        "end" => "end",
        "weeks" => "weeks",
        "open_to" => "open_to",
        _ => "title",
    };
    Ok(render(GroupFormPage {
        l: Layout::new(t, Some(s), "/groups/new", t.t("group-new-title")),
        error_list: anchored_error_list(t, &errors, anchor),
        languages: state
            .catalog
            .languages
            .iter()
            .map(|l| Choice { id: l.code.clone(), label: l.name.get(t.lang).to_string(), selected: l.code == form.language })
            .collect(),
        modalities: modality_choices(t, &form.modality),
        settings: Setting::ALL
            .iter()
            .map(|x| Choice { id: x.as_str().into(), label: t.t(&format!("setting-{}", x.as_str())), selected: x.as_str() == form.setting })
            .collect(),
        organizations,
        form,
    }))
}

#[derive(Deserialize)]
struct GroupForm {
    csrf: String,
    title: String,
    #[serde(default)]
    description: String,
    language: String,
    modality: String,
    setting: String,
    #[serde(default)]
    place: String,
    first_date: String,
    start: String,
    end: String,
    weeks: String,
    open_to: String,
}

async fn create_group(State(state): State<AppState>, PageUser(s): PageUser, Form(f): Form<GroupForm>) -> Response {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return r;
    }
    let input = GroupInput {
        title: f.title,
        description: f.description,
        language: f.language,
        modality: f.modality,
        setting: f.setting,
        place: f.place,
        first_date: f.first_date,
        start: f.start,
        end: f.end,
        weeks: f.weeks,
        open_to: f.open_to,
        co_leaders: vec![],
    };
    let saved = s.access(&state).create_group(&input).await;
    saved_or_form(&s, saved, "/groups?done=created", |fields| show_group_form(&state, &s, input, fields)).await
}

pub struct MeetingChoice {
    pub id: String,
    pub label: String,
    pub selected: bool,
    pub attended: usize,
}

pub struct AttendeeBox {
    pub member_id: String,
    pub name: String,
    pub present: bool,
}

#[derive(Template)]
#[template(path = "groups/attendance.html")]
struct AttendancePage {
    l: Layout,
    error_list: ErrorList,
    group_id: String,
    title: String,
    meetings: Vec<MeetingChoice>,
    members: Vec<AttendeeBox>,
}

#[derive(Deserialize, Default)]
struct AttendanceQuery {
    meeting_id: Option<String>,
}

async fn attendance_page(
    State(state): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Query(q): Query<AttendanceQuery>,
) -> PageResult {
    show_attendance(&state, &s, &id, q.meeting_id, vec![]).await
}

async fn show_attendance(state: &AppState, s: &Signed, id: &str, meeting_id: Option<String>, errors: Vec<FieldError>) -> PageResult {
    let t = &s.tr;
    let roster: Roster = s.access(state).roster(id).await?;
    let now = datetime_text(state.store.now_local());
    // Meetings that have started, newest first: the one just held is the default.
    let started: Vec<_> = roster.meetings.iter().filter(|m| m.start <= now).rev().collect();
    let chosen = meeting_id.filter(|m| started.iter().any(|x| &x.id == m)).or_else(|| started.first().map(|m| m.id.clone()));
    let attended: Vec<String> = started.iter().find(|m| Some(&m.id) == chosen.as_ref()).map(|m| m.attended.clone()).unwrap_or_default();
    Ok(render(AttendancePage {
        l: Layout::new(t, Some(s), "/groups", t.t("attendance-title")),
        error_list: anchored_error_list(t, &errors, |f| if f == "meeting_id" { "meeting_id" } else { "members" }),
        group_id: id.to_string(),
        title: roster.group.title.clone(),
        meetings: started
            .iter()
            .map(|m| MeetingChoice {
                id: m.id.clone(),
                label: when_text(t, &m.start),
                selected: Some(&m.id) == chosen.as_ref(),
                attended: m.attended.len(),
            })
            .collect(),
        members: roster
            .members
            .iter()
            .map(|m| AttendeeBox { present: attended.contains(&m.member_id), member_id: m.member_id.clone(), name: m.name.clone() })
            .collect(),
    }))
}

async fn record_attendance(
    State(state): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let value = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).unwrap_or_default();
    if let Some(r) = csrf_refused(&s, &value("csrf")) {
        return r;
    }
    let meeting_id = value("meeting_id");
    let members: Vec<String> = pairs.iter().filter(|(k, _)| k == "member_ids").map(|(_, v)| v.clone()).collect();
    let saved = s.access(&state).record_attendance(&id, &meeting_id, &members).await;
    saved_or_form(&s, saved, "/groups?done=recorded", |fields| show_attendance(&state, &s, &id, Some(meeting_id), fields)).await
}
