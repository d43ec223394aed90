//! The contracts page: what each funder pays whom for, and a form for
//! those who keep a funder's contracts.

use accompany_domain::contracts::{Contract, ContractInput, PaymentModel};
use accompany_domain::records::{format_date, OrganizationKind, Persona};
use accompany_domain::FieldError;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Form;
use axum::Router;
use std::collections::HashMap;

use crate::auth::Signed;
use crate::page::{
    csrf_refused, error_list, errors_by_field, form_page, money, payer_name, saved_or_form, FieldErrors, Layout, PageResult, PageUser,
};
use crate::problem::AppError;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/contracts", get(contracts).post(add_contract))
}

#[derive(Default, Clone)]
pub struct ContractForm {
    csrf: String,
    pub funder_id: String,
    pub organization_id: String,
    pub payer_id: String,
    pub payment_model: String,
    pub start: String,
    pub end: String,
    pub budget: String,
    /// The checked services: one `services` pair per box.
    pub services: Vec<String>,
}

impl ContractForm {
    fn from_pairs(pairs: &[(String, String)]) -> ContractForm {
        let value = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).unwrap_or_default();
        ContractForm {
            csrf: value("csrf"),
            funder_id: value("funder_id"),
            organization_id: value("organization_id"),
            payer_id: value("payer_id"),
            payment_model: value("payment_model"),
            start: value("start"),
            end: value("end"),
            budget: value("budget"),
            services: pairs.iter().filter(|(k, _)| k == "services").map(|(_, v)| v.clone()).collect(),
        }
    }

    pub fn offers(&self, role: &str) -> bool {
        self.services.iter().any(|s| s == role)
    }
}

/// Dollars as people write them ("125,000" or "$125000.50") in cents.
fn cents(text: &str) -> Result<Option<i64>, FieldError> {
    let t: String = text.trim().trim_start_matches('$').chars().filter(|c| *c != ',' && !c.is_whitespace()).collect();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || FieldError::new("budget_cents", "budget", "write the budget in dollars, for example 125000 or 125000.50");
    let (whole, part) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty() || part.len() > 2 || !whole.bytes().chain(part.bytes()).all(|b| b.is_ascii_digit()) || whole.len() > 12 {
        return Err(bad());
    }
    let dollars: i64 = whole.parse().map_err(|_| bad())?;
    let hundredths: i64 = if part.is_empty() { 0 } else { format!("{part:0<2}").parse().map_err(|_| bad())? };
    Ok(Some(dollars * 100 + hundredths))
}

impl ContractForm {
    fn input(&self) -> Result<ContractInput, FieldError> {
        Ok(ContractInput {
            funder_id: self.funder_id.clone(),
            organization_id: self.organization_id.clone(),
            payer_id: self.payer_id.clone(),
            payment_model: self.payment_model.clone(),
            start: self.start.clone(),
            end: Some(self.end.clone()).filter(|e| !e.trim().is_empty()),
            budget_cents: cents(&self.budget)?,
            services: self.services.clone(),
        })
    }
}

pub struct ContractRow {
    pub funder: String,
    pub organization: String,
    pub payer: String,
    pub model: String,
    pub period: String,
    pub budget: String,
    pub services: String,
}

#[derive(Template)]
#[template(path = "contracts/contracts.html")]
struct ContractsPage {
    l: Layout,
    rows: Vec<ContractRow>,
    can_add: bool,
    funders: Vec<(String, String)>,
    organizations: Vec<(String, String)>,
    payers: Vec<(String, String)>,
    models: Vec<(String, String)>,
    roles: Vec<(String, String)>,
    f: ContractForm,
    errors: HashMap<String, String>,
    error_list: Vec<(String, String, String)>,
}

impl FieldErrors for ContractsPage {
    fn field_errors(&self) -> &HashMap<String, String> {
        &self.errors
    }
}

async fn contracts_page(state: &AppState, s: &Signed, f: ContractForm, errors: Vec<FieldError>) -> PageResult {
    let t = &s.tr;
    let invalid = !errors.is_empty();
    let result: Result<ContractsPage, AppError> = async {
        let access = s.access(state);
        let contracts: Vec<Contract> = access.contracts(None).await?;
        let orgs = access.organizations(None, None, 500).await?.items;
        let name = |id: &str| orgs.iter().find(|o| o.id == id).map_or_else(|| id.to_string(), |o| o.name.clone());
        let role_name = |id: &str| state.catalog.role(id).map_or_else(|| id.to_string(), |r| r.name.get(t.lang).to_string());
        let rows = contracts
            .iter()
            .map(|c| ContractRow {
                funder: name(&c.funder_id),
                organization: name(&c.organization_id),
                payer: payer_name(state, t, &c.payer_id),
                model: t.t(&format!("contract-model-{}", c.payment_model.as_str())),
                period: match c.end {
                    Some(e) => format!("{} – {}", format_date(c.start), format_date(e)),
                    None => t.t1("contracts-from", "start", format_date(c.start)),
                },
                budget: c.budget_cents.map(money).unwrap_or_default(),
                services: c.services.iter().map(|r| role_name(r)).collect::<Vec<_>>().join(", "),
            })
            .collect();
        let is_funder = |k: OrganizationKind| matches!(k, OrganizationKind::HealthPlan | OrganizationKind::Aco | OrganizationKind::StateAgency);
        let funders: Vec<(String, String)> = orgs
            .iter()
            .filter(|o| is_funder(o.kind))
            .filter(|o| s.user.persona == Persona::StateAdmin || s.user.organization_id.as_deref() == Some(o.id.as_str()))
            .map(|o| (o.id.clone(), o.name.clone()))
            .collect();
        let can_add = matches!(s.user.persona, Persona::StateAdmin | Persona::OrganizationAdmin) && !funders.is_empty();
        Ok(ContractsPage {
            l: Layout::new(t, Some(s), "/contracts", t.t("contracts-title")),
            rows,
            can_add,
            funders,
            organizations: orgs.iter().map(|o| (o.id.clone(), o.name.clone())).collect(),
            payers: state.catalog.payers.iter().map(|p| (p.id.clone(), p.name.get(t.lang).to_string())).collect(),
            models: PaymentModel::ALL.iter().map(|m| (m.as_str().to_string(), t.t(&format!("contract-model-{}", m.as_str())))).collect(),
            roles: state.catalog.roles.iter().map(|r| (r.id.clone(), r.name.get(t.lang).to_string())).collect(),
            f,
            errors: errors_by_field(t, &errors),
            error_list: error_list(t, &errors),
        })
    }
    .await;
    form_page(result, invalid)
}

async fn contracts(State(state): State<AppState>, PageUser(s): PageUser) -> PageResult {
    contracts_page(&state, &s, ContractForm::default(), vec![]).await
}

async fn add_contract(State(state): State<AppState>, PageUser(s): PageUser, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let f = ContractForm::from_pairs(&pairs);
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return r;
    }
    let saved = match f.input() {
        Ok(input) => s.access(&state).create_contract(&input, "added on the contracts page").await.map_err(AppError::from),
        Err(e) => Err(AppError::Invalid(vec![e])),
    };
    saved_or_form(&s, saved, "/contracts#contracts-heading", |errors| contracts_page(&state, &s, f, errors)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_are_read_and_written_as_dollars() {
        assert_eq!(cents("125,000").unwrap(), Some(12_500_000));
        assert_eq!(cents(" $125000.5 ").unwrap(), Some(12_500_050));
        assert_eq!(cents("").unwrap(), None);
        for bad in ["12.345", "abc", ".50", "1e5", "-3", "9999999999999"] {
            assert!(cents(bad).is_err(), "{bad}");
        }
        assert_eq!(money(12_500_050), "$125,000.50");
        assert_eq!(money(99), "$0.99");
        assert_eq!(money(100_000_000), "$1,000,000.00");
        assert_eq!(money(-1_850), "-$18.50");
    }
}
