//! The billing office's claims pages: ready and held, writing batches,
//! downloading and marking them submitted, importing the payer's files,
//! each claim with its correction and void, and paid against billed.

use std::collections::HashMap;

use accompany_domain::claims::build::Hold;
use accompany_domain::FieldError;
use accompany_store::claims::{BatchFormat, BatchSummary, ClaimSummary, Frequency, PendingClaim, ReconciliationRow, CLAIM_STATUSES};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::auth::Signed;
use crate::i18n::Tr;
use crate::page::{csrf_refused, error_list, errors_by_field, form_page, money, page_error, payer_name, FieldErrors, Layout, PageResult, PageUser};
use crate::problem::AppError;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/billing/claims", get(claims))
        .route("/billing/claims/export", post(export))
        .route("/billing/claims/import", post(import))
        .route("/billing/claims/batches/{id}/file", get(download))
        .route("/billing/claims/batches/{id}/submitted", post(submitted))
        .route("/billing/claims/{id}", get(claim_page))
        .route("/billing/claims/{id}/correction", post(correct))
}

#[derive(Deserialize, Default, Clone)]
pub struct ScopeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub payer: String,
    #[serde(default)]
    pub format: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    written: Option<String>,
    #[serde(default)]
    imported: Option<String>,
}

pub struct PendingRow {
    pub member_id: String,
    pub member: String,
    pub payer: String,
    pub period: String,
    pub lines: usize,
    pub units: u32,
    pub total: String,
    pub kind: String,
    pub hold: String,
}

pub struct BatchRow {
    pub id: String,
    pub created: String,
    pub organization: String,
    pub payer: String,
    pub kind: String,
    pub claims: i64,
    pub total: String,
    pub status: String,
    pub acknowledgement: String,
    pub may_submit: bool,
}

pub struct ClaimRow {
    pub id: String,
    pub number: String,
    pub member: String,
    pub payer: String,
    pub period: String,
    pub frequency: String,
    pub total: String,
    pub paid: String,
    pub status: String,
    pub detail: String,
}

pub struct MoneyRow {
    pub payer: String,
    pub period: String,
    pub claims: i64,
    pub billed: String,
    pub paid: String,
    pub denied: i64,
    pub outstanding: String,
    /// Bar lengths in percent of the largest amount billed.
    pub billed_pct: i64,
    pub paid_pct: i64,
}

#[derive(Template)]
#[template(path = "claims/claims.html")]
struct ClaimsPage {
    l: Layout,
    f: ScopeForm,
    payers: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
    from: String,
    to: String,
    ready: Vec<PendingRow>,
    held: Vec<PendingRow>,
    batches: Vec<BatchRow>,
    claims: Vec<ClaimRow>,
    money: Vec<MoneyRow>,
    notice: Option<String>,
    errors: HashMap<String, String>,
    error_list: Vec<(String, String, String)>,
}

impl FieldErrors for ClaimsPage {
    fn field_errors(&self) -> &HashMap<String, String> {
        &self.errors
    }
}

pub fn hold_text(t: &Tr, h: &Hold) -> String {
    match h {
        Hold::CredentialBlocks { requirement_id } => t.t1("claims-hold-credential-blocks", "requirement", requirement_id.clone()),
        other => t.t(&format!("claims-hold-{}", other.code())),
    }
}

fn status_text(t: &Tr, status: &str) -> String {
    t.t(&format!("claims-status-{status}"))
}

fn kind_text(t: &Tr, encounters: bool) -> String {
    t.t(if encounters { "claims-kind-encounters" } else { "claims-kind-claims" })
}

fn pending_row(state: &AppState, t: &Tr, c: &PendingClaim) -> PendingRow {
    PendingRow {
        member_id: c.member_id.clone(),
        member: c.member_name.clone(),
        payer: payer_name(state, t, &c.payer_id),
        period: c.period.clone(),
        lines: c.lines,
        units: c.units,
        total: money(c.total_cents),
        kind: kind_text(t, c.encounters),
        hold: c.hold.as_ref().map(|h| hold_text(t, h)).unwrap_or_default(),
    }
}

fn batch_row(state: &AppState, t: &Tr, b: &BatchSummary) -> BatchRow {
    BatchRow {
        id: b.id.clone(),
        created: b.created_at.get(..16).unwrap_or(&b.created_at).replace('T', " "),
        organization: b.organization_name.clone(),
        payer: payer_name(state, t, &b.payer_id),
        kind: kind_text(t, b.encounters),
        claims: b.claim_count,
        total: money(b.total_cents),
        status: status_text(t, &b.status),
        acknowledgement: b.acknowledgement.as_deref().map(|a| status_text(t, a)).unwrap_or_default(),
        may_submit: b.status == "written",
    }
}

fn claim_row(state: &AppState, t: &Tr, c: &ClaimSummary) -> ClaimRow {
    ClaimRow {
        id: c.id.clone(),
        number: c.number.clone(),
        member: c.member_name.clone(),
        payer: payer_name(state, t, &c.payer_id),
        period: c.period.clone(),
        frequency: t.t(&format!("claims-frequency-{}", c.frequency)),
        total: money(c.total_cents),
        paid: c.paid_cents.map(money).unwrap_or_default(),
        status: status_text(t, &c.status),
        detail: c.status_detail.clone().unwrap_or_default(),
    }
}

fn money_rows(state: &AppState, t: &Tr, rows: &[ReconciliationRow]) -> Vec<MoneyRow> {
    let top = rows.iter().map(|r| r.billed_cents.max(r.paid_cents)).max().unwrap_or(0).max(1);
    rows.iter()
        .map(|r| MoneyRow {
            payer: payer_name(state, t, &r.payer_id),
            period: r.period.clone(),
            claims: r.claims,
            billed: money(r.billed_cents),
            paid: money(r.paid_cents),
            denied: r.denied,
            outstanding: money(r.outstanding_cents),
            billed_pct: r.billed_cents.max(0) * 100 / top,
            paid_pct: r.paid_cents.max(0) * 100 / top,
        })
        .collect()
}

async fn claims_page(state: &AppState, s: &Signed, f: ScopeForm, errors: Vec<FieldError>) -> PageResult {
    let t = &s.tr;
    let invalid = !errors.is_empty();
    let result: Result<ClaimsPage, AppError> = async {
        let access = s.access(state);
        // A scope that does not read shows the default one; the form keeps what was typed.
        let scope = super::scope(&state.catalog, Some(&f.payer), Some(&f.from), Some(&f.to), None).unwrap_or_default();
        let pending = access.pending_claims(&scope).await?;
        let status = CLAIM_STATUSES.iter().find(|x| **x == f.status).copied();
        let batches = access.claim_batches(None).await?;
        let claims = access.claims(None, status, None).await?;
        let money = access.reconciliation(None).await?;
        let notice = match (&f.written, &f.imported) {
            (Some(n), _) => Some(t.t1("claims-written-notice", "count", n.clone())),
            (None, Some(kind)) => Some(t.t1("claims-imported-notice", "kind", kind.clone())),
            _ => None,
        };
        Ok(ClaimsPage {
            l: Layout::new(t, Some(s), "/billing/claims", t.t("claims-title")),
            payers: state.catalog.payers.iter().filter(|p| p.kind.takes_claims()).map(|p| (p.id.clone(), p.name.get(t.lang).to_string())).collect(),
            statuses: CLAIM_STATUSES.iter().map(|x| (x.to_string(), status_text(t, x))).collect(),
            from: pending.from.clone(),
            to: pending.to.clone(),
            ready: pending.ready.iter().map(|c| pending_row(state, t, c)).collect(),
            held: pending.held.iter().map(|c| pending_row(state, t, c)).collect(),
            batches: batches.iter().map(|b| batch_row(state, t, b)).collect(),
            claims: claims.iter().map(|c| claim_row(state, t, c)).collect(),
            money: money_rows(state, t, &money.rows),
            notice,
            f,
            errors: errors_by_field(t, &errors),
            error_list: error_list(t, &errors),
        })
    }
    .await;
    form_page(result, invalid)
}

async fn claims(State(state): State<AppState>, PageUser(s): PageUser, Query(f): Query<ScopeForm>) -> PageResult {
    claims_page(&state, &s, f, vec![]).await
}

async fn export(State(state): State<AppState>, PageUser(s): PageUser, Form(f): Form<ScopeForm>) -> Response {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return r;
    }
    let format = BatchFormat::parse(&f.format).unwrap_or(BatchFormat::X12);
    let written = match super::scope(&state.catalog, Some(&f.payer), Some(&f.from), Some(&f.to), None) {
        Err(e) => Err(AppError::Invalid(e.0)),
        Ok(scope) => s.access(&state).export_claims(&scope, format).await.map_err(AppError::from),
    };
    match written {
        Ok(list) if list.is_empty() => {
            let e = FieldError::new("from", "nothing-billable", "nothing is ready to bill in these days");
            claims_page(&state, &s, f, vec![e]).await.into_response()
        }
        Ok(list) => Redirect::to(&format!("/billing/claims?written={}#batches-heading", list.len())).into_response(),
        Err(AppError::Invalid(errors)) => claims_page(&state, &s, f, errors).await.into_response(),
        Err(other) => page_error(&s, other),
    }
}

#[derive(Deserialize, Default)]
struct FileQuery {
    #[serde(default)]
    format: String,
}

async fn download(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Query(q): Query<FileQuery>) -> Response {
    let format = BatchFormat::parse(&q.format).unwrap_or(BatchFormat::X12);
    match s.access(&state).rewrite_batch(&id, format).await {
        Ok(b) => super::file_response(b, format),
        Err(e) => page_error(&s, e),
    }
}

#[derive(Deserialize, Default)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    frequency: String,
}

async fn submitted(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Form(f): Form<CsrfOnly>) -> Response {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return r;
    }
    match s.access(&state).mark_submitted(&id).await {
        Ok(_) => Redirect::to("/billing/claims#batches-heading").into_response(),
        Err(e) => match AppError::from(e) {
            AppError::Invalid(errors) => claims_page(&state, &s, ScopeForm::default(), errors).await.into_response(),
            other => page_error(&s, other),
        },
    }
}

/// The payer's file arrives as a form upload with the session's token.
async fn import(State(state): State<AppState>, PageUser(s): PageUser, mut form: Multipart) -> Response {
    let mut csrf = String::new();
    let mut text = None;
    while let Ok(Some(field)) = form.next_field().await {
        match field.name() {
            Some("csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("file") => text = field.bytes().await.ok().map(|b| String::from_utf8_lossy(&b).into_owned()),
            _ => {}
        }
    }
    if let Some(r) = csrf_refused(&s, &csrf) {
        return r;
    }
    let imported = match text.filter(|t| !t.trim().is_empty()) {
        None => Err(AppError::Invalid(vec![FieldError::new("file", "required", "choose the payer's file")])),
        Some(text) => s.access(&state).import_claim_response(&text).await.map_err(AppError::from),
    };
    match imported {
        Ok(r) => Redirect::to(&format!("/billing/claims?imported={}#claims-heading", r.kind)).into_response(),
        Err(AppError::Invalid(errors)) => claims_page(&state, &s, ScopeForm::default(), errors).await.into_response(),
        Err(other) => page_error(&s, other),
    }
}

pub struct LineRow {
    pub number: i64,
    pub date: String,
    pub code: String,
    pub units: i64,
    pub charge: String,
    pub place: String,
}

#[derive(Template)]
#[template(path = "claims/claim.html")]
struct ClaimPage {
    l: Layout,
    c: ClaimRow,
    place: String,
    authorization: String,
    diagnoses: String,
    lines: Vec<LineRow>,
    adjustments: Vec<String>,
    can_correct: bool,
    error_list: Vec<(String, String, String)>,
}

async fn claim_view(state: &AppState, s: &Signed, id: &str, errors: Vec<FieldError>) -> PageResult {
    let t = &s.tr;
    let invalid = !errors.is_empty();
    let result: Result<ClaimPage, AppError> = async {
        let d = s.access(state).claim(id).await?;
        let adjustments = d
            .adjustments
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|a| {
                        let cents = a["cents"].as_i64().unwrap_or(0);
                        format!("{}-{} {}", a["group"].as_str().unwrap_or(""), a["reason"].as_str().unwrap_or(""), money(cents))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(ClaimPage {
            l: Layout::new(t, Some(s), "/billing/claims", t.t1("claims-claim-title", "number", d.claim.number.clone())),
            c: claim_row(state, t, &d.claim),
            place: d.place_of_service.clone(),
            authorization: d.authorization_number.clone().unwrap_or_default(),
            diagnoses: d.diagnoses.join(", "),
            lines: d
                .lines
                .iter()
                .map(|l| LineRow {
                    number: l.line_number,
                    date: l.service_date.clone(),
                    code: std::iter::once(l.code.clone()).chain(l.modifiers.iter().cloned()).collect::<Vec<_>>().join(" "),
                    units: l.units,
                    charge: money(l.charge_cents),
                    place: l.place_of_service.clone().unwrap_or_default(),
                })
                .collect(),
            adjustments,
            can_correct: d.can_correct,
            error_list: error_list(t, &errors),
        })
    }
    .await;
    form_page(result, invalid)
}

async fn claim_page(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>) -> PageResult {
    claim_view(&state, &s, &id, vec![]).await
}

async fn correct(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Form(f): Form<CsrfOnly>) -> Response {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return r;
    }
    let frequency = if f.frequency == "void" { Frequency::Void } else { Frequency::Replacement };
    match s.access(&state).correct_claim(&id, frequency).await {
        Ok(_) => Redirect::to("/billing/claims?written=1#batches-heading").into_response(),
        Err(e) => match AppError::from(e) {
            AppError::Invalid(errors) => claim_view(&state, &s, &id, errors).await.into_response(),
            other => page_error(&s, other),
        },
    }
}
