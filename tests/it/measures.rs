//! Outcome measures end to end: the rollups a rebuild writes give the same
//! rates as the pure rules computed straight from the tables; writes mark
//! members stale and a report recomputes them; nothing from 1 to 10 is
//! shown; only state and organization admins read measures (every refusal
//! audited); the FHIR MeasureReports pass Medplum's validator.

use std::collections::HashMap;

use accompany_domain::claim_data::Icd10;
use accompany_domain::events::EventKind;
use accompany_domain::measures::{member_cases, CareEvent, MeasureSpec, MemberFacts, PeerContact, PeerSpan, Rate, ValueSets};
use accompany_domain::records::Persona;
use serde_json::Value;
use sqlx::{Connection, Row};
use time::{Date, Duration};

use crate::claims::{post_text, run};
use crate::fhir_check::assert_valid_fhir;
use crate::support::TestApp;

fn day(s: &str) -> Date {
    accompany_domain::records::parse_date(&s[..10]).unwrap()
}

/// Every member, event and peer contact, and when each member's time with
/// a peer ended, read straight from the tables.
async fn raw(app: &TestApp) -> (Vec<MemberFacts>, Vec<CareEvent>, Vec<PeerContact>, HashMap<String, Date>) {
    let mut conn = <sqlx::AnyConnection as Connection>::connect(&app.db.url).await.unwrap();
    let members = sqlx::query("SELECT id, date_of_birth FROM members").fetch_all(&mut conn).await.unwrap();
    let members: Vec<MemberFacts> =
        members.iter().map(|r| MemberFacts { member_id: r.get("id"), date_of_birth: day(&r.get::<String, _>("date_of_birth")) }).collect();
    let mut peers: HashMap<String, Vec<String>> = HashMap::new();
    let mut ends: HashMap<String, Vec<Option<Date>>> = HashMap::new();
    for r in sqlx::query("SELECT member_id, user_id, until FROM team_members WHERE team_role = 'peer'").fetch_all(&mut conn).await.unwrap() {
        peers.entry(r.get("member_id")).or_default().push(r.get("user_id"));
        ends.entry(r.get("member_id")).or_default().push(r.get::<Option<String>, _>("until").map(|u| day(&u)));
    }
    // Ended when no peer place is still open: on the last place's last day.
    let ended = ends.into_iter().filter(|(_, e)| e.iter().all(Option::is_some)).map(|(m, e)| (m, e.into_iter().flatten().max().unwrap())).collect();
    let contacts = sqlx::query("SELECT member_id, author_id, contact_date FROM contact_notes").fetch_all(&mut conn).await.unwrap();
    let contacts: Vec<PeerContact> = contacts
        .iter()
        .filter(|r| peers.get(&r.get::<String, _>("member_id")).is_some_and(|p| p.contains(&r.get::<String, _>("author_id"))))
        .map(|r| PeerContact { member_id: r.get("member_id"), date: day(&r.get::<String, _>("contact_date")) })
        .collect();
    let events = sqlx::query("SELECT member_id, kind, start_date, end_date, diagnoses FROM care_events").fetch_all(&mut conn).await.unwrap();
    let events: Vec<CareEvent> = events
        .iter()
        .map(|r| {
            let codes: Vec<String> = serde_json::from_str(&r.get::<String, _>("diagnoses")).unwrap();
            CareEvent {
                member_id: r.get("member_id"),
                kind: EventKind::parse(&r.get::<String, _>("kind")).unwrap(),
                start: day(&r.get::<String, _>("start_date")),
                end: r.get::<Option<String>, _>("end_date").map(|s| day(&s)),
                diagnoses: codes.iter().filter_map(|c| Icd10::from_stored(c)).collect(),
            }
        })
        .collect();
    let _ = conn.close().await;
    (members, events, contacts, ended)
}

/// A follow-up measure over everyone, member by member, through the pure rules.
fn expected(
    spec: &MeasureSpec,
    sets: &ValueSets,
    days: u32,
    last_index: Date,
    data: &(Vec<MemberFacts>, Vec<CareEvent>, Vec<PeerContact>, HashMap<String, Date>),
) -> Rate {
    let (members, events, contacts, ended) = data;
    members
        .iter()
        .flat_map(|m| {
            let own: Vec<&CareEvent> = events.iter().filter(|e| e.member_id == m.member_id).collect();
            let dates: Vec<Date> = contacts.iter().filter(|c| c.member_id == m.member_id).map(|c| c.date).collect();
            let span = dates.iter().min().map(|first| PeerSpan { first_contact: *first, ended: ended.get(&m.member_id).copied() });
            member_cases(spec, sets, m, &own, &dates, span)
        })
        .filter(|c| c.index <= last_index)
        .map(|c| Rate { numerator: u64::from(c.met_within(days)), denominator: 1 })
        .sum()
}

/// Every count a report shows, wherever it is, with where.
fn shown_counts(v: &Value, path: String, out: &mut Vec<(String, u64)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let here = format!("{path}.{k}");
                const COUNTS: [&str; 6] = ["numerator", "denominator", "members", "ed_visits", "admissions", "inpatient_days"];
                if let (true, Some(n)) = (COUNTS.contains(&k.as_str()), x.as_u64()) {
                    out.push((here.clone(), n));
                }
                shown_counts(x, here, out);
            }
        }
        Value::Array(xs) => xs.iter().enumerate().for_each(|(i, x)| shown_counts(x, format!("{path}[{i}]"), out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_rollups_give_the_rates_the_pure_rules_give_and_hide_every_small_count() {
    let app = TestApp::seeded(1500).await;
    let (ok, out) = run(&app, &["measures", "rebuild", "--quiet"]);
    assert!(ok && out.contains("Recomputed 1500 members"), "{out}");
    assert_eq!(app.count("measure_stale").await, 0, "a rebuild leaves nobody stale");
    let client = app.client();
    let (admin, _) = app.api_login(&client, Persona::StateAdmin).await;
    let (s, report) = app.get(&admin, "/api/v1/measures").await;
    assert_eq!(s, 200, "{report}");
    let as_of = day(report["as_of"].as_str().unwrap());

    let data = raw(&app).await;
    let catalog = accompany_domain::Catalog::massachusetts().unwrap();
    let sets: &ValueSets = &catalog.measures.value_sets;
    let mut compared = 0;
    for spec in catalog.measures.follow_up_specs() {
        for days in [7u32, 30] {
            let expected = expected(&spec, sets, days, as_of - Duration::days(i64::from(days)), &data);
            let got = report["measures"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["code"] == spec.code && m["days"] == days)
                .unwrap_or_else(|| panic!("{} {days} missing from {report}", spec.code));
            let small = |n: u64| (1..=10).contains(&n);
            if small(expected.denominator) {
                assert!(got["denominator"].is_null(), "{} {days}: {expected:?} shown as {got}", spec.code);
            }
            if let Some(d) = got["denominator"].as_u64() {
                assert_eq!(d, expected.denominator, "{} within {days}", spec.code);
                compared += 1;
            }
            if let Some(n) = got["numerator"].as_u64() {
                assert_eq!(n, expected.numerator, "{} within {days}", spec.code);
                compared += 1;
            }
        }
    }
    assert!(compared >= 6, "too few rates were shown to compare ({compared}): the seed's events are too few\n{report}");

    // No count from 1 to 10 anywhere, breakdowns included.
    let mut counts = Vec::new();
    shown_counts(&report, String::new(), &mut counts);
    assert!(counts.len() > 50, "{counts:?}");
    for (at, n) in counts {
        assert!(!(1..=10).contains(&n), "{at} = {n} is shown");
    }
    let acute = &report["acute_care_use"];
    assert!(acute["estimate"].is_object(), "the seed has both a peer group and a comparison group: {acute}");

    // The same through the command line, as JSON and as text.
    let (ok, out) = run(&app, &["measures", "report", "--json"]);
    assert!(ok, "{out}");
    let json_start = out.find('{').unwrap();
    let cli: Value = serde_json::from_str(&out[json_start..]).unwrap();
    assert_eq!(cli["measures"], report["measures"]);
    let (ok, out) = run(&app, &["measures", "report", "--from", "2026-13-01"]);
    assert!(!ok && out.contains("--from \"2026-13-01\" is not a date"), "{out}");
    let (ok, out) = run(&app, &["measures", "report"]);
    assert!(ok && out.contains("FUA-style v1") && out.contains("acute-care-use v1"), "{out}");

    // FHIR: every MeasureReport passes Medplum's validator.
    let r = client.get(app.url("/api/v1/measures/report")).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/fhir+json");
    let bundle: Value = r.json().await.unwrap();
    let resources: Vec<Value> = bundle["entry"].as_array().unwrap().iter().map(|e| e["resource"].clone()).collect();
    assert_eq!(resources.len(), 8, "seven rate measures and the acute-care use");
    assert_valid_fhir(&resources);
    let (s, fua) = app.get(&admin, "/api/v1/measures/report?measure=FUA-style").await;
    assert_eq!((s, fua["resourceType"].as_str(), fua["measure"].as_str()), (200, Some("MeasureReport"), Some("urn:accompany:measure:FUA-style|1")));
    assert_valid_fhir(&[fua]);
    let (s, _) = app.get(&admin, "/api/v1/measures/report?measure=HEDIS-XYZ").await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn writes_mark_members_stale_and_the_report_recomputes_them() {
    let app = TestApp::seeded(30).await;
    let (ok, out) = run(&app, &["measures", "rebuild", "--quiet"]);
    assert!(ok, "{out}");
    let client = app.client();
    let (admin, _) = app.api_login(&client, Persona::StateAdmin).await;
    let (member, _) = app.api_login(&client, Persona::Member).await;
    let (_, me) = app.get(&member, "/api/v1/me").await;
    let member_id = me["user"]["member_id"].as_str().unwrap().to_string();
    let (_, record) = app.get(&member, &format!("/api/v1/members/{member_id}")).await;
    let mh = record["masshealth_id"].as_str().unwrap();
    assert_eq!(app.count(&format!("measure_stale WHERE member_id = '{member_id}'")).await, 0);

    // An ED visit for substance use, loaded through the API: the member is stale at once.
    let visit = (accompany::seed::today() - Duration::days(40)).to_string();
    let csv = format!("masshealth_id,kind,start,diagnoses,external_id\n{mh},ed-visit,{visit},F10.20,stale-1\n");
    let (s, r) = post_text(&app, &admin, "/api/v1/events/import", &csv).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(app.count(&format!("measure_stale WHERE member_id = '{member_id}'")).await, 1);
    // Our own measure takes every ED visit as a case (FUA-style may fold it into a stay or an earlier visit).
    let cases = format!("measure_cases WHERE member_id = '{member_id}' AND measure = 'peer-after-acute-care' AND index_date = '{visit}'");
    assert_eq!(app.count(&cases).await, 0);
    // A report recomputes the stale member before it answers.
    let (s, report) = app.get(&admin, "/api/v1/measures").await;
    assert_eq!((s, report["stale_members"].as_u64()), (200, Some(0)), "{report}");
    assert_eq!(app.count(&format!("measure_stale WHERE member_id = '{member_id}'")).await, 0);
    assert_eq!(app.count(&cases).await, 1, "the new visit is a case");

    // A contact, a goal and a change to the team mark the member again.
    app.exec(&format!("UPDATE contact_notes SET note = note WHERE member_id = '{member_id}'")).await;
    assert_eq!(app.count(&format!("measure_stale WHERE member_id = '{member_id}'")).await, 1);
    let (_, _) = app.get(&admin, "/api/v1/measures").await;
    app.exec(&format!("UPDATE team_members SET since = since WHERE member_id = '{member_id}'")).await;
    app.exec(&format!("UPDATE recovery_goals SET status = status WHERE member_id = '{member_id}'")).await;
    assert_eq!(app.count(&format!("measure_stale WHERE member_id = '{member_id}'")).await, 1, "marked once");
}

#[tokio::test]
async fn only_state_and_organization_admins_read_measures_and_every_refusal_is_audited() {
    let app = TestApp::seeded(30).await;
    let client = app.client();
    let denied = "audit_events WHERE entity = 'measures' AND decision = 'deny'";
    for persona in [
        Persona::PeerWorker,
        Persona::Supervisor,
        Persona::CareCoordinator,
        Persona::Member,
        Persona::Clinician,
        Persona::PrivacyOfficer,
        Persona::BillingOffice,
    ] {
        let (token, _) = app.api_login(&client, persona).await;
        let before = app.count(denied).await;
        let (s, body) = app.get(&token, "/api/v1/measures").await;
        assert_eq!(s, 403, "{persona:?}: {body}");
        let (s, _) = app.get(&token, "/api/v1/measures/report").await;
        assert_eq!(s, 403, "{persona:?}");
        assert_eq!(app.count(denied).await, before + 2, "{persona:?}: both refusals audited");
    }

    // An organization admin reads their own organization's, and no other's.
    let (orgadmin, _) = app.api_login(&client, Persona::OrganizationAdmin).await;
    let (_, me) = app.get(&orgadmin, "/api/v1/me").await;
    let own = me["user"]["organization_id"].as_str().unwrap().to_string();
    let (s, report) = app.get(&orgadmin, "/api/v1/measures").await;
    assert_eq!((s, report["organization"].as_str()), (200, Some(own.as_str())), "{report}");
    let mut conn = <sqlx::AnyConnection as Connection>::connect(&app.db.url).await.unwrap();
    let other: String =
        sqlx::query("SELECT id FROM organizations WHERE id <> $1 ORDER BY id LIMIT 1").bind(&own).fetch_one(&mut conn).await.unwrap().get(0);
    let _ = conn.close().await;
    let before = app.count(denied).await;
    let (s, _) = app.get(&orgadmin, &format!("/api/v1/measures?organization={other}")).await;
    assert_eq!(s, 403);
    assert_eq!(app.count(denied).await, before + 1);
    let permitted =
        app.count("audit_events WHERE entity = 'measures' AND action = 'report' AND decision = 'permit' AND purpose = 'operations'").await;
    assert!(permitted >= 1, "reading measures is audited as operations");

    // Bad input is named; an unknown organization is a conflict with the records, not a crash.
    let (admin, _) = app.api_login(&client, Persona::StateAdmin).await;
    let (s, body) = app.get(&admin, "/api/v1/measures?from=2026-02-30").await;
    assert_eq!((s, body["errors"][0]["field"].as_str()), (422, Some("from")), "{body}");
    let (s, body) = app.get(&admin, "/api/v1/measures?from=2026-05-01&to=2026-04-01").await;
    assert_eq!((s, body["errors"][0]["field"].as_str()), (422, Some("to")), "{body}");
    let (s, body) = app.get(&admin, "/api/v1/measures?organization=nobody").await;
    assert_eq!((s, body["errors"][0]["field"].as_str()), (409, Some("organization")), "{body}");

    // Recomputing everyone is for state admins: an organization admin is refused, audited.
    let orgadmin_name = app.credential(Persona::OrganizationAdmin).username.clone();
    let before = app.count("audit_events WHERE entity = 'measures' AND action = 'compute' AND decision = 'deny'").await;
    let (ok, out) = run(&app, &["measures", "rebuild", "--quiet", "--as", &orgadmin_name]);
    assert!(!ok && out.contains("refused"), "{out}");
    assert_eq!(app.count("audit_events WHERE entity = 'measures' AND action = 'compute' AND decision = 'deny'").await, before + 1);
}
