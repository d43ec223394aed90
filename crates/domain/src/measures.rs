//! Whether peer support works, measured on care events imported from claims:
//! follow-up after acute care in the manner of NCQA's HEDIS FUA, FUM and FUH
//! (theirs; ours are "-style" and uncertified), a peer follow-up measure of
//! our own, acute-care use before and after engagement compared with a
//! comparison group, and retention with a peer.
//!
//! Every function is pure: the period, the `as_of` date and the bootstrap
//! seed are handed in. Counts come back as `u64` numerators and
//! denominators; the caller applies the small-cell rule
//! ([`crate::stats::rate`]) before anything is shown.

use std::collections::HashMap;
use std::ops::Add;

use serde::Serialize;
use time::{Date, Duration};

use crate::claim_data::Icd10;

pub mod report;
pub mod settings;

pub use settings::{MeasureSettings, ValueSets};

// --- Inputs ------------------------------------------------------------------

/// What kind of care an imported event was (the events import's kinds).
pub use crate::events::EventKind;

/// One event of a member's care, from the claims import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CareEvent {
    pub member_id: String,
    pub kind: EventKind,
    pub start: Date,
    /// The discharge, for admissions; `None` while the member is still in.
    pub end: Option<Date>,
    /// Principal diagnosis first, as the claim lists them.
    pub diagnoses: Vec<Icd10>,
}

impl CareEvent {
    fn principal(&self) -> Option<&Icd10> {
        self.diagnoses.first()
    }
}

/// A contact between a member and their peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerContact {
    pub member_id: String,
    pub date: Date,
}

/// What a measure needs to know about a member besides their care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberFacts {
    pub member_id: String,
    pub date_of_birth: Date,
}

/// Age in whole years on `on`; someone born on 29 February turns a year
/// older on 1 March in common years.
pub fn age_on(date_of_birth: Date, on: Date) -> u32 {
    let years = on.year() - date_of_birth.year();
    let before_birthday = (on.month() as u8, on.day()) < (date_of_birth.month() as u8, date_of_birth.day());
    u32::try_from(years - i32::from(before_birthday)).unwrap_or(0)
}

fn plus_days(date: Date, days: u32) -> Date {
    date.saturating_add(Duration::days(i64::from(days)))
}

fn minus_days(date: Date, days: u32) -> Date {
    date.saturating_sub(Duration::days(i64::from(days)))
}

// --- Rates -------------------------------------------------------------------

/// How many of `denominator` cases met the measure. Kept as counts so the
/// small-cell rule can judge both before a percentage is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Rate {
    pub numerator: u64,
    pub denominator: u64,
}

impl Add for Rate {
    type Output = Rate;
    fn add(self, other: Rate) -> Rate {
        Rate { numerator: self.numerator + other.numerator, denominator: self.denominator + other.denominator }
    }
}

impl std::iter::Sum for Rate {
    fn sum<I: Iterator<Item = Rate>>(iter: I) -> Rate {
        iter.fold(Rate::default(), Add::add)
    }
}

// --- Follow-up measures ------------------------------------------------------

/// What starts a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexEvent {
    /// The day of an ED visit.
    EdVisit,
    /// The discharge day of an inpatient stay.
    Discharge,
    /// Either.
    EdVisitOrDischarge,
}

/// Which principal diagnosis the index event must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    SubstanceUse,
    MentalIllness,
    Any,
}

impl Principal {
    fn admits(self, event: &CareEvent, sets: &ValueSets) -> bool {
        match self {
            Principal::Any => true,
            Principal::SubstanceUse => event.principal().is_some_and(|c| sets.substance_use.contains(c)),
            Principal::MentalIllness => event.principal().is_some_and(|c| sets.mental_illness.contains(c)),
        }
    }
}

/// A follow-up measure as the catalog names and versions it, so a reported
/// rate can say which rules produced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeasureSpec {
    pub code: &'static str,
    pub version: u32,
    /// Age in whole years on the index day.
    pub min_age: u32,
    pub index: IndexEvent,
    pub principal: Principal,
    /// Whether follow-up on the index day itself counts. After a discharge
    /// it does not: the member has to be seen once home.
    pub same_day_counts: bool,
    pub mental_health_visit_counts: bool,
    pub substance_use_visit_counts: bool,
    pub peer_contact_counts: bool,
    /// Of the index events this many days apart or closer, only the first
    /// is a case: a return to the ED is the same crisis, not a new one.
    pub first_of_visits_within: Option<u32>,
    /// An ED visit followed by an admission on its day or within this many
    /// days is not a case: the follow-up belongs to the stay.
    pub exclude_admission_within: Option<u32>,
    /// A discharge followed by a readmission on its day or within this many
    /// days is not a case: the last discharge is.
    pub exclude_readmission_within: Option<u32>,
    /// Only index days while the member has a peer (from the first peer
    /// contact to the relationship's last day) are cases.
    pub while_with_peer: bool,
}

/// Every measure this build computes, with its version; the catalog must
/// define each at this version.
pub const MEASURES: [(&str, u32); 8] = [
    (FUA_STYLE.code, FUA_STYLE.version),
    (FUM_STYLE.code, FUM_STYLE.version),
    (FUH_STYLE.code, FUH_STYLE.version),
    (PEER_AFTER_ACUTE_CARE.code, PEER_AFTER_ACUTE_CARE.version),
    (UTILIZATION, 1),
    (ENGAGEMENT, 1),
    (RETENTION, 1),
    (GOAL_ATTAINMENT, 1),
];

/// ED visits, admissions and inpatient days before and after, against a comparison group.
pub const UTILIZATION: &str = "acute-care-use";
/// Members whose peer's role rule of connections was met in its first window.
pub const ENGAGEMENT: &str = "engagement";
/// Members still with their peer 90 and 180 days after the first contact.
pub const RETENTION: &str = "retention";
/// Members with goals who achieved at least one.
pub const GOAL_ATTAINMENT: &str = "goal-attainment";

/// The windows every follow-up measure reports.
pub const FOLLOW_UP_DAYS: [u32; 2] = [7, 30];

/// FUA-style: follow-up after an ED visit for substance use, ages 13 and
/// up. A peer support contact counts as follow-up, as it does in NCQA's FUA.
pub const FUA_STYLE: MeasureSpec = MeasureSpec {
    code: "FUA-style",
    version: 1,
    min_age: 13,
    index: IndexEvent::EdVisit,
    principal: Principal::SubstanceUse,
    same_day_counts: true,
    mental_health_visit_counts: true,
    substance_use_visit_counts: true,
    peer_contact_counts: true,
    first_of_visits_within: Some(30),
    exclude_admission_within: Some(30),
    exclude_readmission_within: None,
    while_with_peer: false,
};

/// Whether a peer contact counts as follow-up in FUM-style by default. Off:
/// whether and since when NCQA's FUM credits a peer support service could
/// not be confirmed here, and a program should not credit its own service
/// unasked. It is a deployment setting the catalog may turn on.
pub const FUM_PEER_CONTACT_COUNTS: bool = false;

/// FUM-style: follow-up after an ED visit for mental illness, ages 6 and
/// up, by a mental-health visit and, if `peer_contact_counts`, a peer
/// contact.
pub const fn fum_style(peer_contact_counts: bool) -> MeasureSpec {
    MeasureSpec {
        code: "FUM-style",
        version: 1,
        min_age: 6,
        index: IndexEvent::EdVisit,
        principal: Principal::MentalIllness,
        same_day_counts: true,
        mental_health_visit_counts: true,
        substance_use_visit_counts: false,
        peer_contact_counts,
        first_of_visits_within: Some(30),
        exclude_admission_within: Some(30),
        exclude_readmission_within: None,
        while_with_peer: false,
    }
}

/// FUM-style with the default setting for peer contacts.
pub const FUM_STYLE: MeasureSpec = fum_style(FUM_PEER_CONTACT_COUNTS);

/// FUH-style: follow-up after a hospitalization for mental illness, ages 6
/// and up, by a mental-health visit after the discharge day. A peer contact
/// alone is not clinical follow-up.
pub const FUH_STYLE: MeasureSpec = MeasureSpec {
    code: "FUH-style",
    version: 1,
    min_age: 6,
    index: IndexEvent::Discharge,
    principal: Principal::MentalIllness,
    same_day_counts: false,
    mental_health_visit_counts: true,
    substance_use_visit_counts: false,
    peer_contact_counts: false,
    first_of_visits_within: None,
    exclude_admission_within: None,
    exclude_readmission_within: Some(30),
    while_with_peer: false,
};

/// Our own: did a peer reach the member after any ED visit or discharge
/// while they had a peer, the moments peer support is meant for. Same-day
/// contact counts (a peer may meet the member in the ED).
pub const PEER_AFTER_ACUTE_CARE: MeasureSpec = MeasureSpec {
    code: "peer-after-acute-care",
    version: 1,
    min_age: 0,
    index: IndexEvent::EdVisitOrDischarge,
    principal: Principal::Any,
    same_day_counts: true,
    mental_health_visit_counts: false,
    substance_use_visit_counts: false,
    peer_contact_counts: true,
    first_of_visits_within: None,
    exclude_admission_within: None,
    exclude_readmission_within: None,
    while_with_peer: true,
};

/// The index days of one member under `spec`, over all the history handed
/// in (so a visit just before a period still hides a return visit just
/// inside it, and adjacent periods add up).
fn index_days(spec: &MeasureSpec, sets: &ValueSets, member: &MemberFacts, events: &[&CareEvent]) -> Vec<Date> {
    let mut candidates: Vec<(usize, Date)> = events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let day = match (spec.index, e.kind) {
                (IndexEvent::EdVisit | IndexEvent::EdVisitOrDischarge, EventKind::EdVisit) => e.start,
                (IndexEvent::Discharge | IndexEvent::EdVisitOrDischarge, EventKind::Admission) => e.end?,
                _ => return None,
            };
            (spec.principal.admits(e, sets) && age_on(member.date_of_birth, day) >= spec.min_age).then_some((i, day))
        })
        .collect();
    candidates.sort_by_key(|(i, day)| (*day, *i));

    // The first of visits close together, chained from the earliest: the
    // next case is the first visit more than `within` days after the last.
    if let Some(within) = spec.first_of_visits_within {
        let mut last: Option<Date> = None;
        candidates.retain(|(_, day)| {
            let new = last.is_none_or(|l| *day > plus_days(l, within));
            if new {
                last = Some(*day);
            }
            new
        });
    }

    let admitted_within = |own: usize, day: Date, within: u32| {
        events.iter().enumerate().any(|(j, e)| j != own && e.kind == EventKind::Admission && e.start >= day && e.start <= plus_days(day, within))
    };
    candidates
        .into_iter()
        .filter(|(i, day)| {
            let excluded = match events[*i].kind {
                EventKind::EdVisit => spec.exclude_admission_within.is_some_and(|w| admitted_within(*i, *day, w)),
                EventKind::Admission => spec.exclude_readmission_within.is_some_and(|w| admitted_within(*i, *day, w)),
                _ => false,
            };
            !excluded
        })
        .map(|(_, day)| day)
        .collect()
}

/// One case of a follow-up measure: its index day and, when it was followed
/// up within the longest window, on which day after the index it first was
/// (0 is the index day itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowUpCase {
    pub index: Date,
    pub followed_up_on_day: Option<u32>,
}

impl FollowUpCase {
    pub fn met_within(&self, days: u32) -> bool {
        self.followed_up_on_day.is_some_and(|d| d <= days)
    }
}

/// The longest follow-up window any measure reports.
pub const LONGEST_FOLLOW_UP_DAYS: u32 = FOLLOW_UP_DAYS[1];

/// A member's time with a peer: from the first peer contact to the last
/// day of the relationship (`None` while it goes on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerSpan {
    pub first_contact: Date,
    pub ended: Option<Date>,
}

impl PeerSpan {
    fn covers(&self, day: Date) -> bool {
        day >= self.first_contact && self.ended.is_none_or(|e| day <= e)
    }
}

/// One member's cases under `spec` over all the history handed in, with
/// their peer contacts' days and their time with a peer.
pub fn member_cases(
    spec: &MeasureSpec,
    sets: &ValueSets,
    member: &MemberFacts,
    events: &[&CareEvent],
    contacts: &[Date],
    peer: Option<PeerSpan>,
) -> Vec<FollowUpCase> {
    let follow_ups: Vec<Date> = events
        .iter()
        .filter(|e| match e.kind {
            EventKind::OutpatientMentalHealth => spec.mental_health_visit_counts,
            EventKind::OutpatientSubstanceUse => spec.substance_use_visit_counts,
            _ => false,
        })
        .map(|e| e.start)
        .chain(contacts.iter().copied().filter(|_| spec.peer_contact_counts))
        .collect();
    index_days(spec, sets, member, events)
        .into_iter()
        .filter(|day| !spec.while_with_peer || peer.is_some_and(|p| p.covers(*day)))
        .map(|index| {
            let first = if spec.same_day_counts { 0 } else { 1 };
            let followed_up_on_day = follow_ups
                .iter()
                .filter_map(|f| u32::try_from((*f - index).whole_days()).ok())
                .filter(|d| (first..=LONGEST_FOLLOW_UP_DAYS).contains(d))
                .min();
            FollowUpCase { index, followed_up_on_day }
        })
        .collect()
}

/// `spec` over the cases whose index day falls in `from..=to`: how many had
/// follow-up within `within_days` days (at most [`LONGEST_FOLLOW_UP_DAYS`]).
/// Members without facts are left out (their age is unknown). Choose `to`
/// at least `within_days` before the data ends, or late cases count as
/// missed.
#[allow(clippy::too_many_arguments)]
pub fn follow_up(
    spec: &MeasureSpec,
    sets: &ValueSets,
    within_days: u32,
    from: Date,
    to: Date,
    members: &[MemberFacts],
    events: &[CareEvent],
    contacts: &[PeerContact],
) -> Rate {
    let mut events_of: HashMap<&str, Vec<&CareEvent>> = HashMap::new();
    for e in events {
        events_of.entry(e.member_id.as_str()).or_default().push(e);
    }
    let mut contacts_of: HashMap<&str, Vec<Date>> = HashMap::new();
    for c in contacts {
        contacts_of.entry(c.member_id.as_str()).or_default().push(c.date);
    }
    members
        .iter()
        .flat_map(|member| {
            let own_events = events_of.get(member.member_id.as_str()).map_or(&[][..], Vec::as_slice);
            let own_contacts = contacts_of.get(member.member_id.as_str()).map_or(&[][..], Vec::as_slice);
            // Contacts alone tell when a peer began; relationships that ended are the store's to know.
            let peer = own_contacts.iter().min().map(|first| PeerSpan { first_contact: *first, ended: None });
            member_cases(spec, sets, member, own_events, own_contacts, peer)
        })
        .filter(|case| (from..=to).contains(&case.index))
        .map(|case| Rate { numerator: u64::from(case.met_within(within_days)), denominator: 1 })
        .sum()
}

/// A follow-up measure's two reported rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct FollowUpRates {
    pub within_7: Rate,
    pub within_30: Rate,
}

/// `spec` within 7 and within 30 days.
pub fn follow_up_rates(
    spec: &MeasureSpec,
    sets: &ValueSets,
    from: Date,
    to: Date,
    members: &[MemberFacts],
    events: &[CareEvent],
    contacts: &[PeerContact],
) -> FollowUpRates {
    let [short, long] = FOLLOW_UP_DAYS;
    FollowUpRates {
        within_7: follow_up(spec, sets, short, from, to, members, events, contacts),
        within_30: follow_up(spec, sets, long, from, to, members, events, contacts),
    }
}

// --- Utilization before and after --------------------------------------------

/// Days in each window before and after the index day. The index day
/// itself belongs to neither: the crisis that led to a referral or a first
/// contact is often on it.
pub const UTILIZATION_WINDOW_DAYS: u32 = 180;

/// Days in a member-month. A 180-day window is then 6 member-months, so
/// rates stay exact for the same counts.
pub const MEMBER_MONTH_DAYS: u32 = 30;

/// Resamples in the bootstrap interval.
pub const BOOTSTRAP_RESAMPLES: usize = 1000;

/// A member compared before and after their index day: the first peer
/// contact, or for the comparison group the referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub member_id: String,
    pub index: Date,
}

/// Each member's first peer contact, as peer-group subjects, by member id.
pub fn first_peer_contacts(contacts: &[PeerContact]) -> Vec<Subject> {
    let mut first: HashMap<&str, Date> = HashMap::new();
    for c in contacts {
        first.entry(c.member_id.as_str()).and_modify(|d| *d = (*d).min(c.date)).or_insert(c.date);
    }
    let mut subjects: Vec<Subject> = first.into_iter().map(|(m, d)| Subject { member_id: m.to_string(), index: d }).collect();
    subjects.sort_by(|a, b| a.member_id.cmp(&b.member_id));
    subjects
}

/// Acute care in one window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct WindowCounts {
    pub ed_visits: u64,
    /// Stays admitted in the window.
    pub admissions: u64,
    /// Days spent in hospital in the window (the discharge day not counted,
    /// a same-day stay counted as one).
    pub inpatient_days: u64,
}

impl WindowCounts {
    fn times(self, n: u64) -> WindowCounts {
        WindowCounts { ed_visits: self.ed_visits * n, admissions: self.admissions * n, inpatient_days: self.inpatient_days * n }
    }
}

impl Add for WindowCounts {
    type Output = WindowCounts;
    fn add(self, o: WindowCounts) -> WindowCounts {
        WindowCounts {
            ed_visits: self.ed_visits + o.ed_visits,
            admissions: self.admissions + o.admissions,
            inpatient_days: self.inpatient_days + o.inpatient_days,
        }
    }
}

fn window_counts(events: &[&CareEvent], first: Date, last: Date) -> WindowCounts {
    let mut counts = WindowCounts::default();
    for e in events {
        match e.kind {
            EventKind::EdVisit if (first..=last).contains(&e.start) => counts.ed_visits += 1,
            EventKind::Admission => {
                if (first..=last).contains(&e.start) {
                    counts.admissions += 1;
                }
                // Nights in hospital: admission day up to the day before
                // discharge; still in, up to the end of the window.
                let stay_last = match e.end {
                    Some(end) if end > e.start => end.previous_day().unwrap_or(end),
                    Some(_) => e.start,
                    None => last,
                };
                let (a, b) = (e.start.max(first), stay_last.min(last));
                if a <= b {
                    counts.inpatient_days += u64::try_from((b - a).whole_days() + 1).unwrap_or(0);
                }
            }
            _ => {}
        }
    }
    counts
}

/// One member's acute care in the window before and the window after their
/// index day.
pub fn member_utilization(subject: &Subject, events: &[CareEvent]) -> (WindowCounts, WindowCounts) {
    let own: Vec<&CareEvent> = events.iter().filter(|e| e.member_id == subject.member_id).collect();
    before_after(subject.index, &own)
}

/// Acute care in the windows before and after `index`, from one member's events.
pub fn before_after(index: Date, own: &[&CareEvent]) -> (WindowCounts, WindowCounts) {
    let before = window_counts(own, minus_days(index, UTILIZATION_WINDOW_DAYS), minus_days(index, 1));
    let after = window_counts(own, plus_days(index, 1), plus_days(index, UTILIZATION_WINDOW_DAYS));
    (before, after)
}

/// Rates per 1,000 member-months.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct PerThousandMemberMonths {
    pub ed_visits: f64,
    pub admissions: f64,
    pub inpatient_days: f64,
}

/// A group's acute care before and after, as counts (for the small-cell
/// rule) and rates.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct GroupUtilization {
    pub members: u64,
    /// Member-months in each window.
    pub member_months: u64,
    pub before: WindowCounts,
    pub after: WindowCounts,
}

impl GroupUtilization {
    #[cfg(test)]
    fn of(members: &[(WindowCounts, WindowCounts)], picks: impl Iterator<Item = usize>) -> GroupUtilization {
        let mut g = GroupUtilization::default();
        for i in picks {
            g.members += 1;
            g.before = g.before + members[i].0;
            g.after = g.after + members[i].1;
        }
        g.member_months = g.members * u64::from(UTILIZATION_WINDOW_DAYS / MEMBER_MONTH_DAYS);
        g
    }

    fn rates(&self, counts: WindowCounts) -> PerThousandMemberMonths {
        // One division of whole numbers, so equal counts give equal rates.
        let per = |n: u64| (n * 1000) as f64 / self.member_months as f64;
        PerThousandMemberMonths { ed_visits: per(counts.ed_visits), admissions: per(counts.admissions), inpatient_days: per(counts.inpatient_days) }
    }

    pub fn rates_before(&self) -> PerThousandMemberMonths {
        self.rates(self.before)
    }

    pub fn rates_after(&self) -> PerThousandMemberMonths {
        self.rates(self.after)
    }

    /// After minus before.
    pub fn change(&self) -> PerThousandMemberMonths {
        let (b, a) = (self.rates_before(), self.rates_after());
        PerThousandMemberMonths {
            ed_visits: a.ed_visits - b.ed_visits,
            admissions: a.admissions - b.admissions,
            inpatient_days: a.inpatient_days - b.inpatient_days,
        }
    }
}

/// A point estimate with its 95 % percentile bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// The peer group's change minus the comparison group's, per 1,000
/// member-months: below zero, peer support went with less acute care than
/// the comparison group's trend alone.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DiffInDiff {
    pub peer: GroupUtilization,
    pub comparison: GroupUtilization,
    pub ed_visits: Estimate,
    pub admissions: Estimate,
    pub inpatient_days: Estimate,
}

/// A small deterministic generator (SplitMix64), so the bootstrap is the
/// same for the same seed and the domain takes no randomness it is not
/// handed.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0), by multiply-shift: the bias is below
    /// n / 2^64.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

/// Walker's alias table (Vose's construction, in whole numbers so the
/// odds are exact): draws row `i` with probability `weights[i] / total`
/// in constant time.
struct Alias {
    total: u64,
    /// Out of `total`: the chance of keeping the row drawn rather than its alias.
    keep: Vec<u128>,
    alias: Vec<usize>,
}

impl Alias {
    fn new(weights: &[u64]) -> Alias {
        let total: u64 = weights.iter().sum();
        let k = weights.len();
        let n = u128::from(total);
        let mut scaled: Vec<u128> = weights.iter().map(|w| u128::from(*w) * k as u128).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..k).partition(|i| scaled[*i] < n);
        let mut keep = vec![n; k];
        let mut alias: Vec<usize> = (0..k).collect();
        while let (Some(s), Some(l)) = (small.pop(), large.pop()) {
            keep[s] = scaled[s];
            alias[s] = l;
            scaled[l] -= n - scaled[s];
            if scaled[l] < n {
                small.push(l);
            } else {
                large.push(l);
            }
        }
        Alias { total, keep, alias }
    }

    fn draw(&self, rng: &mut SplitMix64) -> usize {
        let i = rng.below(self.keep.len() as u64) as usize;
        if u128::from(rng.below(self.total)) < self.keep[i] {
            i
        } else {
            self.alias[i]
        }
    }
}

fn did(peer: &GroupUtilization, comparison: &GroupUtilization) -> PerThousandMemberMonths {
    let (p, c) = (peer.change(), comparison.change());
    PerThousandMemberMonths {
        ed_visits: p.ed_visits - c.ed_visits,
        admissions: p.admissions - c.admissions,
        inpatient_days: p.inpatient_days - c.inpatient_days,
    }
}

/// Difference-in-differences of ED visits, admissions and inpatient days
/// per 1,000 member-months, with a 95 % percentile interval from
/// [`BOOTSTRAP_RESAMPLES`] member-level resamples (with replacement, within
/// each group) drawn from `seed`. Each subject counts for a full window on
/// either side: hand in only members enrolled throughout. `None` when a
/// group is empty.
pub fn utilization_did(peer: &[Subject], comparison: &[Subject], events: &[CareEvent], seed: u64) -> Option<DiffInDiff> {
    let mut events_of: HashMap<&str, Vec<&CareEvent>> = HashMap::new();
    for e in events {
        events_of.entry(e.member_id.as_str()).or_default().push(e);
    }
    let per_member = |group: &[Subject]| -> Vec<(WindowCounts, WindowCounts)> {
        group.iter().map(|s| before_after(s.index, events_of.get(s.member_id.as_str()).map_or(&[][..], Vec::as_slice))).collect()
    };
    did_of_counts(&per_member(peer), &per_member(comparison), seed)
}

/// One member's acute care before and after their index day, as counted.
pub type BeforeAfter = (WindowCounts, WindowCounts);

/// Members with the same counts, and how many of them there are: a group
/// of a million members has a few hundred distinct rows, so drawing rows
/// by their weight touches little memory.
fn distinct(members: &[BeforeAfter]) -> Vec<(BeforeAfter, u64)> {
    let mut counts: HashMap<BeforeAfter, u64> = HashMap::new();
    for m in members {
        *counts.entry(*m).or_default() += 1;
    }
    let mut rows: Vec<(BeforeAfter, u64)> = counts.into_iter().collect();
    rows.sort();
    rows
}

/// A group resampled with replacement, member by member: each draw picks
/// a member uniformly, that is a distinct row with the odds of how many
/// members share it.
fn resample(rows: &[(BeforeAfter, u64)], table: &Alias, rng: &mut SplitMix64) -> GroupUtilization {
    let mut drawn = vec![0u64; rows.len()];
    for _ in 0..table.total {
        drawn[table.draw(rng)] += 1;
    }
    let mut g = GroupUtilization { members: table.total, ..Default::default() };
    for (((before, after), _), n) in rows.iter().zip(drawn) {
        g.before = g.before + before.times(n);
        g.after = g.after + after.times(n);
    }
    g.member_months = g.members * u64::from(UTILIZATION_WINDOW_DAYS / MEMBER_MONTH_DAYS);
    g
}

/// [`utilization_did`] over counts already taken, one row per subject.
pub fn did_of_counts(peer: &[BeforeAfter], comparison: &[BeforeAfter], seed: u64) -> Option<DiffInDiff> {
    did_of_distinct(&distinct(peer), &distinct(comparison), seed)
}

/// [`utilization_did`] over distinct rows of counts, each with how many
/// subjects have it (as a database groups them).
pub fn did_of_distinct(peer: &[(BeforeAfter, u64)], comparison: &[(BeforeAfter, u64)], seed: u64) -> Option<DiffInDiff> {
    let whole = |rows: &[(BeforeAfter, u64)]| {
        let mut g = GroupUtilization::default();
        for ((before, after), n) in rows {
            g.members += n;
            g.before = g.before + before.times(*n);
            g.after = g.after + after.times(*n);
        }
        g.member_months = g.members * u64::from(UTILIZATION_WINDOW_DAYS / MEMBER_MONTH_DAYS);
        g
    };
    let (peer_group, comparison_group) = (whole(peer), whole(comparison));
    if peer_group.members == 0 || comparison_group.members == 0 {
        return None;
    }
    let point = did(&peer_group, &comparison_group);
    let rows = |r: &[(BeforeAfter, u64)]| {
        let mut v: Vec<(BeforeAfter, u64)> = r.iter().filter(|(_, n)| *n > 0).copied().collect();
        v.sort();
        v
    };
    let (peer_rows, comparison_rows) = (rows(peer), rows(comparison));
    let weights = |r: &[(BeforeAfter, u64)]| r.iter().map(|(_, n)| *n).collect::<Vec<_>>();
    let (peer_table, comparison_table) = (Alias::new(&weights(&peer_rows)), Alias::new(&weights(&comparison_rows)));

    let mut rng = SplitMix64::new(seed);
    let mut samples: [Vec<f64>; 3] = Default::default();
    for _ in 0..BOOTSTRAP_RESAMPLES {
        let p = resample(&peer_rows, &peer_table, &mut rng);
        let c = resample(&comparison_rows, &comparison_table, &mut rng);
        let d = did(&p, &c);
        samples[0].push(d.ed_visits);
        samples[1].push(d.admissions);
        samples[2].push(d.inpatient_days);
    }
    let [ed, adm, days] = samples.map(|mut s| {
        s.sort_by(f64::total_cmp);
        // Nearest rank: the 2.5th and 97.5th percentiles.
        let rank = |per_mille: usize| (s.len() * per_mille).div_ceil(1000).max(1) - 1;
        (s[rank(25)], s[rank(975)])
    });
    let estimate = |value: f64, (low, high): (f64, f64)| Estimate { value, low, high };
    Some(DiffInDiff {
        peer: peer_group,
        comparison: comparison_group,
        ed_visits: estimate(point.ed_visits, ed),
        admissions: estimate(point.admissions, adm),
        inpatient_days: estimate(point.inpatient_days, days),
    })
}

// --- Retention ---------------------------------------------------------------

/// The days after a first contact at which retention is reported.
pub const RETENTION_DAYS: [u32; 2] = [90, 180];

/// A member's time with their peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerRelationship {
    pub member_id: String,
    pub first_contact: Date,
    /// The last day of the relationship; `None` while it goes on.
    pub ended: Option<Date>,
}

/// Of the members whose `days` after their first contact have passed by
/// `as_of`, how many were still with their peer on that day. Members whose
/// window has not elapsed are left out: they have not yet had the chance
/// to stay or leave.
pub fn retention(relationships: &[PeerRelationship], days: u32, as_of: Date) -> Rate {
    relationships
        .iter()
        .filter_map(|r| {
            let mark = plus_days(r.first_contact, days);
            (mark <= as_of).then(|| Rate { numerator: u64::from(r.ended.is_none_or(|e| e >= mark)), denominator: 1 })
        })
        .sum()
}

// --- Engagement ---------------------------------------------------------------

/// Whether a member met their peer's role rule of connections, `min`
/// contacts in `days` days, in the rule's first window from the first
/// contact; `None` while that window has not passed by `as_of`.
pub fn engaged(first_contact: Date, contacts: &[Date], min: u32, days: u32, as_of: Date) -> Option<bool> {
    let last = plus_days(first_contact, days.max(1) - 1);
    if last > as_of {
        return None;
    }
    let n = contacts.iter().filter(|d| (first_contact..=last).contains(*d)).count();
    Some(n >= min as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const VISIT: Date = date!(2025 - 03 - 03);
    const FROM: Date = date!(2025 - 01 - 01);
    const TO: Date = date!(2025 - 12 - 01);

    fn icd(code: &str) -> Icd10 {
        Icd10::parse(code).unwrap()
    }

    fn adult(id: &str) -> MemberFacts {
        MemberFacts { member_id: id.into(), date_of_birth: date!(1990 - 05 - 17) }
    }

    fn event(id: &str, kind: EventKind, start: Date, end: Option<Date>, dx: &str) -> CareEvent {
        CareEvent { member_id: id.into(), kind, start, end, diagnoses: vec![icd(dx)] }
    }

    fn ed(id: &str, day: Date, dx: &str) -> CareEvent {
        event(id, EventKind::EdVisit, day, None, dx)
    }

    fn stay(id: &str, admit: Date, discharge: Date, dx: &str) -> CareEvent {
        event(id, EventKind::Admission, admit, Some(discharge), dx)
    }

    fn mh_visit(id: &str, day: Date) -> CareEvent {
        event(id, EventKind::OutpatientMentalHealth, day, None, "F32.1")
    }

    fn sud_visit(id: &str, day: Date) -> CareEvent {
        event(id, EventKind::OutpatientSubstanceUse, day, None, "F11.20")
    }

    fn contact(id: &str, day: Date) -> PeerContact {
        PeerContact { member_id: id.into(), date: day }
    }

    fn day(n: i64) -> Date {
        VISIT + Duration::days(n)
    }

    fn rates(spec: &MeasureSpec, events: &[CareEvent], contacts: &[PeerContact]) -> FollowUpRates {
        follow_up_rates(spec, &ValueSets::default(), FROM, TO, &[adult("m")], events, contacts)
    }

    const MET: Rate = Rate { numerator: 1, denominator: 1 };
    const MISSED: Rate = Rate { numerator: 0, denominator: 1 };
    const NONE: Rate = Rate { numerator: 0, denominator: 0 };

    #[test]
    fn follow_up_on_day_7_counts_for_7_days() {
        let r = rates(&FUA_STYLE, &[ed("m", VISIT, "F10.20"), sud_visit("m", day(7))], &[]);
        assert_eq!(r, FollowUpRates { within_7: MET, within_30: MET });
    }

    #[test]
    fn follow_up_on_day_8_counts_only_for_30_days() {
        let r = rates(&FUA_STYLE, &[ed("m", VISIT, "F10.20"), sud_visit("m", day(8))], &[]);
        assert_eq!(r, FollowUpRates { within_7: MISSED, within_30: MET });
    }

    #[test]
    fn follow_up_on_day_30_counts_and_day_31_does_not() {
        let on_30 = rates(&FUM_STYLE, &[ed("m", VISIT, "F32.1"), mh_visit("m", day(30))], &[]);
        assert_eq!(on_30.within_30, MET);
        let on_31 = rates(&FUM_STYLE, &[ed("m", VISIT, "F32.1"), mh_visit("m", day(31))], &[]);
        assert_eq!(on_31.within_30, MISSED);
    }

    #[test]
    fn same_day_follow_up_counts_for_fua() {
        let r = rates(&FUA_STYLE, &[ed("m", VISIT, "F11.20"), mh_visit("m", VISIT)], &[]);
        assert_eq!(r, FollowUpRates { within_7: MET, within_30: MET });
    }

    #[test]
    fn same_day_follow_up_counts_for_fum() {
        let r = rates(&FUM_STYLE, &[ed("m", VISIT, "F20.9"), mh_visit("m", VISIT)], &[]);
        assert_eq!(r, FollowUpRates { within_7: MET, within_30: MET });
    }

    #[test]
    fn an_ed_visit_followed_by_an_admission_within_30_days_is_excluded() {
        for admit in [0, 12, 30] {
            let events = [ed("m", VISIT, "F10.20"), stay("m", day(admit), day(admit + 4), "J18.9"), sud_visit("m", day(1))];
            assert_eq!(rates(&FUA_STYLE, &events, &[]).within_30, NONE, "admitted on day {admit}");
        }
        let later = [ed("m", VISIT, "F10.20"), stay("m", day(31), day(35), "J18.9"), sud_visit("m", day(1))];
        assert_eq!(rates(&FUA_STYLE, &later, &[]).within_30, MET, "an admission on day 31 does not exclude");
    }

    #[test]
    fn two_ed_visits_10_days_apart_count_once() {
        let events = [ed("m", VISIT, "F10.20"), ed("m", day(10), "F10.20")];
        assert_eq!(rates(&FUA_STYLE, &events, &[]).within_30.denominator, 1);
        let month_apart = [ed("m", VISIT, "F10.20"), ed("m", day(31), "F10.20")];
        assert_eq!(rates(&FUA_STYLE, &month_apart, &[]).within_30.denominator, 2, "31 days apart is a new case");
    }

    #[test]
    fn fuh_follow_up_on_the_discharge_day_does_not_count() {
        let discharge = day(5);
        let on_discharge = [stay("m", VISIT, discharge, "F31.2"), mh_visit("m", discharge)];
        assert_eq!(rates(&FUH_STYLE, &on_discharge, &[]), FollowUpRates { within_7: MISSED, within_30: MISSED });
        let next_day = [stay("m", VISIT, discharge, "F31.2"), mh_visit("m", day(6))];
        assert_eq!(rates(&FUH_STYLE, &next_day, &[]), FollowUpRates { within_7: MET, within_30: MET });
    }

    #[test]
    fn a_readmission_on_day_20_moves_the_index_to_the_last_discharge() {
        // Discharged on VISIT, readmitted on day 20, discharged on day 25;
        // seen on day 3 (after the first stay) and day 29 (4 days after the last).
        let events = [stay("m", day(-6), VISIT, "F20.9"), stay("m", day(20), day(25), "F20.9"), mh_visit("m", day(3)), mh_visit("m", day(29))];
        let r = rates(&FUH_STYLE, &events, &[]);
        assert_eq!(r.within_7, MET, "one case, the last discharge, followed up on its day 4");
        let only_first_follow_up = [stay("m", day(-6), VISIT, "F20.9"), stay("m", day(20), day(25), "F20.9"), mh_visit("m", day(3))];
        assert_eq!(rates(&FUH_STYLE, &only_first_follow_up, &[]).within_7, MISSED, "the first stay is no case");
    }

    #[test]
    fn a_member_aged_12_is_outside_fua() {
        let twelve = MemberFacts { member_id: "m".into(), date_of_birth: date!(2012 - 03 - 04) };
        let events = [ed("m", VISIT, "F12.10"), sud_visit("m", day(2))];
        assert_eq!(follow_up(&FUA_STYLE, &ValueSets::default(), 30, FROM, TO, &[twelve], &events, &[]), NONE);
        let thirteen = MemberFacts { member_id: "m".into(), date_of_birth: date!(2012 - 03 - 03) };
        assert_eq!(follow_up(&FUA_STYLE, &ValueSets::default(), 30, FROM, TO, &[thirteen], &events, &[]), MET, "13 on the visit day");
    }

    #[test]
    fn peer_contact_counts_for_fua_but_not_for_fuh() {
        let fua = rates(&FUA_STYLE, &[ed("m", VISIT, "F10.20")], &[contact("m", day(2))]);
        assert_eq!(fua.within_7, MET);
        let fuh = rates(&FUH_STYLE, &[stay("m", day(-4), VISIT, "F33.1")], &[contact("m", day(2))]);
        assert_eq!(fuh.within_7, MISSED);
    }

    #[test]
    fn a_peer_contact_counts_for_fum_only_when_the_setting_says_so() {
        let events = [ed("m", VISIT, "F41.1")];
        let contacts = [contact("m", day(2))];
        assert_eq!(rates(&fum_style(false), &events, &contacts).within_7, MISSED);
        assert_eq!(rates(&fum_style(true), &events, &contacts).within_7, MET);
    }

    #[test]
    fn a_peer_reaching_the_member_after_any_ed_visit_or_discharge_counts_for_our_own_measure() {
        let events = [ed("m", VISIT, "S52.501A"), stay("m", day(40), day(44), "J18.9")];
        let contacts = [contact("m", VISIT), contact("m", day(60))];
        let r = rates(&PEER_AFTER_ACUTE_CARE, &events, &contacts);
        assert_eq!(r.within_7, Rate { numerator: 1, denominator: 2 }, "same day after the ED visit; day 16 after the discharge");
        assert_eq!(r.within_30, Rate { numerator: 2, denominator: 2 });
    }

    #[test]
    fn our_own_measure_counts_only_acute_care_while_the_member_has_a_peer() {
        let member = adult("m");
        let events = [ed("m", VISIT, "R07.9"), ed("m", day(50), "R07.9"), ed("m", day(120), "R07.9")];
        let refs: Vec<&CareEvent> = events.iter().collect();
        let span = PeerSpan { first_contact: day(10), ended: Some(day(100)) };
        let cases = member_cases(&PEER_AFTER_ACUTE_CARE, &ValueSets::default(), &member, &refs, &[day(52)], Some(span));
        assert_eq!(
            cases,
            vec![FollowUpCase { index: day(50), followed_up_on_day: Some(2) }],
            "before the first contact and after the end are no cases"
        );
        assert!(member_cases(&PEER_AFTER_ACUTE_CARE, &ValueSets::default(), &member, &refs, &[], None).is_empty(), "no peer, no case");
        assert_eq!(member_cases(&FUA_STYLE, &ValueSets::default(), &member, &refs, &[], None).len(), 0, "FUA-style needs a substance-use visit");
    }

    // --- Utilization ---

    const INDEX: Date = date!(2025 - 06 - 01);

    fn at(n: i64) -> Date {
        INDEX + Duration::days(n)
    }

    /// ED visits for `id`: `before` of them in the window before, `after` in the window after.
    fn ed_visits(id: &str, before: i64, after: i64) -> Vec<CareEvent> {
        (0..before).map(|k| ed(id, at(-10 - k * 7), "R07.9")).chain((0..after).map(|k| ed(id, at(10 + k * 7), "R07.9"))).collect()
    }

    fn subjects(prefix: &str, n: usize) -> Vec<Subject> {
        (0..n).map(|k| Subject { member_id: format!("{prefix}{k}"), index: INDEX }).collect()
    }

    /// Peer group (5 members): ED visits 9 before, 3 after, and one 6-day
    /// stay before. Comparison (5): 6 ED visits before and after, a 3-day
    /// stay on each side. Per 1,000 member-months (30 per window):
    /// ED peer 300 -> 100, comparison 200 -> 200: DiD -200.
    /// Inpatient days peer 200 -> 0, comparison 100 -> 100: DiD -200.
    /// Admissions peer 1 -> 0, comparison 1 -> 1: DiD -1000/30.
    fn small_case() -> (Vec<Subject>, Vec<Subject>, Vec<CareEvent>) {
        let mut events = Vec::new();
        for (k, (b, a)) in [(3, 0), (2, 1), (1, 0), (2, 2), (1, 0)].into_iter().enumerate() {
            events.extend(ed_visits(&format!("p{k}"), b, a));
        }
        for (k, (b, a)) in [(1, 2), (2, 1), (0, 0), (1, 2), (2, 1)].into_iter().enumerate() {
            events.extend(ed_visits(&format!("c{k}"), b, a));
        }
        events.push(stay("p0", at(-100), at(-94), "F20.9"));
        events.push(stay("c2", at(-50), at(-47), "F20.9"));
        events.push(stay("c2", at(50), at(53), "F20.9"));
        // Outside both windows: the index day itself and day 181.
        events.push(ed("p1", INDEX, "R07.9"));
        events.push(ed("c1", at(181), "R07.9"));
        (subjects("p", 5), subjects("c", 5), events)
    }

    #[test]
    fn did_of_a_small_case_equals_the_hand_computed_value_and_lies_in_its_interval() {
        let (peer, comparison, events) = small_case();
        let d = utilization_did(&peer, &comparison, &events, 7).unwrap();
        assert_eq!(d.peer.before, WindowCounts { ed_visits: 9, admissions: 1, inpatient_days: 6 });
        assert_eq!(d.peer.after, WindowCounts { ed_visits: 3, admissions: 0, inpatient_days: 0 });
        assert_eq!(d.comparison.member_months, 30);
        assert_eq!(d.ed_visits.value, -200.0);
        assert_eq!(d.inpatient_days.value, -200.0);
        assert_eq!(d.admissions.value, -(1000.0 / 30.0));
        for e in [d.ed_visits, d.admissions, d.inpatient_days] {
            assert!(e.low <= e.value && e.value <= e.high, "{e:?}");
        }
        assert!(d.ed_visits.low < d.ed_visits.high);
    }

    #[test]
    fn the_bootstrap_interval_is_identical_for_the_same_seed_and_different_for_another() {
        // Five members a group make few distinct resamples; widen it so
        // that the seed shows in the percentiles.
        let (mut peer, mut comparison, mut events) = small_case();
        for k in 0..4 {
            let (p, c, e) = small_case();
            let rename = |s: &Subject| Subject { member_id: format!("{}-{k}", s.member_id), index: s.index };
            peer.extend(p.iter().map(rename));
            comparison.extend(c.iter().map(rename));
            events.extend(e.into_iter().map(|x| CareEvent { member_id: format!("{}-{k}", x.member_id), ..x }));
        }
        let a = utilization_did(&peer, &comparison, &events, 42).unwrap();
        let b = utilization_did(&peer, &comparison, &events, 42).unwrap();
        let c = utilization_did(&peer, &comparison, &events, 43).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.ed_visits.value, c.ed_visits.value, "the point estimate does not depend on the seed");
        let interval = |d: &DiffInDiff| [d.ed_visits, d.admissions, d.inpatient_days].map(|e| (e.low, e.high));
        assert_ne!(interval(&a), interval(&c));
    }

    #[test]
    fn utilization_needs_both_groups() {
        let (peer, _, events) = small_case();
        assert_eq!(utilization_did(&peer, &[], &events, 1), None);
    }

    #[test]
    fn inpatient_days_are_counted_inside_each_window() {
        // Admitted 3 days before the index, discharged 2 days after: 3 days
        // before (days -3..-1), 1 after (day 1; the index day and the
        // discharge day are in neither).
        let s = Subject { member_id: "m".into(), index: INDEX };
        let (before, after) = member_utilization(&s, &[stay("m", at(-3), at(2), "F20.9")]);
        assert_eq!(before, WindowCounts { ed_visits: 0, admissions: 1, inpatient_days: 3 });
        assert_eq!(after, WindowCounts { ed_visits: 0, admissions: 0, inpatient_days: 1 });
    }

    #[test]
    fn the_peer_group_is_indexed_on_each_members_first_contact() {
        let contacts = [contact("b", at(5)), contact("a", at(3)), contact("b", at(1))];
        assert_eq!(
            first_peer_contacts(&contacts),
            vec![Subject { member_id: "a".into(), index: at(3) }, Subject { member_id: "b".into(), index: at(1) }]
        );
    }

    #[test]
    fn engagement_counts_the_first_window_only_once_it_has_passed() {
        let first = date!(2025 - 03 - 01);
        let five: Vec<Date> = (0..5).map(|k| first + Duration::days(k * 7)).collect();
        assert_eq!(engaged(first, &five, 5, 30, date!(2025 - 03 - 31)), Some(true), "day 28 is inside the 30 days");
        assert_eq!(engaged(first, &five, 5, 30, date!(2025 - 03 - 29)), None, "the window has not passed");
        let late: Vec<Date> = (0..5).map(|k| first + Duration::days(k * 8)).collect();
        assert_eq!(engaged(first, &late, 5, 30, date!(2025 - 06 - 01)), Some(false), "the fifth on day 32 is too late");
    }

    #[test]
    fn drawing_distinct_rows_by_weight_matches_drawing_members_one_by_one() {
        // 400 peer members and 300 comparison members with varied counts;
        // a naive bootstrap drawing members one by one gives an interval of
        // the same width (both are the same distribution).
        let counts = |k: u64, shift: u64| {
            let w = |n: u64| WindowCounts { ed_visits: n % 4, admissions: n % 2, inpatient_days: (n % 3) * 2 };
            (w(k * 7 + shift), w(k * 3 + shift / 2))
        };
        let peer: Vec<BeforeAfter> = (0..400).map(|k| counts(k, 1)).collect();
        let comparison: Vec<BeforeAfter> = (0..300).map(|k| counts(k, 2)).collect();
        let fast = did_of_counts(&peer, &comparison, 11).unwrap();
        let mut rng = SplitMix64::new(11);
        let mut naive: Vec<f64> = (0..BOOTSTRAP_RESAMPLES)
            .map(|_| {
                let p = GroupUtilization::of(&peer, (0..peer.len()).map(|_| (rng.next_u64() % peer.len() as u64) as usize));
                let c = GroupUtilization::of(&comparison, (0..comparison.len()).map(|_| (rng.next_u64() % comparison.len() as u64) as usize));
                did(&p, &c).ed_visits
            })
            .collect();
        naive.sort_by(f64::total_cmp);
        let naive_width = naive[974] - naive[24];
        let fast_width = fast.ed_visits.high - fast.ed_visits.low;
        assert!((fast_width / naive_width - 1.0).abs() < 0.2, "by row weight {fast_width} against one by one {naive_width}");
        assert!(fast.ed_visits.low < fast.ed_visits.value && fast.ed_visits.value < fast.ed_visits.high);
    }

    #[test]
    fn the_alias_table_draws_each_row_as_often_as_its_weight() {
        let weights = [1u64, 0, 7, 2, 90];
        let table = Alias::new(&weights);
        let mut rng = SplitMix64::new(5);
        let mut seen = [0u64; 5];
        for _ in 0..100_000 {
            seen[table.draw(&mut rng)] += 1;
        }
        assert_eq!(seen[1], 0, "a row nobody has is never drawn");
        for (w, s) in weights.iter().zip(seen) {
            let expected = *w as f64 * 1000.0;
            assert!((s as f64 - expected).abs() <= 4.0 * expected.sqrt() + 1.0, "weight {w}: {s} of 100,000");
        }
    }

    #[test]
    fn identical_members_give_an_interval_of_one_point() {
        let same = (WindowCounts { ed_visits: 2, admissions: 1, inpatient_days: 4 }, WindowCounts::default());
        let d = did_of_counts(&[same; 50], &[(WindowCounts::default(), WindowCounts::default()); 40], 3).unwrap();
        assert_eq!((d.ed_visits.low, d.ed_visits.high), (d.ed_visits.value, d.ed_visits.value));
    }

    #[test]
    fn the_catalog_value_sets_are_the_ones_the_golden_tests_use() {
        let catalog = crate::catalog::Catalog::massachusetts().unwrap();
        let strip = |v: &ValueSets| {
            let mut v = v.clone();
            v.mental_illness.source.clear();
            v.substance_use.source.clear();
            v
        };
        assert_eq!(strip(&catalog.measures.value_sets), strip(&ValueSets::default()));
        assert!(!catalog.measures.fum_peer_contact_counts_why.is_empty());
    }

    // --- Retention ---

    #[test]
    fn retention_excludes_members_whose_window_has_not_elapsed() {
        let as_of = date!(2025 - 07 - 01);
        let rel = |first: Date, ended: Option<Date>| PeerRelationship { member_id: "m".into(), first_contact: first, ended };
        let relationships = [
            rel(date!(2025 - 01 - 02), None),                        // 180 days on 2025-07-01: stayed
            rel(date!(2025 - 01 - 10), Some(date!(2025 - 03 - 01))), // left before 90 days
            rel(date!(2025 - 03 - 01), Some(date!(2025 - 05 - 30))), // 90 days on 05-30, its last day: stayed 90
            rel(date!(2025 - 04 - 15), None),                        // 90 days not yet passed
        ];
        assert_eq!(retention(&relationships, 90, as_of), Rate { numerator: 2, denominator: 3 });
        assert_eq!(retention(&relationships, 180, as_of), Rate { numerator: 1, denominator: 1 });
    }
}
