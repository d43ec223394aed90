//! The referral funnel: from a request to a first contact with a peer, and
//! an organization's worker activity beside it. Both leave the members'
//! care teams (an admin reads them), so every count, total, share and
//! median passes through the one small-cell rule in [`crate::stats`].

use time::Date;

use crate::stats::{over_people, per_mille, CellId, Suppressed, Table};

/// The steps of the funnel, in order: each counts the referrals that got
/// at least that far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// Every referral to the organization.
    Requested,
    /// Someone reached out (status contacted or enrolled).
    Contacted,
    /// A member record exists.
    Enrolled,
    /// The member has, or had, a peer on their care team.
    Matched,
    /// A peer of the member has written a contact note.
    FirstContact,
}

impl Step {
    pub const ALL: [Step; 5] = [Step::Requested, Step::Contacted, Step::Enrolled, Step::Matched, Step::FirstContact];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Requested => "requested",
            Step::Contacted => "contacted",
            Step::Enrolled => "enrolled",
            Step::Matched => "matched",
            Step::FirstContact => "first-contact",
        }
    }
}

/// One referral's way through the funnel: whether its status says someone
/// reached out, and the day of each step that has one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Journey {
    /// Status contacted or enrolled.
    pub contacted: bool,
    pub requested_on: Option<Date>,
    /// The member record's creation: present exactly when there is a member.
    pub enrolled_on: Option<Date>,
    /// The member's earliest peer on their team.
    pub matched_on: Option<Date>,
    /// The earliest contact note written by one of the member's peers.
    pub first_contact_on: Option<Date>,
}

impl Journey {
    /// The furthest step reached. A member record counts as contacted
    /// whatever the status says, and a peer's note needs a peer.
    pub fn reached(&self) -> Step {
        match (self.enrolled_on, self.matched_on, self.first_contact_on) {
            (None, _, _) if self.contacted => Step::Contacted,
            (None, _, _) => Step::Requested,
            (Some(_), None, _) => Step::Enrolled,
            (Some(_), Some(_), None) => Step::Matched,
            (Some(_), Some(_), Some(_)) => Step::FirstContact,
        }
    }

    /// Days from the previous dated step to `step`, when both have a day.
    /// A step dated before the one before it (a member who already had a
    /// record when they were referred) took no days.
    pub fn days_to(&self, step: Step) -> Option<i64> {
        let (from, to) = match step {
            Step::Requested | Step::Contacted => return None,
            Step::Enrolled => (self.requested_on?, self.enrolled_on?),
            Step::Matched => (self.enrolled_on?, self.matched_on?),
            Step::FirstContact => (self.matched_on?, self.first_contact_on?),
        };
        Some((to - from).whole_days().max(0))
    }
}

/// Whether a step has days to measure (the ones with a date of their own
/// and a dated step before them).
pub fn has_days(step: Step) -> bool {
    matches!(step, Step::Enrolled | Step::Matched | Step::FirstContact)
}

/// A step as it may be shown.
#[derive(Debug, Clone, PartialEq)]
pub struct ShownStep {
    pub step: Step,
    pub count: Suppressed<u64>,
    /// Per mille of the step before; none for the first step.
    pub of_previous: Option<Suppressed<u64>>,
    /// Median days from the step before; none where the data has no days.
    pub median_days: Option<Suppressed<f64>>,
}

/// The funnel of `journeys`, each with how many referrals made it (the
/// store groups identical journeys), through the small-cell rule: every
/// step, and every difference between two steps (which a reader could
/// work out by subtraction), is a cell of one table.
pub fn funnel(journeys: &[(Journey, u64)]) -> Vec<ShownStep> {
    let mut reached_at_least = [0u64; 5];
    let mut days: [Vec<(i64, u64)>; 5] = Default::default();
    for (j, n) in journeys {
        let reached = j.reached();
        for (i, step) in Step::ALL.iter().enumerate() {
            if *step <= reached {
                reached_at_least[i] += n;
                if let Some(d) = j.days_to(*step) {
                    days[i].push((d, *n));
                }
            }
        }
    }
    let mut table = Table::new();
    let steps: Vec<CellId> = reached_at_least.iter().map(|n| table.cell(*n)).collect();
    // Later steps are subsets of earlier ones: each pair's difference is a
    // part beside the later step, so that no difference from 1 to 10 is left
    // to subtraction.
    for i in 0..steps.len() {
        for j in i + 1..steps.len() {
            let lost = table.cell(reached_at_least[i] - reached_at_least[j]);
            table.sum(&[steps[j], lost], steps[i]);
        }
    }
    let table = table.suppress();
    Step::ALL
        .iter()
        .enumerate()
        .map(|(i, step)| ShownStep {
            step: *step,
            count: table.get(steps[i]),
            of_previous: (i > 0).then(|| table.rate(steps[i], steps[i - 1], per_mille)),
            median_days: has_days(*step).then(|| {
                let people = days[i].iter().map(|(_, n)| n).sum();
                // A median over no one is withheld like one over too few.
                weighted_median(&mut days[i]).map_or(Suppressed::Hidden, |m| over_people(people, m))
            }),
        })
        .collect()
}

/// The median of values each with its weight: the middle one, or the mean
/// of the two middle ones. None when the weights add up to nothing.
pub fn weighted_median(values: &mut [(i64, u64)]) -> Option<f64> {
    values.sort_unstable();
    let total: u64 = values.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    // The values at positions `total / 2` (and `total / 2 - 1` when even), from 0.
    let at = |position: u64| {
        let mut seen = 0;
        values.iter().find(|(_, n)| {
            seen += n;
            seen > position
        })
    };
    let upper = at(total / 2)?.0 as f64;
    if total % 2 == 1 {
        Some(upper)
    } else {
        Some((at(total / 2 - 1)?.0 as f64 + upper) / 2.0)
    }
}

/// What the store counts for one active worker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkerCounts {
    /// Members on the worker's active caseload (as their peer).
    pub caseload: u64,
    /// Contacts the worker logged in the activity window.
    pub recent_contacts: u64,
    /// The day of the worker's last logged contact up to today.
    pub last_contact: Option<Date>,
}

/// One worker's row as it may be shown.
#[derive(Debug, Clone, PartialEq)]
pub struct ShownWorker {
    pub caseload: Suppressed<u64>,
    pub recent_contacts: Suppressed<u64>,
    pub last_contact: Option<Date>,
    pub days_since: Option<i64>,
}

/// The worker table as it may be shown: a row per worker, in the order
/// given, and the totals of both columns.
#[derive(Debug, Clone, PartialEq)]
pub struct ShownActivity {
    pub workers: Vec<ShownWorker>,
    pub caseload_total: Suppressed<u64>,
    pub contacts_total: Suppressed<u64>,
}

/// The workers' counts through the small-cell rule: each column with its
/// total, so that a lone withheld worker cannot be worked out from it.
pub fn worker_activity(rows: &[WorkerCounts], today: Date) -> ShownActivity {
    let mut table = Table::new();
    let caseloads: Vec<CellId> = rows.iter().map(|r| table.cell(r.caseload)).collect();
    let contacts: Vec<CellId> = rows.iter().map(|r| table.cell(r.recent_contacts)).collect();
    let caseload_total = table.cell(rows.iter().map(|r| r.caseload).sum());
    let contacts_total = table.cell(rows.iter().map(|r| r.recent_contacts).sum());
    table.sum(&caseloads, caseload_total);
    table.sum(&contacts, contacts_total);
    let table = table.suppress();
    ShownActivity {
        workers: rows
            .iter()
            .enumerate()
            .map(|(i, r)| ShownWorker {
                caseload: table.get(caseloads[i]),
                recent_contacts: table.get(contacts[i]),
                last_contact: r.last_contact,
                days_since: r.last_contact.map(|d| (today - d).whole_days().max(0)),
            })
            .collect(),
        caseload_total: table.get(caseload_total),
        contacts_total: table.get(contacts_total),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::window_start;
    use crate::stats::small;
    use time::macros::date;
    use time::Duration;

    fn journey(contacted: bool, dates: [Option<Date>; 4]) -> Journey {
        Journey { contacted, requested_on: dates[0], enrolled_on: dates[1], matched_on: dates[2], first_contact_on: dates[3] }
    }

    fn shown(s: &Suppressed<u64>) -> Option<u64> {
        s.shown().copied()
    }

    #[test]
    fn a_journey_reaches_the_furthest_step_its_facts_allow() {
        let d = Some(date!(2026 - 01 - 05));
        assert_eq!(journey(false, [d, None, None, None]).reached(), Step::Requested);
        assert_eq!(journey(true, [d, None, None, None]).reached(), Step::Contacted);
        assert_eq!(journey(false, [d, d, None, None]).reached(), Step::Enrolled, "a member record is past contacted");
        assert_eq!(journey(true, [d, d, d, None]).reached(), Step::Matched);
        assert_eq!(journey(true, [d, d, d, d]).reached(), Step::FirstContact);
        assert_eq!(journey(true, [d, d, None, d]).reached(), Step::Enrolled, "a note without a peer is no first contact");
    }

    #[test]
    fn days_run_from_the_step_before_and_never_below_zero() {
        let j = journey(true, [Some(date!(2026 - 01 - 10)), Some(date!(2026 - 01 - 03)), Some(date!(2026 - 01 - 20)), Some(date!(2026 - 01 - 24))]);
        assert_eq!(j.days_to(Step::Requested), None);
        assert_eq!(j.days_to(Step::Contacted), None);
        assert_eq!(j.days_to(Step::Enrolled), Some(0), "already a member when referred");
        assert_eq!(j.days_to(Step::Matched), Some(17));
        assert_eq!(j.days_to(Step::FirstContact), Some(4));
    }

    #[test]
    fn medians_take_the_middle_or_the_mean_of_the_two_middles() {
        assert_eq!(weighted_median(&mut []), None);
        assert_eq!(weighted_median(&mut [(5, 0)]), None);
        assert_eq!(weighted_median(&mut [(9, 1), (1, 1), (4, 1)]), Some(4.0));
        assert_eq!(weighted_median(&mut [(2, 2), (8, 2)]), Some(5.0));
        assert_eq!(weighted_median(&mut [(3, 10), (100, 1)]), Some(3.0));
        assert_eq!(weighted_median(&mut [(1, 1), (2, 1), (3, 1), (10, 1)]), Some(2.5));
    }

    fn big_funnel() -> Vec<(Journey, u64)> {
        let day = |n: i64| Some(date!(2026 - 01 - 01) + Duration::days(n));
        vec![
            (journey(false, [day(0), None, None, None]), 40),
            (journey(true, [day(0), None, None, None]), 30),
            (journey(true, [day(0), day(2), None, None]), 20),
            (journey(true, [day(0), day(4), day(10), None]), 25),
            (journey(true, [day(0), day(4), day(10), day(13)]), 35),
        ]
    }

    #[test]
    fn large_steps_are_shown_with_shares_and_medians() {
        let steps = funnel(&big_funnel());
        let counts: Vec<Option<u64>> = steps.iter().map(|s| shown(&s.count)).collect();
        assert_eq!(counts, [Some(150), Some(110), Some(80), Some(60), Some(35)]);
        assert_eq!(steps[0].of_previous, None);
        assert_eq!(steps[1].of_previous, Some(Suppressed::Shown(733)));
        assert_eq!(steps[0].median_days, None, "a request has no step before it");
        assert_eq!(steps[1].median_days, None, "contacted has no day");
        assert_eq!(steps[2].median_days, Some(Suppressed::Shown(4.0)), "20 at 2 days, 60 at 4");
        assert_eq!(steps[3].median_days, Some(Suppressed::Shown(6.0)));
        assert_eq!(steps[4].median_days, Some(Suppressed::Shown(3.0)));
    }

    #[test]
    fn no_step_nor_difference_of_steps_from_1_to_10_can_be_read() {
        let day = Some(date!(2026 - 02 - 01));
        // 60 requested, 55 contacted (5 lost), 54 enrolled, 3 matched, 3 with a first contact.
        let journeys = vec![
            (journey(false, [day, None, None, None]), 5),
            (journey(true, [day, None, None, None]), 1),
            (journey(true, [day, day, None, None]), 51),
            (journey(true, [day, day, day, day]), 3),
        ];
        let steps = funnel(&journeys);
        for s in &steps {
            if let Some(n) = shown(&s.count) {
                assert!(!small(n), "{s:?}");
            }
        }
        for (i, a) in steps.iter().enumerate() {
            for b in &steps[i + 1..] {
                if let (Some(x), Some(y)) = (shown(&a.count), shown(&b.count)) {
                    assert!(!small(x - y), "{a:?} - {b:?} gives {} away", x - y);
                }
            }
        }
        assert_eq!(shown(&steps[0].count), Some(60));
        assert!(steps[3].count.is_hidden() && steps[4].count.is_hidden());
        assert_eq!(steps[3].median_days, Some(Suppressed::Hidden), "over fewer than 11 people");
    }

    #[test]
    fn a_lone_small_worker_is_not_left_to_the_total() {
        let today = date!(2026 - 03 - 31);
        let rows = vec![
            WorkerCounts { caseload: 4, recent_contacts: 40, last_contact: Some(date!(2026 - 03 - 29)) },
            WorkerCounts { caseload: 20, recent_contacts: 0, last_contact: None },
            WorkerCounts { caseload: 30, recent_contacts: 60, last_contact: Some(date!(2026 - 02 - 01)) },
        ];
        let a = worker_activity(&rows, today);
        assert!(a.workers[0].caseload.is_hidden());
        assert!(a.workers[1].caseload.is_hidden(), "the next smallest goes too");
        assert_eq!(a.workers[2].caseload, Suppressed::Shown(30));
        assert_eq!(a.caseload_total, Suppressed::Shown(54));
        assert_eq!(a.contacts_total, Suppressed::Shown(100));
        assert_eq!(a.workers[1].recent_contacts, Suppressed::Shown(0), "0 is shown");
        assert_eq!(a.workers[0].days_since, Some(2));
        assert_eq!(a.workers[1].days_since, None);
        assert_eq!(window_start(today), date!(2026 - 03 - 02));
    }
}
