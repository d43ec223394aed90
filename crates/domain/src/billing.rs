//! Paying for peer work the way each payer pays. The catalog lists the
//! payers and, for each role, one billing rule per payer: how contacts
//! become units (fifteen-minute units, a daily case rate, monthly time, or
//! no units at all under a grant or staffing), the codes, whether prior
//! authorization is needed and which credentials block billing. Pricing a
//! member's contacts is a pure function of the contacts, the member's
//! coverage and authorizations, and the worker's credentials: the store
//! hands all of them in.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::catalog::Localized;

/// Who pays: MassHealth, a plan, a state agency, a grant, the member.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Payer {
    pub id: String,
    pub name: Localized,
    pub kind: PayerKind,
    /// The payer's identifier on X12 claims (2010BB NM109); a deployment setting.
    #[serde(default)]
    pub x12_payer_id: Option<String>,
    pub source: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum PayerKind {
    /// Medicaid fee-for-service (MassHealth, with its behavioral-health vendor).
    Medicaid,
    /// A Medicaid managed-care organization.
    ManagedCare,
    /// A Medicaid accountable care organization.
    Aco,
    /// Medicaid and Medicare together in one plan (One Care).
    MedicareMedicaid,
    Medicare,
    /// A state agency's contract (DMH, DPH/BSAS).
    StateAgency,
    Grant,
    PrivatePay,
}

impl PayerKind {
    /// Whether the payer takes claims at all; grants and state contracts are
    /// reported against, not claimed.
    pub fn takes_claims(self) -> bool {
        !matches!(self, PayerKind::Grant | PayerKind::StateAgency)
    }

    /// Whether a state agency funds through this payer: the Medicaid agency
    /// itself or an agency's contracts (DMH, DPH/BSAS).
    pub fn is_state_agency(self) -> bool {
        matches!(self, PayerKind::Medicaid | PayerKind::StateAgency)
    }
}

/// How one payer pays for one role.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BillingRule {
    /// A payer id from the catalog's payers.
    pub payer: String,
    pub rate: Rate,
    /// The procedure code (HCPCS or CPT); none under a grant or staffing.
    #[serde(default)]
    pub code: Option<String>,
    /// Modifiers on every line, e.g. "HF" for a substance-use program.
    #[serde(default)]
    pub modifiers: Vec<String>,
    /// The modifier a group contact adds, e.g. "HQ".
    #[serde(default)]
    pub group_modifier: Option<String>,
    /// The place of service for a contact by telephone or video (02 or 10).
    #[serde(default)]
    pub telehealth_place_of_service: Option<String>,
    #[serde(default)]
    pub min_age: Option<u32>,
    #[serde(default)]
    pub max_age: Option<u32>,
    /// Diagnosis groups one of which the member must have on the day (none: any).
    #[serde(default)]
    pub diagnosis_groups: Vec<DiagnosisGroup>,
    /// Whether units are paid only under an approved authorization.
    #[serde(default)]
    pub prior_authorization: bool,
    /// The first request: units over days.
    #[serde(default)]
    pub initial_authorization: Option<UnitsOverDays>,
    /// Each renewal: units over days.
    #[serde(default)]
    pub renewal_authorization: Option<UnitsOverDays>,
    /// At least this many contacts in a window, for the payer's rate.
    #[serde(default)]
    pub min_connections: Option<CountOverDays>,
    /// Requirement ids of the role that, unmet, block billing this payer
    /// (on top of the role's requirements that block every payer).
    #[serde(default)]
    pub blocked_by: Vec<String>,
    /// What the provider charges for one unit, in cents, written on each
    /// claim line (the payer pays its own fee). None charges nothing, as an
    /// encounter report does.
    #[serde(default)]
    pub unit_charge_cents: Option<u32>,
    pub source: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct UnitsOverDays {
    pub units: u32,
    pub days: u32,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CountOverDays {
    pub count: u32,
    pub days: u32,
}

/// The diagnosis groups a rule may require.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum DiagnosisGroup {
    MentalHealth,
    SubstanceUse,
    Hiv,
}

/// How a payer turns contacts into units.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Rate {
    /// Units of `unit_minutes` per contact, rounded as the payer rounds,
    /// at most `daily_cap` units a day for one member.
    PerUnit {
        unit_minutes: u32,
        rounding: Rounding,
        #[serde(default)]
        daily_cap: Option<u32>,
    },
    /// One unit per calendar day with at least one contact, however many.
    DailyCaseRate,
    /// Cumulative minutes in a calendar month: a base code once the month
    /// reaches `base_minutes`, then an add-on for each further `addon_minutes`.
    /// Billable only after the initiating visit the payer requires.
    MonthlyTime { base_minutes: u32, addon_minutes: u32, addon_code: String },
    /// Paid by a grant or contract: no units, no claim.
    Grant,
    /// Paid within the program's staffing: no units, no claim.
    IntegratedInStaffing,
}

impl Rate {
    pub fn as_str(&self) -> &'static str {
        match self {
            Rate::PerUnit { .. } => "per-unit",
            Rate::DailyCaseRate => "daily-case-rate",
            Rate::MonthlyTime { .. } => "monthly-time",
            Rate::Grant => "grant",
            Rate::IntegratedInStaffing => "integrated-in-staffing",
        }
    }

    /// Whether contacts under this rate are counted in units at all.
    pub fn counts_units(&self) -> bool {
        !matches!(self, Rate::Grant | Rate::IntegratedInStaffing)
    }
}

/// How minutes become billing units; payers differ, so it is data.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Rounding {
    /// Only whole units count: 29 minutes of 15-minute units is 1 unit.
    FullUnit,
    /// A unit counts from half its length: 8 minutes is 1 unit, 23 is 2.
    HalfUnit,
    /// Any started unit counts: 1 minute is 1 unit.
    AnyMinute,
}

impl Rounding {
    pub fn units(self, minutes: u32, unit_minutes: u32) -> u32 {
        let unit = unit_minutes.max(1);
        match self {
            Rounding::FullUnit => minutes / unit,
            Rounding::AnyMinute => minutes.div_ceil(unit),
            Rounding::HalfUnit => (minutes + unit / 2) / unit,
        }
    }
}

impl BillingRule {
    /// What the rule's authorization means in words a payer uses.
    pub fn unit_label(&self) -> &'static str {
        match &self.rate {
            Rate::DailyCaseRate => "days",
            Rate::MonthlyTime { .. } => "months",
            _ => "units",
        }
    }

    /// Checks a rule against the catalog's payers and the role's requirement
    /// ids; returns the field at fault and the problem.
    pub(crate) fn check(&self, payers: &[Payer], requirements: &[&str]) -> Result<(), (String, String)> {
        let fail = |f: &str, m: &str| Err((f.to_string(), m.to_string()));
        if !payers.iter().any(|p| p.id == self.payer) {
            return fail("payer", "must be the id of one of the catalog's payers");
        }
        match &self.rate {
            &Rate::PerUnit { unit_minutes, daily_cap, .. } => {
                if unit_minutes == 0 || unit_minutes > 24 * 60 {
                    return fail("rate.unit_minutes", "must be between 1 and 1440 minutes");
                }
                if daily_cap == Some(0) {
                    return fail("rate.daily_cap", "must be at least 1 when given; leave it out for no cap");
                }
            }
            Rate::MonthlyTime { base_minutes, addon_minutes, addon_code } => {
                if *base_minutes == 0 || *addon_minutes == 0 {
                    return fail("rate.base_minutes", "base_minutes and addon_minutes must both be at least 1");
                }
                if addon_code.trim().is_empty() {
                    return fail("rate.addon_code", "must name the add-on code");
                }
            }
            Rate::DailyCaseRate | Rate::Grant | Rate::IntegratedInStaffing => {}
        }
        if self.rate.counts_units() && self.code.is_none() {
            return fail("code", "a rule that counts units must name its procedure code");
        }
        for (name, t) in [("initial_authorization", self.initial_authorization), ("renewal_authorization", self.renewal_authorization)] {
            if let Some(t) = t {
                if t.units == 0 || t.days == 0 {
                    return fail(&format!("{name}.units"), "units and days must both be at least 1");
                }
            }
        }
        if self.prior_authorization && self.initial_authorization.is_none() {
            return fail("initial_authorization", "a rule that needs prior authorization must give the initial request");
        }
        if self.min_connections.is_some_and(|m| m.days == 0) {
            return fail("min_connections.days", "a window of 0 days is never met; give at least 1 day");
        }
        if let (Some(lo), Some(hi)) = (self.min_age, self.max_age) {
            if lo > hi {
                return fail("min_age", "must not be above max_age");
            }
        }
        if let Some(x) = self.blocked_by.iter().find(|b| !requirements.contains(&b.as_str())) {
            return Err(("blocked_by".into(), format!("\"{x}\" is not one of the role's requirement ids")));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Pricing
// ---------------------------------------------------------------------------

/// One contact, as far as pricing goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactFacts {
    pub id: String,
    /// The account of the worker who logged it: their credentials may block billing.
    pub author: String,
    pub date: Date,
    pub minutes: u32,
    pub group: bool,
    /// By telephone, video or text.
    pub telehealth: bool,
    /// The place of service of the contact's setting (the catalog maps them).
    pub place_of_service: Option<String>,
}

/// One of the member's plans, on the days it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageSpan {
    pub payer: String,
    pub start: Date,
    pub end: Option<Date>,
    /// The initiating visit a monthly-time payer requires, when recorded.
    pub initiating_visit: Option<Date>,
}

impl CoverageSpan {
    pub fn covers(&self, day: Date) -> bool {
        self.start <= day && self.end.is_none_or(|e| day <= e)
    }
}

/// An authorization's status as the payer decided it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum AuthorizationStatus {
    Requested,
    Approved,
    Denied,
    Expired,
}

impl AuthorizationStatus {
    pub const ALL: [Self; 4] = [Self::Requested, Self::Approved, Self::Denied, Self::Expired];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Approved => "approved",
            Self::Denied => "denied",
            Self::Expired => "expired",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// A request is decided once; an approved authorization may only expire early.
    pub fn may_become(self, next: Self) -> bool {
        matches!((self, next), (Self::Requested, Self::Approved | Self::Denied | Self::Expired) | (Self::Approved, Self::Expired))
    }
}

/// An approved authorization's window and units, for pricing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationSpan {
    pub id: String,
    pub payer: String,
    pub units: u32,
    pub start: Date,
    pub end: Date,
}

/// Whether and how one contact is paid.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Pricing {
    /// Claimable: `units` under `code` (0 when another contact that day or
    /// month already carries the unit).
    Billable {
        payer: String,
        code: String,
        modifiers: Vec<String>,
        place_of_service: Option<String>,
        units: u32,
        /// The authorization the units are counted against, when one applies.
        authorization_id: Option<String>,
    },
    /// Paid, but not by claim: a grant or contract, or within staffing.
    Funded { payer: String, rate: String },
    /// Units the payer would pay that no approved authorization covers:
    /// kept in the needs-authorization queue, never dropped.
    NeedsAuthorization { payer: String, code: String, units: u32 },
    /// Logged but not billable, and why.
    NotBillable { payer: Option<String>, reason: NotBillableReason },
}

impl Pricing {
    /// The units this contact counts for on its payer's rule.
    pub fn units(&self) -> Option<u32> {
        match self {
            Pricing::Billable { units, .. } | Pricing::NeedsAuthorization { units, .. } => Some(*units),
            _ => None,
        }
    }
    pub fn status(&self) -> &'static str {
        match self {
            Pricing::Billable { .. } => "billable",
            Pricing::Funded { .. } => "funded",
            Pricing::NeedsAuthorization { .. } => "needs-authorization",
            Pricing::NotBillable { .. } => "not-billable",
        }
    }
}

/// Why a contact is not billable; each names what would fix it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "kebab-case")]
pub enum NotBillableReason {
    /// The role bills no payer at all.
    RoleNotBilled,
    /// No coverage on the day with a payer that pays for the role.
    NoCoverage,
    /// The worker lacks a credential this payer requires.
    CredentialBlocks { requirement_id: String, detail: String },
    /// The member's age on the day is outside the rule's limits.
    Age { age: u32 },
    /// The member has none of the diagnosis groups the rule requires.
    Diagnosis,
    /// A monthly-time rule needs the initiating visit first.
    NoInitiatingVisit,
    /// A monthly-time month that has not reached the base minutes.
    BelowMonthlyMinimum { minutes: u32, base_minutes: u32 },
}

impl NotBillableReason {
    pub fn code(&self) -> &'static str {
        match self {
            Self::RoleNotBilled => "role-not-billed",
            Self::NoCoverage => "no-coverage",
            Self::CredentialBlocks { .. } => "credential-blocks",
            Self::Age { .. } => "age",
            Self::Diagnosis => "diagnosis",
            Self::NoInitiatingVisit => "no-initiating-visit",
            Self::BelowMonthlyMinimum { .. } => "below-monthly-minimum",
        }
    }
}

/// The requirement that blocks billing, and why in plain words.
pub type Blocked = (String, String);

/// What pricing needs besides the contacts.
pub struct PricingInput<'a> {
    /// The role's rules, in the catalog's order (the first is the default).
    pub rules: &'a [BillingRule],
    /// The member's coverage, in priority order (primary first).
    pub coverage: &'a [CoverageSpan],
    /// Approved authorizations for this member and role.
    pub authorizations: &'a [AuthorizationSpan],
    /// The requirement that blocks the contact's worker from billing the
    /// payer on the contact's day, if any: (requirement id, plain reason).
    pub blocked: &'a dyn Fn(&ContactFacts, &str) -> Option<Blocked>,
    /// The member's age on a day.
    pub age_on: &'a dyn Fn(Date) -> Option<u32>,
    /// The diagnosis groups the member has on a day.
    pub diagnoses_on: &'a dyn Fn(Date) -> BTreeSet<DiagnosisGroup>,
}

/// The rule and payer a contact on `day` is priced under: the first coverage
/// that covers the day and whose payer has a rule for the role.
pub fn rule_on<'a>(rules: &'a [BillingRule], coverage: &[CoverageSpan], day: Date) -> Option<(&'a BillingRule, Option<Date>)> {
    coverage.iter().filter(|c| c.covers(day)).find_map(|c| rules.iter().find(|r| r.payer == c.payer).map(|r| (r, c.initiating_visit)))
}

/// Prices every contact of one member with one worker's role. Contacts are
/// taken in date order; units are counted against authorizations in that
/// order, so the contacts beyond an authorization are the later ones.
pub fn price(contacts: &[ContactFacts], input: &PricingInput) -> BTreeMap<String, Pricing> {
    let mut order: Vec<&ContactFacts> = contacts.iter().collect();
    order.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
    let mut out = BTreeMap::new();
    if input.rules.is_empty() {
        for c in order {
            out.insert(c.id.clone(), Pricing::NotBillable { payer: None, reason: NotBillableReason::RoleNotBilled });
        }
        return out;
    }
    // Units already used per authorization, days already counted per payer
    // (daily case rate), units per payer and day (daily cap), minutes per
    // payer and month (monthly time).
    let mut used: BTreeMap<String, u32> = BTreeMap::new();
    let mut days_counted: BTreeSet<(String, Date)> = BTreeSet::new();
    let mut day_units: BTreeMap<(String, Date), u32> = BTreeMap::new();
    let monthly = monthly_minutes(&order, input);
    let mut months_counted: BTreeMap<(String, i32, Month), u32> = BTreeMap::new();
    for c in order {
        let pricing = price_one(c, input, &mut used, &mut days_counted, &mut day_units, &monthly, &mut months_counted);
        out.insert(c.id.clone(), pricing);
    }
    out
}

type MonthKey = (String, i32, Month);

/// Minutes per payer and calendar month, for monthly-time rules.
fn monthly_minutes(order: &[&ContactFacts], input: &PricingInput) -> BTreeMap<MonthKey, u32> {
    let mut m = BTreeMap::new();
    for c in order {
        if let Some((rule, _)) = rule_on(input.rules, input.coverage, c.date) {
            if matches!(rule.rate, Rate::MonthlyTime { .. }) {
                *m.entry((rule.payer.clone(), c.date.year(), c.date.month())).or_insert(0u32) += c.minutes;
            }
        }
    }
    m
}

fn price_one(
    c: &ContactFacts,
    input: &PricingInput,
    used: &mut BTreeMap<String, u32>,
    days_counted: &mut BTreeSet<(String, Date)>,
    day_units: &mut BTreeMap<(String, Date), u32>,
    monthly: &BTreeMap<MonthKey, u32>,
    months_counted: &mut BTreeMap<MonthKey, u32>,
) -> Pricing {
    let Some((rule, initiating_visit)) = rule_on(input.rules, input.coverage, c.date) else {
        return Pricing::NotBillable { payer: None, reason: NotBillableReason::NoCoverage };
    };
    let payer = rule.payer.clone();
    let not = |reason| Pricing::NotBillable { payer: Some(payer.clone()), reason };
    if let Some((requirement_id, detail)) = (input.blocked)(c, &payer) {
        return not(NotBillableReason::CredentialBlocks { requirement_id, detail });
    }
    if rule.min_age.is_some() || rule.max_age.is_some() {
        if let Some(age) = (input.age_on)(c.date) {
            if rule.min_age.is_some_and(|a| age < a) || rule.max_age.is_some_and(|a| age > a) {
                return not(NotBillableReason::Age { age });
            }
        }
    }
    if !rule.diagnosis_groups.is_empty() {
        let has = (input.diagnoses_on)(c.date);
        if !rule.diagnosis_groups.iter().any(|g| has.contains(g)) {
            return not(NotBillableReason::Diagnosis);
        }
    }
    let code = rule.code.clone().unwrap_or_default();
    let units = match &rule.rate {
        Rate::Grant | Rate::IntegratedInStaffing => return Pricing::Funded { payer, rate: rule.rate.as_str().into() },
        &Rate::PerUnit { unit_minutes, rounding, daily_cap } => {
            let raw = rounding.units(c.minutes, unit_minutes);
            let so_far = day_units.entry((payer.clone(), c.date)).or_insert(0);
            let allowed = daily_cap.map_or(raw, |cap| raw.min(cap.saturating_sub(*so_far)));
            *so_far += allowed;
            allowed
        }
        Rate::DailyCaseRate => u32::from(days_counted.insert((payer.clone(), c.date))),
        &Rate::MonthlyTime { base_minutes, addon_minutes, .. } => {
            if initiating_visit.is_none_or(|v| v > c.date) {
                return not(NotBillableReason::NoInitiatingVisit);
            }
            let key = (payer.clone(), c.date.year(), c.date.month());
            let minutes = monthly.get(&key).copied().unwrap_or(0);
            if minutes < base_minutes {
                return not(NotBillableReason::BelowMonthlyMinimum { minutes, base_minutes });
            }
            // The month's units (base plus add-ons) go on its first contact.
            let counted = months_counted.entry(key).or_insert(0);
            if *counted > 0 {
                0
            } else {
                let total = 1 + (minutes - base_minutes) / addon_minutes;
                *counted = total;
                total
            }
        }
    };
    let mut modifiers = rule.modifiers.clone();
    if c.group {
        modifiers.extend(rule.group_modifier.clone());
    }
    let place_of_service =
        if c.telehealth { rule.telehealth_place_of_service.clone().or(c.place_of_service.clone()) } else { c.place_of_service.clone() };
    // Find the approved authorization covering the day with units left.
    let covering: Vec<&AuthorizationSpan> =
        input.authorizations.iter().filter(|a| a.payer == payer && a.start <= c.date && c.date <= a.end).collect();
    if units == 0 {
        let authorization_id = covering.first().map(|a| a.id.clone());
        return Pricing::Billable { payer, code, modifiers, place_of_service, units, authorization_id };
    }
    for a in &covering {
        let u = used.entry(a.id.clone()).or_insert(0);
        if *u + units <= a.units {
            *u += units;
            return Pricing::Billable { payer, code, modifiers, place_of_service, units, authorization_id: Some(a.id.clone()) };
        }
    }
    if rule.prior_authorization {
        Pricing::NeedsAuthorization { payer, code, units }
    } else {
        Pricing::Billable { payer, code, modifiers, place_of_service, units, authorization_id: None }
    }
}

/// Units used under one authorization by priced contacts.
pub fn units_used(priced: &BTreeMap<String, Pricing>, authorization_id: &str) -> u32 {
    priced
        .values()
        .filter_map(|p| match p {
            Pricing::Billable { units, authorization_id: Some(a), .. } if a == authorization_id => Some(*units),
            _ => None,
        })
        .sum()
}

/// Units that no authorization covers, waiting in the queue.
pub fn units_waiting(priced: &BTreeMap<String, Pricing>) -> u32 {
    priced.values().filter_map(|p| if let Pricing::NeedsAuthorization { units, .. } = p { Some(*units) } else { None }).sum()
}

/// The member's age in whole years on `day`.
pub fn age_on(date_of_birth: Date, day: Date) -> u32 {
    let mut years = day.year() - date_of_birth.year();
    if (day.month() as u8, day.day()) < (date_of_birth.month() as u8, date_of_birth.day()) {
        years -= 1;
    }
    u32::try_from(years.max(0)).unwrap_or(0)
}

/// A plain English sentence for a reason, for logs and API clients.
pub fn reason_text(reason: &NotBillableReason) -> String {
    match reason {
        NotBillableReason::RoleNotBilled => "no payer in the catalog pays for this role".into(),
        NotBillableReason::NoCoverage => "the member has no coverage on that day with a payer that pays for this role".into(),
        NotBillableReason::CredentialBlocks { detail, .. } => detail.clone(),
        NotBillableReason::Age { age } => format!("the payer does not pay for members aged {age}"),
        NotBillableReason::Diagnosis => "the member has no diagnosis in a group the payer requires".into(),
        NotBillableReason::NoInitiatingVisit => "the payer requires an initiating visit before this service; record it on the coverage".into(),
        NotBillableReason::BelowMonthlyMinimum { minutes, base_minutes } => {
            format!("{minutes} minutes this month, below the {base_minutes} the payer's base code needs")
        }
    }
}

/// The last day of a window of `days` days that starts on `start`.
pub fn window_end(start: Date, days: u32) -> Date {
    start.checked_add(time::Duration::days(i64::from(days.max(1)) - 1)).unwrap_or(Date::MAX)
}

#[cfg(test)]
mod tests;
