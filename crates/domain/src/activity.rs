//! How a peer's work went, week by week, and which supervisees need a word:
//! the figures a peer's and a supervisor's dashboards are made of.

use serde::Serialize;
use time::{Date, Duration};

use crate::catalog::Role;
use crate::contacts::EngagementRule;
use crate::stats::{small, Suppressed};

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// The days a supervisee's contacts are counted over.
pub const ACTIVITY_WINDOW_DAYS: u32 = 30;

/// The first day of the activity window that ends `today` (today included).
pub fn window_start(today: Date) -> Date {
    today.checked_sub(Duration::days(i64::from(ACTIVITY_WINDOW_DAYS) - 1)).unwrap_or(Date::MIN)
}

/// The weeks a peer's month shows, this one included.
pub const WEEKS_SHOWN: u32 = 12;

/// Contacts logged in one week, Monday to Sunday.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WeekCount {
    /// The week's Monday.
    #[serde(with = "iso_date")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub starts: Date,
    pub contacts: u32,
}

/// A peer's contacts this month and over the last [`WEEKS_SHOWN`] weeks.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeerMonth {
    pub this_month: u32,
    /// Oldest first.
    pub weeks: Vec<WeekCount>,
}

/// The first day [`peer_month`] needs contacts from.
pub fn peer_month_since(today: Date) -> Date {
    let weeks_back = week_start(today).checked_sub(Duration::weeks(i64::from(WEEKS_SHOWN) - 1)).unwrap_or(Date::MIN);
    weeks_back.min(today.replace_day(1).unwrap_or(today))
}

/// A peer's month from the dates of the contacts they logged.
pub fn peer_month(dates: &[Date], today: Date) -> PeerMonth {
    PeerMonth { this_month: this_month(dates, today), weeks: weekly(dates, today, WEEKS_SHOWN) }
}

/// The Monday that starts `day`'s week.
pub fn week_start(day: Date) -> Date {
    let back = i64::from(day.weekday().number_days_from_monday());
    day.checked_sub(Duration::days(back)).unwrap_or(day)
}

/// Contacts per week for the `weeks` weeks up to and including this one,
/// oldest first; weeks without a contact count 0 and dates outside are left out.
pub fn weekly(dates: &[Date], today: Date, weeks: u32) -> Vec<WeekCount> {
    let this_week = week_start(today);
    let mut out: Vec<WeekCount> = (0..weeks)
        .rev()
        .filter_map(|back| this_week.checked_sub(Duration::weeks(i64::from(back))))
        .map(|starts| WeekCount { starts, contacts: 0 })
        .collect();
    for d in dates.iter().filter(|d| **d <= today) {
        let start = week_start(*d);
        if let Some(w) = out.iter_mut().find(|w| w.starts == start) {
            w.contacts = w.contacts.saturating_add(1);
        }
    }
    out
}

/// Contacts logged in the calendar month of `today`, up to today.
pub fn this_month(dates: &[Date], today: Date) -> u32 {
    let first = today.replace_day(1).unwrap_or(today);
    u32::try_from(dates.iter().filter(|d| **d >= first && **d <= today).count()).unwrap_or(u32::MAX)
}

/// A role's goal for contacts with each member: the connections rule of its
/// first billing rule that names one (Recovery Coach: 5 over 30 days).
/// None when no rule of the role asks for a number of contacts.
pub fn contact_goal(role: &Role) -> Option<(u32, u32)> {
    role.billing.iter().find_map(|r| match EngagementRule::of(r)? {
        EngagementRule::Connections { min, days } => Some((min, days)),
        EngagementRule::WithinUnits { .. } => None,
    })
}

/// What a supervisee's caseload and contacts look like, read from the tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Activity {
    /// Members on the active caseload.
    pub members: u32,
    /// Contacts the worker logged in the last [`ACTIVITY_WINDOW_DAYS`] days.
    pub contacts: u32,
    pub last_contact: Option<Date>,
}

/// A supervisee at a glance, as their supervisor may see it. The
/// supervisor is not on the members' care teams, so the counts go through
/// the small-cell rule; the flags and the last contact are about the
/// worker's own work.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Glance {
    /// Members on the active caseload; null when 1 to 10.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub members: Suppressed<u64>,
    /// Contacts logged in the last [`ACTIVITY_WINDOW_DAYS`] days; null when 1 to 10.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub contacts: Suppressed<u64>,
    #[serde(with = "iso_date::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub last_contact: Option<Date>,
    /// Days since the last logged contact; None when there never was one.
    pub quiet_days: Option<u32>,
    /// No contact logged in the catalog's `no_activity_days`, while members wait.
    pub no_activity: bool,
    /// Whether the role has a contact goal.
    pub has_goal: bool,
    /// Contacts the role's goal asks for across the caseload in the window,
    /// scaled to [`ACTIVITY_WINDOW_DAYS`]; null without a goal, or when it
    /// would give away a withheld number of members.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub goal_contacts: Suppressed<u64>,
    /// Fewer contacts than the goal.
    pub below_goal: bool,
}

fn shown(n: u64) -> Suppressed<u64> {
    if small(n) {
        Suppressed::Hidden
    } else {
        Suppressed::Shown(n)
    }
}

/// A supervisee at a glance: quiet for how long, and short of the goal.
pub fn glance(activity: Activity, goal: Option<(u32, u32)>, today: Date, no_activity_days: u32) -> Glance {
    let quiet_days = activity.last_contact.map(|d| u32::try_from((today - d).whole_days().max(0)).unwrap_or(u32::MAX));
    // Someone with nobody on their caseload has nobody to contact.
    let no_activity = activity.members > 0 && quiet_days.is_none_or(|q| q >= no_activity_days);
    let goal_contacts =
        goal.map(|(min, days)| u64::from(min) * u64::from(ACTIVITY_WINDOW_DAYS) / u64::from(days.max(1)) * u64::from(activity.members));
    let members = shown(u64::from(activity.members));
    Glance {
        members,
        contacts: shown(u64::from(activity.contacts)),
        last_contact: activity.last_contact,
        quiet_days,
        no_activity,
        has_goal: goal.is_some(),
        // The goal is the members times a number the catalog publishes.
        goal_contacts: match (goal_contacts, members) {
            (Some(g), Suppressed::Shown(_)) => shown(g),
            _ => Suppressed::Hidden,
        },
        below_goal: goal_contacts.is_some_and(|g| u64::from(activity.contacts) < g),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;
    use time::Weekday;

    #[test]
    fn weeks_run_monday_to_sunday_oldest_first_with_empty_weeks_zero() {
        // 2026-12-02 is a Wednesday.
        let today = date!(2026 - 12 - 02);
        let dates = [
            date!(2026 - 11 - 30),
            date!(2026 - 12 - 02),
            date!(2026 - 11 - 29),
            date!(2026 - 11 - 16),
            date!(2026 - 12 - 03),
            date!(2026 - 10 - 01),
        ];
        let w = weekly(&dates, today, 3);
        assert_eq!(
            w,
            [
                WeekCount { starts: date!(2026 - 11 - 16), contacts: 1 },
                WeekCount { starts: date!(2026 - 11 - 23), contacts: 1 },
                WeekCount { starts: date!(2026 - 11 - 30), contacts: 2 },
            ],
            "tomorrow's contact and one before the first week are left out"
        );
        assert!(w.iter().all(|x| x.starts.weekday() == Weekday::Monday));
    }

    #[test]
    fn a_peers_month_reaches_back_to_the_first_week_shown_or_the_first_of_the_month() {
        let today = date!(2026 - 12 - 02);
        assert_eq!(peer_month_since(today), date!(2026 - 09 - 14), "twelve weeks of Mondays");
        let m = peer_month(&[date!(2026 - 09 - 14), date!(2026 - 09 - 13), date!(2026 - 12 - 01)], today);
        assert_eq!((m.this_month, m.weeks.len(), m.weeks[0].contacts, m.weeks[11].contacts), (1, 12, 1, 1));
    }

    #[test]
    fn this_month_counts_from_the_first_up_to_today() {
        let today = date!(2026 - 12 - 02);
        assert_eq!(this_month(&[date!(2026 - 12 - 01), date!(2026 - 12 - 02), date!(2026 - 11 - 30), date!(2026 - 12 - 09)], today), 2);
    }

    #[test]
    fn a_quiet_supervisee_with_members_is_flagged_and_one_without_members_is_not() {
        let today = date!(2026 - 12 - 02);
        let quiet = Activity { members: 4, contacts: 0, last_contact: Some(date!(2026 - 11 - 18)) };
        let g = glance(quiet, None, today, 14);
        assert_eq!((g.quiet_days, g.no_activity), (Some(14), true));
        assert!(!glance(Activity { last_contact: Some(date!(2026 - 11 - 19)), ..quiet }, None, today, 14).no_activity, "13 days is not yet 14");
        assert!(glance(Activity { last_contact: None, ..quiet }, None, today, 14).no_activity, "never logged a contact");
        assert!(!glance(Activity { members: 0, contacts: 0, last_contact: None }, None, today, 14).no_activity);
    }

    #[test]
    fn the_goal_is_the_roles_connections_for_each_member_over_the_window() {
        let today = date!(2026 - 12 - 02);
        let a = Activity { members: 12, contacts: 59, last_contact: Some(today) };
        let g = glance(a, Some((5, 30)), today, 14);
        assert_eq!(
            (g.members, g.contacts, g.goal_contacts, g.below_goal),
            (Suppressed::Shown(12), Suppressed::Shown(59), Suppressed::Shown(60), true)
        );
        assert!(!glance(Activity { contacts: 60, ..a }, Some((5, 30)), today, 14).below_goal);
        // A rule over 60 days asks half as many in 30.
        assert_eq!(glance(a, Some((4, 60)), today, 14).goal_contacts, Suppressed::Shown(24));
        let none = glance(a, None, today, 14);
        assert_eq!((none.has_goal, none.goal_contacts, none.below_goal), (false, Suppressed::Hidden, false));
    }

    #[test]
    fn counts_from_1_to_10_are_withheld_and_the_goal_with_a_withheld_caseload() {
        let today = date!(2026 - 12 - 02);
        let g = glance(Activity { members: 3, contacts: 14, last_contact: Some(today) }, Some((5, 30)), today, 14);
        assert_eq!(
            (g.members, g.contacts, g.goal_contacts),
            (Suppressed::Hidden, Suppressed::Shown(14), Suppressed::Hidden),
            "15 is 3 members times 5"
        );
        assert!(g.below_goal && g.has_goal, "the flag still says the goal is not met");
        let g = glance(Activity { members: 20, contacts: 4, last_contact: Some(today) }, None, today, 14);
        assert_eq!((g.members, g.contacts), (Suppressed::Shown(20), Suppressed::Hidden));
        let zero = glance(Activity { members: 0, contacts: 0, last_contact: None }, Some((5, 30)), today, 14);
        assert_eq!((zero.members, zero.contacts, zero.goal_contacts), (Suppressed::Shown(0), Suppressed::Shown(0), Suppressed::Shown(0)));
    }
}
