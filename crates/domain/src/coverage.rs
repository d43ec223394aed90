//! A member's coverage (which payers cover them, from when to when) and
//! their authorizations (units a payer approved for one role over a
//! period). Both carry the Billing label. Pure: the store hands in the
//! catalog and today's date.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::billing::{AuthorizationSpan, AuthorizationStatus, CoverageSpan};
use crate::catalog::Catalog;
use crate::error::{FieldError, Invalid};
use crate::limits::{parse_day, text};
use crate::privacy::{Category, Labelled};
use crate::records::Id;

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// One of the member's plans or payers.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    pub id: Id,
    pub member_id: Id,
    /// A payer id from the catalog.
    pub payer_id: String,
    /// The plan's own name, e.g. the One Care plan the member chose.
    pub plan_name: Option<String>,
    /// The member's number with this payer, when it is not the MassHealth id.
    pub subscriber_id: Option<String>,
    /// 1 is primary; lower numbers price a contact first.
    pub priority: u32,
    #[serde(with = "iso_date")]
    pub start: Date,
    #[serde(with = "iso_date::option")]
    pub end: Option<Date>,
    /// The visit a monthly-time payer (Medicare) requires before its codes.
    #[serde(with = "iso_date::option")]
    pub initiating_visit: Option<Date>,
    pub version: i64,
}

impl Coverage {
    pub fn span(&self) -> CoverageSpan {
        CoverageSpan { payer: self.payer_id.clone(), start: self.start, end: self.end, initiating_visit: self.initiating_visit }
    }
}

impl Labelled for Coverage {
    const NAME: &'static str = "Coverage";
    fn field_category(field: &str) -> Option<Category> {
        matches!(
            field,
            "id" | "member_id" | "payer_id" | "plan_name" | "subscriber_id" | "priority" | "start" | "end" | "initiating_visit" | "version"
        )
        .then_some(Category::Billing)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CoverageInput {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::payer_id))]
    pub payer_id: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::title_opt))]
    pub plan_name: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::identifier_opt))]
    pub subscriber_id: Option<String>,
    /// 1 (primary) to 9; 1 when left out.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 9))]
    pub priority: Option<u32>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::day))]
    pub start: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::day_opt))]
    pub end: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::day_opt))]
    pub initiating_visit: Option<String>,
}

/// A coverage input once checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidCoverage {
    pub payer_id: String,
    pub plan_name: Option<String>,
    pub subscriber_id: Option<String>,
    pub priority: u32,
    pub start: Date,
    pub end: Option<Date>,
    pub initiating_visit: Option<Date>,
}

pub(crate) fn day(errs: &mut Invalid, field: &str, value: &str) -> Option<Date> {
    let d = parse_day(value);
    if d.is_none() {
        if value.trim().is_empty() {
            errs.push(FieldError::new(field, "required", "is required"));
        } else {
            errs.push(FieldError::new(field, "date-format", "must be a date written YYYY-MM-DD, from 1900 to 2200"));
        }
    }
    d
}

pub(crate) fn optional_day(errs: &mut Invalid, field: &str, value: Option<&str>) -> Option<Date> {
    value.and_then(|v| day(errs, field, v))
}

fn optional_text(errs: &mut Invalid, field: &str, value: Option<&str>, limit: crate::limits::TextLimit) -> Option<String> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    crate::limits::check_text(errs, field, v, limit);
    Some(v.to_string())
}

pub(crate) fn payer(errs: &mut Invalid, catalog: &Catalog, field: &str, value: &str) -> String {
    let v = value.trim();
    if catalog.payer(v).is_none() {
        let choices = catalog.payers.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ");
        errs.push(
            FieldError::new(field, "unknown-choice", format!("\"{v}\" is not one of the catalog's payers: {choices}"))
                .arg("value", v)
                .arg("choices", choices),
        );
    }
    v.to_string()
}

pub(crate) fn end_after_start(errs: &mut Invalid, start: Option<Date>, end: Option<Date>) {
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            errs.push(FieldError::new("end", "end-before-start", "is before the start date"));
        }
    }
}

impl CoverageInput {
    pub fn validate(&self, catalog: &Catalog) -> Result<ValidCoverage, Invalid> {
        let mut errs = Invalid::default();
        let payer_id = payer(&mut errs, catalog, "payer_id", &self.payer_id);
        let plan_name = optional_text(&mut errs, "plan_name", self.plan_name.as_deref(), text::TITLE);
        let subscriber_id = optional_text(&mut errs, "subscriber_id", self.subscriber_id.as_deref(), text::IDENTIFIER);
        let priority = self.priority.unwrap_or(1);
        if !(1..=9).contains(&priority) {
            errs.push(FieldError::new("priority", "out-of-range", "must be from 1 (primary) to 9").arg("min", "1").arg("max", "9"));
        }
        let start = day(&mut errs, "start", &self.start);
        let end = optional_day(&mut errs, "end", self.end.as_deref());
        let initiating_visit = optional_day(&mut errs, "initiating_visit", self.initiating_visit.as_deref());
        end_after_start(&mut errs, start, end);
        errs.finish()?;
        let start = start.ok_or_else(|| Invalid::one("start", "required", "is required"))?;
        Ok(ValidCoverage { payer_id, plan_name, subscriber_id, priority, start, end, initiating_visit })
    }
}

/// Whether this is the first request for a member, role and payer, or a renewal.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum AuthorizationKind {
    Initial,
    Renewal,
}

impl AuthorizationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Initial => "initial",
            Self::Renewal => "renewal",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Initial, Self::Renewal].into_iter().find(|k| k.as_str() == s)
    }
}

/// Units a payer approved (or was asked for) for one member and role.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuthorizationRecord {
    pub id: Id,
    pub member_id: Id,
    pub role_id: String,
    pub payer_id: String,
    /// The payer's authorization or registration number, once given.
    pub number: Option<String>,
    pub kind: AuthorizationKind,
    pub status: AuthorizationStatus,
    pub units: u32,
    #[serde(with = "iso_date")]
    pub start: Date,
    #[serde(with = "iso_date")]
    pub end: Date,
    pub requested_by: Option<String>,
    pub recorded_by: Option<String>,
    /// Units used under it by billable contacts, when the reader sees them.
    pub units_used: Option<u32>,
    pub version: i64,
}

impl AuthorizationRecord {
    pub fn span(&self) -> AuthorizationSpan {
        AuthorizationSpan { id: self.id.clone(), payer: self.payer_id.clone(), units: self.units, start: self.start, end: self.end }
    }
}

impl Labelled for AuthorizationRecord {
    const NAME: &'static str = "AuthorizationRecord";
    fn field_category(field: &str) -> Option<Category> {
        matches!(
            field,
            "id" | "member_id"
                | "role_id"
                | "payer_id"
                | "number"
                | "kind"
                | "status"
                | "units"
                | "start"
                | "end"
                | "requested_by"
                | "recorded_by"
                | "units_used"
                | "version"
        )
        .then_some(Category::Billing)
    }
}

/// A request for units, by the coordinator or the billing office. Units and
/// the end date default to the payer's initial or renewal figures.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthorizationRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::role_id))]
    pub role_id: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::payer_id))]
    pub payer_id: String,
    /// initial or renewal; initial when left out.
    #[serde(default)]
    pub kind: Option<AuthorizationKind>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::day))]
    pub start: String,
    /// Leave out for the payer's figure.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub units: Option<u32>,
}

/// What the payer decided on a request.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Decided {
    #[default]
    Approved,
    Denied,
    /// An approved authorization the payer ended early.
    Expired,
}

impl Decided {
    pub fn status(self) -> AuthorizationStatus {
        match self {
            Decided::Approved => AuthorizationStatus::Approved,
            Decided::Denied => AuthorizationStatus::Denied,
            Decided::Expired => AuthorizationStatus::Expired,
        }
    }
}

/// The billing office records the payer's decision.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthorizationDecision {
    pub status: Decided,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::identifier_opt))]
    pub number: Option<String>,
    /// The units approved, when they differ from those requested.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub units: Option<u32>,
    /// The last day, when it differs from the one requested.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::day_opt))]
    pub end: Option<String>,
}

/// A request once checked against the catalog: units and the last day filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidRequest {
    pub role_id: String,
    pub payer_id: String,
    pub kind: AuthorizationKind,
    pub units: u32,
    pub start: Date,
    pub end: Date,
}

const MAX_UNITS: u32 = 10_000;

fn units_in_range(errs: &mut Invalid, units: Option<u32>) {
    if units.is_some_and(|u| u == 0 || u > MAX_UNITS) {
        errs.push(
            FieldError::new("units", "out-of-range", format!("must be from 1 to {MAX_UNITS}")).arg("min", "1").arg("max", MAX_UNITS.to_string()),
        );
    }
}

impl AuthorizationRequest {
    pub fn validate(&self, catalog: &Catalog) -> Result<ValidRequest, Invalid> {
        let mut errs = Invalid::default();
        let role = catalog.role(self.role_id.trim());
        if role.is_none() {
            let choices = catalog.roles.iter().map(|r| r.id.as_str()).collect::<Vec<_>>().join(", ");
            errs.push(
                FieldError::new("role_id", "unknown-choice", format!("is not one of the catalog's roles: {choices}"))
                    .arg("value", self.role_id.trim())
                    .arg("choices", choices),
            );
        }
        let payer_id = payer(&mut errs, catalog, "payer_id", &self.payer_id);
        let start = day(&mut errs, "start", &self.start);
        units_in_range(&mut errs, self.units);
        let kind = self.kind.unwrap_or(AuthorizationKind::Initial);
        let rule = role.and_then(|r| r.billing.iter().find(|b| b.payer == payer_id));
        let terms = rule.and_then(|r| match kind {
            AuthorizationKind::Initial => r.initial_authorization,
            AuthorizationKind::Renewal => r.renewal_authorization.or(r.initial_authorization),
        });
        if role.is_some() && catalog.payer(&payer_id).is_some() && terms.is_none() {
            let choices: Vec<&str> =
                role.map(|r| r.billing.iter().filter(|b| b.initial_authorization.is_some()).map(|b| b.payer.as_str()).collect()).unwrap_or_default();
            let choices = if choices.is_empty() { "none".to_string() } else { choices.join(", ") };
            errs.push(
                FieldError::new("payer_id", "unknown-choice", format!("does not authorize units for this role; payers that do: {choices}"))
                    .arg("value", payer_id.clone())
                    .arg("choices", choices),
            );
        }
        errs.finish()?;
        let (Some(start), Some(terms)) = (start, terms) else {
            return Err(Invalid::one("start", "required", "is required"));
        };
        let end = crate::billing::window_end(start, terms.days);
        // The window's last day must be a day the records can hold.
        if !crate::limits::within_years(end) {
            return Err(Invalid::one(
                "start",
                "authorization-ends-too-late",
                format!("the authorization would end after {}", crate::limits::LATEST_YEAR),
            ));
        }
        Ok(ValidRequest { role_id: self.role_id.trim().to_string(), payer_id, kind, units: self.units.unwrap_or(terms.units), start, end })
    }
}

/// A decision once checked: the number, the units and the last day, if changed.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidDecision {
    pub status: AuthorizationStatus,
    pub number: Option<String>,
    pub units: Option<u32>,
    pub end: Option<Date>,
}

impl AuthorizationDecision {
    pub fn validate(&self, start: Date) -> Result<ValidDecision, Invalid> {
        let mut errs = Invalid::default();
        let number = optional_text(&mut errs, "number", self.number.as_deref(), text::IDENTIFIER);
        units_in_range(&mut errs, self.units);
        let end = optional_day(&mut errs, "end", self.end.as_deref());
        end_after_start(&mut errs, Some(start), end);
        errs.finish()?;
        Ok(ValidDecision { status: self.status.status(), number, units: self.units, end })
    }
}

/// One line of a coverage file, with its line number for errors.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CoverageRow {
    pub masshealth_id: String,
    pub payer_id: String,
    #[serde(default)]
    pub plan_name: String,
    #[serde(default)]
    pub subscriber_id: String,
    #[serde(default)]
    pub priority: String,
    pub start: String,
    #[serde(default)]
    pub end: String,
    #[serde(default)]
    pub initiating_visit: String,
}

impl CoverageRow {
    /// The row as an input; blank cells are left out.
    pub fn input(&self) -> Result<CoverageInput, Invalid> {
        let blank = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let priority = match self.priority.trim() {
            "" => None,
            p => Some(p.parse::<u32>().map_err(|_| {
                Invalid(vec![FieldError::new("priority", "out-of-range", "must be from 1 (primary) to 9").arg("min", "1").arg("max", "9")])
            })?),
        };
        Ok(CoverageInput {
            payer_id: self.payer_id.clone(),
            plan_name: blank(&self.plan_name),
            subscriber_id: blank(&self.subscriber_id),
            priority,
            start: self.start.clone(),
            end: blank(&self.end),
            initiating_visit: blank(&self.initiating_visit),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn cat() -> Catalog {
        Catalog::massachusetts().unwrap()
    }

    #[test]
    fn a_request_takes_the_payers_figures() {
        let r = AuthorizationRequest {
            role_id: "peer-recovery-coach".into(),
            payer_id: "masshealth".into(),
            start: "2026-03-01".into(),
            ..Default::default()
        };
        let v = r.validate(&cat()).unwrap();
        assert_eq!((v.units, v.start, v.end), (90, date!(2026 - 03 - 01), date!(2026 - 05 - 29)), "90 days over 90");
        let r = AuthorizationRequest { role_id: "recovery-support-navigator".into(), kind: Some(AuthorizationKind::Renewal), ..r };
        assert_eq!(r.validate(&cat()).unwrap().units, 180);
        // A window running past the last year records can hold is refused, not stored.
        let late = AuthorizationRequest { start: "2200-12-31".into(), ..r };
        assert_eq!(late.validate(&cat()).unwrap_err().0[0].code, "authorization-ends-too-late");
    }

    #[test]
    fn a_payer_that_authorizes_nothing_for_the_role_is_refused_naming_those_that_do() {
        let r =
            AuthorizationRequest { role_id: "peer-recovery-coach".into(), payer_id: "bsas".into(), start: "2026-03-01".into(), ..Default::default() };
        let e = r.validate(&cat()).unwrap_err();
        assert_eq!(e.0[0].field, "payer_id");
        assert!(e.0[0].message.contains("masshealth"), "{e}");
    }

    #[test]
    fn coverage_checks_payer_dates_and_priority_together() {
        let c =
            CoverageInput { payer_id: "nobody".into(), priority: Some(0), start: "2026-13-01".into(), end: Some("x".into()), ..Default::default() };
        let fields: Vec<String> = c.validate(&cat()).unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["payer_id", "priority", "start", "end"]);
        let c = CoverageInput { payer_id: "one-care".into(), start: "2026-03-01".into(), end: Some("2026-02-01".into()), ..Default::default() };
        assert_eq!(c.validate(&cat()).unwrap_err().0[0].code, "end-before-start");
    }
}
