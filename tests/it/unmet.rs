//! Unmet demand: the batch's unmatched report is kept when a program admin
//! runs the batch, and network adequacy shows the last one for the reader's
//! scope, by language and blocking constraint, under the small-cell rule;
//! a report is never kept for someone who may not run the batch.

use accompany_domain::records::Persona;
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::TestApp;

/// Every number the unmatched report shows, with where.
fn numbers(u: &Value) -> Vec<(String, Option<u64>)> {
    let mut out = vec![("waiting".to_string(), u["waiting"].as_u64()), ("unmatched".to_string(), u["unmatched"].as_u64())];
    for part in ["by_language", "by_reason"] {
        for r in u[part].as_array().unwrap() {
            out.push((format!("{part}.{}", r["key"]), r["count"].as_u64()));
        }
    }
    out
}

/// The report shows what the batch found, withholding 1 to 10 and
/// whatever would give a withheld count away.
fn check_against(u: &Value, run: &Value, seed: u64) {
    let unmatched = run["unmatched"].as_u64().unwrap();
    for (at, n) in numbers(u) {
        assert!(!n.is_some_and(|n| (1..=10).contains(&n)), "seed {seed}: {at} = {n:?} is shown");
    }
    if let Some(n) = u["waiting"].as_u64() {
        assert_eq!(n, run["members"].as_u64().unwrap(), "seed {seed}");
    }
    if let Some(n) = u["unmatched"].as_u64() {
        assert_eq!(n, unmatched, "seed {seed}");
    }
    for part in ["by_language", "by_reason"] {
        let rows = u[part].as_array().unwrap();
        let expected = run["gap"][part].as_object().unwrap();
        assert_eq!(rows.len(), expected.len(), "seed {seed}: every {part} key has a row");
        let mut hidden = Vec::new();
        for r in rows {
            let want = expected[r["key"].as_str().unwrap()].as_u64().unwrap();
            match r["count"].as_u64() {
                Some(n) => assert_eq!(n, want, "seed {seed}: {part} {}", r["key"]),
                None => hidden.push(want),
            }
        }
        // A lone hidden row would be the total less the shown ones.
        assert!(hidden.len() != 1 || u["unmatched"].is_null(), "seed {seed}: {part} hides one row only: {rows:?}");
    }
}

#[tokio::test]
async fn adequacy_shows_the_last_batchs_unmatched_report_under_the_small_cell_rule_for_two_seeds() {
    for seed in [11, 43] {
        let app = TestApp::seeded_with(seed, 1500).await;
        let client = app.client();
        let (admin, _) = app.api_login(&client, Persona::StateAdmin).await;
        let (s, a) = app.get(&admin, "/api/v1/adequacy").await;
        assert_eq!(s, 200, "{a}");
        assert!(a["unmet"].is_null(), "seed {seed}: no batch has run: {}", a["unmet"]);

        let (s, run) = app.send(Method::POST, &admin, "/api/v1/matching/batch", &json!({ "dry_run": true })).await;
        assert_eq!(s, 200, "{run}");
        let (_, a) = app.get(&admin, "/api/v1/adequacy").await;
        let u = &a["unmet"];
        assert_eq!(u["applied"], false, "seed {seed}: {u}");
        check_against(u, &run, seed);
        assert!(numbers(u).iter().any(|(_, n)| n.is_some()), "seed {seed}: something is shown: {u}");

        // An applied run replaces it; the applied members now have a peer, so fewer wait.
        let (s, applied) = app.send(Method::POST, &admin, "/api/v1/matching/batch", &json!({ "dry_run": false })).await;
        assert_eq!(s, 200, "{applied}");
        let (_, a) = app.get(&admin, "/api/v1/adequacy").await;
        assert_eq!(a["unmet"]["applied"], true);
        check_against(&a["unmet"], &applied, seed);
    }
}

#[tokio::test]
async fn an_organizations_report_is_its_own_and_no_one_else_keeps_one() {
    let app = TestApp::seeded(600).await;
    let client = app.client();
    let (admin, _) = app.api_login(&client, Persona::StateAdmin).await;
    let (orgadmin, _) = app.api_login(&client, Persona::OrganizationAdmin).await;
    let (coordinator, _) = app.api_login(&client, Persona::CareCoordinator).await;
    let (peer, _) = app.api_login(&client, Persona::PeerWorker).await;

    // Those who may not run the batch are refused, the refusal is audited, and nothing is kept.
    for token in [&coordinator, &peer] {
        let before = app.count("audit_events").await;
        let (s, body) = app.send(Method::POST, token, "/api/v1/matching/batch", &json!({ "dry_run": true })).await;
        assert_eq!(s, 403, "{body}");
        assert!(app.count("audit_events").await > before, "the refusal is recorded");
    }
    assert_eq!(app.count("batch_reports").await, 0);

    // The organization's own batch is shown to it, not to the state.
    let (s, run) = app.send(Method::POST, &orgadmin, "/api/v1/matching/batch", &json!({ "dry_run": true })).await;
    assert_eq!(s, 200, "{run}");
    let (_, mine) = app.get(&orgadmin, "/api/v1/adequacy").await;
    assert_eq!(mine["unmet"]["applied"], false, "{mine}");
    check_against(&mine["unmet"], &run, 0);
    let (_, state) = app.get(&admin, "/api/v1/adequacy").await;
    assert!(state["unmet"].is_null(), "an organization's batch is not the state's waiting list");

    // The state's run is not shown to the organization.
    let (s, _) = app.send(Method::POST, &admin, "/api/v1/matching/batch", &json!({ "dry_run": true })).await;
    assert_eq!(s, 200);
    let (_, state) = app.get(&admin, "/api/v1/adequacy").await;
    assert!(!state["unmet"].is_null());
    let (_, again) = app.get(&orgadmin, "/api/v1/adequacy").await;
    assert_eq!(again["unmet"], mine["unmet"], "the organization still sees its own run");
    assert_eq!(app.count("batch_reports").await, 2);
}

/// The equity page says there is no report before any batch, then shows
/// the last one as two tables with their charts, in English and Spanish.
#[tokio::test]
async fn the_equity_page_shows_unmet_demand_by_language_and_reason() {
    let app = TestApp::seeded(1500).await;
    let client = app.client();
    app.page_login(&client, Persona::StateAdmin).await;
    let page = |c: reqwest::Client| {
        let url = app.url("/equity");
        async move { c.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let before = page(client.clone()).await;
    assert!(before.contains("Unmet demand") && before.contains("No batch assignment has been run for this scope yet"), "{before}");
    assert!(!before.contains("id=\"unmet-language\""));

    let (admin, _) = app.api_login(&client, Persona::StateAdmin).await;
    let (s, run) = app.send(Method::POST, &admin, "/api/v1/matching/batch", &json!({ "dry_run": true })).await;
    assert_eq!(s, 200, "{run}");
    let after = page(client.clone()).await;
    let day = accompany::seed::today().to_string();
    assert!(after.contains(&format!("From the batch assignment tried on {day} without applying it")), "{after}");
    for id in ["unmet-language", "unmet-reason"] {
        assert!(after.contains(&format!("<table id=\"{id}\">")), "{id}");
        assert!(after.contains(&format!("id=\"{id}-chart\"")), "{id}: a chart beside the table");
    }
    // A language the batch left someone without a peer in is named in words.
    let first = run["gap"]["by_language"].as_object().unwrap().keys().next().cloned().unwrap_or_default();
    assert!(first.is_empty() || !after.contains(&format!("<th scope=\"row\">{first}</th>")), "languages are named, not coded");

    let _ = client.get(app.url("/lang/es")).send().await.unwrap();
    let es = page(client).await;
    assert!(es.contains("Demanda no atendida") && es.contains("De la asignación por lotes probada el"), "{es}");
}
