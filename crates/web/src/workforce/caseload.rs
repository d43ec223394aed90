//! Contacts across one peer's caseload: for the peer themself, their
//! supervisor and their organization's or the state's admins. Members below
//! the engagement rule come first; members who do not share their contacts
//! with the reader are only counted. On their own caseload the peer also
//! sees who is due a follow-up after acute care, and only the day of it.

use accompany_domain::activity::PeerMonth;
use accompany_domain::records::format_date;
use accompany_domain::records::Persona;
use accompany_domain::stats::Suppressed;
use accompany_store::events::FollowUpDue;
use accompany_store::CaseloadContacts;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::Router;

use crate::auth::{ApiUser, Signed};
use crate::i18n::Tr;
use crate::json::{ok, ApiResult};
use crate::page::charts::{Chart, Group, Panel, Row as TableRow, Series, Table};
use crate::page::{render, Layout, PageResult, PageUser};
use crate::AppState;

use super::labels::*;

pub fn routes() -> Router<AppState> {
    Router::new().route("/workforce/me/caseload", get(my_caseload)).route("/workforce/workers/{id}/caseload", get(caseload_page))
}

pub struct Row {
    pub label: String,
    pub href: String,
    pub contacts: String,
    pub units: String,
    pub rule: String,
    pub below: bool,
    pub last: String,
}

/// A member due a follow-up: who, and when the acute care was.
pub struct DueRow {
    pub label: String,
    pub href: String,
    pub when: String,
}

#[derive(Template)]
#[template(path = "workforce/caseload.html")]
struct CaseloadPage {
    l: Layout,
    sub: Vec<SubLink>,
    summary: String,
    units: String,
    not_shared: String,
    rows: Vec<Row>,
    due: Vec<DueRow>,
    month: String,
    weeks: Panel,
}

/// A peer's own caseload, from the home page.
async fn my_caseload(State(state): State<AppState>, PageUser(s): PageUser) -> PageResult {
    let w = s.access(&state).my_worker().await?.ok_or(crate::problem::AppError::NotFound)?;
    Ok(Redirect::to(&format!("/workforce/workers/{}/caseload", w.id)).into_response())
}

async fn caseload_page(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>) -> PageResult {
    let access = s.access(&state);
    let c = access.caseload_contacts(&id).await?;
    // Follow-ups are told to the member's own peer: only on their own caseload.
    let mut due = Vec::new();
    if matches!(s.user.persona, Persona::PeerWorker | Persona::Supervisor) && access.my_worker().await?.is_some_and(|w| w.id == c.worker_id) {
        due = access.follow_ups_due(accompany_store::today_date()).await?;
    }
    Ok(render(view(&state, &s, &c, &due)))
}

fn view(state: &AppState, s: &Signed, c: &CaseloadContacts, due: &[FollowUpDue]) -> CaseloadPage {
    let t: &Tr = &s.tr;
    let sum = &c.caseload.summary;
    let rows = c
        .caseload
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| Row {
            // Someone who may not see who the member is gets a neutral label.
            label: r.name.clone().unwrap_or_else(|| t.t1("cl-member-n", "n", i + 1)),
            href: format!("/members/{}/contact-log", r.member_id),
            contacts: t.tn("cl-contacts-in", &[("count", r.contacts.to_string()), ("days", r.window_days.to_string())]),
            units: match (r.units_used, r.units_authorized) {
                (Some(u), Some(a)) => t.tn("cl-units-of", &[("used", u.to_string()), ("authorized", a.to_string())]),
                _ => t.t("cl-none"),
            },
            rule: match r.rule_met {
                Some(true) => t.t("cl-rule-met"),
                Some(false) => t.t("cl-rule-not-met"),
                None => t.t("cl-rule-none"),
            },
            below: r.rule_met == Some(false),
            last: r.last_contact.map(format_date).unwrap_or_else(|| t.t("cl-never")),
        })
        .collect();
    let role = state.catalog.role(&c.role_id).map_or_else(|| c.role_id.clone(), |r| r.name.get(t.lang).to_string());
    let path = format!("/workforce/workers/{}/caseload", c.worker_id);
    CaseloadPage {
        l: Layout::new(t, Some(s), &path, t.t1("cl-title", "name", &c.worker_name)),
        sub: sub_nav(t, s.user.persona, &path),
        summary: t.tn(
            "cl-summary",
            &[("role", role), ("members", sum.members.to_string()), ("met", sum.rule_met.to_string()), ("notmet", sum.rule_not_met.to_string())],
        ),
        units: t.t1("cl-units-total", "units", sum.units_used),
        not_shared: if sum.not_shared > 0 { t.t1("cl-not-shared", "count", sum.not_shared) } else { String::new() },
        rows,
        month: t.t1("act-month-summary", "count", c.month.this_month),
        weeks: weeks_panel(t, &c.month),
        due: due
            .iter()
            .map(|d| DueRow {
                label: format!("{} {}", d.given_name, d.family_name),
                href: format!("/members/{}", d.member_id),
                when: t.t1("cl-follow-up-since", "day", &d.since),
            })
            .collect(),
    }
}

/// The contacts the worker logged each week, as a table and bars. Whoever
/// may see the caseload sees its contacts one by one: nothing is withheld.
fn weeks_panel(t: &Tr, month: &PeerMonth) -> Panel {
    let series = [Series { class: "series-a", name: t.t("act-series-contacts") }];
    let groups: Vec<Group> = month
        .weeks
        .iter()
        .map(|w| Group { label: format_date(w.starts), values: vec![(Suppressed::Shown(f64::from(w.contacts)), w.contacts.to_string())] })
        .collect();
    Panel {
        table: Table {
            id: "weeks".into(),
            caption: t.t("act-weeks-caption"),
            head: vec![t.t("act-col-week"), t.t("act-col-week-contacts")],
            rows: month.weeks.iter().map(|w| TableRow { label: format_date(w.starts), cells: vec![w.contacts.to_string()] }).collect(),
        },
        chart: Chart::counts(t, "weeks-chart", t.t("act-weeks-chart"), &series, &groups),
    }
}

/// Contacts across one peer's active caseload
///
/// Per member: contacts in the window, units against the authorization, the engagement rule and the last contact;
/// members below the rule first. For the worker, their supervisor and their organization's or the state's admins.
/// Members who do not share their contacts with the caller are only counted, and their names are left out.
#[utoipa::path(get, path = "/workforce/workers/{id}/caseload", tag = "workforce", params(("id" = String, Path, description = "the worker's id")),
    responses((status = 200, description = "The caseload's contacts", body = CaseloadContacts)))]
pub(super) async fn caseload_contacts(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).caseload_contacts(&id).await?)
}
