//! Contracts between a funder (a health plan, an ACO or a state agency) and
//! the organization it pays for peer work: how it pays, from when to when,
//! the budget, and the services promised, which members see on their team
//! page. Pure: the store hands in the catalog and the two organizations.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::catalog::Catalog;
use crate::coverage::{day, end_after_start, optional_day, payer};
use crate::error::{FieldError, Invalid};
use crate::limits::text;
use crate::records::{Id, Organization, OrganizationKind};

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// How a contract pays for the work.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum PaymentModel {
    FeeForService,
    CaseRate,
    PerMemberPerMonth,
    Grant,
    PayForPerformance,
}

impl PaymentModel {
    pub const ALL: [PaymentModel; 5] = [Self::FeeForService, Self::CaseRate, Self::PerMemberPerMonth, Self::Grant, Self::PayForPerformance];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::FeeForService => "fee-for-service",
            Self::CaseRate => "case-rate",
            Self::PerMemberPerMonth => "per-member-per-month",
            Self::Grant => "grant",
            Self::PayForPerformance => "pay-for-performance",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// One contract.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contract {
    pub id: Id,
    /// The organization that pays: a health plan, an ACO or a state agency.
    pub funder_id: Id,
    /// The organization paid to do the work.
    pub organization_id: Id,
    /// The catalog payer the work is paid under, e.g. `dmh` or `managed-care`.
    pub payer_id: String,
    pub payment_model: PaymentModel,
    #[serde(with = "iso_date")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub start: Date,
    #[serde(with = "iso_date::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub end: Option<Date>,
    /// The budget in US cents, when the contract has one.
    pub budget_cents: Option<i64>,
    /// The services promised, as catalog role ids (the kinds of peer support).
    pub services: Vec<String>,
    pub version: i64,
}

impl Contract {
    /// Whether the contract is in force on `day`.
    pub fn in_force_on(&self, day: Date) -> bool {
        self.start <= day && self.end.is_none_or(|e| day <= e)
    }
}

/// A contract as written on a form or sent to the API.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize, Default)]
pub struct ContractInput {
    /// The paying organization's id (a health plan, an ACO or a state agency).
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::identifier))]
    pub funder_id: String,
    /// The paid organization's id.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::identifier))]
    pub organization_id: String,
    /// A payer id from the catalog.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::payer_id))]
    pub payer_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = PaymentModel))]
    pub payment_model: String,
    /// YYYY-MM-DD.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::day))]
    pub start: String,
    /// YYYY-MM-DD, on or after `start`; left out while open-ended.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::day_opt))]
    pub end: Option<String>,
    /// US cents, from 0 to 10^13 (a hundred billion dollars).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 10_000_000_000_000_i64))]
    pub budget_cents: Option<i64>,
    /// Catalog role ids, each once.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::role_ids))]
    pub services: Vec<String>,
}

/// A checked contract, before the store looks the two organizations up.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidContract {
    pub funder_id: Id,
    pub organization_id: Id,
    pub payer_id: String,
    pub payment_model: PaymentModel,
    pub start: Date,
    pub end: Option<Date>,
    pub budget_cents: Option<i64>,
    pub services: Vec<String>,
}

impl ValidContract {
    /// The contract this becomes, under `id` at `version`.
    pub fn into_contract(self, id: Id, version: i64) -> Contract {
        Contract {
            id,
            funder_id: self.funder_id,
            organization_id: self.organization_id,
            payer_id: self.payer_id,
            payment_model: self.payment_model,
            start: self.start,
            end: self.end,
            budget_cents: self.budget_cents,
            services: self.services,
            version,
        }
    }
}

const MAX_BUDGET_CENTS: i64 = 10_000_000_000_000;

impl ContractInput {
    pub fn validate(&self, catalog: &Catalog) -> Result<ValidContract, Invalid> {
        let mut errs = Invalid::default();
        let funder_id = errs.required("funder_id", &self.funder_id, text::IDENTIFIER);
        let organization_id = errs.required("organization_id", &self.organization_id, text::IDENTIFIER);
        if !funder_id.is_empty() && funder_id == organization_id {
            errs.push(FieldError::new("organization_id", "self-contract", "an organization cannot contract itself"));
        }
        let payer_id = payer(&mut errs, catalog, "payer_id", &self.payer_id);
        let payment_model = PaymentModel::parse(self.payment_model.trim());
        if payment_model.is_none() {
            let choices = PaymentModel::ALL.map(PaymentModel::as_str).join(", ");
            errs.push(
                FieldError::new("payment_model", "unknown-choice", format!("unknown payment model {:?}; use one of: {choices}", self.payment_model))
                    .arg("value", self.payment_model.clone())
                    .arg("choices", choices),
            );
        }
        let start = day(&mut errs, "start", &self.start);
        let end = optional_day(&mut errs, "end", self.end.as_deref().filter(|e| !e.trim().is_empty()));
        end_after_start(&mut errs, start, end);
        if self.budget_cents.is_some_and(|b| !(0..=MAX_BUDGET_CENTS).contains(&b)) {
            errs.push(
                FieldError::new("budget_cents", "out-of-range", "must be from 0 to 10,000,000,000,000 cents")
                    .arg("min", "0")
                    .arg("max", MAX_BUDGET_CENTS.to_string()),
            );
        }
        let mut services: Vec<String> = Vec::new();
        for s in &self.services {
            let s = s.trim();
            if catalog.role(s).is_none() {
                let choices = catalog.roles.iter().map(|r| r.id.as_str()).collect::<Vec<_>>().join(", ");
                errs.push(
                    FieldError::new("services", "unknown-choice", format!("\"{s}\" is not one of the catalog's roles: {choices}"))
                        .arg("value", s)
                        .arg("choices", choices),
                );
            } else if !services.iter().any(|x| x == s) {
                services.push(s.to_string());
            }
        }
        errs.finish()?;
        match (payment_model, start) {
            (Some(payment_model), Some(start)) => {
                Ok(ValidContract { funder_id, organization_id, payer_id, payment_model, start, end, budget_cents: self.budget_cents, services })
            }
            _ => Err(Invalid::one("start", "required", "is required")),
        }
    }
}

/// Whether `funder` may pay `organization` under this contract: the funder
/// is a health plan, an ACO or a state agency, and a state agency funds
/// only through its own payer.
pub fn check_parties(v: &ValidContract, funder: &Organization, organization: &Organization) -> Result<(), Invalid> {
    if !matches!(funder.kind, OrganizationKind::HealthPlan | OrganizationKind::Aco | OrganizationKind::StateAgency) {
        return Err(Invalid::one("funder_id", "not-a-funder", "the funder must be a health plan, an ACO or a state agency"));
    }
    if funder.kind == OrganizationKind::StateAgency && funder.agency.as_deref() != Some(v.payer_id.as_str()) {
        let agency = funder.agency.clone().unwrap_or_default();
        let message = format!("a state agency funds through its own payer, {agency:?}");
        return Err(Invalid(vec![FieldError::new("payer_id", "not-the-agencys-payer", message).arg("payer", agency)]));
    }
    if organization.id == funder.id {
        return Err(Invalid::one("organization_id", "self-contract", "an organization cannot contract itself"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claim_data::ProviderIds;

    fn cat() -> Catalog {
        Catalog::massachusetts().unwrap()
    }

    fn input() -> ContractInput {
        ContractInput {
            funder_id: "dmh".into(),
            organization_id: "vendor".into(),
            payer_id: "dmh".into(),
            payment_model: "grant".into(),
            start: "2026-07-01".into(),
            end: Some("2027-06-30".into()),
            budget_cents: Some(12_500_000),
            services: vec!["certified-peer-specialist".into(), "certified-peer-specialist".into()],
        }
    }

    fn org(id: &str, kind: OrganizationKind, agency: Option<&str>) -> Organization {
        Organization {
            id: id.into(),
            name: id.into(),
            kind,
            agency: agency.map(String::from),
            city: None,
            version: 1,
            provider: ProviderIds::default(),
        }
    }

    #[test]
    fn a_contract_keeps_each_service_once_and_knows_its_dates() {
        let v = input().validate(&cat()).unwrap();
        assert_eq!(v.services, vec!["certified-peer-specialist"]);
        assert_eq!(v.payment_model, PaymentModel::Grant);
        let c = v.into_contract("c".into(), 1);
        assert!(c.in_force_on(time::macros::date!(2026 - 07 - 01)));
        assert!(c.in_force_on(time::macros::date!(2027 - 06 - 30)));
        assert!(!c.in_force_on(time::macros::date!(2027 - 07 - 01)));
        assert!(!c.in_force_on(time::macros::date!(2026 - 06 - 30)));
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let bad = ContractInput {
            funder_id: "same".into(),
            organization_id: "same".into(),
            payer_id: "nobody".into(),
            payment_model: "barter".into(),
            start: "2026-07-01".into(),
            end: Some("2026-01-01".into()),
            budget_cents: Some(-1),
            services: vec!["astronaut".into()],
        };
        let e = bad.validate(&cat()).unwrap_err();
        let fields: Vec<(&str, &str)> = e.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
        for want in [
            ("organization_id", "self-contract"),
            ("payer_id", "unknown-choice"),
            ("payment_model", "unknown-choice"),
            ("end", "end-before-start"),
            ("budget_cents", "out-of-range"),
            ("services", "unknown-choice"),
        ] {
            assert!(fields.contains(&want), "{want:?} missing from {fields:?}");
        }
    }

    #[test]
    fn only_plans_acos_and_agencies_fund_and_an_agency_only_through_its_payer() {
        let v = input().validate(&cat()).unwrap();
        let vendor = org("vendor", OrganizationKind::HumanServiceOrganization, None);
        assert!(check_parties(&v, &org("dmh", OrganizationKind::StateAgency, Some("dmh")), &vendor).is_ok());
        let bsas = check_parties(&v, &org("bsas", OrganizationKind::StateAgency, Some("bsas")), &vendor).unwrap_err();
        assert_eq!(bsas.0[0].code, "not-the-agencys-payer");
        let rlc = check_parties(&v, &org("rlc", OrganizationKind::Rlc, None), &vendor).unwrap_err();
        assert_eq!(rlc.0[0].code, "not-a-funder");
        let mut plan = v.clone();
        plan.payer_id = "managed-care".into();
        assert!(check_parties(&plan, &org("plan", OrganizationKind::HealthPlan, None), &vendor).is_ok());
    }
}
