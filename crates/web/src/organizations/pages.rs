//! The list of organizations.

use accompany_domain::records::Organization;
use askama::Template;
use axum::extract::State;
use axum::routing::get;
use axum::Router;

use crate::page::{render, Layout, PageResult, PageUser};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/organizations", get(organizations))
}

// --- Workforce ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "organizations/organizations.html")]
struct OrganizationsPage {
    l: Layout,
    organizations: Vec<(Organization, String)>,
}

async fn organizations(State(state): State<AppState>, PageUser(s): PageUser) -> PageResult {
    let p = s.access(&state).organizations(None, None, 500).await?;
    let organizations = p
        .items
        .into_iter()
        .map(|o| {
            let mut k = s.tr.t(&format!("org-kind-{}", o.kind.as_str()));
            if let Some(a) = &o.agency {
                k = format!("{k}: {}", crate::page::payer_name(&state, &s.tr, a));
            }
            (o, k)
        })
        .collect();
    Ok(render(OrganizationsPage { l: Layout::new(&s.tr, Some(&s), "/organizations", s.tr.t("nav-organizations")), organizations }))
}
