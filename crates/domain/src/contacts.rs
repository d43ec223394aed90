//! Contacts as the payer counts them: each contact's billing units from the
//! role's rule in the catalog, the units used against the authorization,
//! and whether the role's engagement rule is met. Pure: the store hands in
//! the contacts and today's date.

use serde::Serialize;
use time::{Date, Duration};

use crate::billing::{AuthorizationSpan, BillingRule, Pricing, Rate, Rounding, UnitsOverDays};
use crate::notes::ContactNote;
use crate::privacy::{Category, Labelled};

/// A contact as the peer sees it in their log: the note, the role it was
/// billed under and the units it counts for.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoggedContact {
    #[serde(flatten)]
    pub note: ContactNote,
    /// The catalog role of the peer who logged it, when known.
    pub role_id: Option<String>,
    /// Billing units under the rule of the payer that covered the day; none
    /// when the contact counts no units.
    pub units: Option<u32>,
    /// Whether and how the contact is paid, with the reason when it is not.
    pub pricing: Option<Pricing>,
}

impl Labelled for LoggedContact {
    const NAME: &'static str = "LoggedContact";
    /// Units are worked out from the peer's own notes, so they carry the same label.
    fn field_category(field: &str) -> Option<Category> {
        match field {
            "role_id" | "units" | "pricing" => Some(Category::PeerNotes),
            other => <ContactNote as Labelled>::field_category(other),
        }
    }
}

/// One contact, as far as counting goes: its day, its length and the units
/// its payer's rule gave it (0 when it gave none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    pub date: Date,
    pub minutes: u32,
    pub units: u32,
}

/// The authorization that covers today, and the units used under it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Authorization {
    pub id: String,
    /// The payer's authorization or registration number, when known.
    pub number: Option<String>,
    pub units_authorized: u32,
    /// First and last day of the authorization.
    pub since: String,
    pub until: String,
    pub units_used: u32,
    pub units_left: u32,
    /// Units beyond the authorization wait in the needs-authorization queue.
    pub over: bool,
}

/// A role's engagement rule, from its payer's billing rule.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum EngagementRule {
    /// At least `min` contacts in the last `days` days (Recovery Coach: 5 over 30).
    Connections { min: u32, days: u32 },
    /// No more than `units` units in the last `days` days, the registration's
    /// parameters (Recovery Support Navigator: 180 over 90).
    WithinUnits { units: u32, days: u32 },
}

impl EngagementRule {
    /// The rule a payer's billing rule gives: a minimum of connections when
    /// it names one, otherwise staying within the initial authorization.
    pub fn of(rule: &BillingRule) -> Option<EngagementRule> {
        match (rule.min_connections, rule.initial_authorization) {
            (Some(m), _) if m.days > 0 => Some(EngagementRule::Connections { min: m.count, days: m.days }),
            (_, Some(a)) if a.days > 0 => Some(EngagementRule::WithinUnits { units: a.units, days: a.days }),
            _ => None,
        }
    }

    /// The length of the rule's window in days.
    pub fn days(self) -> u32 {
        match self {
            EngagementRule::Connections { days, .. } | EngagementRule::WithinUnits { days, .. } => days,
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Engagement {
    pub rule: EngagementRule,
    pub since: String,
    /// Contacts in the window (for a connections rule) or units (for a units rule).
    pub count: u32,
    pub met: bool,
    /// Contacts still needed to meet a connections rule; 0 once met.
    pub needed: u32,
}

/// Where a member's contacts stand under the billing rule of the payer
/// that covers them today (or the role's default rule without coverage).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Standing {
    pub payer: String,
    /// Whether the member has coverage with that payer today.
    pub covered: bool,
    /// `per-unit`, `daily-case-rate`, `monthly-time`, `grant` or `integrated-in-staffing`.
    pub rate: String,
    pub unit_minutes: Option<u32>,
    pub rounding: Option<Rounding>,
    /// The approved authorization covering today, when there is one.
    pub authorization: Option<Authorization>,
    /// What to request when the payer needs an authorization and none covers today.
    pub authorization_needed: Option<UnitsOverDays>,
    /// Units no authorization covers, waiting in the needs-authorization queue.
    pub units_waiting: u32,
    pub engagement: Option<Engagement>,
}

/// The first day of a window of `days` days that ends today.
fn window_start(today: Date, days: u32) -> Date {
    today.checked_sub(Duration::days(i64::from(days.max(1)) - 1)).unwrap_or(Date::MIN)
}

fn in_window(c: &Counted, since: Date, today: Date) -> bool {
    c.date >= since && c.date <= today
}

/// The approved authorization a standing is shown against, with its number.
pub struct CurrentAuthorization<'a> {
    pub span: &'a AuthorizationSpan,
    pub number: Option<String>,
    pub units_used: u32,
}

/// The standing of a member's contacts under `rule` on `today`.
pub fn standing(
    rule: &BillingRule,
    covered: bool,
    contacts: &[Counted],
    current: Option<CurrentAuthorization>,
    units_waiting: u32,
    today: Date,
) -> Standing {
    let authorization = current.map(|c| Authorization {
        id: c.span.id.clone(),
        number: c.number,
        units_authorized: c.span.units,
        since: crate::records::format_date(c.span.start),
        until: crate::records::format_date(c.span.end),
        units_used: c.units_used,
        units_left: c.span.units.saturating_sub(c.units_used),
        over: c.units_used > c.span.units || units_waiting > 0,
    });
    let authorization_needed = match (&authorization, rule.prior_authorization) {
        (None, true) => rule.initial_authorization,
        _ => None,
    };
    let engagement = EngagementRule::of(rule).map(|r| {
        let since = window_start(today, r.days());
        let window = contacts.iter().filter(|c| in_window(c, since, today));
        let (count, met, needed) = match r {
            EngagementRule::Connections { min, .. } => {
                let n = u32::try_from(window.count()).unwrap_or(u32::MAX);
                (n, n >= min, min.saturating_sub(n))
            }
            EngagementRule::WithinUnits { units, .. } => {
                let used = window.fold(0u32, |n, c| n.saturating_add(c.units));
                (used, used <= units, 0)
            }
        };
        Engagement { rule: r, since: crate::records::format_date(since), count, met, needed }
    });
    let (unit_minutes, rounding) = match &rule.rate {
        &Rate::PerUnit { unit_minutes, rounding, .. } => (Some(unit_minutes), Some(rounding)),
        _ => (None, None),
    };
    Standing {
        payer: rule.payer.clone(),
        covered,
        rate: rule.rate.as_str().to_string(),
        unit_minutes,
        rounding,
        authorization,
        authorization_needed,
        units_waiting,
        engagement,
    }
}

/// One member of a peer's caseload whose contacts the reader may see.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseloadRow {
    pub member_id: String,
    /// None when the reader may not see who the member is.
    pub name: Option<String>,
    /// Contacts in the window: the engagement rule's, else the authorization's.
    pub contacts: u32,
    pub window_days: u32,
    pub units_used: Option<u32>,
    pub units_authorized: Option<u32>,
    /// None when the peer's role has no engagement rule.
    pub rule_met: Option<bool>,
    #[serde(serialize_with = "opt_date")]
    pub last_contact: Option<Date>,
}

fn opt_date<S: serde::Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&crate::records::format_date(*d)),
        None => s.serialize_none(),
    }
}

/// The window counted when a role has neither an engagement rule nor an
/// authorization: a month.
const DEFAULT_WINDOW_DAYS: u32 = 30;

impl CaseloadRow {
    /// A member's row from the standing the contact log worked out and the
    /// contacts it counted.
    pub fn of(member_id: String, name: Option<String>, standing: Option<&Standing>, contacts: &[Counted], today: Date) -> CaseloadRow {
        let engagement = standing.and_then(|s| s.engagement.as_ref());
        let authorization = standing.and_then(|s| s.authorization.as_ref());
        let window_days = engagement.map_or(DEFAULT_WINDOW_DAYS, |e| e.rule.days());
        let since = window_start(today, window_days);
        let n = contacts.iter().filter(|c| in_window(c, since, today)).count();
        CaseloadRow {
            member_id,
            name,
            contacts: u32::try_from(n).unwrap_or(u32::MAX),
            window_days,
            units_used: authorization.map(|a| a.units_used),
            units_authorized: authorization.map(|a| a.units_authorized),
            rule_met: engagement.map(|e| e.met),
            last_contact: contacts.iter().map(|c| c.date).filter(|d| *d <= today).max(),
        }
    }
}

/// The caseload's totals, counting members who do not share their contacts
/// with the reader only as a number.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CaseloadSummary {
    pub members: usize,
    pub rule_met: usize,
    pub rule_not_met: usize,
    pub units_used: u32,
    pub not_shared: usize,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Caseload {
    pub summary: CaseloadSummary,
    /// Engagement rule not met first, then fewest contacts.
    pub rows: Vec<CaseloadRow>,
}

/// Order a caseload so the members who need a contact come first, and total it.
pub fn caseload(mut rows: Vec<CaseloadRow>, not_shared: usize) -> Caseload {
    rows.sort_by(|a, b| {
        (a.rule_met != Some(false), a.contacts, a.last_contact, &a.member_id).cmp(&(
            b.rule_met != Some(false),
            b.contacts,
            b.last_contact,
            &b.member_id,
        ))
    });
    let summary = CaseloadSummary {
        members: rows.len() + not_shared,
        rule_met: rows.iter().filter(|r| r.rule_met == Some(true)).count(),
        rule_not_met: rows.iter().filter(|r| r.rule_met == Some(false)).count(),
        units_used: rows.iter().filter_map(|r| r.units_used).fold(0u32, u32::saturating_add),
        not_shared,
    };
    Caseload { summary, rows }
}

#[cfg(test)]
mod tests;
