//! Tests of credentials, CE, training, supervision, fidelity, pay and compliance.

use super::*;
use crate::catalog::Catalog;
use proptest::prelude::*;
use time::macros::date;
use time::Date;

fn cat() -> Catalog {
    Catalog::massachusetts().unwrap()
}

fn cred(kind: &str, expires: Option<Date>) -> Credential {
    Credential {
        id: format!("c-{kind}"),
        worker_id: "w".into(),
        kind: kind.into(),
        issuer: None,
        issued_on: date!(2020 - 01 - 01),
        expires_on: expires,
        evidence: None,
        version: 1,
    }
}

const TODAY: Date = date!(2026 - 06 - 15);

#[test]
fn warnings_at_90_30_and_7_days() {
    let at = |d: i64| expiry(Some(TODAY + time::Duration::days(d)), TODAY);
    assert_eq!(at(91), Expiry::Current);
    assert_eq!(at(90), Expiry::Expiring { days_left: 90, threshold: 90 });
    assert_eq!(at(31), Expiry::Expiring { days_left: 31, threshold: 90 });
    assert_eq!(at(30), Expiry::Expiring { days_left: 30, threshold: 30 });
    assert_eq!(at(8), Expiry::Expiring { days_left: 8, threshold: 30 });
    assert_eq!(at(7), Expiry::Expiring { days_left: 7, threshold: 7 });
    assert_eq!(at(0), Expiry::Expiring { days_left: 0, threshold: 7 });
    assert_eq!(at(-1), Expiry::Expired { days_ago: 1 });
    assert_eq!(expiry(None, TODAY), Expiry::Current);
}

proptest! {
    /// Valid on and before the expiry date, never after it.
    #[test]
    fn expiry_is_monotonic(days in -2000i64..2000) {
        let e = expiry(Some(TODAY + time::Duration::days(days)), TODAY);
        prop_assert_eq!(e.is_valid(), days >= 0);
        if let Expiry::Expiring { threshold, days_left } = e {
            prop_assert!(days_left <= threshold && WARNING_DAYS.contains(&threshold));
        }
    }

    /// Hours text never panics and round-trips when accepted.
    #[test]
    fn hours_parse_round_trips(s in "[0-9.,]{0,6}") {
        if let Some(t) = parse_tenths(&s) {
            prop_assert_eq!(parse_tenths(&tenths_text(t)), Some(t));
        }
    }

    #[test]
    fn pay_parse_round_trips(c in 100i64..100_000) {
        prop_assert_eq!(parse_cents(&cents_text(c)), Some(c));
    }
}

#[test]
fn cps_checklist_and_billing() {
    let c = cat();
    let cps = c.role("certified-peer-specialist").unwrap();
    let e = eligibility(cps, &[cred("high-school", None)], TODAY);
    assert!(!e.eligible);
    let missing: Vec<_> = e.items.iter().filter(|i| !i.met).map(|i| i.requirement_id.as_str()).collect();
    assert_eq!(missing, ["cps-certificate", "code-of-ethics", "background-check"]);
    let b = billing_blocked(cps, &[cred("high-school", None)], TODAY).unwrap();
    assert_eq!(b.requirement_id, "cps-certificate");
    assert!(b.reason.contains("missing"), "{}", b.reason);
    let all = [cred("high-school", None), cred("cps-certificate", None), cred("code-of-ethics", None)];
    // The background check is on the checklist but does not block billing.
    assert!(!eligibility(cps, &all, TODAY).eligible);
    assert_eq!(billing_blocked(cps, &all, TODAY), None);
}

#[test]
fn an_expired_license_blocks_billing_and_says_when() {
    let c = cat();
    let rs = c.role("recovery-specialist").unwrap();
    let creds = [cred("high-school", None), cred("experience-one-year", None), cred("ladc-ii", Some(date!(2026 - 06 - 01)))];
    let b = billing_blocked(rs, &creds, TODAY).expect("blocked");
    assert_eq!(b.requirement_id, "ladc");
    assert_eq!(b.expired_on, Some(date!(2026 - 06 - 01)));
    assert!(b.reason.contains("expired on 2026-06-01"), "{}", b.reason);
    // A waiver, one of the alternatives, lifts the block.
    let mut more = creds.to_vec();
    more.push(cred("bsas-waiver", Some(date!(2027 - 01 - 01))));
    assert_eq!(billing_blocked(rs, &more, TODAY), None);
    // The last valid day still counts.
    assert_eq!(billing_blocked(rs, &creds, date!(2026 - 06 - 01)), None);
}

#[test]
fn credential_input_names_fields() {
    let c = cat();
    let bad = CredentialInput { kind: "chw-certification".into(), issued_on: "2027-01-01".into(), ..Default::default() };
    let e = bad.validate("x".into(), "w".into(), &c, TODAY).unwrap_err();
    let fields: Vec<_> = e.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
    assert_eq!(fields, [("issued_on", "date-future"), ("expires_on", "expiry-required")]);
    let unknown = CredentialInput { kind: "wizard".into(), issued_on: "2020-01-01".into(), ..Default::default() };
    assert_eq!(unknown.validate("x".into(), "w".into(), &c, TODAY).unwrap_err().0[0].field, "kind");
    let ok = CredentialInput {
        kind: "chw-certification".into(),
        issued_on: "2025-07-31".into(),
        expires_on: Some("2027-07-31".into()),
        ..Default::default()
    };
    assert!(ok.validate("x".into(), "w".into(), &c, TODAY).is_ok());
}

#[test]
fn ce_counts_the_window_before_expiry() {
    let c = cat();
    let chw = cred("chw-certification", Some(date!(2027 - 07 - 31)));
    let entry = |d: Date, t: i64| CeEntry { id: "e".into(), worker_id: "w".into(), title: "x".into(), tenths: t, completed_on: d, program_id: None };
    let entries = [entry(date!(2025 - 07 - 31), 100), entry(date!(2025 - 08 - 01), 60), entry(date!(2026 - 01 - 10), 95)];
    let p = ce_progress(&c, &[chw], &entries, TODAY);
    assert_eq!(p.len(), 1);
    assert_eq!((p[0].required_tenths, p[0].earned_tenths), (150, 155));
    assert_eq!(p[0].window_start, date!(2025 - 07 - 31));
    assert!(p[0].complete);
    // Credentials without a CE rule show no progress line.
    assert!(ce_progress(&c, &[cred("high-school", None)], &entries, TODAY).is_empty());
    assert_eq!(months_before(date!(2026 - 03 - 31), 1), date!(2026 - 02 - 28));
}

#[test]
fn supervisor_qualification_is_computed_from_credentials() {
    let c = cat();
    let rc = c.role("peer-recovery-coach").unwrap();
    let q = supervisor_qualifies(rc, "peer-recovery-coach", &[], TODAY);
    assert!(!q.qualifies);
    assert_eq!(q.missing, ["rc-supervisor-training"]);
    assert!(supervisor_qualifies(rc, "peer-recovery-coach", &[cred("rc-supervisor-training", None)], TODAY).qualifies);
    let cps = c.role("certified-peer-specialist").unwrap();
    // A CPS with the certificate meets both of Transcom's conditions through role and training.
    let q = supervisor_qualifies(cps, "certified-peer-specialist", &[cred("cps-certificate", None)], TODAY);
    assert!(q.qualifies && !q.not_same_role);
    // A CHW supervisor without peer training does not.
    let q = supervisor_qualifies(cps, "community-health-worker", &[cred("chw-supervisor-training", None)], TODAY);
    assert_eq!(q.missing, ["peer-ethics", "peer-experience"]);
    // An expired license does not qualify a clinician.
    let rsn = c.role("recovery-support-navigator").unwrap();
    let lapsed = cred("masters-clinical-license", Some(date!(2026 - 01 - 01)));
    assert!(!supervisor_qualifies(rsn, "recovery-specialist", &[lapsed], TODAY).qualifies);
}

#[test]
fn recovery_coach_cadence_is_fourteen_days() {
    let c = cat();
    let rc = c.role("peer-recovery-coach").unwrap();
    let start = date!(2025 - 01 - 01);
    assert!(!cadence(rc, Some(date!(2026 - 06 - 01)), start, TODAY).unwrap().overdue);
    let late = cadence(rc, Some(date!(2026 - 05 - 31)), start, TODAY).unwrap();
    assert_eq!((late.days_since, late.max_days, late.overdue), (15, 14, true));
    // Never supervised counts from the first day of work.
    assert!(cadence(rc, None, date!(2026 - 06 - 10), TODAY).is_some_and(|c| !c.overdue));
    assert_eq!(cadence(c.role("certified-peer-specialist").unwrap(), None, start, TODAY), None);
}

fn position(role: &str, program: &str, setting: ProgramSetting, tasks: &[&str], worker: Option<&str>) -> Position {
    let c = cat();
    let input = PositionInput {
        organization_id: "o".into(),
        title: format!("{role} at {program}"),
        role_id: Some(role.into()).filter(|r: &String| !r.is_empty()),
        program: program.into(),
        setting: setting.as_str().into(),
        tasks: tasks.iter().map(|t| t.to_string()).collect(),
        pay_min: "20".into(),
        pay_max: "24.50".into(),
        worker_id: worker.map(str::to_string),
        ..Default::default()
    };
    input.validate(format!("p-{program}-{role}"), 1, &c).unwrap()
}

#[test]
fn medication_administration_is_flagged_for_a_cps_with_the_reason() {
    let c = cat();
    let p = position(
        "certified-peer-specialist",
        "Unit",
        ProgramSetting::Inpatient,
        &["Share lived experience", "Medication  Administration on the unit", "Facilitate groups"],
        Some("w"),
    );
    assert_eq!(p.tasks[1].task_id.as_deref(), Some("medication-administration"));
    let flags = prohibited_tasks(&c, &p);
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].task_index, 1);
    assert!(flags[0].reason.contains("power imbalance"), "{}", flags[0].reason);
    // The same task is not flagged for a role that does not prohibit it.
    let rs = position("recovery-specialist", "Unit", ProgramSetting::Inpatient, &["Medication administration"], None);
    assert!(prohibited_tasks(&c, &rs).is_empty());
    // Care coordination: prohibited for a CPS, part of a CHW's work.
    let cps = position("certified-peer-specialist", "T", ProgramSetting::Community, &["Care coordination for members"], None);
    assert_eq!(prohibited_tasks(&c, &cps)[0].task_id, "care-coordination");
    let chw = position("community-health-worker", "T", ProgramSetting::Community, &["Care coordination for members"], None);
    assert!(prohibited_tasks(&c, &chw).is_empty());
}

#[test]
fn lone_peers_are_found_and_inpatient_is_critical() {
    let c = cat();
    let ps = [
        position("certified-peer-specialist", "4 West", ProgramSetting::Inpatient, &[], Some("a")),
        position("recovery-specialist", "4 West", ProgramSetting::Inpatient, &[], Some("b")),
        position("certified-peer-specialist", "RLC", ProgramSetting::Community, &[], Some("c")),
        position("peer-recovery-coach", "RLC", ProgramSetting::Community, &[], Some("d")),
        position("peer-recovery-coach", "PACT", ProgramSetting::Pact, &[], None),
    ];
    let lone = single_peer_programs(&c, &ps);
    assert_eq!(lone.len(), 1, "{lone:?}");
    assert_eq!((lone[0].program.as_str(), lone[0].critical), ("4 West", true));
}

#[test]
fn pay_is_compared_with_the_same_education_in_the_same_organization() {
    let c = cat();
    let mut peer = position("certified-peer-specialist", "A", ProgramSetting::Community, &[], None);
    peer.pay_min_cents = 1800;
    peer.pay_max_cents = 2000;
    let mut other = position("", "A", ProgramSetting::Community, &[], None);
    other.education = "high-school".into();
    other.pay_min_cents = 2200;
    other.pay_max_cents = 2600;
    let r = pay_parity(&c, &[peer, other], 90);
    assert_eq!(r.len(), 1);
    assert_eq!((r[0].midpoint_cents, r[0].comparable_median_cents, r[0].percent, r[0].below), (1900, Some(2400), Some(79), true));
}

#[test]
fn check_lists_every_kind_of_problem() {
    let c = cat();
    let facts = |id: &str, role: &str, sup: Option<&str>| WorkerFacts {
        id: id.into(),
        name: id.to_uppercase(),
        role_id: role.into(),
        employer_id: "o".into(),
        employment_start: date!(2024 - 01 - 01),
        employment_end: None,
        supervisor_id: sup.map(str::to_string),
    };
    let mut snap =
        Snapshot { workers: vec![facts("s", "community-health-worker", None), facts("rc", "peer-recovery-coach", Some("s"))], ..Default::default() };
    snap.credentials
        .insert("rc".into(), vec![cred("high-school", None), cred("recovery-coach-academy", None), cred("carc", Some(date!(2026 - 06 - 20)))]);
    snap.credentials.insert("s".into(), vec![cred("chw-certification", Some(date!(2026 - 05 - 01)))]);
    snap.last_session.insert("rc".into(), date!(2026 - 05 - 01));
    snap.positions = vec![position("certified-peer-specialist", "4 West", ProgramSetting::Inpatient, &["Medication administration"], Some("x"))];
    let kinds: Vec<_> = check(&c, &snap, TODAY).iter().map(|p| (p.kind, p.subject.clone())).collect();
    assert_eq!(
        kinds,
        [
            (ComplianceKind::CredentialExpired, "S".to_string()),
            (ComplianceKind::RequirementMissing, "S".to_string()),
            (ComplianceKind::CredentialExpiring, "RC".to_string()),
            (ComplianceKind::SupervisionOverdue, "RC".to_string()),
            (ComplianceKind::SupervisorUnqualified, "RC".to_string()),
            (ComplianceKind::ProhibitedTask, "certified-peer-specialist at 4 West".to_string()),
            (ComplianceKind::SinglePeerProgram, "4 West".to_string()),
        ]
    );
}

#[test]
fn a_missing_carc_blocks_masshealth_only() {
    let c = cat();
    let rc = c.role("peer-recovery-coach").unwrap();
    let creds = [cred("high-school", None), cred("recovery-coach-academy", None)];
    let b = billing_blocked_for(rc, "masshealth", &creds, TODAY).expect("MassHealth requires the CARC");
    assert_eq!((b.requirement_id.as_str(), b.payers.as_slice()), ("carc", ["masshealth".to_string()].as_slice()));
    assert!(b.reason.contains("before billing masshealth"), "{}", b.reason);
    assert_eq!(billing_blocked_for(rc, "bsas", &creds, TODAY), None, "DPH/BSAS does not");
    assert_eq!(billing_blocked(rc, &creds, TODAY).map(|b| b.payers), Some(vec!["masshealth".to_string()]));
    let mut all = creds.to_vec();
    all.push(cred("carc", None));
    assert_eq!(billing_blocked_for(rc, "masshealth", &all, TODAY), None);
}
