//! A peer's month and a supervisor's supervisees at a glance: figures
//! against the rows they come from, flags, and the drill-down in a browser.

use std::collections::HashMap;

use accompany_domain::records::Persona;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use sqlx::{Connection, Row};
use time::Duration;

use crate::browser::{assert_accessible, browser, driver};
use crate::contacts::{contact, days_ago, world, World, PASSWORD};
use crate::equity_pages::{charts, wait_for_text};
use crate::support::TestApp;

const ENTER: &str = "\u{E007}";

async fn supervisees(app: &TestApp, token: &str) -> Vec<Value> {
    let (s, list) = app.get(token, "/api/v1/workforce/supervisees").await;
    assert_eq!(s, 200, "{list}");
    list["supervisees"].as_array().expect("a list").clone()
}

async fn log_days(w: &World, days: &[i64]) {
    for d in days {
        let (s, c) = w.log(&w.peer, &contact(*d, 20)).await;
        assert_eq!(s, 201, "{c}");
    }
}

/// The coach's row, as their supervisor reads it.
async fn coach(w: &World) -> Value {
    let list = supervisees(&w.app, &w.supervisor).await;
    list.into_iter().find(|r| r["worker_id"] == w.peer_worker_id.as_str()).expect("the coach is a supervisee")
}

/// The supervisor's glance counts the coach's caseload and recent contacts
/// against the Recovery Coach's goal (5 contacts a member over 30 days),
/// withholding counts from 1 to 10 (the supervisor is not on the care
/// team), flags a coach quiet for 14 days, and records the read; a peer who
/// supervises no one reads nothing and nothing is recorded for them.
#[tokio::test]
async fn supervisor_glance_counts_caseload_and_contacts_against_the_goal_and_flags_quiet_supervisees() {
    let w = world().await;
    log_days(&w, &[2, 5, 40]).await;
    let a = coach(&w).await["activity"].clone();
    assert_eq!(
        a,
        json!({ "members": null, "contacts": null, "last_contact": days_ago(2), "quiet_days": 2, "no_activity": false,
                "has_goal": true, "goal_contacts": null, "below_goal": true }),
        "one member, two contacts and a goal of 5 are all withheld; day 40 is not the last contact"
    );
    assert!(w.audit_rows("entity = 'caseload-activity' AND decision = 'permit'").await >= 1, "the glance is recorded");

    // Nothing for 20 days: quiet past the catalog's 14 days.
    w.app.exec(&format!("DELETE FROM contact_notes WHERE contact_date > '{}'", days_ago(20))).await;
    log_days(&w, &[20]).await;
    let a = coach(&w).await["activity"].clone();
    assert_eq!((a["contacts"].as_u64(), a["quiet_days"].as_u64(), a["no_activity"].as_bool()), (None, Some(20), Some(true)), "{a}");

    // Eleven contacts in the window are shown, and meet the goal for one member.
    log_days(&w, &[0, 1, 3, 5, 6, 8, 9, 12, 15, 18]).await;
    let a = coach(&w).await["activity"].clone();
    assert_eq!(
        (a["contacts"].as_u64(), a["below_goal"].as_bool(), a["no_activity"].as_bool(), a["quiet_days"].as_u64()),
        (Some(11), Some(false), Some(false), Some(0)),
        "{a}"
    );
    assert!(a["members"].is_null() && a["goal_contacts"].is_null(), "one member is still withheld, and so is 5 times one: {a}");

    // A peer with no supervisees sees an empty glance, and no read is recorded for them.
    let before = w.audit_rows("entity = 'caseload-activity'").await;
    assert!(supervisees(&w.app, &w.stranger).await.is_empty());
    assert_eq!(w.audit_rows("entity = 'caseload-activity'").await, before);
    // Nor may they drill down into the coach's caseload: refused, as if there were none, and recorded.
    let denied = w.audit_rows("entity = 'caseload' AND decision = 'deny'").await;
    let (s, _) = w.app.get(&w.stranger, &format!("/api/v1/workforce/workers/{}/caseload", w.peer_worker_id)).await;
    assert_eq!(s, 404);
    assert_eq!(w.audit_rows("entity = 'caseload' AND decision = 'deny'").await, denied + 1);
}

/// What one worker's activity should be, counted straight from the tables.
async fn counted(conn: &mut sqlx::AnyConnection, worker_id: &str, today: time::Date) -> (u64, u64, Option<String>) {
    let since = (today - Duration::days(29)).to_string();
    let members: i64 = sqlx::query(
        "SELECT COUNT(DISTINCT tm.member_id) FROM team_members tm JOIN workers w ON w.user_id = tm.user_id \
         WHERE w.id = $1 AND tm.team_role = 'peer' AND tm.until IS NULL",
    )
    .bind(worker_id)
    .fetch_one(&mut *conn)
    .await
    .unwrap()
    .get(0);
    let dates: Vec<String> = sqlx::query("SELECT n.contact_date FROM contact_notes n JOIN workers w ON w.user_id = n.author_id WHERE w.id = $1")
        .bind(worker_id)
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let today = today.to_string();
    let recent = dates.iter().filter(|d| **d >= since && **d <= today).count() as u64;
    let last = dates.iter().filter(|d| **d <= today).max().cloned();
    (members as u64, recent, last)
}

/// On seeded data (two seeds), every supervisee's figures match the tables,
/// and the caseload page's month matches the contacts the worker logged.
#[tokio::test]
async fn glance_and_month_agree_with_the_tables_for_two_seeds() {
    for seed in [7, 29] {
        let app = TestApp::seeded_with(seed, 400).await;
        let client = app.client();
        let (token, _) = app.api_login(&client, Persona::Supervisor).await;
        let list = supervisees(&app, &token).await;
        assert!(!list.is_empty(), "seed {seed}: the seeded supervisor has supervisees");
        let today = accompany::seed::today();
        let mut conn = <sqlx::AnyConnection as Connection>::connect(&app.db.url).await.unwrap();
        let mut any_members = false;
        for r in &list {
            let id = r["worker_id"].as_str().unwrap();
            let (members, recent, last) = counted(&mut conn, id, today).await;
            let a = &r["activity"];
            let as_shown = |n: u64| (!(1..=10).contains(&n)).then_some(n);
            assert_eq!(a["members"].as_u64(), as_shown(members), "seed {seed} {id}");
            assert_eq!(a["contacts"].as_u64(), as_shown(recent), "seed {seed} {id}");
            if let Some(goal) = a["goal_contacts"].as_u64() {
                assert_eq!(goal % members.max(1), 0, "seed {seed} {id}: the goal is per member");
                assert!(!(1..=10).contains(&goal));
            }
            assert_eq!(a["last_contact"].as_str().map(str::to_string), last, "seed {seed} {id}");
            any_members |= members > 0;

            let (s, c) = app.get(&token, &format!("/api/v1/workforce/workers/{id}/caseload")).await;
            assert_eq!(s, 200, "{c}");
            let weeks = c["month"]["weeks"].as_array().unwrap();
            assert_eq!(weeks.len(), 12);
            let first = weeks[0]["starts"].as_str().unwrap().to_string();
            let in_weeks: u64 = weeks.iter().map(|w| w["contacts"].as_u64().unwrap()).sum();
            let month_start = today.replace_day(1).unwrap().to_string();
            let dates: Vec<String> =
                sqlx::query("SELECT n.contact_date FROM contact_notes n JOIN workers w ON w.user_id = n.author_id WHERE w.id = $1")
                    .bind(id)
                    .fetch_all(&mut conn)
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| r.get(0))
                    .collect();
            let today_s = today.to_string();
            assert_eq!(in_weeks, dates.iter().filter(|d| **d >= first && **d <= today_s).count() as u64, "seed {seed} {id}: weeks");
            assert_eq!(
                c["month"]["this_month"].as_u64(),
                Some(dates.iter().filter(|d| **d >= month_start && **d <= today_s).count() as u64),
                "seed {seed} {id}: this month"
            );
        }
        assert!(any_members, "seed {seed}: some supervisee has members");
        let _ = conn.close().await;
    }
}

/// The supervision page lists who needs a word first, with the flags in
/// words, and in Spanish too.
#[tokio::test]
async fn supervision_page_puts_who_needs_a_word_first_with_flags_in_words() {
    let w = world().await;
    log_days(&w, &[20]).await;
    let client = w.app.client();
    crate::contacts::login(&w.app, &client, "rc.supervisor").await;
    let html = client.get(w.app.url("/workforce/supervision")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("1 of 1 supervisees need a word: 1 with no contact logged in 14 days, 1 below the contact goal."), "{html}");
    let row = &html[html.find("<table id=\"glance\"").unwrap()..];
    let row = &row[row.find("<tbody>").unwrap()..row.find("</tbody>").unwrap()];
    assert!(row.contains("class=\"attention\""), "{row}");
    assert!(
        row.contains("No activity in 14 days")
            && row.contains("Below the contact goal")
            && row.contains("fewer than 11 (the goal is withheld, as it would tell how many members)"),
        "{row}"
    );
    assert!(row.contains(&format!("href=\"/workforce/workers/{}/caseload\"", w.peer_worker_id)), "the name drills down: {row}");
    // Beside the table, the chart: here every value is withheld, so it says so instead of drawing.
    assert!(html.contains("<p class=\"chart-empty\" id=\"glance-chart\">") && html.contains("2 values are withheld and not drawn"), "{html}");

    let es = w.app.client();
    crate::contacts::login(&w.app, &es, "rc.supervisor").await;
    let _ = es.get(w.app.url("/lang/es")).send().await.unwrap();
    let html = es.get(w.app.url("/workforce/supervision")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Sin actividad en 14 días") && html.contains("De un vistazo"), "{html}");
}

async fn sign_in_as(c: &Client, app: &TestApp, username: &str) {
    c.goto(&app.url("/login")).await.unwrap();
    c.find(Locator::Id("username")).await.unwrap().send_keys(username).await.unwrap();
    c.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    c.find(Locator::Css("main form button[type=submit]")).await.unwrap().send_keys(ENTER).await.unwrap();
    let started = std::time::Instant::now();
    while !c.current_url().await.unwrap().path().starts_with("/home") {
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "{username} did not reach home");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The supervisor's drill-down, by keyboard: the glance flags the quiet
/// coach, Enter on their name opens the caseload, where the member below
/// the rule comes first and the month is a table with its chart. Axe-clean
/// in English and Spanish.
#[tokio::test]
async fn supervisor_drills_down_from_the_glance_to_a_caseload_with_the_keyboard() {
    let Some(d) = driver() else {
        eprintln!("\n*** DASHBOARD BROWSER TEST SKIPPED: no Chromium or chromedriver (see the notice above) ***\n");
        return;
    };
    let w = world().await;
    log_days(&w, &[20, 21]).await;
    for (lang, heading, flag, month) in
        [("en", "At a glance", "No activity in 14 days", "This month"), ("es", "De un vistazo", "Sin actividad en 14 días", "Este mes")]
    {
        let c = browser(&d, lang).await;
        sign_in_as(&c, &w.app, "rc.supervisor").await;
        c.goto(&w.app.url("/workforce/supervision")).await.unwrap();
        let page = wait_for_text(&c, heading).await;
        assert!(page.contains(flag), "{page}");
        let first: Value = c
            .execute(
                "return document.querySelector('#glance tbody tr').className + '|' + document.querySelector('#glance tbody tr').innerText;",
                vec![],
            )
            .await
            .unwrap();
        let first = first.as_str().unwrap();
        assert!(first.starts_with("attention|") && first.contains(flag), "{first}");
        assert_accessible(&c, &format!("the supervision page ({lang})")).await;

        c.find(Locator::Css("#glance tbody tr a.drill-down")).await.unwrap().send_keys(ENTER).await.unwrap();
        let page = wait_for_text(&c, month).await;
        assert!(c.current_url().await.unwrap().path().ends_with(&format!("/workforce/workers/{}/caseload", w.peer_worker_id)));
        let first_member: Value = c.execute("return document.querySelector('#caseload tbody tr td.flag') !== null;", vec![]).await.unwrap();
        assert_eq!(first_member, json!(true), "the member below the rule is flagged: {page}");
        let weeks: Value = c.execute("return document.querySelectorAll('#weeks tbody tr').length;", vec![]).await.unwrap();
        assert_eq!(weeks, json!(12));
        let all = charts(&c).await;
        let drawn: HashMap<&str, &Value> = all.iter().filter_map(|ch| ch["role"].as_str().map(|r| (r, ch))).collect();
        assert!(drawn.contains_key("img"), "the weeks are drawn beside their table: {all:?}");
        assert_accessible(&c, &format!("the caseload page ({lang})")).await;
        c.close().await.unwrap();
    }
}
