//! Monthly trends on the equity page and in `GET /api/v1/equity`: each
//! month's figures are what the referral and team tables give, for two
//! seeds; the page's table shows the same numbers, none from 1 to 10 and
//! no lone withheld one beside a shown total; a change to the records
//! reaches the trend after the recompute; the section reads in English and
//! Spanish, and in a real browser it is axe-clean.

use std::collections::HashMap;

use accompany_domain::equity::quantile;
use accompany_domain::records::Persona;
use accompany_domain::trends::{trend_months, Month};
use serde_json::Value;
use time::{Date, Duration};

use crate::claims::run;
use crate::equity::{day, raw};
use crate::support::{catalog, TestApp};

const WITHHELD: &str = "withheld";

/// Each member's first request for a peer and first peer, from the tables the rollup is built from.
async fn first_days(app: &TestApp) -> (HashMap<String, Date>, HashMap<String, Date>) {
    let r = raw(app).await;
    (r.requested, r.first_peer)
}

/// What one month (or all of them) should say, counted from the tables.
struct Expected {
    requests: u64,
    first_peers: u64,
    /// Per window: (filled within it, judged).
    within: Vec<(u64, u64)>,
    days: Vec<(i64, u64)>,
}

fn expected(months: &[Month], requested: &HashMap<String, Date>, first_peer: &HashMap<String, Date>, windows: &[u32], as_of: Date) -> Expected {
    let asked: Vec<(&String, &Date)> = requested.iter().filter(|(_, d)| months.contains(&Month::of(**d))).collect();
    let waited = |m: &String, asked: &Date| first_peer.get(m).map(|f| (*f - *asked).whole_days().max(0));
    Expected {
        requests: asked.len() as u64,
        first_peers: first_peer.values().filter(|d| months.contains(&Month::of(**d))).count() as u64,
        within: windows
            .iter()
            .map(|w| {
                let judged: Vec<&(&String, &Date)> = asked.iter().filter(|(_, d)| **d <= as_of - Duration::days(i64::from(*w))).collect();
                let filled = judged.iter().filter(|(m, d)| waited(m, d).is_some_and(|days| days <= i64::from(*w))).count();
                (filled as u64, judged.len() as u64)
            })
            .collect(),
        days: asked.iter().filter_map(|(m, d)| waited(m, d).map(|days| (days, 1))).collect(),
    }
}

/// A shown value equals the expected one; a withheld one is `null`.
fn check(shown: &Value, expected: u64, what: &str, compared: &mut usize) {
    match shown.as_u64() {
        Some(n) => {
            assert_eq!(n, expected, "{what}");
            *compared += 1;
        }
        None => assert!(shown.is_null(), "{what}: {shown}"),
    }
}

fn compare(row: &Value, e: &Expected, what: &str, compared: &mut usize) {
    check(&row["requests"], e.requests, &format!("{what}: requests"), compared);
    check(&row["first_peers"], e.first_peers, &format!("{what}: first peers"), compared);
    for (i, (filled, judged)) in e.within.iter().enumerate() {
        let r = &row["within"][i];
        check(&r["numerator"], *filled, &format!("{what}: filled within window {i}"), compared);
        check(&r["denominator"], *judged, &format!("{what}: judged against window {i}"), compared);
        if let Some(p) = r["percent"].as_f64() {
            assert_eq!(p, (*filled as f64 * 1000.0 / *judged as f64).round() / 10.0, "{what}: window {i}");
            assert!(!(1..=10).contains(filled) && *judged >= 11 && !(1..=10).contains(&(judged - filled)), "{what}: a rate over small counts");
        }
    }
    match row["median_days"].as_i64() {
        Some(m) => {
            assert!(e.days.len() >= 11, "{what}: a median over {} people", e.days.len());
            assert_eq!(Some(m), quantile(&e.days, 0.5), "{what}: median");
            *compared += 1;
        }
        None => assert!(row["median_days"].is_null()),
    }
}

/// The cells of a table of the page, row by row: the row's header, then its cells.
fn table_rows(html: &str, id: &str) -> Vec<(String, Vec<String>)> {
    let start = html.find(&format!("<table id=\"{id}\">")).unwrap_or_else(|| panic!("table {id} on the page"));
    let body = &html[start..];
    let body = &body[body.find("<tbody>").unwrap()..body.find("</tbody>").unwrap()];
    let between = |s: &str, open: &str, close: &str| -> Vec<String> {
        s.split(open).skip(1).map(|part| part.split(close).next().unwrap_or("").trim().to_string()).collect()
    };
    between(body, "<tr>", "</tr>")
        .into_iter()
        .map(|tr| (between(&tr, "<th scope=\"row\">", "</th>").concat(), between(&tr, "<td>", "</td>")))
        .collect()
}

/// A count as the page says it.
fn count_words(v: &Value) -> String {
    v.as_u64().map_or(WITHHELD.to_string(), |n| n.to_string())
}

#[tokio::test]
async fn trends_give_what_the_tables_give_for_two_seeds_and_the_page_says_the_same() {
    let catalog = accompany_domain::Catalog::massachusetts().unwrap();
    let windows = &catalog.reporting.prompt_days;
    for seed in [7, 29] {
        let app = TestApp::seeded_with(seed, 2000).await;
        let (ok, out) = run(&app, &["measures", "rebuild", "--quiet"]);
        assert!(ok, "{out}");
        let (admin, _) = app.api_login(&app.client(), Persona::StateAdmin).await;
        let (s, equity) = app.get(&admin, "/api/v1/equity").await;
        assert_eq!(s, 200, "{equity}");
        let trends = &equity["trends"];
        let as_of = day(trends["as_of"].as_str().unwrap());
        let months = trend_months(as_of);
        let shown = trends["months"].as_array().unwrap();
        assert_eq!(shown.len(), 13);
        assert_eq!(
            shown.iter().map(|m| m["month"].as_str().unwrap().to_string()).collect::<Vec<_>>(),
            months.iter().map(|m| m.key()).collect::<Vec<_>>()
        );
        assert_eq!(trends["prompt_days"], serde_json::json!(windows));

        let (requested, first_peer) = first_days(&app).await;
        let mut compared = 0;
        for (m, row) in months.iter().zip(shown) {
            compare(row, &expected(&[*m], &requested, &first_peer, windows, as_of), &format!("seed {seed}, {}", m.key()), &mut compared);
        }
        compare(
            &trends["all_months"],
            &expected(&months, &requested, &first_peer, windows, as_of),
            &format!("seed {seed}, all months"),
            &mut compared,
        );
        assert!(compared >= 15, "seed {seed}: too few values were shown to compare ({compared}): {trends}");
        let drawn_months = shown.iter().filter(|m| m["requests"].as_u64().is_some_and(|n| n > 0)).count();
        assert!(drawn_months >= 3, "seed {seed}: months with requests are shown: {trends}");

        // The page's table says the same, month by month, in words.
        let client = app.client();
        app.page_login(&client, Persona::StateAdmin).await;
        let html = client.get(app.url("/equity")).send().await.unwrap().text().await.unwrap();
        let rows = table_rows(&html, "trends");
        assert_eq!(rows.len(), 14, "13 months and all of them");
        for (i, (label, cells)) in rows.iter().enumerate() {
            let row = shown.get(i).unwrap_or(&trends["all_months"]);
            assert_eq!(cells.len(), 3 + windows.len(), "{label}: {cells:?}");
            assert_eq!(cells[0], count_words(&row["requests"]), "{label}");
            assert_eq!(cells[1], count_words(&row["first_peers"]), "{label}");
            for (j, w) in row["within"].as_array().unwrap().iter().enumerate() {
                let words = w["percent"].as_f64().map_or(WITHHELD.to_string(), |p| format!("{p:.1}%"));
                assert_eq!(cells[2 + j], words, "{label}");
            }
            assert_eq!(cells[2 + windows.len()], row["median_days"].as_i64().map_or(WITHHELD.to_string(), |d| d.to_string()), "{label}");
        }
        let newest = months[12];
        let name = format!(
            "{} {}",
            ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
                [usize::from(newest.month) - 1],
            newest.year
        );
        assert_eq!(rows[12].0, name, "months are named in words");
        assert_eq!(rows[13].0, "All 13 months");
        assert!(html.contains("id=\"trends-chart") && html.contains("id=\"trends-counts-chart"), "a chart of shares and one of counts");
    }
}

/// Every withheld count of the page's table, and of the API, is one of two
/// or more in its column; none shown is 1 to 10; and a period that starts
/// with the first month makes the adequacy report's and Appendix A's
/// totals the months' totals, which give no withheld month away.
#[tokio::test]
async fn no_count_from_1_to_10_and_no_lone_withheld_month_beside_a_shown_total() {
    let app = TestApp::seeded(600).await;
    let (ok, out) = run(&app, &["measures", "rebuild", "--quiet"]);
    assert!(ok, "{out}");
    let (admin, _) = app.api_login(&app.client(), Persona::StateAdmin).await;
    let client = app.client();
    app.page_login(&client, Persona::StateAdmin).await;
    let (_, all_time) = app.get(&admin, "/api/v1/equity").await;
    let first = all_time["trends"]["months"][0]["month"].as_str().unwrap().to_string();
    let from = format!("{first}-01");
    let mut withheld_seen = 0;
    for query in [String::new(), format!("?from={from}")] {
        let html = client.get(app.url(&format!("/equity{query}"))).send().await.unwrap().text().await.unwrap();
        let rows = table_rows(&html, "trends");
        assert_eq!(rows.len(), 14);
        for column in 0..2 {
            let cells: Vec<&str> = rows.iter().map(|(_, c)| c[column].as_str()).collect();
            for c in &cells {
                if let Ok(n) = c.parse::<u64>() {
                    assert!(!(1..=10).contains(&n), "column {column} shows {n}: {cells:?}");
                } else {
                    assert_eq!(*c, WITHHELD, "a count or the page's word: {cells:?}");
                }
            }
            let hidden = cells.iter().filter(|c| **c == WITHHELD).count();
            assert_ne!(hidden, 1, "a lone withheld cell is the total minus the others: column {column}: {cells:?}");
            withheld_seen += hidden;
        }

        let (_, equity) = app.get(&admin, &format!("/api/v1/equity{query}")).await;
        let (_, adequacy) = app.get(&admin, &format!("/api/v1/adequacy{query}")).await;
        let (_, appendix) = app.get(&admin, &format!("/api/v1/cohorts/state/all/appendix-a{query}")).await;
        let months = equity["trends"]["months"].as_array().unwrap();
        // A month every request of which is judged against a window: the
        // window's denominator is the month's requests, so it is withheld with them.
        for (m, row) in trend_months(day(equity["trends"]["as_of"].as_str().unwrap())).iter().zip(months) {
            let as_of = day(equity["trends"]["as_of"].as_str().unwrap());
            let last_day = (1..=31u8).rev().find_map(|d| Date::from_calendar_date(m.year, time::Month::try_from(m.month).unwrap(), d).ok()).unwrap();
            for (w, r) in catalog().reporting.prompt_days.iter().zip(row["within"].as_array().unwrap()) {
                if row["requests"].is_null() && last_day <= as_of - Duration::days(i64::from(*w)) {
                    assert!(r["denominator"].is_null(), "{}: the requests are withheld, so is their window's denominator: {row}", m.key());
                }
            }
        }
        for (column, total) in [("requests", &adequacy["requests"]["started"]), ("first_peers", &appendix["members"])] {
            let values: Vec<Option<u64>> = months.iter().map(|m| m[column].as_u64()).collect();
            let hidden = values.iter().filter(|v| v.is_none()).count();
            if query.is_empty() {
                continue;
            }
            // From the first month on, the period's total is the months' total.
            if let (Some(total), Some(together)) = (total.as_u64(), equity["trends"]["all_months"][column].as_u64()) {
                assert_eq!(total, together, "{column}: the same total in both reports");
            }
            if total.as_u64().is_some() {
                assert_ne!(hidden, 1, "{column}: {total} minus the shown months would give the withheld one away: {values:?}");
            }
        }
    }
    assert!(withheld_seen > 0, "600 members over 13 months leave some months small: nothing was withheld");
}

/// A change that marks members stale reaches the trend: the report made
/// before is kept only while nothing it counts changes.
#[tokio::test]
async fn a_recompute_reaches_the_trend_and_a_repeat_is_served_from_the_cache() {
    let app = TestApp::seeded(1000).await;
    let (ok, out) = run(&app, &["measures", "rebuild", "--quiet"]);
    assert!(ok, "{out}");
    let (admin, _) = app.api_login(&app.client(), Persona::StateAdmin).await;
    let (_, before) = app.get(&admin, "/api/v1/equity").await;
    let requests = |v: &Value| v["trends"]["months"].as_array().unwrap().iter().filter_map(|m| m["requests"].as_u64()).sum::<u64>();
    assert!(requests(&before) > 0, "some month shows requests: {}", before["trends"]);
    let audited = "audit_events WHERE entity = 'trends' AND decision = 'permit'";
    let reads = app.count(audited).await;
    let (_, again) = app.get(&admin, "/api/v1/equity").await;
    assert_eq!(again["trends"], before["trends"]);
    assert_eq!(app.count(audited).await, reads + 1, "a repeat is still a read, and audited");

    // Every request moves to 2001: the months hold none, which is shown as 0.
    app.exec("UPDATE referrals SET first_arrived_at = '2001-01-01T09:00:00Z'").await;
    assert!(app.count("measure_stale").await > 0, "the change marks members stale");
    let (_, after) = app.get(&admin, "/api/v1/equity").await;
    assert_eq!(app.count("measure_stale").await, 0, "the report recomputed them");
    for m in after["trends"]["months"].as_array().unwrap() {
        assert_eq!(m["requests"], 0, "{m}");
        assert!(m["median_days"].is_null(), "{m}");
    }
    assert_eq!(
        after["trends"]["months"].as_array().unwrap().iter().map(|m| &m["first_peers"]).collect::<Vec<_>>(),
        before["trends"]["months"].as_array().unwrap().iter().map(|m| &m["first_peers"]).collect::<Vec<_>>(),
        "first peers did not move"
    );
}

/// The section in Spanish names the months in Spanish; an organization
/// admin's trend is their organization's; nobody else reads it.
#[tokio::test]
async fn the_section_reads_in_spanish_and_only_admins_read_it() {
    let app = TestApp::seeded(300).await;
    let (ok, out) = run(&app, &["measures", "rebuild", "--quiet"]);
    assert!(ok, "{out}");
    let client = app.client();
    app.page_login(&client, Persona::StateAdmin).await;
    let html = client.get(app.url("/equity")).header("accept-language", "es").send().await.unwrap().text().await.unwrap();
    let (admin, _) = app.api_login(&app.client(), Persona::StateAdmin).await;
    let (_, equity) = app.get(&admin, "/api/v1/equity").await;
    let newest = Month::parse(equity["trends"]["months"][12]["month"].as_str().unwrap()).unwrap();
    let months_es = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"];
    let rows = table_rows(&html, "trends");
    assert_eq!(rows[12].0, format!("{} de {}", months_es[usize::from(newest.month) - 1], newest.year), "{:?}", rows[12]);
    assert_eq!(rows[13].0, "Los 13 meses");
    assert!(html.contains("Mes a mes") && !html.contains(">withheld<"), "the section is in Spanish");

    let (orgadmin, _) = app.api_login(&app.client(), Persona::OrganizationAdmin).await;
    let (s, own) = app.get(&orgadmin, "/api/v1/equity").await;
    assert_eq!(s, 200, "{own}");
    assert_eq!(own["trends"]["organization"], own["organization"], "the same organization's members");
    assert!(own["trends"]["organization"].is_string());
    let (peer, _) = app.api_login(&app.client(), Persona::PeerWorker).await;
    assert_eq!(app.get(&peer, "/api/v1/equity").await.0, 403);
}

/// The state admin reads the section in a real browser: the table, its
/// chart of shares beside it and the chart of counts, each named, nothing
/// withheld drawn, no style attribute; the page passes axe.
#[tokio::test]
async fn trends_page_in_a_browser_is_accessible() {
    use crate::browser::{assert_accessible, browser, driver, sign_in};
    use fantoccini::Locator;
    let Some(d) = driver() else {
        eprintln!("\n*** TRENDS BROWSER TEST SKIPPED: no Chromium or chromedriver (see the notice above) ***\n");
        return;
    };
    let app = TestApp::seeded(300).await;
    let (ok, out) = run(&app, &["measures", "rebuild", "--quiet"]);
    assert!(ok, "{out}");
    let c = browser(&d, "en").await;
    sign_in(&c, &app, Persona::StateAdmin).await;
    c.goto(&app.url("/equity")).await.unwrap();
    crate::equity_pages::wait_for_text(&c, "Month by month").await;
    let rows = c.find_all(Locator::Css("#trends tbody tr")).await.unwrap().len();
    assert_eq!(rows, 14);
    let charts: Value = c
        .execute(
            "return ['trends-chart', 'trends-counts-chart'].map(id => {
                const e = document.getElementById(id);
                if (!e) { return null; }
                return { tag: e.tagName.toLowerCase(), style: e.querySelectorAll('[style]').length + (e.hasAttribute('style') ? 1 : 0),
                         words: Array.from(e.querySelectorAll('text')).map(t => t.textContent), text: e.textContent };
             });",
            vec![],
        )
        .await
        .unwrap();
    for ch in charts.as_array().unwrap() {
        assert!(ch.is_object(), "both charts are on the page: {charts}");
        assert_eq!(ch["style"], 0, "{ch}");
        let words: Vec<&str> = ch["words"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        assert!(words.iter().all(|w| !w.contains(WITHHELD)), "a withheld value is never drawn: {ch}");
    }
    assert_accessible(&c, "the equity page with its trends").await;
    c.close().await.unwrap();
}
