//! The equity page: in a real browser (every section a table with its
//! chart, a cohort's Appendix A, a bad day named, English and Spanish,
//! axe-clean), and Appendix A as CSV, which says exactly what the API's
//! table says and is refused, and audited, for another organization's cohort.

use std::time::{Duration, Instant};

use accompany_domain::records::Persona;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};

use crate::browser::{assert_accessible, browser, driver, sign_in};
use crate::claims::run;
use crate::support::TestApp;

/// Enough members that some counts are shown and some withheld.
const MEMBERS: u64 = 300;
const WITHHELD: &str = "withheld";

async fn seeded() -> TestApp {
    let app = TestApp::seeded(MEMBERS).await;
    let (ok, out) = run(&app, &["measures", "rebuild", "--quiet"]);
    assert!(ok, "{out}");
    app
}

/// Wait until the page's main content contains `text`.
pub(crate) async fn wait_for_text(c: &Client, text: &str) -> String {
    let started = Instant::now();
    loop {
        let body = match c.find(Locator::Css("main")).await {
            Ok(m) => m.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if body.contains(text) {
            return body;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "waited for {text:?}; the page says {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn set_value(c: &Client, id: &str, value: &str) {
    c.execute(
        "const e = document.getElementById(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('change'));",
        vec![json!(id), json!(value)],
    )
    .await
    .unwrap();
}

/// Every chart of the page: what names it, its bars' words, and whether its
/// table is beside it.
pub(crate) async fn charts(c: &Client) -> Vec<Value> {
    let v: Value = c
        .execute(
            "return Array.from(document.querySelectorAll('main .pair')).map(p => {
                const svg = p.querySelector('svg');
                const table = p.querySelector('table');
                if (!svg) { const e = p.querySelector('p.chart-empty'); return { table: !!table, empty: e ? e.textContent : null, bars: 0, words: [] }; }
                const ids = (svg.getAttribute('aria-labelledby') || '').split(' ');
                const named = ids.map(id => document.getElementById(id)).filter(e => e && svg.contains(e)).map(e => e.tagName.toLowerCase());
                const rects = svg.querySelectorAll('rect:not(.key)');
                return { table: !!table, role: svg.getAttribute('role'), named: named, style: svg.querySelectorAll('[style]').length,
                         desc: svg.querySelector('desc').textContent, bars: rects.length,
                         words: Array.from(svg.querySelectorAll('text')).map(t => t.textContent) };
             });",
            vec![],
        )
        .await
        .unwrap();
    v.as_array().cloned().unwrap_or_default()
}

/// The state admin opens Equity from the navigation, reads the four
/// sections (each table with its chart, withheld values in words and never
/// drawn), chooses a role's cohort for Appendix A with the keyboard, is
/// told which day is wrong, and reads the page in Spanish. Every page
/// passes axe.
#[tokio::test]
async fn equity_page_the_state_admin_reads_every_section_and_chooses_a_cohort_accessibly() {
    let Some(d) = driver() else {
        eprintln!("\n*** EQUITY BROWSER TEST SKIPPED: no Chromium or chromedriver (see the notice above) ***\n");
        return;
    };
    let app = seeded().await;
    let c = browser(&d, "en").await;
    sign_in(&c, &app, Persona::StateAdmin).await;
    c.find(Locator::Css("header nav a[href='/equity']")).await.expect("Equity in the navigation").click().await.unwrap();
    let page = wait_for_text(&c, "Appendix A").await;
    let headings: Value = c.execute("return Array.from(document.querySelectorAll('main h2')).map(h => h.textContent);", vec![]).await.unwrap();
    for h in ["Network adequacy", "Concordance", "Members with a peer and the workforce", "Appendix A"] {
        assert!(headings.as_array().unwrap().iter().any(|x| x == h), "{h} is a section: {headings}");
    }
    assert!(page.contains("Requests for a peer, by health plan") && page.contains("Members left without a peer, by region"), "{page}");
    assert!(page.contains("Wishes about the peer met, by language") && page.contains("members with a peer and peers, by race"), "{page}");
    let withheld: Value = c
        .execute(
            "return Array.from(document.querySelectorAll('main td')).filter(td => td.textContent.trim() === arguments[0]).length;",
            vec![Value::from(WITHHELD)],
        )
        .await
        .unwrap();
    assert!(withheld.as_u64().is_some_and(|n| n > 0), "withheld values are said in words in the tables");

    let all = charts(&c).await;
    assert!(all.len() >= 20, "a chart beside every table: {}", all.len());
    let mut drawn = 0;
    for ch in &all {
        assert_eq!(ch["table"], true, "each chart has its table beside it: {ch}");
        if ch.get("empty").is_some() {
            assert!(ch["empty"].as_str().is_some_and(|e| e.contains("No bar to draw")), "{ch}");
            continue;
        }
        drawn += ch["bars"].as_u64().unwrap();
        assert_eq!(ch["role"], "img", "{ch}");
        assert_eq!(ch["named"], json!(["title", "desc"]), "named by its own title and desc: {ch}");
        assert_eq!(ch["style"], 0, "no style attributes: {ch}");
        let words: Vec<&str> = ch["words"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        assert!(words.iter().all(|w| !w.contains("fewer than 11")), "a withheld value is never drawn: {ch}");
        assert!(words.iter().filter(|w| w.ends_with('%')).count() as u64 >= ch["bars"].as_u64().unwrap(), "every bar says its value: {ch}");
        assert!(ch["desc"].as_str().unwrap().contains("withheld"), "the description says how many are withheld: {ch}");
    }
    assert!(drawn > 0, "some bars are drawn on {MEMBERS} members");
    assert_accessible(&c, "the equity page").await;

    // A role's cohort, chosen and sent with the keyboard.
    set_value(&c, "cohort", "role:certified-peer-specialist").await;
    c.find(Locator::Id("from")).await.unwrap().send_keys("\u{E007}").await.unwrap();
    wait_for_text(&c, "Cohort: Certified Peer Specialist").await;
    let caption = c.find(Locator::Css("#appendix-race caption")).await.unwrap().text().await.unwrap();
    assert_eq!(caption, "Certified Peer Specialist, by race");
    let rows = c.find_all(Locator::Css("#appendix-how-connected tbody tr")).await.unwrap().len();
    assert!(rows > 0, "how members were connected is listed");
    let href = c.find(Locator::Css("a[href^='/equity/appendix-a.csv']")).await.unwrap().attr("href").await.unwrap().unwrap();
    assert!(href.contains("kind=role") && href.contains("id=certified-peer-specialist"), "{href}");
    assert!(c.current_url().await.unwrap().as_str().contains("cohort=role%3Acertified-peer-specialist"));
    assert_accessible(&c, "a role's Appendix A").await;

    // A period that ends before it starts is named beside its field and in the summary.
    set_value(&c, "from", "2030-06-01").await;
    set_value(&c, "to", "2020-01-01").await;
    c.find(Locator::Css("form[action='/equity'] button[type=submit]")).await.unwrap().click().await.unwrap();
    let page = wait_for_text(&c, "Some answers need fixing").await;
    assert!(page.contains("To: The period ends before it starts"), "the summary names the field: {page}");
    let beside = c.find(Locator::Id("to-error")).await.unwrap().text().await.unwrap();
    assert!(beside.starts_with("The period ends before it starts"), "{beside}");
    assert_eq!(c.find(Locator::Id("to")).await.unwrap().attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    let summary_link = c.find(Locator::Css("#errors a[href='#to']")).await;
    assert!(summary_link.is_ok(), "the summary links to the field");
    assert!(page.contains("Cohort: Certified Peer Specialist"), "the cohort is kept");
    assert_accessible(&c, "the equity page with an error").await;
    c.close().await.unwrap();

    // The same page in Spanish.
    let es = browser(&d, "es").await;
    sign_in(&es, &app, Persona::StateAdmin).await;
    es.goto(&app.url("/equity")).await.unwrap();
    let page = wait_for_text(&es, "Suficiencia de la red").await;
    assert!(page.contains("Apéndice A") && page.contains("Concordancia") && page.contains("Descargar CSV"), "{page}");
    assert!(page.contains("\"oculto\""), "{page}");
    assert_accessible(&es, "the equity page in Spanish").await;
    es.close().await.unwrap();
}

/// CSV fields of one line, with quoted fields as the csv crate writes them.
fn fields(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted, mut chars) = (Vec::new(), String::new(), false, line.chars().peekable());
    while let Some(ch) = chars.next() {
        match (ch, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (ch, _) => cur.push(ch),
        }
    }
    out.push(cur);
    out
}

/// The CSV of a cohort says, row by row, what the API's Appendix-A table
/// says, a withheld value as the page's words, and no count from 1 to 10;
/// an organization admin asking for another organization's plan is
/// refused and the refusal audited.
#[tokio::test]
async fn appendix_a_csv_matches_the_api_and_refuses_another_organizations_cohort() {
    let app = seeded().await;
    let (token, _) = app.api_login(&app.client(), Persona::StateAdmin).await;
    let client = app.client();
    app.page_login(&client, Persona::StateAdmin).await;
    let (_, state) = app.get(&token, "/api/v1/cohorts/state/all/appendix-a").await;
    let plans: Vec<String> = state["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["characteristic"] == "plan")
        .map(|t| t["rows"].as_array().unwrap().iter().filter_map(|r| r["key"].as_str().map(str::to_string)).filter(|k| k != "none").collect())
        .unwrap();
    assert!(!plans.is_empty(), "{state}");
    let cohorts = [
        ("state", "all".to_string()),
        ("role", "certified-peer-specialist".to_string()),
        ("region", "Boston".to_string()),
        ("plan", plans[0].clone()),
    ];
    for (kind, id) in &cohorts {
        let (status, api) = app.get(&token, &format!("/api/v1/cohorts/{kind}/{id}/appendix-a")).await;
        assert_eq!(status, 200, "{api}");
        let query = query_of(&[("kind", kind), ("id", id.as_str())]);
        let r = client.get(app.url(&format!("/equity/appendix-a.csv?{query}"))).send().await.unwrap();
        assert_eq!(r.status(), 200, "{kind}/{id}");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let disposition = r.headers()["content-disposition"].to_str().unwrap().to_string();
        assert!(disposition.starts_with("attachment; filename=\"appendix-a-") && disposition.ends_with(".csv\""), "{disposition}");
        let text = r.text().await.unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("characteristic,category,number,percent"));
        let csv: Vec<Vec<String>> = lines.map(fields).collect();
        let expected: Vec<&Value> = api["tables"].as_array().unwrap().iter().flat_map(|t| t["rows"].as_array().unwrap()).collect();
        assert_eq!(csv.len(), expected.len(), "a CSV row per table row of {kind}/{id}");
        for (row, want) in csv.iter().zip(&expected) {
            assert_eq!(row.len(), 4, "{row:?}");
            let number = want["count"].as_u64().map_or(WITHHELD.to_string(), |n| n.to_string());
            let percent = want["percent"].as_f64().map_or(WITHHELD.to_string(), |p| format!("{p:.1}"));
            assert_eq!((&row[2], &row[3]), (&number, &percent), "{kind}/{id}: {row:?} against {want}");
            if want["label"] != want["key"] {
                assert_eq!(row[1], want["label"].as_str().unwrap(), "the category as the catalog names it");
            }
            if let Ok(n) = row[2].parse::<u64>() {
                assert!(!(1..=10).contains(&n), "no count from 1 to 10: {row:?}");
            }
        }
        assert!(csv.iter().any(|r| r[2] == WITHHELD) || expected.iter().all(|w| !w["count"].is_null()), "a withheld count is the page's words");
    }

    // A link may name the cohort by kind and id; a cohort that is not one is named beside the list.
    let r = client.get(app.url("/equity?kind=region&id=Boston")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Cohort: Boston"));
    let r = client.get(app.url("/equity?cohort=role%3Ano-such-role")).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"cohort-error\">There is no such cohort") && html.contains("href=\"#cohort\""), "the list is named");
    assert!(html.contains("Cohort: All members who have had a peer"), "everyone's table is shown meanwhile");

    // An organization admin's own report names their organization; another's plan is refused and audited.
    let (own_token, _) = app.api_login(&app.client(), Persona::OrganizationAdmin).await;
    let (_, own) = app.get(&own_token, "/api/v1/adequacy").await;
    let own_id = own["organization"].as_str().expect("an organization admin's report is their organization's").to_string();
    let other = plans.iter().find(|p| **p != own_id).expect("another organization's plan");
    let admin = app.client();
    app.page_login(&admin, Persona::OrganizationAdmin).await;
    let deny = "audit_events WHERE entity = 'appendix-a' AND decision = 'deny'";
    let before = app.count(deny).await;
    let r = admin.get(app.url(&format!("/equity/appendix-a.csv?kind=plan&id={other}"))).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(!r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"), "the refusal page, not a file");
    assert_eq!(app.count(deny).await, before + 1, "the refusal is audited");
    // Their own organization's state-wide cohort is theirs to read.
    let r = admin.get(app.url("/equity/appendix-a.csv?kind=state&id=all")).send().await.unwrap();
    assert_eq!(r.status(), 200);

    // The page refuses a peer, and the refusal is audited; a bad day on the CSV is named.
    let peer = app.client();
    app.page_login(&peer, Persona::PeerWorker).await;
    let before = app.count("audit_events WHERE entity = 'adequacy' AND decision = 'deny'").await;
    let r = peer.get(app.url("/equity")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(app.count("audit_events WHERE entity = 'adequacy' AND decision = 'deny'").await, before + 1);
    let r = client.get(app.url("/equity/appendix-a.csv?kind=state&id=all&from=yesterday")).send().await.unwrap();
    assert_eq!(r.status(), 422);
}

/// `k=v&…` with each value escaped.
fn query_of(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let escaped: String = v
                .bytes()
                .map(|b| if b.is_ascii_alphanumeric() || b"-_.".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
                .collect();
            format!("{k}={escaped}")
        })
        .collect::<Vec<_>>()
        .join("&")
}
