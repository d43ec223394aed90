//! For whom, end to end: the equity rollups give the waits, concordance
//! and Appendix-A counts the tables they come from give, for two seeds of
//! the synthetic world; nothing from 1 to 10 is shown; writes mark members
//! stale; only state and organization admins read the reports, and every
//! refusal is audited.

use std::collections::{BTreeMap, HashMap};

use accompany_domain::equity::{quantile, ReportedDimension};
use accompany_domain::records::{Demographics, Persona};
use serde_json::Value;
use sqlx::{Connection, Row};
use time::{Date, Duration};

use crate::claims::run;
use crate::support::TestApp;

pub(crate) fn day(s: &str) -> Date {
    accompany_domain::records::parse_date(&s[..10]).unwrap()
}

/// Every count a report shows, wherever it is, with where.
fn shown_counts(v: &Value, path: String, out: &mut Vec<(String, u64)>) {
    const COUNTS: [&str; 7] = ["numerator", "denominator", "count", "members", "peers", "started", "finished"];
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let here = format!("{path}.{k}");
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

fn assert_no_small_count(report: &Value, what: &str) -> usize {
    let mut counts = Vec::new();
    shown_counts(report, String::new(), &mut counts);
    for (at, n) in &counts {
        assert!(!(1..=10).contains(n), "{what}: {at} = {n} is shown");
    }
    counts.len()
}

/// A shown value equals the expected one; a hidden one was small or hidden beside one.
fn check(shown: &Value, expected: u64, what: &str, compared: &mut usize) {
    match shown.as_u64() {
        Some(n) => {
            assert_eq!(n, expected, "{what}");
            *compared += 1;
        }
        None => assert!(shown.is_null(), "{what}: {shown}"),
    }
}

/// What the tables say, member by member.
pub(crate) struct Raw {
    pub(crate) requested: HashMap<String, Date>,
    pub(crate) first_peer: HashMap<String, Date>,
    current_peer: HashMap<String, String>,
    demographics: HashMap<String, Demographics>,
    /// Members whose preferences hold a "must" wish about who the peer is.
    must_wishers: Vec<String>,
}

pub(crate) async fn raw(app: &TestApp) -> Raw {
    let mut conn = <sqlx::AnyConnection as Connection>::connect(&app.db.url).await.unwrap();
    let mut requested: HashMap<String, Date> = HashMap::new();
    for r in sqlx::query("SELECT member_id, first_arrived_at FROM referrals WHERE member_id IS NOT NULL").fetch_all(&mut conn).await.unwrap() {
        let d = day(&r.get::<String, _>("first_arrived_at"));
        requested.entry(r.get("member_id")).and_modify(|x| *x = (*x).min(d)).or_insert(d);
    }
    let mut first_peer: HashMap<String, Date> = HashMap::new();
    let mut current_peer = HashMap::new();
    for r in sqlx::query("SELECT member_id, user_id, since, until FROM team_members WHERE team_role = 'peer'").fetch_all(&mut conn).await.unwrap() {
        let d = day(&r.get::<String, _>("since"));
        let member: String = r.get("member_id");
        first_peer.entry(member.clone()).and_modify(|x| *x = (*x).min(d)).or_insert(d);
        if r.get::<Option<String>, _>("until").is_none() {
            current_peer.insert(member, r.get("user_id"));
        }
    }
    let mut demographics = HashMap::new();
    for r in sqlx::query("SELECT id, data FROM members").fetch_all(&mut conn).await.unwrap() {
        let data: Value = serde_json::from_str(&r.get::<String, _>("data")).unwrap();
        demographics.insert(r.get("id"), serde_json::from_value(data["demographics"].clone()).unwrap_or_default());
    }
    let mut must_wishers = Vec::new();
    for r in sqlx::query("SELECT member_id, data FROM member_preferences").fetch_all(&mut conn).await.unwrap() {
        let p: Value = serde_json::from_str(&r.get::<String, _>("data")).unwrap();
        let must = |list: &Value| list.as_array().is_some_and(|xs| xs.iter().any(|w| w["strength"] == "must"));
        if must(&p["identity"]) || must(&p["lived_experience"]) {
            must_wishers.push(r.get("member_id"));
        }
    }
    let _ = conn.close().await;
    Raw { requested, first_peer, current_peer, demographics, must_wishers }
}

#[tokio::test]
async fn the_rollups_give_what_the_tables_give_for_two_seeds_and_hide_every_small_count() {
    let catalog = accompany_domain::Catalog::massachusetts().unwrap();
    let reporting = &catalog.reporting;
    for seed in [7, 29] {
        let app = TestApp::seeded_with(seed, 3000).await;
        let (ok, out) = run(&app, &["measures", "rebuild", "--quiet"]);
        assert!(ok, "{out}");
        let client = app.client();
        let (admin, _) = app.api_login(&client, Persona::StateAdmin).await;
        let (s, adequacy) = app.get(&admin, "/api/v1/adequacy").await;
        assert_eq!(s, 200, "{adequacy}");
        let (s, equity) = app.get(&admin, "/api/v1/equity").await;
        assert_eq!(s, 200, "{equity}");
        let (s, appendix) = app.get(&admin, "/api/v1/cohorts/state/all/appendix-a").await;
        assert_eq!(s, 200, "{appendix}");
        let as_of = day(adequacy["as_of"].as_str().unwrap());
        let raw = raw(&app).await;
        let mut compared = 0;

        // Requests: started, got a peer, the days between, and each prompt window.
        let requests = &adequacy["requests"];
        let days: Vec<(i64, u64)> =
            raw.requested.iter().filter_map(|(m, asked)| raw.first_peer.get(m).map(|first| ((*first - *asked).whole_days().max(0), 1))).collect();
        check(&requests["started"], raw.requested.len() as u64, "requests started", &mut compared);
        check(&requests["finished"], days.len() as u64, "requests filled", &mut compared);
        check(&requests["median_days"], quantile(&days, 0.5).unwrap() as u64, "median days to a peer", &mut compared);
        check(&requests["p90_days"], quantile(&days, 0.9).unwrap() as u64, "90th percentile", &mut compared);
        for (i, w) in reporting.prompt_days.iter().enumerate() {
            let judged: Vec<&String> = raw.requested.iter().filter(|(_, d)| **d <= as_of - Duration::days(i64::from(*w))).map(|(m, _)| m).collect();
            let within =
                judged.iter().filter(|m| raw.first_peer.get(**m).is_some_and(|f| (*f - raw.requested[**m]).whole_days() <= i64::from(*w))).count();
            check(&requests["within"][i]["denominator"], judged.len() as u64, "requests judged", &mut compared);
            check(&requests["within"][i]["numerator"], within as u64, "requests filled in time", &mut compared);
        }
        // Each breakdown adds up to the total where everything is shown.
        for b in adequacy["requests_by"].as_array().unwrap() {
            let started: Vec<Option<u64>> = b["groups"].as_array().unwrap().iter().map(|g| g["started"].as_u64()).collect();
            if started.iter().all(Option::is_some) {
                assert_eq!(started.iter().flatten().sum::<u64>(), raw.requested.len() as u64, "{}", b["dimension"]);
            }
        }

        // Peers: turnover over all time and caseload fill today.
        let mut conn = <sqlx::AnyConnection as Connection>::connect(&app.db.url).await.unwrap();
        let workers = sqlx::query(
            "SELECT w.user_id, w.role_id, w.employment_end FROM workers w JOIN users u ON u.id = w.user_id WHERE u.persona = 'peer-worker'",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        let _ = conn.close().await;
        let left = workers.iter().filter(|r| r.get::<Option<String>, _>("employment_end").is_some()).count() as u64;
        check(&adequacy["turnover"]["denominator"], workers.len() as u64, "peers employed", &mut compared);
        check(&adequacy["turnover"]["numerator"], left, "peers who left", &mut compared);
        let mut carried: HashMap<&String, u64> = HashMap::new();
        for user in raw.current_peer.values() {
            *carried.entry(user).or_default() += 1;
        }
        let (mut filled, mut places) = (0u64, 0u64);
        for w in workers.iter().filter(|r| r.get::<Option<String>, _>("employment_end").is_none_or(|e| day(&e) > as_of)) {
            let cap = u64::from(catalog.role(&w.get::<String, _>("role_id")).unwrap().caseload_cap);
            filled += carried.get(&w.get::<String, _>("user_id")).copied().unwrap_or(0).min(cap);
            places += cap;
        }
        check(&adequacy["caseload_fill"]["denominator"], places, "places on caseloads", &mut compared);
        check(&adequacy["caseload_fill"]["numerator"], filled, "members on caseloads", &mut compared);

        // Appendix A: members who have had a peer, by category of what they said.
        let cohort: Vec<&String> = raw.first_peer.keys().collect();
        check(&appendix["members"], cohort.len() as u64, "cohort size", &mut compared);
        for (characteristic, dimension) in [
            ("gender", ReportedDimension::Gender),
            ("race", ReportedDimension::Race),
            ("ethnicity", ReportedDimension::Ethnicity),
            ("sexual-orientation", ReportedDimension::SexualOrientation),
        ] {
            let mut expected: BTreeMap<String, u64> = BTreeMap::new();
            for m in &cohort {
                let d = &raw.demographics[*m];
                let said = match dimension {
                    ReportedDimension::Gender => &d.gender,
                    ReportedDimension::Race => &d.race,
                    ReportedDimension::Ethnicity => &d.ethnicity,
                    ReportedDimension::SexualOrientation => &d.sexual_orientation,
                };
                *expected.entry(reporting.categorize(dimension, said.as_deref()).to_string()).or_default() += 1;
            }
            let table = appendix["tables"].as_array().unwrap().iter().find(|t| t["characteristic"] == characteristic).unwrap();
            for row in table["rows"].as_array().unwrap() {
                let key = row["key"].as_str().unwrap();
                check(&row["count"], expected.get(key).copied().unwrap_or(0), &format!("{characteristic} {key}"), &mut compared);
            }
        }
        let ages = appendix["tables"].as_array().unwrap().iter().find(|t| t["characteristic"] == "age-band").unwrap();
        let shown_ages: u64 = ages["rows"].as_array().unwrap().iter().filter_map(|r| r["count"].as_u64()).sum();
        assert!(shown_ages <= cohort.len() as u64);

        // Concordance: the members asked about are those with a peer now and a "must" wish.
        let asked = raw.must_wishers.iter().filter(|m| raw.current_peer.contains_key(*m)).count() as u64;
        assert!(asked > 10, "seed {seed}: the synthetic world gives members with a peer wishes to judge");
        check(&equity["must_met"]["denominator"], asked, "members with a must wish", &mut compared);
        let met = equity["must_met"]["numerator"].as_u64();
        assert!(met.is_none_or(|n| n <= asked));

        assert!(compared >= 30, "seed {seed}: too few values were shown to compare ({compared})");
        for (report, what) in [(&adequacy, "adequacy"), (&equity, "equity"), (&appendix, "appendix A")] {
            assert!(assert_no_small_count(report, what) > 10, "{what} shows counts");
        }

        // A report made before is kept only while nothing it counts changes.
        let (_, again) = app.get(&admin, "/api/v1/adequacy").await;
        assert_eq!(again["requests"], adequacy["requests"]);
        app.exec("UPDATE referrals SET first_arrived_at = '2001-01-01T09:00:00Z'").await;
        let (_, changed) = app.get(&admin, "/api/v1/adequacy").await;
        assert!(changed["requests"]["median_days"].as_u64().is_some_and(|d| d > 5000), "every request is now years old: {}", changed["requests"]);
    }
}

#[tokio::test]
async fn wishes_and_gaps_mark_members_stale_and_the_report_recomputes_them() {
    let app = TestApp::seeded(40).await;
    let (ok, out) = run(&app, &["measures", "rebuild", "--quiet"]);
    assert!(ok, "{out}");
    let client = app.client();
    let (admin, _) = app.api_login(&client, Persona::StateAdmin).await;
    let mut conn = <sqlx::AnyConnection as Connection>::connect(&app.db.url).await.unwrap();
    let member: String = sqlx::query("SELECT member_id FROM team_members WHERE team_role = 'peer' AND until IS NULL ORDER BY member_id LIMIT 1")
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get(0);
    let _ = conn.close().await;
    let stale = format!("measure_stale WHERE member_id = '{member}'");
    assert_eq!(app.count(&stale).await, 0);
    let gap = format!("equity_members WHERE member_id = '{member}' AND gap_started_on = '2026-01-05'");
    assert_eq!(app.count(&gap).await, 0);
    app.exec(&format!(
        "INSERT INTO peer_gaps (id, member_id, reason, started_at) VALUES ('gap-stale-1', '{member}', 'peer-left', '2026-01-05T10:00:00Z')"
    ))
    .await;
    assert_eq!(app.count(&stale).await, 1, "a gap marks the member");
    let (s, _) = app.get(&admin, "/api/v1/adequacy").await;
    assert_eq!(s, 200);
    assert_eq!(app.count(&stale).await, 0, "the report recomputed the member");
    assert_eq!(app.count(&gap).await, 1, "the new gap is in the rollup");
    app.exec(&format!("UPDATE member_preferences SET version = version WHERE member_id = '{member}'")).await;
    app.exec(&format!(
        "INSERT INTO member_preferences (member_id, data, version, updated_at) SELECT '{member}', data, 1, updated_at FROM member_preferences \
         WHERE member_id <> '{member}' AND NOT EXISTS (SELECT 1 FROM member_preferences WHERE member_id = '{member}') LIMIT 1"
    ))
    .await;
    assert_eq!(app.count(&stale).await, 1, "what the member asks of a peer marks them");
}

#[tokio::test]
async fn only_state_and_organization_admins_read_equity_reports_and_every_refusal_is_audited() {
    let app = TestApp::seeded(30).await;
    let client = app.client();
    let paths = [("adequacy", "/api/v1/adequacy"), ("equity", "/api/v1/equity"), ("appendix-a", "/api/v1/cohorts/state/all/appendix-a")];
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
        for (entity, path) in paths {
            let denied = format!("audit_events WHERE entity = '{entity}' AND decision = 'deny'");
            let before = app.count(&denied).await;
            let (s, body) = app.get(&token, path).await;
            assert_eq!(s, 403, "{persona:?} {path}: {body}");
            assert_eq!(app.count(&denied).await, before + 1, "{persona:?} {path}: the refusal is audited");
        }
    }

    // An organization admin reads their own organization's members, and asks for no other's.
    let (orgadmin, _) = app.api_login(&client, Persona::OrganizationAdmin).await;
    let (_, me) = app.get(&orgadmin, "/api/v1/me").await;
    let own = me["user"]["organization_id"].as_str().unwrap().to_string();
    let (s, report) = app.get(&orgadmin, "/api/v1/equity").await;
    assert_eq!((s, report["organization"].as_str()), (200, Some(own.as_str())), "{report}");
    let (s, table) = app.get(&orgadmin, "/api/v1/cohorts/role/certified-peer-specialist/appendix-a").await;
    assert_eq!((s, table["organization"].as_str()), (200, Some(own.as_str())), "a role cohort is limited to the admin's organization: {table}");
    let mut conn = <sqlx::AnyConnection as Connection>::connect(&app.db.url).await.unwrap();
    let plan: String = sqlx::query("SELECT id FROM organizations WHERE kind = 'health-plan' AND id <> $1 ORDER BY id LIMIT 1")
        .bind(&own)
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get(0);
    let _ = conn.close().await;
    let denied = "audit_events WHERE entity = 'appendix-a' AND decision = 'deny'";
    let before = app.count(denied).await;
    let (s, _) = app.get(&orgadmin, &format!("/api/v1/cohorts/plan/{plan}/appendix-a")).await;
    assert_eq!(s, 403, "another plan's members are not an organization admin's to describe");
    assert_eq!(app.count(denied).await, before + 1);
    let (s, _) = app.get(&orgadmin, &format!("/api/v1/adequacy?organization={plan}")).await;
    assert_eq!(s, 403);
    let permitted =
        app.count("audit_events WHERE entity IN ('adequacy', 'equity', 'appendix-a') AND decision = 'permit' AND purpose = 'operations'").await;
    assert!(permitted >= 2, "reading the reports is audited as operations");

    // Bad input is named.
    let (admin, _) = app.api_login(&client, Persona::StateAdmin).await;
    let (s, body) = app.get(&admin, "/api/v1/cohorts/role/astronaut/appendix-a").await;
    assert_eq!((s, body["errors"][0]["field"].as_str()), (422, Some("id")), "{body}");
    let (s, body) = app.get(&admin, "/api/v1/adequacy?from=2026-02-30").await;
    assert_eq!((s, body["errors"][0]["field"].as_str()), (422, Some("from")), "{body}");
    let (s, body) = app.get(&admin, "/api/v1/equity?organization=nobody").await;
    assert_eq!((s, body["errors"][0]["field"].as_str()), (409, Some("organization")), "{body}");
    let (s, _) = app.get(&admin, "/api/v1/cohorts/galaxy/all/appendix-a").await;
    assert!(s == 400 || s == 422, "an unknown kind of cohort is refused as bad input, not a crash: {s}");
}

#[tokio::test]
async fn a_what_if_solves_the_same_batch_with_the_hires_added_and_refuses_everyone_else() {
    let app = TestApp::seeded(1500).await;
    let client = app.client();
    let (admin, _) = app.api_login(&client, Persona::StateAdmin).await;
    let mut conn = <sqlx::AnyConnection as Connection>::connect(&app.db.url).await.unwrap();
    let provider: String =
        sqlx::query("SELECT id FROM organizations WHERE kind <> 'health-plan' ORDER BY id LIMIT 1").fetch_one(&mut conn).await.unwrap().get(0);
    let _ = conn.close().await;
    let hires = |organization: &str, role: &str, count: u32| {
        serde_json::json!({ "hires": [{
            "role": role, "count": count, "languages": ["en", "es"], "organization": organization, "caseload": 20,
            "identity": [{ "dimension": "gender", "value": "woman" }], "town": "Boston"
        }] })
    };
    // Every peer's employment has ended: the waiting list waits for the hires.
    app.exec("UPDATE workers SET employment_end = '2001-01-01'").await;
    let (s, batch) = app.send(reqwest::Method::POST, &admin, "/api/v1/matching/batch", &serde_json::json!({ "dry_run": true })).await;
    assert_eq!(s, 200, "{batch}");
    let (s, report) = app.send(reqwest::Method::POST, &admin, "/api/v1/what-if", &hires(&provider, "certified-peer-specialist", 30)).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!((report["peers_added"].as_u64(), report["places_added"].as_u64()), (Some(30), Some(600)), "{report}");
    let waiting = batch["members"].as_u64().unwrap();
    let served = batch["served"].as_u64().unwrap();
    assert!(waiting > 10 && served == 0, "nobody can be matched: {batch}");
    // The comparison starts from exactly the batch a program admin would run.
    if let Some(before) = report["matched"]["before"].as_u64() {
        assert_eq!(before, served, "{report}");
    }
    if let Some(w) = report["waiting"].as_u64() {
        assert_eq!(w, waiting);
    }
    let after = report["matched"]["after"].as_u64();
    assert!(after.is_none_or(|a| a >= served), "hiring never leaves fewer matched: {report}");
    assert!(report["matched"]["change"].as_i64().is_some_and(|c| c > 10), "600 places for a waiting list that has unmatched members: {report}");
    assert_eq!(app.count("team_members WHERE user_id LIKE '%what-if%'").await, 0, "nothing is written");
    assert_no_small_count(&report, "what-if");
    for row in report["unmet_by_language"].as_array().unwrap().iter().chain(report["unmet_by_reason"].as_array().unwrap()) {
        assert!(row["change"].as_i64().is_none_or(|c| !(1..=10).contains(&c.abs())), "{row}");
    }

    // Bad hires are named; an organization that does not exist conflicts with the records.
    let (s, body) = app.send(reqwest::Method::POST, &admin, "/api/v1/what-if", &hires(&provider, "astronaut", 0)).await;
    assert_eq!(s, 422, "{body}");
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().filter_map(|e| e["field"].as_str()).collect();
    assert!(fields.contains(&"hires[0].role") && fields.contains(&"hires[0].count"), "{body}");
    let (s, body) = app.send(reqwest::Method::POST, &admin, "/api/v1/what-if", &hires("nobody", "certified-peer-specialist", 1)).await;
    assert_eq!((s, body["errors"][0]["field"].as_str()), (409, Some("hires[0].organization")), "{body}");

    // Nobody but program admins asks; an organization admin plans only their own hires.
    let denied = "audit_events WHERE entity = 'what-if' AND decision = 'deny'";
    for persona in [Persona::Member, Persona::PeerWorker, Persona::CareCoordinator, Persona::Supervisor, Persona::BillingOffice] {
        let (token, _) = app.api_login(&client, persona).await;
        let before = app.count(denied).await;
        let (s, _) = app.send(reqwest::Method::POST, &token, "/api/v1/what-if", &hires(&provider, "astronaut", 0)).await;
        assert_eq!(s, 403, "{persona:?} is refused before anything is checked");
        assert_eq!(app.count(denied).await, before + 1, "{persona:?}: the refusal is audited");
    }
    let (orgadmin, _) = app.api_login(&client, Persona::OrganizationAdmin).await;
    let (_, me) = app.get(&orgadmin, "/api/v1/me").await;
    let own = me["user"]["organization_id"].as_str().unwrap().to_string();
    let other = if own == provider { "someone-else".to_string() } else { provider.clone() };
    let before = app.count(denied).await;
    let (s, _) = app.send(reqwest::Method::POST, &orgadmin, "/api/v1/what-if", &hires(&other, "certified-peer-specialist", 5)).await;
    assert_eq!(s, 403, "another organization's hires");
    assert_eq!(app.count(denied).await, before + 1);
    let (s, own_report) = app.send(reqwest::Method::POST, &orgadmin, "/api/v1/what-if", &hires(&own, "certified-peer-specialist", 5)).await;
    assert_eq!(s, 200, "{own_report}");
}
