use super::*;
use crate::billing::AuthorizationSpan;
use time::macros::date;

fn rule(role: &str, payer: &str) -> BillingRule {
    let catalog = crate::Catalog::massachusetts().expect("the shipped catalog loads");
    catalog.role(role).and_then(|r| r.billing.iter().find(|b| b.payer == payer).cloned()).expect("the role has a rule for the payer")
}

fn on(days_ago: i64, units: u32) -> Counted {
    Counted { date: TODAY - Duration::days(days_ago), minutes: 30, units }
}

const TODAY: Date = date!(2026 - 06 - 30);

#[test]
fn a_recovery_coach_needs_five_connections_in_thirty_days() {
    let b = rule("peer-recovery-coach", "masshealth");
    // Four contacts in the window and one on day 31, outside it.
    let mut contacts = vec![on(0, 1), on(5, 1), on(12, 1), on(29, 1), on(30, 1)];
    let s = standing(&b, true, &contacts, None, 0, TODAY);
    let e = s.engagement.clone().expect("a Recovery Coach has an engagement rule");
    assert_eq!(e.rule, EngagementRule::Connections { min: 5, days: 30 });
    assert_eq!((e.count, e.met, e.needed), (4, false, 1));
    assert_eq!(e.since, "2026-06-01");
    assert_eq!(s.authorization_needed, Some(UnitsOverDays { units: 90, days: 90 }), "no authorization yet: ask for 90 over 90");
    assert_eq!((s.rate.as_str(), s.unit_minutes), ("daily-case-rate", None));
    contacts.push(on(1, 1));
    let e = standing(&b, true, &contacts, None, 0, TODAY).engagement.expect("rule");
    assert_eq!((e.count, e.met, e.needed), (5, true, 0));
}

#[test]
fn the_standing_shows_the_real_authorization_and_what_waits() {
    let b = rule("recovery-support-navigator", "masshealth");
    let span =
        AuthorizationSpan { id: "a1".into(), payer: "masshealth".into(), units: 180, start: date!(2026 - 05 - 01), end: date!(2026 - 07 - 29) };
    let current = CurrentAuthorization { span: &span, number: Some("PA-1".into()), units_used: 180 };
    let s = standing(&b, true, &[on(0, 4)], Some(current), 8, TODAY);
    let a = s.authorization.expect("the authorization covering today");
    assert_eq!((a.units_used, a.units_left, a.over, a.since.as_str(), a.until.as_str()), (180, 0, true, "2026-05-01", "2026-07-29"));
    assert_eq!((s.units_waiting, s.authorization_needed), (8, None));
    let e = s.engagement.expect("an RSN has a units rule");
    assert_eq!(e.rule, EngagementRule::WithinUnits { units: 180, days: 90 });
}

#[test]
fn a_caseload_puts_members_below_the_rule_first_then_fewest_contacts() {
    let b = rule("peer-recovery-coach", "masshealth");
    let row = |id: &str, contacts: &[Counted]| {
        let s = standing(&b, true, contacts, None, 0, TODAY);
        CaseloadRow::of(id.into(), Some(id.to_uppercase()), Some(&s), contacts, TODAY)
    };
    let five: Vec<Counted> = (0..5).map(|d| on(d, 1)).collect();
    let rows = vec![row("met", &five), row("two", &[on(2, 1), on(40, 1)]), row("one", &[on(9, 1)]), row("none", &[])];
    let c = caseload(rows, 2);
    let order: Vec<&str> = c.rows.iter().map(|r| r.member_id.as_str()).collect();
    assert_eq!(order, ["none", "one", "two", "met"]);
    let two = &c.rows[2];
    assert_eq!((two.contacts, two.window_days, two.rule_met), (1, 30, Some(false)));
    assert_eq!(two.last_contact, Some(TODAY - Duration::days(2)));
    assert_eq!(c.rows[0].last_contact, None);
    assert_eq!((c.summary.members, c.summary.rule_met, c.summary.rule_not_met, c.summary.not_shared), (6, 1, 3, 2));
}

#[test]
fn a_role_without_a_rule_counts_a_month_and_sorts_after_members_below_a_rule() {
    let cps = rule("certified-peer-specialist", "masshealth");
    let s = standing(&cps, true, &[on(3, 2), on(45, 2)], None, 0, TODAY);
    assert_eq!(s.engagement, None);
    let free = CaseloadRow::of("free".into(), None, Some(&s), &[on(3, 2), on(45, 2)], TODAY);
    assert_eq!((free.contacts, free.window_days, free.rule_met), (1, 30, None));
    let b = rule("peer-recovery-coach", "masshealth");
    let below = CaseloadRow::of("below".into(), None, Some(&standing(&b, true, &[on(1, 1), on(2, 1)], None, 0, TODAY)), &[on(1, 1), on(2, 1)], TODAY);
    let c = caseload(vec![free, below], 0);
    assert_eq!(c.rows[0].member_id, "below", "a member below the rule comes first even with more contacts");
    assert_eq!((c.summary.rule_met, c.summary.rule_not_met, c.summary.members), (0, 1, 2));
}
