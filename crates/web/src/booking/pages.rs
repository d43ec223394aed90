//! Pages of availability, booking and groups: a worker's weekly windows,
//! a member booking a session (a free slot, a length up to three hours),
//! everyone's sessions with moving and cancelling, groups to join and
//! leave, a leader's attendance form, and how to be reached.

use accompany_domain::booking::{clock_text, datetime_text, weekday_id, ReachInput, SessionInput, WindowInput, SESSION_LENGTHS, WEEKDAYS};
use accompany_domain::groups::GroupInput;
use accompany_domain::notes::{Modality, Setting};
use accompany_domain::records::Persona;
use accompany_domain::FieldError;
use accompany_store::{GroupView, Roster, SessionView};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::auth::{PageUser, Signed};
use crate::i18n::Tr;
use crate::pages::{csrf_refused, done_or_error, page_error, render, saved_or_form, Layout};
use crate::problem::AppError;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/availability", get(availability_page).post(add_window))
        .route("/availability/remove", post(remove_window))
        .route("/sessions", get(sessions_page))
        .route("/sessions/book", get(book_page).post(book))
        .route("/sessions/{id}/reschedule", get(reschedule_page).post(reschedule))
        .route("/sessions/{id}/cancel", post(cancel))
        .route("/groups", get(groups_page))
        .route("/groups/new", get(new_group_page).post(create_group))
        .route("/groups/{id}/join", post(join))
        .route("/groups/{id}/leave", post(leave))
        .route("/groups/{id}/attendance", get(attendance_page).post(record_attendance))
        .route("/reach", get(reach_page).post(save_reach))
        .route("/reach/calendar", post(new_feed))
}

/// Links this area adds to a persona's navigation.
pub fn nav_keys(p: Persona) -> &'static [(&'static str, &'static str)] {
    match p {
        Persona::Member => &[("/sessions", "nav-sessions"), ("/groups", "nav-groups"), ("/reach", "nav-reach")],
        Persona::PeerWorker => {
            &[("/sessions", "nav-sessions"), ("/availability", "nav-availability"), ("/groups", "nav-groups"), ("/reach", "nav-reach")]
        }
        _ => &[],
    }
}

type ErrorList = Vec<(String, String, String)>;

fn error_list(t: &Tr, errors: &[FieldError], anchor: impl Fn(&str) -> &'static str) -> ErrorList {
    errors
        .iter()
        .map(|e| {
            let field = e.field.rsplit('.').next().unwrap_or(&e.field);
            let a = anchor(field);
            (a.to_string(), t.t(&format!("booking-field-{}", a.replace('_', "-"))), t.field_error(e))
        })
        .collect()
}

pub fn when_text(t: &Tr, start: &str) -> String {
    match accompany_domain::booking::parse_datetime(start) {
        Some(d) => format!(
            "{} {} {}",
            t.t(&format!("weekday-{}", weekday_id(d.weekday()))),
            accompany_domain::records::format_date(d.date()),
            clock_text(u32::from(d.hour()) * 60 + u32::from(d.minute()))
        ),
        None => start.to_string(),
    }
}

pub struct Choice {
    pub id: String,
    pub label: String,
    pub selected: bool,
}

fn modality_choices(t: &Tr, chosen: &str) -> Vec<Choice> {
    [Modality::InPerson, Modality::Phone, Modality::Video]
        .iter()
        .map(|m| Choice { id: m.as_str().into(), label: t.t(&format!("modality-{}", m.as_str())), selected: m.as_str() == chosen })
        .collect()
}

// --- The worker's week ----------------------------------------------------------

pub struct WindowRow {
    pub index: usize,
    pub day: String,
    pub from: String,
    pub to: String,
    pub modality: String,
}

#[derive(Template)]
#[template(path = "availability.html")]
struct AvailabilityPage {
    l: Layout,
    error_list: ErrorList,
    windows: Vec<WindowRow>,
    times: String,
    days: Vec<Choice>,
    modalities: Vec<Choice>,
    form: WindowInput,
    saved: bool,
}

#[derive(Deserialize, Default)]
struct SavedQuery {
    saved: Option<String>,
}

async fn own_worker(state: &AppState, s: &Signed) -> Result<String, Response> {
    match s.access(state).own_worker_id().await {
        Ok(Some(w)) => Ok(w),
        Ok(None) => Err(page_error(s, AppError::Forbidden(s.tr.t("booking-workers-only")))),
        Err(e) => Err(page_error(s, e)),
    }
}

/// The signed-in worker and their week as it stands, once the form's token is checked.
async fn own_week(state: &AppState, s: &Signed, csrf: &str) -> Result<(String, Vec<WindowInput>), Response> {
    if let Some(r) = csrf_refused(s, csrf) {
        return Err(r);
    }
    let worker_id = own_worker(state, s).await?;
    match s.access(state).availability(&worker_id).await {
        Ok(a) => Ok((worker_id, a.windows.iter().map(window_input).collect())),
        Err(e) => Err(page_error(s, e)),
    }
}

async fn availability_page(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<SavedQuery>) -> Response {
    show_availability(
        &state,
        &s,
        WindowInput { weekday: "tuesday".into(), start: "18:00".into(), end: "21:00".into(), modality: "video".into() },
        vec![],
        q.saved.is_some(),
    )
    .await
}

async fn show_availability(state: &AppState, s: &Signed, form: WindowInput, errors: Vec<FieldError>, saved: bool) -> Response {
    let t = &s.tr;
    let worker_id = match own_worker(state, s).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let a = match s.access(state).availability(&worker_id).await {
        Ok(a) => a,
        Err(e) => return page_error(s, e),
    };
    let windows = a
        .windows
        .iter()
        .enumerate()
        .map(|(index, w)| WindowRow {
            index,
            day: t.t(&format!("weekday-{}", weekday_id(w.weekday))),
            from: clock_text(w.start),
            to: clock_text(w.end),
            modality: t.t(&format!("modality-{}", w.modality.as_str())),
        })
        .collect();
    let times = a.times.iter().map(|x| t.t(&format!("match-time-{}", x.as_str()))).collect::<Vec<_>>().join(", ");
    let anchor = |f: &str| match f {
        "weekday" => "weekday",
        "start" => "start",
        "end" => "end",
        "modality" => "modality",
        _ => "weekday",
    };
    render(AvailabilityPage {
        l: Layout::new(t, Some(s), "/availability", t.t("availability-title")),
        error_list: error_list(t, &errors, anchor),
        windows,
        times,
        days: WEEKDAYS
            .iter()
            .map(|d| Choice {
                id: weekday_id(*d).into(),
                label: t.t(&format!("weekday-{}", weekday_id(*d))),
                selected: weekday_id(*d) == form.weekday,
            })
            .collect(),
        modalities: modality_choices(t, &form.modality),
        form,
        saved,
    })
}

#[derive(Deserialize)]
struct WindowForm {
    csrf: String,
    weekday: String,
    start: String,
    end: String,
    modality: String,
}

async fn add_window(State(state): State<AppState>, PageUser(s): PageUser, Form(f): Form<WindowForm>) -> Response {
    let (worker_id, mut week) = match own_week(&state, &s, &f.csrf).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let form = WindowInput { weekday: f.weekday, start: f.start, end: f.end, modality: f.modality };
    // The new window is checked alone first, so its problems name its own fields.
    if let Err(e) = form.validate(None) {
        return show_availability(&state, &s, form, e.0, false).await;
    }
    week.push(form.clone());
    let saved = s.access(&state).set_availability(&worker_id, &week).await;
    saved_or_form(&s, saved, "/availability?saved=1", |fields| show_availability(&state, &s, form, fields, false)).await
}

fn window_input(w: &accompany_domain::booking::Window) -> WindowInput {
    WindowInput { weekday: weekday_id(w.weekday).into(), start: clock_text(w.start), end: clock_text(w.end), modality: w.modality.as_str().into() }
}

#[derive(Deserialize)]
struct RemoveForm {
    csrf: String,
    index: usize,
}

async fn remove_window(State(state): State<AppState>, PageUser(s): PageUser, Form(f): Form<RemoveForm>) -> Response {
    let (worker_id, mut week) = match own_week(&state, &s, &f.csrf).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    if f.index < week.len() {
        week.remove(f.index);
    }
    done_or_error(&s, s.access(&state).set_availability(&worker_id, &week).await, "/availability?saved=1")
}

// --- Sessions -------------------------------------------------------------------

pub struct SessionRow {
    pub id: String,
    pub when: String,
    pub with: String,
    pub minutes: i64,
    pub modality: String,
    pub cancelled: bool,
}

#[derive(Template)]
#[template(path = "sessions.html")]
struct SessionsPage {
    l: Layout,
    is_member: bool,
    sessions: Vec<SessionRow>,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    done: Option<String>,
}

fn session_rows(t: &Tr, sessions: &[SessionView], member_view: bool) -> Vec<SessionRow> {
    sessions
        .iter()
        .map(|x| SessionRow {
            id: x.id.clone(),
            when: when_text(t, &x.start),
            with: if member_view { x.worker_name.clone() } else { x.member_name.clone() },
            minutes: x.minutes,
            modality: t.t(&format!("modality-{}", x.modality.as_str())),
            cancelled: x.status == accompany_domain::booking::SessionStatus::Cancelled,
        })
        .collect()
}

async fn sessions_page(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<NoticeQuery>) -> Response {
    let t = &s.tr;
    let access = s.access(&state);
    let is_member = s.user.member_id.is_some();
    let sessions = match s.user.member_id.clone() {
        Some(m) => access.member_sessions(&m).await,
        None => access.worker_sessions().await,
    };
    let sessions = match sessions {
        Ok(x) => x,
        Err(e) => return page_error(&s, e),
    };
    let notice = q.done.as_deref().filter(|d| ["booked", "moved", "cancelled"].contains(d)).map(|d| t.t(&format!("sessions-done-{d}")));
    render(SessionsPage {
        l: Layout::new(t, Some(&s), "/sessions", t.t("sessions-title")),
        is_member,
        sessions: session_rows(t, &sessions, is_member),
        notice,
    })
}

pub struct SlotChoice {
    pub value: String,
    pub id: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "book.html")]
struct BookPage {
    l: Layout,
    error_list: ErrorList,
    /// Where the slot form posts.
    action: String,
    heading: String,
    peers: Vec<Choice>,
    lengths: Vec<Choice>,
    worker_id: String,
    minutes: u32,
    slots: Vec<SlotChoice>,
    version: i64,
}

#[derive(Deserialize, Default)]
struct BookQuery {
    worker_id: Option<String>,
    minutes: Option<u32>,
}

fn lengths(t: &Tr, chosen: u32) -> Vec<Choice> {
    SESSION_LENGTHS.iter().map(|m| Choice { id: m.to_string(), label: t.t1("book-minutes", "n", m), selected: *m == chosen }).collect()
}

async fn book_page(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<BookQuery>) -> Response {
    show_book(&state, &s, q.worker_id, q.minutes.filter(|m| SESSION_LENGTHS.contains(m)).unwrap_or(60), vec![]).await
}

async fn show_book(state: &AppState, s: &Signed, worker_id: Option<String>, minutes: u32, errors: Vec<FieldError>) -> Response {
    let t = &s.tr;
    let Some(member_id) = s.user.member_id.clone() else {
        return page_error(s, AppError::Forbidden(t.t("booking-members-only")));
    };
    let access = s.access(state);
    let peers = match access.bookable_peers(&member_id).await {
        Ok(p) => p,
        Err(e) => return page_error(s, e),
    };
    let worker_id = worker_id.filter(|w| peers.iter().any(|p| &p.worker_id == w)).or_else(|| peers.first().map(|p| p.worker_id.clone()));
    let slots = match &worker_id {
        Some(w) => match access.free_slots(&member_id, w, minutes, 14).await {
            Ok(x) => x,
            Err(e) => return page_error(s, e),
        },
        None => vec![],
    };
    render(BookPage {
        l: Layout::new(t, Some(s), "/sessions/book", t.t("book-title")),
        error_list: error_list(t, &errors, |f| if f == "minutes" { "minutes" } else { "slots" }),
        action: "/sessions/book".into(),
        heading: t.t("book-title"),
        peers: peers
            .iter()
            .map(|p| Choice { id: p.worker_id.clone(), label: p.name.clone(), selected: Some(&p.worker_id) == worker_id.as_ref() })
            .collect(),
        lengths: lengths(t, minutes),
        worker_id: worker_id.unwrap_or_default(),
        minutes,
        slots: slot_choices(t, &slots),
        version: 0,
    })
}

fn slot_choices(t: &Tr, slots: &[accompany_domain::booking::Slot]) -> Vec<SlotChoice> {
    slots
        .iter()
        .take(60)
        .enumerate()
        .map(|(i, x)| SlotChoice {
            value: datetime_text(x.span.start),
            id: format!("slot-{i}"),
            label: format!("{} ({})", when_text(t, &datetime_text(x.span.start)), t.t(&format!("modality-{}", x.modality.as_str()))),
        })
        .collect()
}

#[derive(Deserialize)]
struct BookForm {
    csrf: String,
    worker_id: String,
    minutes: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    version: Option<i64>,
}

async fn book(State(state): State<AppState>, PageUser(s): PageUser, Form(f): Form<BookForm>) -> Response {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return r;
    }
    let Some(member_id) = s.user.member_id.clone() else {
        return page_error(&s, AppError::Forbidden(s.tr.t("booking-members-only")));
    };
    let input = SessionInput { worker_id: f.worker_id.clone(), start: f.start, minutes: f.minutes.clone(), modality: String::new() };
    let saved = s.access(&state).book_session(&member_id, &input).await;
    saved_or_form(&s, saved, "/sessions?done=booked", |fields| show_book(&state, &s, Some(f.worker_id), f.minutes.parse().unwrap_or(60), fields))
        .await
}

async fn reschedule_page(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Query(q): Query<BookQuery>) -> Response {
    show_reschedule(&state, &s, &id, q.minutes, vec![]).await
}

async fn show_reschedule(state: &AppState, s: &Signed, id: &str, minutes: Option<u32>, errors: Vec<FieldError>) -> Response {
    let t = &s.tr;
    let access = s.access(state);
    let sessions = match s.user.member_id.clone() {
        Some(m) => access.member_sessions(&m).await,
        None => access.worker_sessions().await,
    };
    let session = match sessions {
        Ok(list) => list.into_iter().find(|x| x.id == id),
        Err(e) => return page_error(s, e),
    };
    let Some(session) = session else {
        return page_error(s, AppError::NotFound);
    };
    let minutes = minutes.filter(|m| SESSION_LENGTHS.contains(m)).unwrap_or(session.minutes as u32);
    // A peer moving a session may not be able to list free times for
    // a member who left their team; they still see the form.
    let slots = access.free_slots(&session.member_id, &session.worker_id, minutes, 14).await.unwrap_or_default();
    render(BookPage {
        l: Layout::new(t, Some(s), "/sessions", t.t("reschedule-title")),
        error_list: error_list(t, &errors, |f| if f == "minutes" { "minutes" } else { "slots" }),
        action: format!("/sessions/{id}/reschedule"),
        heading: t.t1("reschedule-heading", "when", when_text(t, &session.start)),
        peers: vec![],
        lengths: lengths(t, minutes),
        worker_id: session.worker_id.clone(),
        minutes,
        slots: slot_choices(t, &slots),
        version: session.version,
    })
}

async fn reschedule(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Form(f): Form<BookForm>) -> Response {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return r;
    }
    let saved = s.access(&state).reschedule_session(&id, &f.start, &f.minutes, f.version).await;
    saved_or_form(&s, saved, "/sessions?done=moved", |fields| show_reschedule(&state, &s, &id, f.minutes.parse().ok(), fields)).await
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn cancel(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Form(f): Form<CsrfForm>) -> Response {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return r;
    }
    done_or_error(&s, s.access(&state).cancel_session(&id).await, "/sessions?done=cancelled")
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
#[template(path = "groups.html")]
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
        language: crate::choice_pages::language_name(state, t, &g.language),
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

async fn groups_page(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<NoticeQuery>) -> Response {
    let t = &s.tr;
    let access = s.access(&state);
    let groups = match access.groups().await {
        Ok(g) => g,
        Err(e) => return page_error(&s, e),
    };
    // Members see the groups held in their languages first.
    let languages: Vec<String> = match &s.user.member_id {
        Some(m) => match access.member(m).await {
            Ok(m) => m.record.preferred_languages.clone(),
            Err(e) => return page_error(&s, e),
        },
        None => vec![],
    };
    let (mine, others): (Vec<&GroupView>, Vec<&GroupView>) =
        groups.iter().partition(|g| languages.is_empty() || languages.contains(&g.language) || g.joined || g.is_leader);
    let notice = q.done.as_deref().filter(|d| ["joined", "left", "created", "recorded"].contains(d)).map(|d| t.t(&format!("groups-done-{d}")));
    render(GroupsPage {
        l: Layout::new(t, Some(&s), "/groups", t.t("groups-title")),
        is_member: s.user.member_id.is_some(),
        runs_groups: accompany_domain::groups::may_run_groups(&s.user.actor()).is_permit(),
        in_my_language: mine.into_iter().map(|g| group_card(&state, t, g)).collect(),
        others: others.into_iter().map(|g| group_card(&state, t, g)).collect(),
        notice,
    })
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
#[template(path = "group_form.html")]
struct GroupFormPage {
    l: Layout,
    error_list: ErrorList,
    form: GroupInput,
    languages: Vec<Choice>,
    modalities: Vec<Choice>,
    settings: Vec<Choice>,
    organizations: Vec<Choice>,
}

async fn new_group_page(State(state): State<AppState>, PageUser(s): PageUser) -> Response {
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

async fn show_group_form(state: &AppState, s: &Signed, form: GroupInput, errors: Vec<FieldError>) -> Response {
    let t = &s.tr;
    if !accompany_domain::groups::may_run_groups(&s.user.actor()).is_permit() {
        return page_error(s, AppError::Forbidden(t.t("groups-peers-only")));
    }
    let organizations = match state.store.organization_names().await {
        Ok(o) => o,
        Err(e) => return page_error(s, e),
    };
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
    render(GroupFormPage {
        l: Layout::new(t, Some(s), "/groups/new", t.t("group-new-title")),
        error_list: error_list(t, &errors, anchor),
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
    })
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
#[template(path = "attendance.html")]
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

async fn attendance_page(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Query(q): Query<AttendanceQuery>) -> Response {
    show_attendance(&state, &s, &id, q.meeting_id, vec![]).await
}

async fn show_attendance(state: &AppState, s: &Signed, id: &str, meeting_id: Option<String>, errors: Vec<FieldError>) -> Response {
    let t = &s.tr;
    let roster: Roster = match s.access(state).roster(id).await {
        Ok(r) => r,
        Err(e) => return page_error(s, e),
    };
    let now = datetime_text(state.store.now_local());
    // Meetings that have started, newest first: the one just held is the default.
    let started: Vec<_> = roster.meetings.iter().filter(|m| m.start <= now).rev().collect();
    let chosen = meeting_id.filter(|m| started.iter().any(|x| &x.id == m)).or_else(|| started.first().map(|m| m.id.clone()));
    let attended: Vec<String> = started.iter().find(|m| Some(&m.id) == chosen.as_ref()).map(|m| m.attended.clone()).unwrap_or_default();
    render(AttendancePage {
        l: Layout::new(t, Some(s), "/groups", t.t("attendance-title")),
        error_list: error_list(t, &errors, |f| if f == "meeting_id" { "meeting_id" } else { "members" }),
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
    })
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

// --- How to reach me ------------------------------------------------------------

#[derive(Template)]
#[template(path = "reach.html")]
struct ReachPage {
    l: Layout,
    error_list: ErrorList,
    channels: Vec<Choice>,
    email: String,
    phone: String,
    saved: bool,
    feed_url: Option<String>,
}

async fn reach_page(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<SavedQuery>) -> Response {
    let reach = match s.access(&state).reach().await {
        Ok(r) => r,
        Err(e) => return page_error(&s, e),
    };
    let input = ReachInput { channel: reach.channel.as_str().into(), email: reach.email.unwrap_or_default(), phone: reach.phone.unwrap_or_default() };
    show_reach(&s, input, vec![], q.saved.is_some(), None)
}

fn show_reach(s: &Signed, input: ReachInput, errors: Vec<FieldError>, saved: bool, feed_url: Option<String>) -> Response {
    let t = &s.tr;
    render(ReachPage {
        l: Layout::new(t, Some(s), "/reach", t.t("reach-title")),
        error_list: error_list(t, &errors, |f| match f {
            "email" => "email",
            "phone" => "phone",
            _ => "channel-in-app",
        }),
        channels: accompany_domain::booking::Channel::ALL
            .iter()
            .map(|c| Choice { id: c.as_str().into(), label: t.t(&format!("reach-channel-{}", c.as_str())), selected: c.as_str() == input.channel })
            .collect(),
        email: input.email,
        phone: input.phone,
        saved,
        feed_url,
    })
}

#[derive(Deserialize)]
struct ReachForm {
    csrf: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
}

async fn save_reach(State(state): State<AppState>, PageUser(s): PageUser, Form(f): Form<ReachForm>) -> Response {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return r;
    }
    let input = ReachInput { channel: f.channel, email: f.email, phone: f.phone };
    let saved = s.access(&state).set_reach(&input).await;
    saved_or_form(&s, saved, "/reach?saved=1", |fields| std::future::ready(show_reach(&s, input, fields, false, None))).await
}

async fn new_feed(State(state): State<AppState>, PageUser(s): PageUser, headers: axum::http::HeaderMap, Form(f): Form<CsrfForm>) -> Response {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return r;
    }
    let access = s.access(&state);
    let token = match access.new_calendar_feed().await {
        Ok((t, _)) => t,
        Err(e) => return page_error(&s, e),
    };
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = if state.secure_cookies { "https" } else { "http" };
    let reach = access.reach().await.unwrap_or_default();
    let input = ReachInput { channel: reach.channel.as_str().into(), email: reach.email.unwrap_or_default(), phone: reach.phone.unwrap_or_default() };
    show_reach(&s, input, vec![], false, Some(format!("{scheme}://{host}/calendar/{token}.ics")))
}
