//! How to reach me: the ways a person is reached, and their calendar feed.

use accompany_domain::booking::ReachInput;
use accompany_domain::FieldError;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Form;
use axum::Router;
use serde::Deserialize;

use crate::auth::Signed;
use crate::page::{anchored_error_list, csrf_refused, render, saved_or_form, Choice, CsrfForm, ErrorList, Layout, PageResult, PageUser};
use crate::AppState;

#[derive(Deserialize, Default)]
struct SavedQuery {
    saved: Option<String>,
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/reach", get(reach_page).post(save_reach)).route("/reach/calendar", post(new_feed))
}

// --- How to reach me ------------------------------------------------------------

#[derive(Template)]
#[template(path = "reach/reach.html")]
struct ReachPage {
    l: Layout,
    error_list: ErrorList,
    channels: Vec<Choice>,
    email: String,
    phone: String,
    saved: bool,
    feed_url: Option<String>,
    /// The version of the choice shown, sent back with the form.
    version: i64,
}

async fn reach_page(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<SavedQuery>) -> PageResult {
    let (reach, version) = s.access(&state).reach().await?;
    let input = ReachInput { channel: reach.channel.as_str().into(), email: reach.email.unwrap_or_default(), phone: reach.phone.unwrap_or_default() };
    Ok(show_reach(&s, input, vec![], q.saved.is_some(), None, version))
}

fn show_reach(s: &Signed, input: ReachInput, errors: Vec<FieldError>, saved: bool, feed_url: Option<String>, version: i64) -> Response {
    let t = &s.tr;
    render(ReachPage {
        l: Layout::new(t, Some(s), "/reach", t.t("reach-title")),
        error_list: anchored_error_list(t, &errors, |f| match f {
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
        version,
    })
}

#[derive(Deserialize)]
struct ReachForm {
    csrf: String,
    #[serde(default)]
    version: Option<i64>,
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
    let version = f.version.unwrap_or(i64::MIN);
    let saved = s.access(&state).set_reach(&input, version).await;
    saved_or_form(&s, saved, "/reach?saved=1", |fields| std::future::ready(show_reach(&s, input, fields, false, None, version))).await
}

async fn new_feed(State(state): State<AppState>, PageUser(s): PageUser, headers: axum::http::HeaderMap, Form(f): Form<CsrfForm>) -> PageResult {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return Ok(r);
    }
    let access = s.access(&state);
    let (token, _) = access.new_calendar_feed().await?;
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = if state.secure_cookies { "https" } else { "http" };
    let (reach, version) = access.reach().await?;
    let input = ReachInput { channel: reach.channel.as_str().into(), email: reach.email.unwrap_or_default(), phone: reach.phone.unwrap_or_default() };
    Ok(show_reach(&s, input, vec![], false, Some(format!("{scheme}://{host}/calendar/{token}.ics")), version))
}
