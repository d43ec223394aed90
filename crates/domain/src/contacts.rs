//! Contacts as the payer counts them: each contact's billing units from the
//! role's rule in the catalog, the units used against the authorization,
//! and whether the role's engagement rule is met. Pure: the store hands in
//! the contacts and today's date.

use serde::Serialize;
use time::{Date, Duration};

use crate::catalog::{Billing, Rounding};
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
    /// Billing units under that role's rule; none when the role bills no units.
    pub units: Option<u32>,
}

impl Labelled for LoggedContact {
    const NAME: &'static str = "LoggedContact";
    /// Units are worked out from the peer's own notes, so they carry the same label.
    fn field_category(field: &str) -> Option<Category> {
        match field {
            "role_id" | "units" => Some(Category::PeerNotes),
            other => <ContactNote as Labelled>::field_category(other),
        }
    }
}

/// One contact, as far as counting goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    pub date: Date,
    pub minutes: u32,
}

/// Units used in the authorization's window, against the units authorized.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Authorization {
    pub units_authorized: u32,
    pub days: u32,
    /// First day of the window; the window ends today.
    pub since: String,
    pub units_used: u32,
    pub units_left: u32,
    pub over: bool,
}

/// A role's engagement rule, from the catalog's billing figures.
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
    /// The rule a role's billing figures give: a minimum of connections when
    /// the catalog names one, otherwise staying within the authorization.
    pub fn of(billing: &Billing) -> Option<EngagementRule> {
        match (billing.min_connections, billing.min_connections_window_days) {
            (Some(min), Some(days)) if days > 0 => Some(EngagementRule::Connections { min, days }),
            _ => match (billing.authorization_units, billing.authorization_days) {
                (Some(units), Some(days)) if days > 0 => Some(EngagementRule::WithinUnits { units, days }),
                _ => None,
            },
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

/// Where a member's contacts stand under one role's billing rule.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Standing {
    pub unit_minutes: u32,
    pub rounding: Rounding,
    pub authorization: Option<Authorization>,
    pub engagement: Option<Engagement>,
}

/// The first day of a window of `days` days that ends today.
fn window_start(today: Date, days: u32) -> Date {
    today.checked_sub(Duration::days(i64::from(days.max(1)) - 1)).unwrap_or(Date::MIN)
}

fn in_window(c: &Counted, since: Date, today: Date) -> bool {
    c.date >= since && c.date <= today
}

fn units_between(billing: &Billing, contacts: &[Counted], since: Date, today: Date) -> u32 {
    contacts.iter().filter(|c| in_window(c, since, today)).fold(0u32, |n, c| n.saturating_add(billing.units_for(c.minutes)))
}

/// The standing of a member's contacts under `billing` on `today`.
pub fn standing(billing: &Billing, contacts: &[Counted], today: Date) -> Standing {
    let authorization = match (billing.authorization_units, billing.authorization_days) {
        (Some(units), Some(days)) if days > 0 => {
            let since = window_start(today, days);
            let used = units_between(billing, contacts, since, today);
            Some(Authorization {
                units_authorized: units,
                days,
                since: crate::records::format_date(since),
                units_used: used,
                units_left: units.saturating_sub(used),
                over: used > units,
            })
        }
        _ => None,
    };
    let engagement = EngagementRule::of(billing).map(|rule| {
        let since = window_start(today, rule.days());
        let (count, met, needed) = match rule {
            EngagementRule::Connections { min, .. } => {
                let n = contacts.iter().filter(|c| in_window(c, since, today)).count();
                let n = u32::try_from(n).unwrap_or(u32::MAX);
                (n, n >= min, min.saturating_sub(n))
            }
            EngagementRule::WithinUnits { units, .. } => {
                let used = units_between(billing, contacts, since, today);
                (used, used <= units, 0)
            }
        };
        Engagement { rule, since: crate::records::format_date(since), count, met, needed }
    });
    Standing { unit_minutes: billing.unit_minutes, rounding: billing.rounding, authorization, engagement }
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
        let window_days = engagement.map(|e| e.rule.days()).or(authorization.map(|a| a.days)).unwrap_or(DEFAULT_WINDOW_DAYS);
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
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn billing(role: &str) -> Billing {
        let catalog = crate::Catalog::massachusetts().expect("the shipped catalog loads");
        catalog.role(role).and_then(|r| r.contact.billing.clone()).expect("the role bills")
    }

    fn on(days_ago: i64, minutes: u32) -> Counted {
        Counted { date: date!(2026 - 06 - 30) - Duration::days(days_ago), minutes }
    }

    const TODAY: Date = date!(2026 - 06 - 30);

    #[test]
    fn a_recovery_coach_needs_five_connections_in_thirty_days() {
        let b = billing("peer-recovery-coach");
        // Four contacts in the window and one on day 31, outside it.
        let mut contacts = vec![on(0, 30), on(5, 15), on(12, 60), on(29, 8), on(30, 45)];
        let s = standing(&b, &contacts, TODAY);
        let e = s.engagement.clone().expect("a Recovery Coach has an engagement rule");
        assert_eq!(e.rule, EngagementRule::Connections { min: 5, days: 30 });
        assert_eq!((e.count, e.met, e.needed), (4, false, 1));
        assert_eq!(e.since, "2026-06-01");
        contacts.push(on(1, 20));
        let e = standing(&b, &contacts, TODAY).engagement.expect("rule");
        assert_eq!((e.count, e.met, e.needed), (5, true, 0));
        // Half-unit rounding of 15-minute units: 30→2, 15→1, 60→4, 8→1, 45→3, 20→1.
        let a = standing(&b, &contacts, TODAY).authorization.expect("90 units over 90 days");
        assert_eq!((a.units_used, a.units_authorized, a.units_left, a.over), (12, 90, 78, false));
    }

    #[test]
    fn a_navigator_stays_within_180_units_over_90_days() {
        let b = billing("recovery-support-navigator");
        // Full 15-minute units only: 14 minutes is nothing, 29 is one unit.
        let s = standing(&b, &[on(0, 14), on(1, 29), on(89, 60), on(90, 600)], TODAY);
        let e = s.engagement.expect("an RSN has a units rule");
        assert_eq!(e.rule, EngagementRule::WithinUnits { units: 180, days: 90 });
        assert_eq!((e.count, e.met), (5, true));
        let many: Vec<Counted> = (0..46).map(|d| on(d, 60)).collect();
        let s = standing(&b, &many, TODAY);
        assert_eq!(s.authorization.as_ref().map(|a| (a.units_used, a.over, a.units_left)), Some((184, true, 0)));
        assert!(!s.engagement.expect("rule").met);
    }

    #[test]
    fn a_role_without_figures_has_no_rule() {
        let b = billing("certified-peer-specialist");
        let s = standing(&b, &[on(0, 30)], TODAY);
        assert_eq!((s.authorization, s.engagement), (None, None));
        assert_eq!(s.unit_minutes, 15);
    }

    #[test]
    fn a_caseload_puts_members_below_the_rule_first_then_fewest_contacts() {
        let b = billing("peer-recovery-coach");
        let row = |id: &str, contacts: &[Counted]| {
            let s = standing(&b, contacts, TODAY);
            CaseloadRow::of(id.into(), Some(id.to_uppercase()), Some(&s), contacts, TODAY)
        };
        let five: Vec<Counted> = (0..5).map(|d| on(d, 30)).collect();
        let rows = vec![row("met", &five), row("two", &[on(2, 60), on(40, 30)]), row("one", &[on(9, 15)]), row("none", &[])];
        let c = caseload(rows, 2);
        let order: Vec<&str> = c.rows.iter().map(|r| r.member_id.as_str()).collect();
        assert_eq!(order, ["none", "one", "two", "met"]);
        let two = &c.rows[2];
        // Day 40 is outside the 30-day engagement window but inside the 90-day authorization.
        assert_eq!((two.contacts, two.window_days, two.units_used, two.rule_met), (1, 30, Some(6), Some(false)));
        assert_eq!(two.last_contact, Some(TODAY - Duration::days(2)));
        assert_eq!(c.rows[0].last_contact, None);
        assert_eq!(c.summary, CaseloadSummary { members: 6, rule_met: 1, rule_not_met: 3, units_used: 10 + 6 + 1, not_shared: 2 });
    }

    #[test]
    fn a_role_without_a_rule_counts_a_month_and_sorts_after_members_below_a_rule() {
        let rsn = billing("certified-peer-specialist");
        let s = standing(&rsn, &[on(3, 30), on(45, 30)], TODAY);
        let free = CaseloadRow::of("free".into(), None, Some(&s), &[on(3, 30), on(45, 30)], TODAY);
        assert_eq!((free.contacts, free.window_days, free.rule_met, free.units_used), (1, 30, None, None));
        let b = billing("peer-recovery-coach");
        let below = CaseloadRow::of("below".into(), None, Some(&standing(&b, &[on(1, 30), on(2, 30)], TODAY)), &[on(1, 30), on(2, 30)], TODAY);
        let c = caseload(vec![free, below], 0);
        assert_eq!(c.rows[0].member_id, "below", "a member below the rule comes first even with more contacts");
        assert_eq!((c.summary.rule_met, c.summary.rule_not_met, c.summary.members), (0, 1, 2));
    }

    fn any_billing() -> impl Strategy<Value = Billing> {
        (
            1u32..=60,
            prop::sample::select(vec![Rounding::FullUnit, Rounding::HalfUnit, Rounding::AnyMinute]),
            prop::option::of((1u32..400, 1u32..120)),
            prop::option::of((1u32..10, 1u32..60)),
        )
            .prop_map(|(unit_minutes, rounding, auth, conn)| Billing {
                unit_minutes,
                rounding,
                authorization_units: auth.map(|a| a.0),
                authorization_days: auth.map(|a| a.1),
                min_connections: conn.map(|c| c.0),
                min_connections_window_days: conn.map(|c| c.1),
                codes: vec![],
            })
    }

    fn any_contacts() -> impl Strategy<Value = Vec<Counted>> {
        prop::collection::vec((-5i64..200, 1u32..=1440).prop_map(|(d, m)| on(d, m)), 0..40)
    }

    proptest! {
        /// Units used are exactly the sum of each window contact's units, and
        /// contacts outside the window (or in the future) change nothing.
        #[test]
        fn units_are_the_sum_over_the_window(b in any_billing(), contacts in any_contacts()) {
            let s = standing(&b, &contacts, TODAY);
            if let Some(a) = s.authorization {
                let days = i64::from(b.authorization_days.unwrap_or(1));
                let expected: u32 = contacts.iter()
                    .filter(|c| c.date <= TODAY && (TODAY - c.date).whole_days() < days)
                    .map(|c| b.units_for(c.minutes)).sum();
                prop_assert_eq!(a.units_used, expected);
                prop_assert_eq!(a.over, expected > a.units_authorized);
                prop_assert_eq!(a.units_left + a.units_used.min(a.units_authorized), a.units_authorized);
            }
        }

        /// One more contact today never takes a met connections rule back, and
        /// the rule is met exactly when the count reaches the minimum.
        #[test]
        fn another_contact_never_undoes_engagement(b in any_billing(), contacts in any_contacts(), minutes in 1u32..=240) {
            let before = standing(&b, &contacts, TODAY).engagement;
            let mut more = contacts.clone();
            more.push(on(0, minutes));
            let after = standing(&b, &more, TODAY).engagement;
            if let (Some(x), Some(y)) = (before, after) {
                prop_assert!(y.count >= x.count);
                if let EngagementRule::Connections { min, .. } = y.rule {
                    prop_assert_eq!(y.count, x.count + 1);
                    prop_assert!(!x.met || y.met);
                    prop_assert_eq!(y.met, y.count >= min);
                    prop_assert_eq!(y.needed, min.saturating_sub(y.count));
                }
            }
        }
    }
}
