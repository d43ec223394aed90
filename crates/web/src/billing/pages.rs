//! A member's coverage and authorizations, and the needs-authorization
//! queue, for the billing office; the coordinator requests units here too.

use accompany_domain::coverage::{
    AuthorizationDecision, AuthorizationKind, AuthorizationRecord, AuthorizationRequest, Coverage, CoverageInput, CoverageRow, Decided,
};
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
use crate::page::{
    csrf_refused, error_list, errors_by_field, form_page, local_now, payer_name, saved_or_form, FieldErrors, Layout, PageResult, PageUser,
};
use crate::problem::AppError;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/members/{id}/billing", get(billing))
        .route("/members/{id}/billing/coverage", post(add_coverage))
        .route("/members/{id}/billing/coverage/{coverage}/end", post(end_coverage))
        .route("/members/{id}/billing/authorizations", post(request_authorization))
        .route("/members/{id}/billing/authorizations/{authorization}/decision", post(decide_authorization))
        .route("/billing/needs-authorization", get(queue))
}

#[derive(Deserialize, Default, Clone)]
pub struct CoverageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub payer_id: String,
    #[serde(default)]
    pub plan_name: String,
    #[serde(default)]
    pub subscriber_id: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub start: String,
    #[serde(default)]
    pub end: String,
    #[serde(default)]
    pub initiating_visit: String,
}

fn blank(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

impl CoverageForm {
    /// The form reads like a row of a coverage file, blank cells left out.
    fn input(&self) -> Result<CoverageInput, FieldError> {
        let row = CoverageRow {
            masshealth_id: String::new(),
            payer_id: self.payer_id.clone(),
            plan_name: self.plan_name.clone(),
            subscriber_id: self.subscriber_id.clone(),
            priority: self.priority.clone(),
            start: self.start.clone(),
            end: self.end.clone(),
            initiating_visit: self.initiating_visit.clone(),
        };
        row.input().map_err(|mut e| e.0.remove(0))
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct RequestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub role_id: String,
    #[serde(default)]
    pub payer_id: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub start: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub units: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct EndForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub end: String,
}

pub struct CoverageView {
    pub id: String,
    pub payer: String,
    pub plan: String,
    pub priority: u32,
    pub start: String,
    pub end: String,
    pub initiating_visit: String,
    pub open: bool,
}

fn coverage_view(state: &AppState, s: &Signed, c: &Coverage) -> CoverageView {
    CoverageView {
        id: c.id.clone(),
        payer: payer_name(state, &s.tr, &c.payer_id),
        plan: c.plan_name.clone().unwrap_or_default(),
        priority: c.priority,
        start: format_date(c.start),
        end: c.end.map(format_date).unwrap_or_default(),
        initiating_visit: c.initiating_visit.map(format_date).unwrap_or_default(),
        open: c.end.is_none(),
    }
}

pub struct AuthorizationRow {
    pub id: String,
    pub role: String,
    pub payer: String,
    pub number: String,
    pub kind: String,
    pub status: String,
    pub requested: bool,
    pub approved: bool,
    pub units: u32,
    pub used: String,
    pub period: String,
    pub by: String,
}

fn authorization_row(state: &AppState, s: &Signed, a: &AuthorizationRecord) -> AuthorizationRow {
    let t = &s.tr;
    AuthorizationRow {
        id: a.id.clone(),
        role: state.catalog.role(&a.role_id).map_or_else(|| a.role_id.clone(), |r| r.name.get(t.lang).to_string()),
        payer: payer_name(state, t, &a.payer_id),
        number: a.number.clone().unwrap_or_default(),
        kind: t.t(&format!("bl-kind-{}", a.kind.as_str())),
        status: t.t(&format!("bl-status-{}", a.status.as_str())),
        requested: a.status == accompany_domain::billing::AuthorizationStatus::Requested,
        approved: a.status == accompany_domain::billing::AuthorizationStatus::Approved,
        units: a.units,
        used: a.units_used.map(|u| u.to_string()).unwrap_or_default(),
        period: format!("{} – {}", format_date(a.start), format_date(a.end)),
        by: [a.requested_by.clone(), a.recorded_by.clone()].into_iter().flatten().collect::<Vec<_>>().join(", "),
    }
}

#[derive(Template)]
#[template(path = "billing/billing.html")]
struct BillingPage {
    l: Layout,
    member_id: String,
    hidden: bool,
    coverage: Vec<CoverageView>,
    authorizations: Vec<AuthorizationRow>,
    can_record: bool,
    can_request: bool,
    payers: Vec<(String, String)>,
    roles: Vec<(String, String)>,
    c: CoverageForm,
    r: RequestForm,
    errors: HashMap<String, String>,
    error_list: Vec<(String, String, String)>,
    today: String,
}

impl FieldErrors for BillingPage {
    fn field_errors(&self) -> &HashMap<String, String> {
        &self.errors
    }
}

async fn billing_page(state: &AppState, s: &Signed, id: &str, c: CoverageForm, r: RequestForm, errors: Vec<FieldError>) -> PageResult {
    let t = &s.tr;
    let access = s.access(state);
    let invalid = !errors.is_empty();
    let result: Result<BillingPage, AppError> = async {
        let member = access.member(id).await?;
        let coverage = access.coverage(id).await?.record;
        let authorizations = access.authorizations(id).await?.record;
        let name = format!("{} {}", member.record.given_name, member.record.family_name);
        Ok(BillingPage {
            l: Layout::new(t, Some(s), "/members", t.t1("bl-title", "name", &name)),
            member_id: id.to_string(),
            hidden: coverage.hidden,
            coverage: coverage.coverage.iter().map(|x| coverage_view(state, s, x)).collect(),
            authorizations: authorizations.authorizations.iter().map(|x| authorization_row(state, s, x)).collect(),
            can_record: coverage.can_record,
            can_request: authorizations.can_request,
            payers: state.catalog.payers.iter().map(|p| (p.id.clone(), p.name.get(t.lang).to_string())).collect(),
            roles: state
                .catalog
                .roles
                .iter()
                .filter(|r| r.billing.iter().any(|b| b.initial_authorization.is_some()))
                .map(|r| (r.id.clone(), r.name.get(t.lang).to_string()))
                .collect(),
            c,
            r,
            errors: errors_by_field(t, &errors),
            error_list: error_list(t, &errors),
            today: local_now(&state.store).0,
        })
    }
    .await;
    form_page(result, invalid)
}

async fn billing(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>) -> PageResult {
    billing_page(&state, &s, &id, CoverageForm::default(), RequestForm::default(), vec![]).await
}

async fn add_coverage(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Form(f): Form<CoverageForm>) -> Response {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return r;
    }
    let saved = match f.input() {
        Ok(input) => s.access(&state).add_coverage(&id, &input).await.map_err(AppError::from),
        Err(e) => Err(AppError::Invalid(vec![e])),
    };
    saved_or_form(&s, saved, &format!("/members/{id}/billing#coverage-heading"), |errors| {
        billing_page(&state, &s, &id, f, RequestForm::default(), errors)
    })
    .await
}

async fn end_coverage(
    State(state): State<AppState>,
    PageUser(s): PageUser,
    Path((id, coverage)): Path<(String, String)>,
    Form(f): Form<EndForm>,
) -> Response {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return r;
    }
    let saved = s.access(&state).end_coverage(&id, &coverage, &f.end).await;
    saved_or_form(&s, saved, &format!("/members/{id}/billing#coverage-heading"), |errors| {
        billing_page(&state, &s, &id, CoverageForm::default(), RequestForm::default(), errors)
    })
    .await
}

async fn request_authorization(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Form(f): Form<RequestForm>) -> Response {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return r;
    }
    let input = AuthorizationRequest {
        role_id: f.role_id.clone(),
        payer_id: f.payer_id.clone(),
        kind: AuthorizationKind::parse(f.kind.trim()),
        start: f.start.clone(),
        units: None,
    };
    // The request form's fields are named apart from the coverage form's on the same page.
    let saved = s.access(&state).request_authorization(&id, &input).await.map_err(AppError::from).map_err(|e| match e {
        AppError::Invalid(errors) => {
            AppError::Invalid(errors.into_iter().map(|e| FieldError { field: format!("request_{}", e.field), ..e }).collect())
        }
        other => other,
    });
    saved_or_form(&s, saved, &format!("/members/{id}/billing#authorizations-heading"), |errors| {
        billing_page(&state, &s, &id, CoverageForm::default(), f, errors)
    })
    .await
}

async fn decide_authorization(
    State(state): State<AppState>,
    PageUser(s): PageUser,
    Path((id, authorization)): Path<(String, String)>,
    Form(f): Form<DecisionForm>,
) -> Response {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return r;
    }
    let status = match f.status.trim() {
        "denied" => Decided::Denied,
        "expired" => Decided::Expired,
        _ => Decided::Approved,
    };
    let units = f.units.trim().parse().ok();
    let input = AuthorizationDecision { status, number: blank(&f.number), units, end: None };
    let saved = s.access(&state).decide_authorization(&id, &authorization, &input).await;
    saved_or_form(&s, saved, &format!("/members/{id}/billing#authorizations-heading"), |errors| {
        billing_page(&state, &s, &id, CoverageForm::default(), RequestForm::default(), errors)
    })
    .await
}

pub struct QueueView {
    pub member_id: String,
    pub member: String,
    pub role: String,
    pub payer: String,
    pub units: u32,
    pub contacts: u32,
    pub first: String,
    pub requested: bool,
}

#[derive(Template)]
#[template(path = "billing/queue.html")]
struct QueuePage {
    l: Layout,
    rows: Vec<QueueView>,
}

async fn queue(State(state): State<AppState>, PageUser(s): PageUser) -> PageResult {
    let t = &s.tr;
    let rows = s.access(&state).needs_authorization().await?;
    let rows = rows
        .into_iter()
        .map(|r| QueueView {
            role: state.catalog.role(&r.role_id).map_or_else(|| r.role_id.clone(), |x| x.name.get(t.lang).to_string()),
            payer: payer_name(&state, t, &r.payer_id),
            member_id: r.member_id,
            member: r.member_name,
            units: r.units_waiting,
            contacts: r.contacts_waiting,
            first: r.first_contact,
            requested: r.requested,
        })
        .collect();
    form_page(Ok(QueuePage { l: Layout::new(t, Some(&s), "/billing/needs-authorization", t.t("bl-queue-title")), rows }), false)
}
