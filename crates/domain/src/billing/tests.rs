use super::*;
use proptest::prelude::*;
use time::macros::date;
use time::Duration;

fn rules(role: &str) -> Vec<BillingRule> {
    let catalog = crate::Catalog::massachusetts().expect("the shipped catalog loads");
    catalog.role(role).expect("a catalog role").billing.clone()
}

const START: Date = date!(2026 - 03 - 01);

fn day(n: i64) -> Date {
    START + Duration::days(n)
}

fn contact(id: usize, d: Date, minutes: u32) -> ContactFacts {
    ContactFacts {
        id: format!("c{id:04}"),
        author: "peer".into(),
        date: d,
        minutes,
        group: false,
        telehealth: false,
        place_of_service: Some("12".into()),
    }
}

fn covered(payer: &str) -> Vec<CoverageSpan> {
    vec![CoverageSpan { payer: payer.into(), start: date!(2026 - 01 - 01), end: None, initiating_visit: None }]
}

fn authorization(payer: &str, units: u32, days: u32) -> AuthorizationSpan {
    AuthorizationSpan { id: "auth-1".into(), payer: payer.into(), units, start: START, end: window_end(START, days) }
}

struct World {
    rules: Vec<BillingRule>,
    coverage: Vec<CoverageSpan>,
    authorizations: Vec<AuthorizationSpan>,
    blocked_payer: Option<&'static str>,
}

impl World {
    fn new(role: &str, payer: &str) -> World {
        World { rules: rules(role), coverage: covered(payer), authorizations: vec![], blocked_payer: None }
    }
    fn price(&self, contacts: &[ContactFacts]) -> BTreeMap<String, Pricing> {
        let blocked = |_c: &ContactFacts, p: &str| {
            (Some(p) == self.blocked_payer).then(|| ("carc".to_string(), "Certified Addiction Recovery Coach (CARC) is missing".to_string()))
        };
        let age = |_d: Date| Some(40);
        let dx = |_d: Date| BTreeSet::new();
        price(
            contacts,
            &PricingInput {
                rules: &self.rules,
                coverage: &self.coverage,
                authorizations: &self.authorizations,
                blocked: &blocked,
                age_on: &age,
                diagnoses_on: &dx,
            },
        )
    }
}

fn total(p: &BTreeMap<String, Pricing>) -> u32 {
    p.values().filter_map(Pricing::units).sum()
}

fn count(p: &BTreeMap<String, Pricing>, status: &str) -> usize {
    p.values().filter(|x| x.status() == status).count()
}

#[test]
fn a_recovery_coach_under_masshealth_counts_days_not_minutes() {
    // Two hours a week for 90 days: 13 weekly meetings.
    let weekly: Vec<ContactFacts> = (0..13).map(|w| contact(w, day(7 * w as i64), 120)).collect();
    let mut mh = World::new("peer-recovery-coach", "masshealth");
    mh.authorizations = vec![authorization("masshealth", 90, 90)];
    let p = mh.price(&weekly);
    assert_eq!(total(&p), 13, "a daily case rate: one unit per day with a contact");
    assert_eq!(count(&p, "billable"), 13);
    // The same contacts as fifteen-minute units (DPH/BSAS) would be 8 a meeting.
    let bsas = World::new("peer-recovery-coach", "bsas");
    assert_eq!(total(&bsas.price(&weekly)), 104);
}

#[test]
fn two_contacts_on_one_day_are_one_unit_and_ninety_days_fill_ninety_over_ninety() {
    let mut w = World::new("peer-recovery-coach", "masshealth");
    w.authorizations = vec![authorization("masshealth", 90, 90)];
    let mut contacts: Vec<ContactFacts> = (0..90).map(|d| contact(d, day(d as i64), 20)).collect();
    contacts.push(contact(500, day(10), 45));
    let p = w.price(&contacts);
    assert_eq!(total(&p), 90);
    assert_eq!(units_used(&p, "auth-1"), 90);
    assert_eq!(units_waiting(&p), 0);
    // The second contact on day 10 is billable with no unit of its own.
    let second = &p["c0500"];
    assert!(matches!(second, Pricing::Billable { units: 0, .. }), "{second:?}");
}

#[test]
fn units_beyond_an_exhausted_authorization_wait_and_are_never_dropped() {
    let mut w = World::new("recovery-support-navigator", "masshealth");
    w.authorizations = vec![authorization("masshealth", 180, 90)];
    // 60 minutes is 4 full units: 45 contacts fill 180 exactly, 3 more wait.
    let contacts: Vec<ContactFacts> = (0..48).map(|d| contact(d, day(d as i64), 60)).collect();
    let p = w.price(&contacts);
    assert_eq!(units_used(&p, "auth-1"), 180);
    assert_eq!(units_waiting(&p), 12);
    assert_eq!(total(&p), 48 * 4, "every unit is kept: billed or waiting");
    let late: Vec<&str> = p.iter().filter(|(_, x)| x.status() == "needs-authorization").map(|(k, _)| k.as_str()).collect();
    assert_eq!(late, ["c0045", "c0046", "c0047"], "the later contacts wait");
    // Without any authorization, a payer that needs one queues every unit.
    w.authorizations.clear();
    let p = w.price(&contacts[..2]);
    assert_eq!((count(&p, "needs-authorization"), units_waiting(&p)), (2, 8));
}

#[test]
fn a_blocked_credential_stops_billing_only_the_payer_that_requires_it() {
    let mut w = World::new("peer-recovery-coach", "masshealth");
    w.authorizations = vec![authorization("masshealth", 90, 90)];
    w.blocked_payer = Some("masshealth");
    let p = w.price(&[contact(1, day(1), 60)]);
    match &p["c0001"] {
        Pricing::NotBillable { payer, reason: NotBillableReason::CredentialBlocks { requirement_id, detail } } => {
            assert_eq!((payer.as_deref(), requirement_id.as_str()), (Some("masshealth"), "carc"));
            assert!(detail.contains("CARC"), "{detail}");
        }
        other => panic!("expected a credential block, got {other:?}"),
    }
    // The same worker may bill DPH/BSAS, which does not require the CARC.
    w.coverage = covered("bsas");
    assert_eq!(w.price(&[contact(1, day(1), 60)])["c0001"].status(), "billable");
}

#[test]
fn lapsed_coverage_makes_later_contacts_not_billable_and_says_why() {
    let mut w = World::new("recovery-support-navigator", "masshealth");
    w.coverage[0].end = Some(day(9));
    w.authorizations = vec![authorization("masshealth", 180, 90)];
    let p = w.price(&[contact(1, day(9), 30), contact(2, day(10), 30)]);
    assert_eq!(p["c0001"].status(), "billable");
    assert_eq!(p["c0002"], Pricing::NotBillable { payer: None, reason: NotBillableReason::NoCoverage });
    assert!(reason_text(&NotBillableReason::NoCoverage).contains("no coverage"));
}

#[test]
fn the_first_covering_payer_with_a_rule_prices_the_day() {
    let mut w = World::new("recovery-support-navigator", "one-care");
    // The navigator has no One Care rule: the secondary MassHealth coverage prices it.
    w.coverage.push(CoverageSpan { payer: "masshealth".into(), start: date!(2026 - 01 - 01), end: None, initiating_visit: None });
    let p = w.price(&[contact(1, day(1), 30)]);
    assert!(matches!(&p["c0001"], Pricing::NeedsAuthorization { payer, units: 2, .. } if payer == "masshealth"), "{:?}", p["c0001"]);
}

#[test]
fn grant_and_staffing_are_funded_without_units() {
    let w = World::new("community-health-worker", "grant");
    let p = w.price(&[contact(1, day(1), 90)]);
    assert_eq!(p["c0001"], Pricing::Funded { payer: "grant".into(), rate: "grant".into() });
    let w = World::new("recovery-specialist", "masshealth");
    assert_eq!(w.price(&[contact(1, day(1), 90)])["c0001"].status(), "funded");
    let w = World::new("family-partner", "masshealth");
    assert_eq!(w.price(&[contact(1, day(1), 90)])["c0001"], Pricing::NotBillable { payer: None, reason: NotBillableReason::RoleNotBilled });
}

#[test]
fn monthly_time_needs_the_initiating_visit_and_the_base_minutes() {
    let mut w = World::new("certified-peer-specialist", "medicare");
    let march = [contact(1, day(0), 40), contact(2, day(5), 60), contact(3, day(9), 20)];
    let p = w.price(&march);
    assert_eq!(p["c0001"], Pricing::NotBillable { payer: Some("medicare".into()), reason: NotBillableReason::NoInitiatingVisit });
    w.coverage[0].initiating_visit = Some(day(0));
    let p = w.price(&march);
    // 120 minutes: the base code (60) and two add-ons (30 each), on the month's first contact.
    assert!(matches!(&p["c0001"], Pricing::Billable { code, units: 3, .. } if code == "G0140"), "{:?}", p["c0001"]);
    assert_eq!(total(&p), 3);
    let p = w.price(&march[..1]);
    assert_eq!(
        p["c0001"],
        Pricing::NotBillable { payer: Some("medicare".into()), reason: NotBillableReason::BelowMonthlyMinimum { minutes: 40, base_minutes: 60 } }
    );
}

#[test]
fn telehealth_takes_the_payers_place_of_service_and_groups_add_their_modifier() {
    let w = World::new("peer-recovery-coach", "bsas");
    let mut c = contact(1, day(1), 30);
    c.telehealth = true;
    c.group = true;
    c.place_of_service = Some("99".into());
    match &w.price(&[c])["c0001"] {
        Pricing::Billable { modifiers, place_of_service, .. } => {
            assert_eq!(modifiers, &["HF", "HQ"]);
            assert_eq!(place_of_service.as_deref(), Some("10"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_daily_cap_limits_units_per_day() {
    let mut w = World::new("peer-recovery-coach", "bsas");
    w.rules[1].rate = Rate::PerUnit { unit_minutes: 15, rounding: Rounding::HalfUnit, daily_cap: Some(6) };
    let p = w.price(&[contact(1, day(1), 60), contact(2, day(1), 60), contact(3, day(2), 60)]);
    assert_eq!([p["c0001"].units(), p["c0002"].units(), p["c0003"].units()], [Some(4), Some(2), Some(4)]);
}

#[test]
fn age_is_counted_in_whole_years() {
    assert_eq!(age_on(date!(2000 - 06 - 15), date!(2026 - 06 - 14)), 25);
    assert_eq!(age_on(date!(2000 - 06 - 15), date!(2026 - 06 - 15)), 26);
}

fn any_contacts() -> impl Strategy<Value = Vec<ContactFacts>> {
    prop::collection::vec((0i64..120, 1u32..=300), 0..60).prop_map(|v| v.into_iter().enumerate().map(|(i, (d, m))| contact(i, day(d), m)).collect())
}

proptest! {
    /// Under a daily case rate the units are the distinct days, whatever
    /// the authorization; what it does not cover waits, nothing is lost.
    #[test]
    fn a_daily_rate_counts_distinct_days_and_loses_nothing(contacts in any_contacts(), units in 1u32..100) {
        let mut w = World::new("peer-recovery-coach", "masshealth");
        w.authorizations = vec![authorization("masshealth", units, 90)];
        let p = w.price(&contacts);
        let days: BTreeSet<Date> = contacts.iter().map(|c| c.date).collect();
        prop_assert_eq!(total(&p) as usize, days.len());
        prop_assert!(units_used(&p, "auth-1") <= units);
        prop_assert_eq!(units_used(&p, "auth-1") + units_waiting(&p), total(&p));
    }

    /// Per-unit pricing without a cap gives each contact its rounded units,
    /// billed or waiting.
    #[test]
    fn per_unit_totals_are_the_sum_of_rounded_contacts(contacts in any_contacts(), units in 1u32..400) {
        let mut w = World::new("recovery-support-navigator", "masshealth");
        w.authorizations = vec![authorization("masshealth", units, 90)];
        let p = w.price(&contacts);
        let expected: u32 = contacts.iter().map(|c| Rounding::FullUnit.units(c.minutes, 15)).sum();
        prop_assert_eq!(total(&p), expected);
        prop_assert!(units_used(&p, "auth-1") <= units);
    }
}

#[test]
fn a_rule_that_requires_a_diagnosis_group_pays_only_on_days_the_member_has_one() {
    let mut w = World::new("peer-recovery-coach", "bsas");
    w.rules[1].diagnosis_groups = vec![DiagnosisGroup::SubstanceUse];
    let contacts = [contact(1, day(1), 30), contact(2, day(20), 30)];
    // The diagnosis starts on day 10.
    let dx = |d: Date| if d >= day(10) { BTreeSet::from([DiagnosisGroup::SubstanceUse]) } else { BTreeSet::new() };
    let blocked = |_c: &ContactFacts, _p: &str| None;
    let age = |_d: Date| Some(40);
    let input = PricingInput { rules: &w.rules, coverage: &w.coverage, authorizations: &[], blocked: &blocked, age_on: &age, diagnoses_on: &dx };
    let p = price(&contacts, &input);
    assert_eq!(p["c0001"], Pricing::NotBillable { payer: Some("bsas".into()), reason: NotBillableReason::Diagnosis });
    assert_eq!(p["c0002"].status(), "billable");
}

#[test]
fn a_rule_with_age_limits_says_the_age_it_refused() {
    let mut w = World::new("peer-recovery-coach", "bsas");
    w.rules[1].min_age = Some(18);
    let blocked = |_c: &ContactFacts, _p: &str| None;
    let dx = |_d: Date| BTreeSet::new();
    let for_age = |years: u32| {
        let age = move |_d: Date| Some(years);
        let input = PricingInput { rules: &w.rules, coverage: &w.coverage, authorizations: &[], blocked: &blocked, age_on: &age, diagnoses_on: &dx };
        price(&[contact(1, day(1), 30)], &input)["c0001"].clone()
    };
    assert_eq!(for_age(17), Pricing::NotBillable { payer: Some("bsas".into()), reason: NotBillableReason::Age { age: 17 } });
    assert_eq!(for_age(18).status(), "billable");
}
