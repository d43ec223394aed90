//! The what-if page: a program admin describes hires with the keyboard and
//! reads, from the batch re-run on today's waiting list, the change in
//! members matched, concordance and unmet demand, in English and Spanish,
//! axe-clean; a bad count is named in the error summary. Without a browser:
//! anyone else's form is refused and audited, a form without its token is
//! refused, and an organization admin is offered only their own organization.

use std::time::Duration;

use accompany_domain::records::Persona;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use sqlx::{Connection, Row};

use crate::browser::{assert_accessible, browser, driver, sign_in};
use crate::equity_pages::{charts, wait_for_text};
use crate::support::{hidden_value, TestApp};

const ENTER: &str = "\u{E007}";
const ARROW_DOWN: &str = "\u{E015}";
const DENIED: &str = "audit_events WHERE entity = 'what-if' AND decision = 'deny'";

/// A seeded app in which every peer has left, and so every member who had
/// one is without: the waiting list needs the hires.
async fn nobody_employed(members: u64) -> TestApp {
    let app = TestApp::seeded(members).await;
    app.exec("UPDATE workers SET employment_end = '2001-01-01'").await;
    // Their members' time with them ends too (when it began, so that no report reads an end before a start).
    app.exec("UPDATE team_members SET until = since WHERE team_role = 'peer' AND until IS NULL").await;
    app
}

/// An organization that employs peers and is not a health plan.
async fn provider(app: &TestApp) -> String {
    let mut conn = <sqlx::AnyConnection as Connection>::connect(&app.db.url).await.unwrap();
    let id: String =
        sqlx::query("SELECT id FROM organizations WHERE kind <> 'health-plan' AND id IN (SELECT employer_id FROM workers) ORDER BY id LIMIT 1")
            .fetch_one(&mut conn)
            .await
            .unwrap()
            .get(0);
    let _ = conn.close().await;
    id
}

async fn value_of(c: &Client, id: &str) -> String {
    let v: Value = c.execute("return document.getElementById(arguments[0]).value;", vec![json!(id)]).await.unwrap();
    v.as_str().unwrap_or_default().to_string()
}

/// Choose `value` in a list with the arrow keys, as a keyboard user does.
async fn choose_with_keys(c: &Client, id: &str, value: &str) {
    let list = c.find(Locator::Id(id)).await.unwrap();
    for _ in 0..600 {
        if value_of(c, id).await == value {
            return;
        }
        list.send_keys(ARROW_DOWN).await.unwrap();
    }
    panic!("{value} is not offered in #{id}");
}

/// Tick a box with the space bar.
async fn tick(c: &Client, id: &str) {
    let b = c.find(Locator::Id(id)).await.unwrap();
    if b.prop("checked").await.unwrap().as_deref() != Some("true") {
        b.send_keys(" ").await.unwrap();
    }
    assert_eq!(b.prop("checked").await.unwrap().as_deref(), Some("true"), "#{id} is ticked");
}

/// Clear a field and type `text` into it.
async fn type_into(c: &Client, id: &str, text: &str) {
    let f = c.find(Locator::Id(id)).await.unwrap();
    f.clear().await.unwrap();
    f.send_keys(text).await.unwrap();
}

/// The form's hires: twenty certified peer specialists speaking English and
/// Spanish, for `organization`, twenty members each; sent with Enter.
async fn fill_and_send(c: &Client, organization: &str) {
    choose_with_keys(c, "role", "certified-peer-specialist").await;
    type_into(c, "count", "20").await;
    tick(c, "languages-en").await;
    tick(c, "languages-es").await;
    choose_with_keys(c, "organization", organization).await;
    type_into(c, "caseload", "20").await;
    c.find(Locator::Id("caseload")).await.unwrap().send_keys(ENTER).await.unwrap();
}

/// The state admin opens Equity from the navigation, follows the what-if
/// link, fills the form with the keyboard and reads the results: more
/// members matched, tables with their charts, withheld values in words and
/// never drawn. A count of 0 is named in the summary. Spanish too; axe
/// passes on every page.
#[tokio::test]
async fn what_if_page_the_state_admin_plans_hires_with_the_keyboard_and_reads_the_change_accessibly() {
    let Some(d) = driver() else {
        eprintln!("\n*** WHAT-IF BROWSER TEST SKIPPED: no Chromium or chromedriver (see the notice above) ***\n");
        return;
    };
    let app = nobody_employed(300).await;
    let organization = provider(&app).await;
    let c = browser(&d, "en").await;
    sign_in(&c, &app, Persona::StateAdmin).await;
    c.find(Locator::Css("header nav a[href='/equity']")).await.expect("Equity in the navigation").click().await.unwrap();
    let link = c.wait().at_most(Duration::from_secs(30)).for_element(Locator::Css("main a[href='/equity/what-if']")).await.expect("the what-if link");
    assert_eq!(link.text().await.unwrap(), "Plan hires: what if…");
    link.click().await.unwrap();
    wait_for_text(&c, "The peers you might hire").await;
    assert_accessible(&c, "the what-if form").await;

    fill_and_send(&c, &organization).await;
    let page = wait_for_text(&c, "What would change").await;
    assert!(page.contains("Nothing was written") && page.contains("the batch a program admin would run"), "{page}");
    assert!(page.contains("The hires add 20 peers and 400 places"), "{page}");
    let matched: Value =
        c.execute("return Array.from(document.querySelectorAll('#what-if-matched tbody tr')).map(r => r.innerText);", vec![]).await.unwrap();
    let matched_row = matched.as_array().unwrap().iter().filter_map(Value::as_str).find(|r| r.starts_with("Members matched")).expect("a matched row");
    let change: i64 = matched_row
        .rsplit(['\t', ' '])
        .next()
        .unwrap()
        .trim_start_matches('+')
        .parse()
        .unwrap_or_else(|e| panic!("the change is a number: {e}: {matched_row:?}"));
    assert!(change > 0 && matched_row.contains(&format!("+{change}")), "more members are matched, said as a positive number: {matched_row}");
    for id in ["what-if-concordance", "what-if-unmet-language", "what-if-unmet-reason"] {
        let caption = c.find(Locator::Css(&format!("#{id} caption"))).await.unwrap_or_else(|_| panic!("#{id}")).text().await.unwrap();
        assert!(!caption.is_empty());
    }
    assert!(page.contains("Members left unmatched, by language") && page.contains("Spanish"), "{page}");
    let all = charts(&c).await;
    assert!(all.len() >= 4, "a chart beside every table: {all:?}");
    for ch in &all {
        assert_eq!(ch["table"], true, "{ch}");
        let words: Vec<&str> = ch["words"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        assert!(words.iter().all(|w| !w.contains("withheld")), "a withheld value is never drawn: {ch}");
    }
    // The form keeps what was sent.
    assert_eq!(value_of(&c, "role").await, "certified-peer-specialist");
    assert_eq!(value_of(&c, "count").await, "20");
    assert_eq!(value_of(&c, "organization").await, organization);
    assert_accessible(&c, "the what-if results").await;

    // A count of 0 is named in the summary, which links to the field.
    type_into(&c, "count", "0").await;
    c.find(Locator::Id("count")).await.unwrap().send_keys(ENTER).await.unwrap();
    let page = wait_for_text(&c, "Some answers need fixing").await;
    assert!(page.contains("How many peers: Give a number of peers from 1 to 200."), "{page}");
    assert!(!page.contains("What would change"), "no results with a bad count");
    assert!(c.find(Locator::Css("#errors a[href='#count']")).await.is_ok(), "the summary links to the field");
    assert_eq!(c.find(Locator::Id("count")).await.unwrap().attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    let beside = c.find(Locator::Id("count-error")).await.unwrap().text().await.unwrap();
    assert_eq!(beside, "Give a number of peers from 1 to 200.");
    assert_accessible(&c, "the what-if form with an error").await;
    c.close().await.unwrap();

    // The same in Spanish.
    let es = browser(&d, "es").await;
    sign_in(&es, &app, Persona::StateAdmin).await;
    es.goto(&app.url("/equity/what-if")).await.unwrap();
    wait_for_text(&es, "Los pares que podría contratar").await;
    assert_accessible(&es, "the what-if form in Spanish").await;
    fill_and_send(&es, &organization).await;
    let page = wait_for_text(&es, "Qué cambiaría").await;
    assert!(
        page.contains("No se escribió nada") && page.contains("Miembros emparejados") && page.contains("Miembros sin emparejar, por idioma"),
        "{page}"
    );
    assert_accessible(&es, "the what-if results in Spanish").await;
    es.close().await.unwrap();
}

fn form<'a>(csrf: &'a str, organization: &'a str, count: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("role", "certified-peer-specialist"),
        ("count", count),
        ("languages", "en"),
        ("languages", "es"),
        ("gender", "woman"),
        ("organization", organization),
        ("caseload", "20"),
    ]
}

async fn csrf_of(client: &reqwest::Client, url: &str) -> String {
    let html = client.get(url).send().await.unwrap().text().await.unwrap();
    hidden_value(&html, "csrf").expect("a form with the session's token")
}

/// The `value`s of the options of the list `id` in `html`.
fn options(html: &str, id: &str) -> Vec<String> {
    let start = html.find(&format!("<select id=\"{id}\"")).unwrap_or_else(|| panic!("a list #{id}"));
    let list = &html[start..start + html[start..].find("</select>").unwrap()];
    list.match_indices("<option value=\"").map(|(at, m)| list[at + m.len()..].split('"').next().unwrap().to_string()).collect()
}

/// Only program admins plan hires: a peer's form is refused and the
/// refusal audited, a form without the session's token is refused, and an
/// organization admin is offered their own organization only.
#[tokio::test]
async fn what_if_page_refuses_others_and_forms_without_the_token_and_offers_an_organization_admin_their_own() {
    let app = nobody_employed(60).await;
    let organization = provider(&app).await;
    let page = app.url("/equity/what-if");

    // A peer worker: no link, no form, and a sent form refused and audited.
    let peer = app.client();
    app.page_login(&peer, Persona::PeerWorker).await;
    assert_eq!(peer.get(&page).send().await.unwrap().status(), 403);
    let csrf = csrf_of(&peer, &app.url("/home")).await;
    let before = app.count(DENIED).await;
    let r = peer.post(&page).form(&form(&csrf, &organization, "20")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("<main"), "the refusal is a page");
    assert_eq!(app.count(DENIED).await, before + 1, "the refusal is audited");

    // The state admin: the link on the equity page; a form without its token is refused before anything is asked.
    let admin = app.client();
    app.page_login(&admin, Persona::StateAdmin).await;
    let r = admin.get(app.url("/equity")).send().await.unwrap();
    let status = r.status();
    let equity = r.text().await.unwrap();
    assert_eq!(status, 200, "{equity}");
    assert!(equity.contains("href=\"/equity/what-if\""), "program admins are offered the what-if page");
    let html = admin.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(options(&html, "organization").contains(&organization), "an organization that employs peers is offered");
    let before = app.count("audit_events WHERE entity = 'what-if'").await;
    let no_token: Vec<(&str, &str)> = form("", &organization, "20").into_iter().filter(|(k, _)| *k != "csrf").collect();
    let r = admin.post(&page).form(&no_token).send().await.unwrap();
    assert_eq!(r.status(), 403, "a form without the session's token");
    let r = admin.post(&page).form(&form("not-the-token", &organization, "20")).send().await.unwrap();
    assert_eq!(r.status(), 403, "a form with another token");
    assert_eq!(app.count("audit_events WHERE entity = 'what-if'").await, before, "nothing was asked of the store");
    let csrf = hidden_value(&html, "csrf").unwrap();
    let r = admin.post(&page).form(&form(&csrf, &organization, "0")).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("href=\"#count\"") && html.contains("id=\"count-error\">Give a number of peers from 1 to 200."), "{html}");
    let r = admin.post(&page).form(&form(&csrf, &organization, "20")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"what-if-matched\"") && html.contains("value=\"20\""), "the results, and the form as it was sent");

    // An organization admin is offered their own organization, and only it.
    let (token, _) = app.api_login(&app.client(), Persona::OrganizationAdmin).await;
    let (_, me) = app.get(&token, "/api/v1/me").await;
    let own = me["user"]["organization_id"].as_str().expect("an organization admin's organization").to_string();
    let orgadmin = app.client();
    app.page_login(&orgadmin, Persona::OrganizationAdmin).await;
    let r = orgadmin.get(&page).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert_eq!(options(&html, "organization"), vec![own.clone()], "their own organization only");
    // Another organization's hires, sent anyway, are refused and audited.
    if own != organization {
        let csrf = hidden_value(&html, "csrf").unwrap();
        let before = app.count(DENIED).await;
        let r = orgadmin.post(&page).form(&form(&csrf, &organization, "20")).send().await.unwrap();
        assert_eq!(r.status(), 403);
        assert_eq!(app.count(DENIED).await, before + 1);
    }
}
