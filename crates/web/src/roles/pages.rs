//! The roles of the state's chart, in plain words.

use accompany_domain::billing::{BillingRule, Payer};
use accompany_domain::catalog::Role;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use crate::auth::{optional_user, Lang};
use crate::page::{error_page, render, Layout};
use crate::problem::AppError;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/roles", get(roles)).route("/roles/{id}", get(role))
}

// --- Roles ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "roles/roles.html")]
struct RolesPage<'a> {
    l: Layout,
    roles: Vec<&'a Role>,
    shared_values: &'a [String],
    state_name: &'a str,
    payers: &'a [Payer],
}

impl RolesPage<'_> {
    fn payer_name(&self, id: &str) -> String {
        self.payers.iter().find(|p| p.id == id).map_or_else(|| id.to_string(), |p| p.name.get(self.l.t.lang).to_string())
    }

    fn rate_text(&self, b: &BillingRule) -> String {
        crate::page::rate_text(&self.l.t, b)
    }
}

async fn roles(State(state): State<AppState>, headers: HeaderMap, Lang(t): Lang) -> Response {
    let signed = optional_user(&state, &headers, &t).await;
    let l = Layout::new(&t, signed.as_ref(), "/roles", t.t("roles-title"));
    render(RolesPage {
        l,
        roles: state.catalog.chart_roles().collect(),
        shared_values: &state.catalog.shared_values,
        state_name: &state.catalog.state,
        payers: &state.catalog.payers,
    })
}

#[derive(Template)]
#[template(path = "roles/role.html")]
struct RolePage<'a> {
    l: Layout,
    role: &'a Role,
}

async fn role(State(state): State<AppState>, headers: HeaderMap, Lang(t): Lang, Path(id): Path<String>) -> Response {
    let Some(role) = state.catalog.role(&id) else {
        return error_page(&t, AppError::NotFound);
    };
    let signed = optional_user(&state, &headers, &t).await;
    let l = Layout::new(&t, signed.as_ref(), "/roles", role.name.get(t.lang).to_string());
    render(RolePage { l, role })
}
