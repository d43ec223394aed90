//! Synthetic acute care, peer contacts and referrals for `accompany seed`
//! and `demo`: the rows the outcome measures read. Each member's history
//! depends only on (seed, member index, today) and on whether the member
//! has a peer or waits for one, so any chunk of members can be made on its
//! own. No I/O, no clock.
//!
//! Every rate below is a deployment setting for synthetic data, not a
//! measured figure: a minority of members has most of the acute care (each
//! member's intensity is drawn from a skewed distribution), peers meet
//! their members every few weeks, and a peer follows up nearly half of the
//! ED visits and discharges of their members, mostly within a week.

use rand::Rng;
use time::{Date, Duration, PrimitiveDateTime, Time};

use accompany_domain::claim_data::Icd10;
use accompany_domain::events::{EventKind, ValidEvent};
use accompany_domain::matching::SupportKind;
use accompany_domain::notes::{Modality, Setting};
use accompany_domain::referral::{Door, ReferralStatus};

use crate::world::{one, pick, stream};

// ---------------------------------------------------------------------------
// Rates
// ---------------------------------------------------------------------------

/// Emergency department visits per member-year, averaged over members (the
/// visits that lead to an admission included). Deployment setting (synthetic).
pub const ED_VISITS_PER_YEAR: f64 = 0.6;

/// Inpatient admissions per member-year, averaged over members.
/// Deployment setting (synthetic).
pub const ADMISSIONS_PER_YEAR: f64 = 0.1;

/// Share of admissions that follow an ED visit the same day.
/// Deployment setting (synthetic).
pub const ADMITTED_FROM_ED: f64 = 1.0 / 3.0;

/// Length of an inpatient stay in days (discharge minus admission), with
/// weights out of 100: 1 to 14 days, median 5. Deployment setting (synthetic).
pub const STAY_DAYS: [(i64, u32); 14] =
    [(1, 6), (2, 9), (3, 11), (4, 12), (5, 12), (6, 10), (7, 9), (8, 7), (9, 6), (10, 5), (11, 4), (12, 3), (13, 3), (14, 3)];

/// Spread of a member's acute-care intensity: log-normal with mean 1 and
/// this sigma, so that about a fifth of members has about two thirds of the
/// ED visits and admissions. Deployment setting (synthetic).
pub const INTENSITY_SIGMA: f64 = 1.3;

/// The highest intensity, so that no member has more than about twelve ED
/// visits a year on average. Deployment setting (synthetic).
pub const INTENSITY_CAP: f64 = 20.0;

/// What members live with, weights out of 100: a mental-health condition,
/// a substance-use condition, both, or neither. Deployment setting (synthetic).
const CONDITIONS: [(Condition, u32); 4] =
    [(Condition::MentalHealth, 50), (Condition::SubstanceUse, 15), (Condition::Both, 25), (Condition::Neither, 10)];

/// Share of members with a mental-health condition who have outpatient
/// mental-health visits in the year. Deployment setting (synthetic).
pub const OUTPATIENT_MENTAL_HEALTH_SHARE: f64 = 0.3;

/// Share of members with a substance-use condition who have outpatient
/// substance-use visits in the year. Deployment setting (synthetic).
pub const OUTPATIENT_SUBSTANCE_USE_SHARE: f64 = 0.3;

/// Outpatient visits in the year of a member in outpatient care: from the
/// first to the second, evenly. Deployment setting (synthetic).
pub const OUTPATIENT_VISITS: (u32, u32) = (2, 6);

/// Share of members in outpatient substance-use care whose program is a
/// 42 CFR Part 2 program, and so of those visits. Deployment setting (synthetic).
pub const PART2_SHARE: f64 = 0.2;

/// Share of ED visits whose principal diagnosis is the member's own
/// condition (otherwise an unrelated one). Deployment setting (synthetic).
const OWN_CONDITION_ED: f64 = 0.55;

/// Share of admissions whose principal diagnosis is the member's own
/// condition. Deployment setting (synthetic).
const OWN_CONDITION_ADMISSION: f64 = 0.75;

/// Share of acute care for alcohol dependence coded as withdrawal.
/// Deployment setting (synthetic).
const WITHDRAWAL_SHARE: f64 = 0.5;

/// Share of a member's acute care at their own hospital (the rest at any).
/// Deployment setting (synthetic).
const OWN_HOSPITAL_SHARE: f64 = 0.7;

/// Chance that each of the member's other conditions is listed after the
/// principal diagnosis. Deployment setting (synthetic).
const SECONDARY_SHARE: f64 = 0.3;

/// The mean count of events of `kind` per member-year these settings give,
/// before the cap on intensity (which lowers ED visits and admissions by
/// about 2%).
pub fn expected_per_member_year(kind: EventKind) -> f64 {
    let share = |of: &[Condition]| {
        let total: u32 = CONDITIONS.iter().map(|(_, w)| w).sum();
        CONDITIONS.iter().filter(|(c, _)| of.contains(c)).map(|(_, w)| *w).sum::<u32>() as f64 / total as f64
    };
    let visits = (OUTPATIENT_VISITS.0 + OUTPATIENT_VISITS.1) as f64 / 2.0;
    match kind {
        EventKind::EdVisit => ED_VISITS_PER_YEAR,
        EventKind::Admission => ADMISSIONS_PER_YEAR,
        EventKind::OutpatientMentalHealth => share(&[Condition::MentalHealth, Condition::Both]) * OUTPATIENT_MENTAL_HEALTH_SHARE * visits,
        EventKind::OutpatientSubstanceUse => share(&[Condition::SubstanceUse, Condition::Both]) * OUTPATIENT_SUBSTANCE_USE_SHARE * visits,
    }
}

/// Days of acute care generated: the year before today.
pub const EVENT_DAYS: i64 = 365;

/// First contacts with a peer fall on a day in the 540 days before today.
/// Deployment setting (synthetic).
pub const FIRST_CONTACT_DAYS: i64 = 540;

/// Days from one regular contact to the next: two to five weeks, evenly.
/// Deployment setting (synthetic).
pub const CONTACT_GAP_DAYS: (i64, i64) = (14, 35);

/// Share of peer relationships that end before today, on a day after the
/// first contact. Deployment setting (synthetic).
pub const ENDED_SHARE: f64 = 0.25;

/// Share of ED visits and discharges during a peer relationship that the
/// peer follows up with a contact. Deployment setting (synthetic).
pub const FOLLOW_UP_SHARE: f64 = 0.45;

/// The follow-up comes 0 to this many days after, most within a week.
/// Deployment setting (synthetic).
pub const FOLLOW_UP_MAX_DAYS: i64 = 20;

/// A peer's share of contacts in person lies between these, by peer; the
/// rest are remote. Deployment setting (synthetic).
const PEER_IN_PERSON_SHARE: (f64, f64) = (0.35, 0.65);

/// Where in-person contacts happen, weights out of 100. Deployment setting (synthetic).
const IN_PERSON_SETTINGS: [(Setting, u32); 4] =
    [(Setting::Community, 45), (Setting::Home, 25), (Setting::Clinic, 15), (Setting::RecoveryLearningCommunity, 15)];

/// How remote contacts happen, weights out of 100 (phone calls reach the
/// member at home). Deployment setting (synthetic).
const REMOTE_MODALITIES: [(Modality, u32); 3] = [(Modality::Phone, 60), (Modality::Video, 25), (Modality::Text, 15)];

/// A contact lasts 15 to 60 minutes, in steps of five. Deployment setting (synthetic).
const CONTACT_MINUTES: (u32, u32) = (15, 60);

/// A matched member's referral came 1 to 30 days before the first contact.
/// Deployment setting (synthetic).
pub const REFERRAL_LEAD_DAYS: (i64, i64) = (1, 30);

/// A waiting member's referral came 30 to 540 days before today.
/// Deployment setting (synthetic).
pub const WAITING_REFERRAL_DAYS: (i64, i64) = (30, 540);

/// The demo member's contacts are the ones the demo logs itself, under one
/// authorization: the first of them is this many days ago, so that their
/// peer was there in the weeks before the recent crisis. Their acute care
/// in the last month is the demo's own.
pub const DEMO_FIRST_CONTACT_DAYS: i64 = 45;
const DEMO_MONTH_DAYS: i64 = 30;

/// The support asked for by members with neither a mental-health nor a
/// substance-use condition, weights out of 100. Deployment setting (synthetic).
const OTHER_SUPPORT: [(SupportKind, u32); 3] = [(SupportKind::HealthAndSocialNeeds, 70), (SupportKind::Family, 15), (SupportKind::YoungAdults, 15)];

/// The doors referrals come through, weights out of 100. Deployment setting (synthetic).
const DOORS: [(Door, u32); 10] = [
    (Door::CareCoordinator, 35),
    (Door::Hospital, 20),
    (Door::RecoveryLearningCommunity, 8),
    (Door::CommunityOrganization, 8),
    (Door::HumanServiceOrganization, 5),
    (Door::Dmh, 6),
    (Door::FriendOrFamily, 7),
    (Door::SocialMedia, 2),
    (Door::SelfReferral, 7),
    (Door::Other, 2),
];

// ---------------------------------------------------------------------------
// Codes and places
// ---------------------------------------------------------------------------

/// Mental-health diagnoses (ICD-10-CM), weighted: depression, recurrent
/// depression, anxiety, PTSD, schizophrenia, bipolar disorder.
const MENTAL_HEALTH_CODES: [(&str, u32); 6] = [("F32.9", 25), ("F33.1", 20), ("F41.1", 20), ("F43.10", 15), ("F20.9", 8), ("F31.9", 12)];
/// Substance-use diagnoses: alcohol, opioid and cocaine dependence.
const SUBSTANCE_USE_CODES: [(&str, u32); 3] = [("F10.20", 45), ("F11.20", 35), ("F14.20", 20)];
/// Alcohol dependence with withdrawal, for acute care of members with alcohol dependence.
const ALCOHOL_WITHDRAWAL: &str = "F10.239";
/// Acute care for something else: chest pain, asthma, abdominal pain, a sprained ankle.
const OTHER_CODES: [&str; 4] = ["R07.9", "J45.909", "R10.9", "S93.401A"];

/// Made-up Massachusetts hospitals and clinics.
const HOSPITALS: [&str; 5] = [
    "Merrimack General Hospital",
    "Blue Hills Medical Center",
    "Pioneer Valley Community Hospital",
    "Quinsigamond General Hospital",
    "Whaling City Medical Center",
];
const MENTAL_HEALTH_CLINICS: [&str; 3] = ["Mystic River Counseling Center", "Blackstone Valley Behavioral Health Clinic", "Nashua Street Counseling"];
const SUBSTANCE_USE_CLINICS: [&str; 3] =
    ["Harbor Street Recovery Clinic", "Three Rivers Addiction Treatment Program", "Berkshire Hills Recovery Services"];

const CHECK_IN_NOTES: [&str; 5] = ["Check-in", "Check-in", "Talked through the week ahead.", "Planned the next steps together.", ""];

// ---------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------

/// Whether a member has a peer, waits for one, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tie {
    Neither,
    /// Referred, not yet matched.
    Waiting,
    /// On the caseload of peer worker `index`.
    Peer(u64),
    /// The demo member, with peer worker `index`: the relationship began
    /// [`DEMO_FIRST_CONTACT_DAYS`] ago and goes on, its contacts are the
    /// ones the demo logs, and an ED visit and a stay in the last three
    /// weeks replace whatever acute care fell in the last month.
    DemoPeer(u64),
}

/// One acute-care event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    pub start: Date,
    /// The discharge, for admissions.
    pub end: Option<Date>,
    pub facility: &'static str,
    /// ICD-10-CM with the dot, principal first.
    pub diagnoses: Vec<&'static str>,
    pub part2: bool,
    pub external_id: String,
}

impl Event {
    /// The event as a loaded file gives it, for the member with this MassHealth ID.
    pub fn valid(&self, masshealth_id: &str) -> ValidEvent {
        ValidEvent {
            masshealth_id: masshealth_id.to_string(),
            kind: self.kind,
            start: self.start,
            end: self.end,
            facility: Some(self.facility.to_string()),
            diagnoses: self.diagnoses.iter().filter_map(|c| Icd10::parse(c)).collect(),
            part2: self.part2,
            external_id: Some(self.external_id.clone()),
        }
    }

    /// The day a peer may follow up from: the ED visit, or the discharge.
    fn follow_up_from(&self) -> Option<Date> {
        match self.kind {
            EventKind::EdVisit => Some(self.start),
            EventKind::Admission => self.end,
            _ => None,
        }
    }
}

/// A peer relationship: its first contact and, when it ended, its last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relationship {
    pub first_contact: Date,
    pub ended: Option<Date>,
}

/// One contact between the member and their peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub date: Date,
    pub start_time: Time,
    pub duration_minutes: u32,
    pub modality: Modality,
    pub setting: Setting,
    pub note: &'static str,
}

/// The member's request for peer support.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    pub arrived_at: PrimitiveDateTime,
    pub door: Door,
    pub support: SupportKind,
    pub status: ReferralStatus,
}

/// One member's acute care, contacts with their peer, and referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    /// By start day.
    pub events: Vec<Event>,
    pub peer: Option<Relationship>,
    /// By day.
    pub contacts: Vec<Contact>,
    pub referral: Option<Referral>,
}

// ---------------------------------------------------------------------------
// Random streams
// ---------------------------------------------------------------------------

const SALT_EVENTS: u64 = 0x6576_656e_7400_0001;
const SALT_CONTACTS: u64 = 0x636f_6e74_6163_0002;
const SALT_REFERRAL: u64 = 0x7265_6665_7272_0003;
const SALT_PEER_STYLE: u64 = 0x7374_796c_6500_0004;

/// A Poisson count with mean `mean` (Knuth's method: means here stay small).
fn poisson(rng: &mut impl Rng, mean: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    let limit = (-mean).exp();
    let mut product: f64 = rng.gen();
    let mut n = 0;
    while product > limit && n < 1000 {
        product *= rng.gen::<f64>();
        n += 1;
    }
    n
}

/// A member's intensity of acute care: log-normal with mean 1, capped.
fn intensity(rng: &mut impl Rng) -> f64 {
    let u1 = 1.0 - rng.gen::<f64>();
    let u2: f64 = rng.gen();
    let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    (INTENSITY_SIGMA * z - INTENSITY_SIGMA * INTENSITY_SIGMA / 2.0).exp().min(INTENSITY_CAP)
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

// ---------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Condition {
    MentalHealth,
    SubstanceUse,
    Both,
    Neither,
}

/// What drives one member's care: their conditions' codes and their places.
struct Profile {
    condition: Condition,
    mental_health: Option<&'static str>,
    substance_use: Option<&'static str>,
}

/// Member `index`'s history up to `today`, given their tie to a peer.
pub fn history(seed: u64, index: u64, today: Date, tie: Tie) -> History {
    let (mut events, profile) = acute_care(seed, index, today);
    if let Tie::DemoPeer(_) = tie {
        // The demo's own recent story replaces whatever fell in its last month.
        let month = today - days(DEMO_MONTH_DAYS);
        events.retain(|e| e.start < month && e.end.is_none_or(|end| end < month));
        events.extend(demo_events(index, today));
    }
    let (peer, contacts) = match tie {
        Tie::Peer(worker) => peer_contacts(seed, index, today, worker, &events),
        Tie::DemoPeer(_) => (Some(Relationship { first_contact: today - days(DEMO_FIRST_CONTACT_DAYS), ended: None }), Vec::new()),
        Tie::Neither | Tie::Waiting => (None, Vec::new()),
    };
    let referral = referral(seed, index, today, tie, peer, profile.condition);
    History { events, peer, contacts, referral }
}

/// The demo member's recent acute care, whatever the seed: an ED visit for
/// depression three days ago (the peer's contact the next day followed it
/// up), and a stay for recurrent depression from 20 to 15 days ago.
pub fn demo_events(index: u64, today: Date) -> Vec<Event> {
    vec![
        Event {
            kind: EventKind::Admission,
            start: today - days(20),
            end: Some(today - days(15)),
            facility: HOSPITALS[0],
            diagnoses: vec!["F33.1"],
            part2: false,
            external_id: format!("seed-{index}-demo-1"),
        },
        Event {
            kind: EventKind::EdVisit,
            start: today - days(3),
            end: None,
            facility: HOSPITALS[0],
            diagnoses: vec!["F33.1", "R07.9"],
            part2: false,
            external_id: format!("seed-{index}-demo-2"),
        },
    ]
}

/// The principal diagnosis of an acute event: the member's own condition
/// with chance `own`, otherwise an unrelated one.
fn acute_principal(rng: &mut impl Rng, p: &Profile, own: f64) -> &'static str {
    let theirs = match (p.mental_health, p.substance_use) {
        // Either, evenly.
        (Some(m), Some(s)) => Some(if rng.gen_bool(0.5) { m } else { s }),
        (m, s) => m.or(s),
    };
    match theirs {
        Some(code) if rng.gen_bool(own) => {
            if code == "F10.20" && rng.gen_bool(WITHDRAWAL_SHARE) {
                ALCOHOL_WITHDRAWAL
            } else {
                code
            }
        }
        _ => one(rng, &OTHER_CODES),
    }
}

/// The principal diagnosis, then the member's other conditions, some of them.
fn with_secondary(rng: &mut impl Rng, principal: &'static str, p: &Profile) -> Vec<&'static str> {
    let mut dx = vec![principal];
    for code in [p.mental_health, p.substance_use].into_iter().flatten() {
        if !dx.iter().any(|d| d[..3] == code[..3]) && rng.gen_bool(SECONDARY_SHARE) {
            dx.push(code);
        }
    }
    dx
}

fn acute_care(seed: u64, index: u64, today: Date) -> (Vec<Event>, Profile) {
    let mut rng = stream(seed, SALT_EVENTS, index);
    let intensity = intensity(&mut rng);
    let condition = pick(&mut rng, &CONDITIONS);
    let profile = Profile {
        condition,
        mental_health: matches!(condition, Condition::MentalHealth | Condition::Both).then(|| pick(&mut rng, &MENTAL_HEALTH_CODES)),
        substance_use: matches!(condition, Condition::SubstanceUse | Condition::Both).then(|| pick(&mut rng, &SUBSTANCE_USE_CODES)),
    };
    let hospital = one(&mut rng, &HOSPITALS);
    let acute = |kind: EventKind, start: Date, end: Option<Date>, facility: &'static str, diagnoses: Vec<&'static str>| Event {
        kind,
        start,
        end,
        facility,
        diagnoses,
        part2: false,
        external_id: String::new(),
    };
    let mut events = Vec::new();
    for _ in 0..poisson(&mut rng, ADMISSIONS_PER_YEAR * intensity) {
        let stay = pick(&mut rng, &STAY_DAYS);
        // Discharged by today.
        let start = today - days(rng.gen_range(stay..=EVENT_DAYS));
        let principal = acute_principal(&mut rng, &profile, OWN_CONDITION_ADMISSION);
        let dx = with_secondary(&mut rng, principal, &profile);
        let facility = if rng.gen_bool(OWN_HOSPITAL_SHARE) { hospital } else { one(&mut rng, &HOSPITALS) };
        if rng.gen_bool(ADMITTED_FROM_ED) {
            events.push(acute(EventKind::EdVisit, start, None, facility, dx.clone()));
        }
        events.push(acute(EventKind::Admission, start, Some(start + days(stay)), facility, dx));
    }
    let walk_in = (ED_VISITS_PER_YEAR - ADMISSIONS_PER_YEAR * ADMITTED_FROM_ED).max(0.0);
    for _ in 0..poisson(&mut rng, walk_in * intensity) {
        let start = today - days(rng.gen_range(1..=EVENT_DAYS));
        let principal = acute_principal(&mut rng, &profile, OWN_CONDITION_ED);
        let dx = with_secondary(&mut rng, principal, &profile);
        let facility = if rng.gen_bool(OWN_HOSPITAL_SHARE) { hospital } else { one(&mut rng, &HOSPITALS) };
        events.push(acute(EventKind::EdVisit, start, None, facility, dx));
    }
    let (fewest, most) = OUTPATIENT_VISITS;
    if let Some(code) = profile.mental_health {
        let clinic = one(&mut rng, &MENTAL_HEALTH_CLINICS);
        if rng.gen_bool(OUTPATIENT_MENTAL_HEALTH_SHARE) {
            for _ in 0..rng.gen_range(fewest..=most) {
                let start = today - days(rng.gen_range(1..=EVENT_DAYS));
                let diagnoses = with_secondary(&mut rng, code, &profile);
                let kind = EventKind::OutpatientMentalHealth;
                events.push(Event { kind, start, end: None, facility: clinic, diagnoses, part2: false, external_id: String::new() });
            }
        }
    }
    if let Some(code) = profile.substance_use {
        let clinic = one(&mut rng, &SUBSTANCE_USE_CLINICS);
        let part2 = rng.gen_bool(PART2_SHARE);
        if rng.gen_bool(OUTPATIENT_SUBSTANCE_USE_SHARE) {
            for _ in 0..rng.gen_range(fewest..=most) {
                let start = today - days(rng.gen_range(1..=EVENT_DAYS));
                let diagnoses = with_secondary(&mut rng, code, &profile);
                let kind = EventKind::OutpatientSubstanceUse;
                events.push(Event { kind, start, end: None, facility: clinic, diagnoses, part2, external_id: String::new() });
            }
        }
    }
    // Day order; an ED visit before the admission it led to.
    events.sort_by_key(|e| (e.start, e.kind != EventKind::EdVisit));
    for (n, e) in events.iter_mut().enumerate() {
        e.external_id = format!("seed-{index}-{}", n + 1);
    }
    (events, profile)
}

/// How a peer tends to meet: their share of contacts in person.
fn in_person_share(seed: u64, worker: u64) -> f64 {
    stream(seed, SALT_PEER_STYLE, worker).gen_range(PEER_IN_PERSON_SHARE.0..PEER_IN_PERSON_SHARE.1)
}

fn regular_contact(rng: &mut impl Rng, date: Date, in_person: f64) -> Contact {
    let (modality, setting) = if rng.gen_bool(in_person) {
        (Modality::InPerson, pick(rng, &IN_PERSON_SETTINGS))
    } else {
        match pick(rng, &REMOTE_MODALITIES) {
            Modality::Phone => (Modality::Phone, Setting::Home),
            m => (m, Setting::Virtual),
        }
    };
    Contact {
        date,
        // Between 9:00 and 17:45, on the quarter hour.
        start_time: Time::MIDNIGHT + Duration::minutes(9 * 60 + 15 * rng.gen_range(0..36)),
        duration_minutes: CONTACT_MINUTES.0 + 5 * rng.gen_range(0..=(CONTACT_MINUTES.1 - CONTACT_MINUTES.0) / 5),
        modality,
        setting,
        note: one(rng, &CHECK_IN_NOTES),
    }
}

fn peer_contacts(seed: u64, index: u64, today: Date, worker: u64, events: &[Event]) -> (Option<Relationship>, Vec<Contact>) {
    let mut rng = stream(seed, SALT_CONTACTS, index);
    let in_person = in_person_share(seed, worker);
    let back = rng.gen_range(1..=FIRST_CONTACT_DAYS);
    let first = today - days(back);
    let ended = rng.gen_bool(ENDED_SHARE).then(|| first + days(rng.gen_range(1..=back)));
    let last = ended.unwrap_or(today);
    let mut contacts = Vec::new();
    let mut day = first;
    while day <= last {
        contacts.push(regular_contact(&mut rng, day, in_person));
        day += days(rng.gen_range(CONTACT_GAP_DAYS.0..=CONTACT_GAP_DAYS.1));
    }
    for e in events {
        let Some(from) = e.follow_up_from() else { continue };
        if from < first || from > last || !rng.gen_bool(FOLLOW_UP_SHARE) {
            continue;
        }
        // Skewed early: a third within two days, most within a week.
        let u: f64 = rng.gen();
        let lag = ((u * u * (FOLLOW_UP_MAX_DAYS + 1) as f64) as i64).min(FOLLOW_UP_MAX_DAYS);
        let date = (from + days(lag)).min(last);
        let mut c = regular_contact(&mut rng, date, in_person);
        c.note = "Follow-up after the hospital visit.";
        if date == from {
            // Met where the member was.
            c.modality = Modality::InPerson;
            c.setting = if e.kind == EventKind::EdVisit { Setting::EmergencyDepartment } else { Setting::Inpatient };
        }
        contacts.push(c);
    }
    contacts.sort_by_key(|c| (c.date, c.start_time));
    (Some(Relationship { first_contact: first, ended }), contacts)
}

fn referral(seed: u64, index: u64, today: Date, tie: Tie, peer: Option<Relationship>, condition: Condition) -> Option<Referral> {
    let mut rng = stream(seed, SALT_REFERRAL, index);
    let (day, status) = match (tie, peer) {
        (Tie::Peer(_) | Tie::DemoPeer(_), Some(r)) => {
            (r.first_contact - days(rng.gen_range(REFERRAL_LEAD_DAYS.0..=REFERRAL_LEAD_DAYS.1)), ReferralStatus::Enrolled)
        }
        // Said what they want from a peer, so someone has reached them.
        (Tie::Waiting, _) => (today - days(rng.gen_range(WAITING_REFERRAL_DAYS.0..=WAITING_REFERRAL_DAYS.1)), ReferralStatus::Contacted),
        _ => return None,
    };
    let support = match condition {
        Condition::MentalHealth => SupportKind::MentalHealth,
        Condition::SubstanceUse => SupportKind::SubstanceUse,
        Condition::Both => SupportKind::Both,
        Condition::Neither => pick(&mut rng, &OTHER_SUPPORT),
    };
    // Office hours, 8:00 to 17:59.
    let time = Time::MIDNIGHT + Duration::minutes(rng.gen_range(8 * 60..18 * 60));
    Some(Referral { arrived_at: PrimitiveDateTime::new(day, time), door: pick(&mut rng, &DOORS), support, status })
}

#[cfg(test)]
mod tests {
    use super::*;
    use accompany_domain::privacy::Category;

    fn today() -> Date {
        Date::from_calendar_date(2026, time::Month::March, 14).unwrap()
    }

    fn many(seed: u64, n: u64) -> Vec<History> {
        (0..n)
            .map(|i| {
                let tie = match i % 3 {
                    0 => Tie::Peer(i % 50 + 1),
                    1 => Tie::Waiting,
                    _ => Tie::Neither,
                };
                history(seed, i, today(), tie)
            })
            .collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_history_and_another_seed_another() {
        assert_eq!(many(7, 300), many(7, 300));
        assert_ne!(many(7, 300), many(8, 300));
        // Any member can be made on its own.
        assert_eq!(history(7, 124, today(), Tie::Waiting), many(7, 300)[124]);
    }

    #[test]
    fn nothing_happens_after_today_and_discharges_follow_admissions() {
        let t = today();
        for h in many(3, 2000) {
            for e in &h.events {
                assert!(e.start < t && e.start >= t - days(EVENT_DAYS), "{e:?}");
                match e.kind {
                    EventKind::Admission => {
                        let end = e.end.expect("an admission has its discharge");
                        assert!(end >= e.start && end <= t && (end - e.start).whole_days() <= 14, "{e:?}");
                    }
                    _ => assert_eq!(e.end, None),
                }
                assert!(!e.diagnoses.is_empty() && e.diagnoses.iter().all(|c| Icd10::parse(c).is_some()), "{e:?}");
            }
            for c in &h.contacts {
                assert!(c.date <= t && (15..=60).contains(&c.duration_minutes), "{c:?}");
            }
            if let Some(p) = h.peer {
                assert!(p.ended.is_none_or(|e| e > p.first_contact && e <= t));
                let last = p.ended.unwrap_or(t);
                assert_eq!(h.contacts.first().map(|c| c.date), Some(p.first_contact));
                assert!(h.contacts.iter().all(|c| c.date >= p.first_contact && c.date <= last));
                let r = h.referral.as_ref().expect("a matched member was referred");
                assert!(r.arrived_at.date() < p.first_contact && r.status == ReferralStatus::Enrolled);
            }
        }
    }

    #[test]
    fn rates_are_near_their_settings_and_labels_follow_the_diagnoses() {
        let all = many(11, 6000);
        let count = |k: EventKind| all.iter().flat_map(|h| &h.events).filter(|e| e.kind == k).count() as f64 / 6000.0;
        for kind in EventKind::ALL {
            let (seen, expected) = (count(kind), expected_per_member_year(kind));
            assert!((0.8 * expected..1.15 * expected).contains(&seen), "{kind:?}: {seen} a year, expected {expected}");
        }
        let mut ids = std::collections::HashSet::new();
        for e in all.iter().flat_map(|h| &h.events) {
            assert!(ids.insert(e.external_id.clone()), "{} twice", e.external_id);
            let v = e.valid("100012345678");
            if e.diagnoses[0].starts_with("F1") || e.part2 || e.kind == EventKind::OutpatientSubstanceUse {
                assert_eq!(v.category(), Category::SubstanceUse, "{e:?}");
            }
        }
        // The busiest fifth has most of the ED visits.
        let mut per: Vec<usize> = all.iter().map(|h| h.events.iter().filter(|e| e.kind == EventKind::EdVisit).count()).collect();
        per.sort_unstable_by(|a, b| b.cmp(a));
        let top: usize = per[..1200].iter().sum();
        assert!(top * 2 > per.iter().sum::<usize>(), "{top}");
        let part2 = all.iter().flat_map(|h| &h.events).filter(|e| e.kind == EventKind::OutpatientSubstanceUse);
        let (p2, n): (usize, usize) = part2.fold((0, 0), |(p, n), e| (p + usize::from(e.part2), n + 1));
        assert!(n > 0 && (0.1..0.3).contains(&(p2 as f64 / n as f64)), "{p2} of {n}");
    }

    #[test]
    fn the_demo_member_has_a_recent_visit_and_stay_and_a_peer_who_stays() {
        for seed in 0..20 {
            let h = history(seed, 0, today(), Tie::DemoPeer(5));
            let p = h.peer.expect("a peer");
            assert_eq!(p, Relationship { first_contact: today() - days(DEMO_FIRST_CONTACT_DAYS), ended: None });
            assert!(h.contacts.is_empty(), "the demo logs its own");
            assert!(h.referral.as_ref().is_some_and(|r| r.arrived_at.date() < p.first_contact));
            let recent: Vec<(EventKind, i64)> =
                h.events.iter().filter(|e| e.start >= today() - days(30)).map(|e| (e.kind, (today() - e.start).whole_days())).collect();
            assert_eq!(recent, [(EventKind::Admission, 20), (EventKind::EdVisit, 3)]);
        }
    }
}
