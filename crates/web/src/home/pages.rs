//! The public landing page and each persona's home page.

use accompany_domain::records::{Organization, Persona};
use accompany_store::{MemberFilter, WorkerFilter};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::auth::Lang;
use crate::page::{
    member_rows, member_view, render, team_rows, worker_rows, Layout, MemberRow, MemberView, PageResult, PageUser, TeamRow, WorkerRow,
};
use crate::problem::AppError;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(landing)).route("/home", get(home))
}

// --- Public pages -------------------------------------------------------------

#[derive(Template)]
#[template(path = "home/landing.html")]
struct LandingPage {
    l: Layout,
    roles: Vec<(String, String, String)>,
}

async fn landing(State(state): State<AppState>, Lang(t): Lang) -> Response {
    let roles =
        state.catalog.chart_roles().map(|r| (r.id.clone(), r.name.get(t.lang).to_string(), r.plain_language.get(t.lang).to_string())).collect();
    render(LandingPage { l: Layout::new(&t, None, "/", t.t("app-name")), roles })
}

// --- Home -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "home/home.html")]
struct HomePage {
    l: Layout,
    greeting: String,
    own: Option<MemberView>,
    team: Vec<TeamRow>,
    members: Vec<MemberRow>,
    workers: Vec<WorkerRow>,
    organizations: Vec<Organization>,
    /// Notifications, in the reader's language.
    notices: Vec<String>,
    /// The member just chose a peer.
    chosen: bool,
}

#[derive(Deserialize, Default)]
struct HomeQuery {
    chosen: Option<String>,
}

async fn home(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<HomeQuery>) -> PageResult {
    let t = &s.tr;
    let access = s.access(&state);
    let greeting = t.t1("home-greeting", "name", &s.user.display_name);
    let mut page = HomePage {
        l: Layout::new(t, Some(&s), "/home", t.t("home-title")),
        greeting,
        own: None,
        team: vec![],
        members: vec![],
        workers: vec![],
        organizations: vec![],
        notices: vec![],
        chosen: q.chosen.is_some(),
    };
    let result: Result<(), AppError> = async {
        page.notices = access.notifications(10).await?.iter().map(|n| crate::page::notice_text(t, n)).collect();
        match s.user.persona {
            Persona::Member => {
                if let Some(id) = &s.user.member_id {
                    let m = access.member(id).await?;
                    page.team = team_rows(&state, t, &access.care_team(id).await?);
                    page.own = Some(member_view(&state, t, &m.record, m.visible_categories));
                }
            }
            Persona::PeerWorker | Persona::Supervisor | Persona::CareCoordinator | Persona::Clinician => {
                let list = access.members(&MemberFilter { limit: 20, ..Default::default() }).await?;
                page.members = member_rows(&state, t, &list);
            }
            Persona::OrganizationAdmin => {
                let workers = access.workers(&WorkerFilter { employer_id: s.user.organization_id.clone(), limit: 20, ..Default::default() }).await?;
                page.workers = worker_rows(&state, t, &workers.items);
                let list = access.members(&MemberFilter { limit: 10, ..Default::default() }).await?;
                page.members = member_rows(&state, t, &list);
            }
            Persona::StateAdmin => {
                page.organizations = access.organizations(None, None, 50).await?.items;
            }
            Persona::PrivacyOfficer | Persona::BillingOffice => {}
        }
        Ok(())
    }
    .await;
    result?;
    Ok(render(page))
}
