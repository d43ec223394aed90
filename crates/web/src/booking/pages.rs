//! Pages of availability and booking: a worker's weekly windows, a member
//! booking a session (a free slot, a length up to three hours), and
//! everyone's sessions with moving and cancelling.

use accompany_domain::booking::{clock_text, datetime_text, weekday_id, SessionInput, WindowInput, SESSION_LENGTHS, WEEKDAYS};
use accompany_domain::FieldError;
use accompany_store::SessionView;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::Form;
use axum::Router;
use serde::Deserialize;

use crate::auth::Signed;
use crate::i18n::Tr;
use crate::page::{
    anchored_error_list, csrf_refused, done_or_error, modality_choices, render, saved_or_form, when_text, Choice, ErrorList, Layout, PageError,
    PageResult, PageUser,
};
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
#[template(path = "booking/availability.html")]
struct AvailabilityPage {
    l: Layout,
    error_list: ErrorList,
    windows: Vec<WindowRow>,
    times: String,
    days: Vec<Choice>,
    modalities: Vec<Choice>,
    form: WindowInput,
    saved: bool,
    /// The version of the week shown: both forms send it back.
    version: i64,
}

#[derive(Deserialize, Default)]
struct SavedQuery {
    saved: Option<String>,
}

async fn own_worker(state: &AppState, s: &Signed) -> Result<String, PageError> {
    s.access(state).own_worker_id().await?.ok_or_else(|| AppError::Forbidden(s.tr.t("booking-workers-only")).into())
}

/// The signed-in worker and their week as it stands, once the form's token
/// is checked. The form's version goes with the change, so a week changed
/// in another tab since this page was shown is not overwritten.
async fn own_week(state: &AppState, s: &Signed) -> Result<(String, Vec<WindowInput>), PageError> {
    let worker_id = own_worker(state, s).await?;
    let a = s.access(state).availability(&worker_id).await?;
    Ok((worker_id, a.windows.iter().map(window_input).collect()))
}

async fn availability_page(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<SavedQuery>) -> PageResult {
    show_availability(
        &state,
        &s,
        WindowInput { weekday: "tuesday".into(), start: "18:00".into(), end: "21:00".into(), modality: "video".into() },
        vec![],
        q.saved.is_some(),
    )
    .await
}

async fn show_availability(state: &AppState, s: &Signed, form: WindowInput, errors: Vec<FieldError>, saved: bool) -> PageResult {
    let t = &s.tr;
    let worker_id = own_worker(state, s).await?;
    let a = s.access(state).availability(&worker_id).await?;
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
    Ok(render(AvailabilityPage {
        l: Layout::new(t, Some(s), "/availability", t.t("availability-title")),
        error_list: anchored_error_list(t, &errors, anchor),
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
        version: a.version,
    }))
}

#[derive(Deserialize)]
struct WindowForm {
    csrf: String,
    #[serde(default)]
    version: Option<i64>,
    weekday: String,
    start: String,
    end: String,
    modality: String,
}

async fn add_window(State(state): State<AppState>, PageUser(s): PageUser, Form(f): Form<WindowForm>) -> PageResult {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return Ok(r);
    }
    let (worker_id, mut week) = own_week(&state, &s).await?;
    let form = WindowInput { weekday: f.weekday, start: f.start, end: f.end, modality: f.modality };
    // The new window is checked alone first, so its problems name its own fields.
    if let Err(e) = form.validate(None) {
        return show_availability(&state, &s, form, e.0, false).await;
    }
    week.push(form.clone());
    let saved = s.access(&state).set_availability(&worker_id, &week, f.version.unwrap_or(i64::MIN)).await;
    Ok(saved_or_form(&s, saved, "/availability?saved=1", |fields| show_availability(&state, &s, form, fields, false)).await)
}

fn window_input(w: &accompany_domain::booking::Window) -> WindowInput {
    WindowInput { weekday: weekday_id(w.weekday).into(), start: clock_text(w.start), end: clock_text(w.end), modality: w.modality.as_str().into() }
}

#[derive(Deserialize)]
struct RemoveForm {
    csrf: String,
    #[serde(default)]
    version: Option<i64>,
    index: usize,
}

async fn remove_window(State(state): State<AppState>, PageUser(s): PageUser, Form(f): Form<RemoveForm>) -> PageResult {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return Ok(r);
    }
    let (worker_id, mut week) = own_week(&state, &s).await?;
    if f.index < week.len() {
        week.remove(f.index);
    }
    Ok(done_or_error(&s, s.access(&state).set_availability(&worker_id, &week, f.version.unwrap_or(i64::MIN)).await, "/availability?saved=1"))
}

// --- Sessions -------------------------------------------------------------------

pub struct SessionRow {
    pub id: String,
    pub when: String,
    pub with: String,
    pub minutes: i64,
    pub modality: String,
    pub cancelled: bool,
    pub version: i64,
}

#[derive(Template)]
#[template(path = "booking/sessions.html")]
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
            version: x.version,
        })
        .collect()
}

async fn sessions_page(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<NoticeQuery>) -> PageResult {
    let t = &s.tr;
    let access = s.access(&state);
    let is_member = s.user.member_id.is_some();
    let sessions = match s.user.member_id.clone() {
        Some(m) => access.member_sessions(&m).await,
        None => access.worker_sessions().await,
    };
    let sessions = sessions?;
    let notice = q.done.as_deref().filter(|d| ["booked", "moved", "cancelled"].contains(d)).map(|d| t.t(&format!("sessions-done-{d}")));
    Ok(render(SessionsPage {
        l: Layout::new(t, Some(&s), "/sessions", t.t("sessions-title")),
        is_member,
        sessions: session_rows(t, &sessions, is_member),
        notice,
    }))
}

pub struct SlotChoice {
    pub value: String,
    pub id: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "booking/book.html")]
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

async fn book_page(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<BookQuery>) -> PageResult {
    show_book(&state, &s, q.worker_id, q.minutes.filter(|m| SESSION_LENGTHS.contains(m)).unwrap_or(60), vec![]).await
}

async fn show_book(state: &AppState, s: &Signed, worker_id: Option<String>, minutes: u32, errors: Vec<FieldError>) -> PageResult {
    let t = &s.tr;
    let member_id = members_only(s)?;
    let access = s.access(state);
    let peers = access.bookable_peers(&member_id).await?;
    let worker_id = worker_id.filter(|w| peers.iter().any(|p| &p.worker_id == w)).or_else(|| peers.first().map(|p| p.worker_id.clone()));
    let slots = match &worker_id {
        Some(w) => access.free_slots(&member_id, w, minutes, 14).await?,
        None => vec![],
    };
    Ok(render(BookPage {
        l: Layout::new(t, Some(s), "/sessions/book", t.t("book-title")),
        error_list: anchored_error_list(t, &errors, |f| if f == "minutes" { "minutes" } else { "slots" }),
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
    }))
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

/// The member's own id: booking is for members.
fn members_only(s: &Signed) -> Result<String, AppError> {
    s.user.member_id.clone().ok_or_else(|| AppError::Forbidden(s.tr.t("booking-members-only")))
}

async fn book(State(state): State<AppState>, PageUser(s): PageUser, Form(f): Form<BookForm>) -> PageResult {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return Ok(r);
    }
    let member_id = members_only(&s)?;
    let input = SessionInput { worker_id: f.worker_id.clone(), start: f.start, minutes: f.minutes.clone(), modality: String::new() };
    let saved = s.access(&state).book_session(&member_id, &input).await;
    Ok(saved_or_form(&s, saved, "/sessions?done=booked", |fields| show_book(&state, &s, Some(f.worker_id), f.minutes.parse().unwrap_or(60), fields))
        .await)
}

async fn reschedule_page(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Query(q): Query<BookQuery>) -> PageResult {
    show_reschedule(&state, &s, &id, q.minutes, vec![]).await
}

async fn show_reschedule(state: &AppState, s: &Signed, id: &str, minutes: Option<u32>, errors: Vec<FieldError>) -> PageResult {
    let t = &s.tr;
    let access = s.access(state);
    let sessions = match s.user.member_id.clone() {
        Some(m) => access.member_sessions(&m).await?,
        None => access.worker_sessions().await?,
    };
    let session = sessions.into_iter().find(|x| x.id == id).ok_or(AppError::NotFound)?;
    let minutes = minutes.filter(|m| SESSION_LENGTHS.contains(m)).unwrap_or(session.minutes as u32);
    // A peer moving a session may not be able to list free times for
    // a member who left their team; they still see the form.
    let slots = access.free_slots(&session.member_id, &session.worker_id, minutes, 14).await.unwrap_or_default();
    Ok(render(BookPage {
        l: Layout::new(t, Some(s), "/sessions", t.t("reschedule-title")),
        error_list: anchored_error_list(t, &errors, |f| if f == "minutes" { "minutes" } else { "slots" }),
        action: format!("/sessions/{id}/reschedule"),
        heading: t.t1("reschedule-heading", "when", when_text(t, &session.start)),
        peers: vec![],
        lengths: lengths(t, minutes),
        worker_id: session.worker_id.clone(),
        minutes,
        slots: slot_choices(t, &slots),
        version: session.version,
    }))
}

async fn reschedule(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Form(f): Form<BookForm>) -> PageResult {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return Ok(r);
    }
    let saved = s.access(&state).reschedule_session(&id, &f.start, &f.minutes, f.version.unwrap_or(i64::MIN)).await;
    Ok(saved_or_form(&s, saved, "/sessions?done=moved", |fields| show_reschedule(&state, &s, &id, f.minutes.parse().ok(), fields)).await)
}

#[derive(Deserialize)]
struct CancelForm {
    csrf: String,
    #[serde(default)]
    version: Option<i64>,
}

async fn cancel(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Form(f): Form<CancelForm>) -> PageResult {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return Ok(r);
    }
    Ok(done_or_error(&s, s.access(&state).cancel_session(&id, f.version.unwrap_or(i64::MIN)).await, "/sessions?done=cancelled"))
}
