//! Real-browser journeys: Debian's Chromium driven through chromedriver,
//! with axe-core (vendored from npm, see vendor/) run on every page visited.
//! Without Chromium the tests say so loudly and skip; with CI=true they fail.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use accompany_domain::records::Persona;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::support::TestApp;

const AXE: &str = include_str!("vendor/axe.min.js");
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

pub(crate) struct Driver {
    process: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Start chromedriver, or explain why not. In CI a missing browser is a failure.
pub(crate) fn driver() -> Option<Driver> {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        let why = "BROWSER TESTS SKIPPED: Chromium or chromedriver is missing; install them with `apt-get install chromium chromium-driver`";
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{why} (CI=true requires them)");
        }
        eprintln!("\n*** {why} ***\n");
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
    let process =
        Command::new(CHROMEDRIVER).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start chromedriver");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Driver { process, port, _profile: tempfile::tempdir().expect("profile directory") })
}

pub(crate) async fn browser(d: &Driver, lang: &str) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=390,844", format!("--lang={lang}"),
                format!("--user-data-dir={}", d._profile.path().join(lang).display()),
            ],
            "prefs": { "intl.accept_languages": lang }
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", d.port))
        .await
        .expect("connect to chromedriver")
}

/// Run axe-core on the current page; fail with every violation listed.
pub(crate) async fn assert_accessible(c: &Client, what: &str) {
    c.execute(AXE, vec![]).await.expect("load axe-core");
    let result = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document).then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) })))).catch(e => done([{ id: 'axe-error', help: String(e) }]));",
            vec![],
        )
        .await
        .expect("run axe-core");
    let violations = result.as_array().cloned().unwrap_or_default();
    assert!(violations.is_empty(), "axe-core violations on {what}:\n{}", serde_json::to_string_pretty(&violations).unwrap());
}

pub(crate) async fn sign_in(c: &Client, app: &TestApp, persona: Persona) {
    let cred = app.credential(persona);
    c.goto(&app.url("/login")).await.unwrap();
    c.find(Locator::Id("username")).await.unwrap().send_keys(&cred.username).await.unwrap();
    c.find(Locator::Id("password")).await.unwrap().send_keys(&cred.password).await.unwrap();
    c.find(Locator::Css("main form button[type=submit]")).await.unwrap().click().await.unwrap();
    let started = Instant::now();
    while !c.current_url().await.unwrap().path().starts_with("/home") {
        assert!(started.elapsed() < Duration::from_secs(10), "{persona:?} did not reach home");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Links in the main navigation of the current page.
async fn nav_links(c: &Client) -> Vec<String> {
    let v: Value = c
        .execute("return Array.from(document.querySelectorAll('header nav[aria-label] a')).map(a => a.getAttribute('href')).filter(h => !h.startsWith('/lang/'));", vec![])
        .await
        .unwrap();
    v.as_array().unwrap().iter().filter_map(|h| h.as_str().map(str::to_string)).collect()
}

#[tokio::test]
async fn every_persona_signs_in_and_every_page_they_reach_is_accessible() {
    let Some(d) = driver() else { return };
    let app = TestApp::seeded(200).await;
    for lang in ["en", "es"] {
        let c = browser(&d, lang).await;
        for path in ["/", "/login", "/get-support", "/roles", "/roles/certified-peer-specialist", "/no-such-page"] {
            c.goto(&app.url(path)).await.unwrap();
            assert_accessible(&c, &format!("{path} ({lang})")).await;
        }
        for persona in Persona::ALL {
            c.delete_all_cookies().await.unwrap();
            sign_in(&c, &app, persona).await;
            let html_lang: Value = c.execute("return document.documentElement.lang", vec![]).await.unwrap();
            assert_eq!(html_lang, lang, "the browser's language is used");
            assert_accessible(&c, &format!("{persona:?} home ({lang})")).await;
            for link in nav_links(&c).await {
                c.goto(&app.url(&link)).await.unwrap();
                assert_accessible(&c, &format!("{link} as {persona:?} ({lang})")).await;
            }
            // A member record, as each persona who can see one sees it.
            c.goto(&app.url("/members")).await.unwrap();
            if let Ok(first) = c.find(Locator::Css("main table tbody a")).await {
                let href = first.attr("href").await.unwrap().expect("a link to the record");
                c.goto(&app.url(&href)).await.unwrap();
                assert_accessible(&c, &format!("a member record as {persona:?} ({lang})")).await;
                // Coverage and authorizations, for whoever sees the member's billing information.
                if let Ok(billing) = c.find(Locator::Css("main a[href$='/billing']")).await {
                    let href = billing.attr("href").await.unwrap().expect("a link to billing");
                    c.goto(&app.url(&href)).await.unwrap();
                    assert_accessible(&c, &format!("a member's billing as {persona:?} ({lang})")).await;
                }
            }
        }
        c.close().await.unwrap();
    }
}

#[tokio::test]
async fn a_coordinator_enrols_a_member_with_the_keyboard_and_sees_errors_first() {
    let Some(d) = driver() else { return };
    let app = TestApp::seeded(30).await;
    let c = browser(&d, "en").await;
    sign_in(&c, &app, Persona::CareCoordinator).await;
    c.goto(&app.url("/members/new")).await.unwrap();
    assert_accessible(&c, "the new-member form").await;
    c.find(Locator::Id("given_name")).await.unwrap().send_keys("Thu").await.unwrap();
    c.find(Locator::Css("main form button[type=submit]")).await.unwrap().click().await.unwrap();
    // The error summary names each field and links to it.
    let summary = c.wait().for_element(Locator::Css("#errors")).await.expect("an error summary").text().await.unwrap();
    assert!(summary.contains("Family name: This is required.") && summary.contains("Date of birth"), "{summary}");
    assert_accessible(&c, "the new-member form with errors").await;
    c.find(Locator::Id("family_name")).await.unwrap().send_keys("Nguyen").await.unwrap();
    c.execute("document.getElementById('date_of_birth').value = '1991-08-14';", vec![]).await.unwrap();
    c.find(Locator::Id("masshealth_id")).await.unwrap().send_keys("100044440000").await.unwrap();
    c.find(Locator::Css("main form button[type=submit]")).await.unwrap().click().await.unwrap();
    // The browser follows the redirect to the new record.
    let started = Instant::now();
    loop {
        let heading = match c.find(Locator::Css("main h1")).await {
            Ok(h) => h.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if heading == "Thu Nguyen" {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "the new record did not open; the page says {heading:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_accessible(&c, "the new member's record").await;
    c.close().await.unwrap();
}

/// Wait until the page's main content contains (or no longer contains) `text`.
async fn wait_for_text(c: &Client, text: &str, present: bool) -> String {
    let started = Instant::now();
    loop {
        let body = match c.find(Locator::Css("main")).await {
            Ok(m) => m.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if body.contains(text) == present {
            return body;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "waited for {text:?} present={present}; the page says {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_member_withdraws_mental_health_from_their_coordinator_who_stops_seeing_it_at_once() {
    let Some(d) = driver() else { return };
    let app = TestApp::seeded(30).await;
    let client = app.client();
    let (member_token, _) = app.api_login(&client, Persona::Member).await;
    let (_, me) = app.get(&member_token, "/api/v1/me").await;
    let member_id = me["user"]["member_id"].as_str().unwrap().to_string();
    let (coordinator_token, _) = app.api_login(&app.client(), Persona::CareCoordinator).await;
    let (_, me) = app.get(&coordinator_token, "/api/v1/me").await;
    let coordinator_id = me["user"]["id"].as_str().unwrap().to_string();
    let record = app.url(&format!("/members/{member_id}"));

    // The coordinator sees the member's mental-health information.
    let coordinator = browser(&d, "en").await;
    sign_in(&coordinator, &app, Persona::CareCoordinator).await;
    coordinator.goto(&record).await.unwrap();
    wait_for_text(&coordinator, "Depression since 2019", true).await;

    // The member, in Spanish, unticks "Salud mental" for that coordinator.
    let member = browser(&d, "es").await;
    sign_in(&member, &app, Persona::Member).await;
    member.goto(&app.url("/sharing")).await.unwrap();
    assert_accessible(&member, "the sharing page (es)").await;
    let form = format!("form:has(input[name=recipient][value='person:{coordinator_id}'])");
    let mental_health =
        member.find(Locator::Css(&format!("{form} input[value=mental-health]"))).await.expect("a mental-health box for the coordinator");
    assert_eq!(mental_health.prop("checked").await.unwrap().as_deref(), Some("true"), "shared by default");
    mental_health.click().await.unwrap();
    member.find(Locator::Css(&format!("{form} button[type=submit]"))).await.unwrap().click().await.unwrap();
    let page = wait_for_text(&member, "Guardado", true).await;
    assert!(page.contains("Quién ve qué"), "{page}");
    let mental_health = member.find(Locator::Css(&format!("{form} input[value=mental-health]"))).await.unwrap();
    assert_eq!(mental_health.prop("checked").await.unwrap().as_deref(), Some("false"), "the choice is kept");
    assert_accessible(&member, "the sharing page after saving (es)").await;

    // The coordinator's next view no longer holds it, and says why.
    coordinator.refresh().await.unwrap();
    let page = wait_for_text(&coordinator, "Depression since 2019", false).await;
    assert!(page.contains("The member has chosen not to share with you") && page.contains("Mental health"), "{page}");
    assert!(page.contains("Find stable housing"), "the care plan is still shared");
    assert_accessible(&coordinator, "a record with information withheld").await;
    member.close().await.unwrap();
    coordinator.close().await.unwrap();
}

async fn sign_in_as(c: &Client, app: &TestApp, username: &str, password: &str) {
    c.goto(&app.url("/login")).await.unwrap();
    c.find(Locator::Id("username")).await.unwrap().send_keys(username).await.unwrap();
    c.find(Locator::Id("password")).await.unwrap().send_keys(password).await.unwrap();
    c.find(Locator::Css("main form button[type=submit]")).await.unwrap().click().await.unwrap();
    let started = Instant::now();
    while !c.current_url().await.unwrap().path().starts_with("/home") {
        assert!(started.elapsed() < Duration::from_secs(10), "{username} did not reach home");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_member_chooses_a_spanish_speaking_peer_in_spanish_and_the_peer_sees_them() {
    let Some(d) = driver() else { return };
    let app = TestApp::seeded(200).await;
    let (member_token, _) = app.api_login(&app.client(), Persona::Member).await;
    let (_, me) = app.get(&member_token, "/api/v1/me").await;
    let member_id = me["user"]["member_id"].as_str().unwrap().to_string();
    let (_, record) = app.get(&member_token, &format!("/api/v1/members/{member_id}")).await;
    let member_name = format!("{} {}", record["given_name"].as_str().unwrap(), record["family_name"].as_str().unwrap());

    let c = browser(&d, "es").await;
    sign_in(&c, &app, Persona::Member).await;
    c.goto(&app.url("/choose")).await.unwrap();
    wait_for_text(&c, "Lo que quiere en un par", true).await;
    assert_accessible(&c, "the choose page (es)").await;
    // Spanish as a must: the support, the language spoken, and the language the peer must speak.
    c.execute("document.getElementById('support').value = 'both';", vec![]).await.unwrap();
    // The member's own languages start ticked; Spanish must be among them.
    let spanish = c.find(Locator::Id("languages-es")).await.unwrap();
    if spanish.prop("checked").await.unwrap().as_deref() != Some("true") {
        spanish.click().await.unwrap();
    }
    c.find(Locator::Id("strength-language-must")).await.unwrap().click().await.unwrap();
    c.execute("document.getElementById('value-language').value = 'es';", vec![]).await.unwrap();
    c.find(Locator::Css("form[action='/choose'] button[type=submit]")).await.unwrap().click().await.unwrap();
    let page = wait_for_text(&c, "Pares que puede elegir", true).await;
    assert!(page.contains("Guardado"), "{page}");
    assert_accessible(&c, "the ranked peers (es)").await;
    let cards: Value = c.execute("return Array.from(document.querySelectorAll('#peers li.card')).map(li => li.innerText);", vec![]).await.unwrap();
    let cards: Vec<String> = cards.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    assert!(!cards.is_empty(), "Spanish-speaking peers are offered");
    for card in &cards {
        assert!(card.contains("Habla español con usted"), "every peer speaks Spanish, said in Spanish: {card}");
        assert!(card.contains("Disponible:") && card.contains("Puede reunirse:"), "{card}");
    }
    let first = c.find(Locator::Css("#peers li.card form input[name=worker_id]")).await.unwrap();
    let worker_id = first.attr("value").await.unwrap().expect("a worker id");
    let peer_name = c.find(Locator::Css("#peers li.card h3")).await.unwrap().text().await.unwrap();
    c.find(Locator::Css("#peers li.card form button[type=submit]")).await.unwrap().click().await.unwrap();
    let home = wait_for_text(&c, "Su nuevo par está en su equipo de cuidado", true).await;
    assert!(home.contains(&peer_name), "the member's home shows the new peer: {home}");
    assert_accessible(&c, "the member's home after choosing (es)").await;
    c.close().await.unwrap();

    // The peer signs in and sees the member on their caseload, and the news.
    let user = app.store.user_by_id(&format!("u-{worker_id}")).await.unwrap().expect("the peer's account");
    app.store.set_password(&user.username, "a-long-test-password-1").await.unwrap();
    let p = browser(&d, "en").await;
    sign_in_as(&p, &app, &user.username, "a-long-test-password-1").await;
    let home = wait_for_text(&p, &member_name, true).await;
    assert!(home.contains(&format!("{member_name} chose you as their peer.")), "{home}");
    assert_accessible(&p, "the peer's home with the new member").await;
    p.goto(&app.url("/members")).await.unwrap();
    wait_for_text(&p, &member_name, true).await;
    assert_accessible(&p, "the peer's caseload").await;
    p.close().await.unwrap();
}

#[tokio::test]
async fn the_program_admin_previews_and_runs_the_batch_with_an_accessible_report() {
    let Some(d) = driver() else { return };
    let app = TestApp::seeded(400).await;
    let c = browser(&d, "en").await;
    sign_in(&c, &app, Persona::StateAdmin).await;
    c.goto(&app.url("/matching")).await.unwrap();
    assert_accessible(&c, "the waiting list page").await;
    c.find(Locator::Css("form[action='/matching/batch'] input[value=dry-run] ~ button")).await.unwrap().click().await.unwrap();
    let page = wait_for_text(&c, "members waiting", true).await;
    assert!(page.contains("can be matched"), "{page}");
    assert_accessible(&c, "the batch preview").await;
    c.close().await.unwrap();
}

/// No wrong door to a chosen peer: a person finds the public page in
/// Spanish, asks for support and opens an account, says Spanish is a must,
/// chooses a peer who speaks it, and that peer sees them on their caseload.
#[tokio::test]
async fn a_person_signs_up_in_spanish_chooses_a_spanish_speaking_peer_and_the_peer_sees_them() {
    let Some(d) = driver() else { return };
    let app = TestApp::seeded(200).await;
    let c = browser(&d, "es").await;
    c.goto(&app.url("/get-support")).await.unwrap();
    wait_for_text(&c, "Pedir apoyo de pares", true).await;
    assert_accessible(&c, "the public page (es)").await;
    for (id, text) in [("given_name", "Rosa"), ("family_name", "Méndez"), ("phone", "617-555-0199"), ("masshealth_id", "100055550000")] {
        c.find(Locator::Id(id)).await.unwrap().send_keys(text).await.unwrap();
    }
    c.execute("document.getElementById('date_of_birth').value = '1984-07-09'; document.getElementById('language').value = 'es';", vec![])
        .await
        .unwrap();
    c.find(Locator::Id("support-both")).await.unwrap().click().await.unwrap();
    c.find(Locator::Css("form[action='/get-support'] button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_text(&c, "Gracias", true).await;

    // Her coordinator enrols her and reads her a code; she opens her account with it.
    let (coordinator, _) = app.api_login(&app.client(), Persona::CareCoordinator).await;
    let (_, queue) = app.get(&coordinator, "/api/v1/referrals").await;
    let referral = queue["items"].as_array().unwrap().iter().find(|r| r["family_name"] == "Méndez").unwrap()["id"].as_str().unwrap().to_string();
    let (_, enrolled) = app.send(reqwest::Method::POST, &coordinator, &format!("/api/v1/referrals/{referral}/enrol"), &serde_json::json!({})).await;
    let member_id = enrolled["member_id"].as_str().unwrap();
    let (_, issued) = app
        .send(
            reqwest::Method::POST,
            &coordinator,
            &format!("/api/v1/members/{member_id}/enrolment-codes"),
            &serde_json::json!({ "delivery": "show" }),
        )
        .await;
    c.goto(&app.url("/claim")).await.unwrap();
    wait_for_text(&c, "Abra su cuenta", true).await;
    assert_accessible(&c, "the claim page (es)").await;
    for (id, text) in [("code", issued["code"].as_str().unwrap()), ("username", "rosa.mendez"), ("password", "una contraseña larga")] {
        c.find(Locator::Id(id)).await.unwrap().send_keys(text).await.unwrap();
    }
    c.find(Locator::Css("form[action='/claim'] button[type=submit]")).await.unwrap().click().await.unwrap();

    // Signed in at once, on the page to choose a peer.
    wait_for_text(&c, "Lo que quiere en un par", true).await;
    assert_accessible(&c, "the choose page right after signing up (es)").await;
    c.execute("document.getElementById('support').value = 'both';", vec![]).await.unwrap();
    if c.find(Locator::Id("languages-es")).await.unwrap().prop("checked").await.unwrap().as_deref() != Some("true") {
        c.find(Locator::Id("languages-es")).await.unwrap().click().await.unwrap();
    }
    c.find(Locator::Id("strength-language-must")).await.unwrap().click().await.unwrap();
    c.execute("document.getElementById('value-language').value = 'es';", vec![]).await.unwrap();
    c.find(Locator::Css("form[action='/choose'] button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_text(&c, "Pares que puede elegir", true).await;
    let cards: Value = c.execute("return Array.from(document.querySelectorAll('#peers li.card')).map(li => li.innerText);", vec![]).await.unwrap();
    let cards = cards.as_array().unwrap();
    assert!(!cards.is_empty() && cards.iter().all(|t| t.as_str().unwrap().contains("Habla español con usted")), "{cards:?}");
    let worker_id = c.find(Locator::Css("#peers li.card form input[name=worker_id]")).await.unwrap().attr("value").await.unwrap().unwrap();
    c.find(Locator::Css("#peers li.card form button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_text(&c, "Su nuevo par está en su equipo de cuidado", true).await;
    c.close().await.unwrap();

    let user = app.store.user_by_id(&format!("u-{worker_id}")).await.unwrap().expect("the peer's account");
    app.store.set_password(&user.username, "a-long-test-password-1").await.unwrap();
    let p = browser(&d, "en").await;
    sign_in_as(&p, &app, &user.username, "a-long-test-password-1").await;
    p.goto(&app.url("/members")).await.unwrap();
    wait_for_text(&p, "Méndez", true).await;
    assert_accessible(&p, "the peer's caseload with the new member").await;
    p.close().await.unwrap();
}

#[tokio::test]
async fn a_peer_logs_a_contact_on_a_phone_and_sees_the_units_and_engagement_rule_update() {
    let Some(d) = driver() else { return };
    let w = crate::contacts::world().await;
    // Four 30-minute contacts this month: one short of a Recovery Coach's five.
    for days in [2, 5, 9, 20] {
        let (s, _) = w.log(&w.peer, &crate::contacts::contact(days, 30)).await;
        assert_eq!(s, 201);
    }
    let c = browser(&d, "en").await;
    sign_in_as(&c, &w.app, "rc.peer", crate::contacts::PASSWORD).await;
    c.goto(&w.app.url(&format!("/members/{}", w.member_id))).await.unwrap();
    c.find(Locator::LinkText("Contacts, units and engagement")).await.expect("a link from the record").click().await.unwrap();
    let page = wait_for_text(&c, "Contacts in the last 30 days: 4 of the 5", true).await;
    assert!(page.contains("4 of 90 authorized units used"), "a day is a unit: {page}");
    assert_accessible(&c, "the contact log").await;
    // The form starts from today and now: only the minutes change.
    let date = c.find(Locator::Id("date")).await.unwrap().prop("value").await.unwrap().unwrap_or_default();
    assert_eq!(date, accompany_domain::records::format_date(accompany_store::local_now("America/New_York").date()));
    let start = c.find(Locator::Id("start_time")).await.unwrap().prop("value").await.unwrap().unwrap_or_default();
    assert_eq!(start.len(), 5, "a start time is filled in: {start:?}");
    let minutes = c.find(Locator::Id("duration_minutes")).await.unwrap();
    minutes.clear().await.unwrap();
    minutes.send_keys("0").await.unwrap();
    c.find(Locator::Css("main form button[type=submit]")).await.unwrap().click().await.unwrap();
    let summary = c.wait().for_element(Locator::Css("#errors")).await.expect("an error summary").text().await.unwrap();
    assert!(summary.contains("Minutes"), "{summary}");
    assert_accessible(&c, "the contact form with an error").await;
    let minutes = c.find(Locator::Id("duration_minutes")).await.unwrap();
    minutes.clear().await.unwrap();
    minutes.send_keys("45").await.unwrap();
    c.find(Locator::Css("main form button[type=submit]")).await.unwrap().click().await.unwrap();
    let page = wait_for_text(&c, "Contacts in the last 30 days: 5, at least the 5 the rule asks", true).await;
    assert!(page.contains("5 of 90 authorized units used"), "today is a fifth day: {page}");
    assert!(page.contains("Contact saved"));
    assert_accessible(&c, "the contact log after saving").await;
    // Correcting a contact shows its history.
    c.find(Locator::Css("main table tbody th a")).await.unwrap().click().await.unwrap();
    wait_for_text(&c, "Save the correction", true).await;
    assert_accessible(&c, "correcting a contact").await;
    c.close().await.unwrap();
}

#[tokio::test]
async fn a_member_writes_a_goal_and_reads_their_team_in_spanish_accessibly() {
    let Some(d) = driver() else { return };
    let w = crate::contacts::world().await;
    let c = browser(&d, "es").await;
    sign_in(&c, &w.app, Persona::Member).await;
    c.goto(&w.app.url(&format!("/members/{}/goals", w.member_id))).await.unwrap();
    wait_for_text(&c, "Mis metas de recuperación", true).await;
    assert_accessible(&c, "the goals page (es)").await;
    c.find(Locator::Id("goal")).await.unwrap().send_keys("Volver a estudiar inglés").await.unwrap();
    c.find(Locator::Id("steps-0--text")).await.unwrap().send_keys("Inscribirme en la clase").await.unwrap();
    c.find(Locator::Css("section[aria-labelledby=new-goal-heading] form button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_text(&c, "Volver a estudiar inglés", true).await;
    assert_accessible(&c, "the goals page with a goal (es)").await;
    let edit = c.find(Locator::Css("main .card p a[href*='/goals/']")).await.unwrap().attr("href").await.unwrap().expect("an edit link");
    c.goto(&w.app.url(&edit)).await.unwrap();
    wait_for_text(&c, "Cambiar mi meta", true).await;
    assert_accessible(&c, "changing a goal (es)").await;
    c.goto(&w.app.url(&format!("/members/{}/team", w.member_id))).await.unwrap();
    let page = wait_for_text(&c, "Un Coach de Recuperación", true).await;
    assert!(page.contains("Ve de su expediente"), "{page}");
    assert_accessible(&c, "the care team in plain words (es)").await;
    c.close().await.unwrap();
}

/// Set a form control's value the way a person choosing it would.
async fn set_value(c: &Client, id: &str, value: &str) {
    c.execute(
        "const e = document.getElementById(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('change'));",
        vec![json!(id), json!(value)],
    )
    .await
    .unwrap();
}

/// A peer publishes evening hours; the member books 90 minutes in them and
/// sees it under their sessions; the peer sees it too.
#[tokio::test]
async fn a_member_books_a_ninety_minute_evening_session_in_the_peers_hours() {
    let Some(d) = driver() else { return };
    let app = TestApp::seeded(200).await;
    let day = accompany_store::local_now("America/New_York").date() + time::Duration::days(2);
    let weekday = accompany_domain::booking::weekday_id(day.weekday());

    let p = browser(&d, "en").await;
    sign_in(&p, &app, Persona::PeerWorker).await;
    p.goto(&app.url("/availability")).await.unwrap();
    wait_for_text(&p, "You have not published any hours yet", true).await;
    assert_accessible(&p, "the peer's hours, empty").await;
    set_value(&p, "weekday", weekday).await;
    set_value(&p, "start", "18:00").await;
    set_value(&p, "end", "21:00").await;
    set_value(&p, "modality", "video").await;
    p.find(Locator::Css("form[action='/availability'] button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_text(&p, "Your hours are saved", true).await;
    assert_accessible(&p, "the peer's hours with an evening").await;
    // A window ending before it starts is refused with the field named.
    set_value(&p, "start", "21:00").await;
    set_value(&p, "end", "18:00").await;
    p.find(Locator::Css("form[action='/availability'] button[type=submit]")).await.unwrap().click().await.unwrap();
    let page = wait_for_text(&p, "Some answers need fixing", true).await;
    assert!(page.contains("Ends at"), "{page}");
    assert_accessible(&p, "the hours form with an error").await;

    // A second profile: two browsers never share one.
    let c = browser(&d, "en-US").await;
    sign_in(&c, &app, Persona::Member).await;
    c.goto(&app.url("/sessions")).await.unwrap();
    assert_accessible(&c, "the member's sessions, empty").await;
    c.find(Locator::LinkText("Book a session")).await.unwrap().click().await.unwrap();
    wait_for_text(&c, "Free times for 60 minutes", true).await;
    set_value(&c, "minutes", "90").await;
    c.find(Locator::Css("form[method=get] button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_text(&c, "Free times for 90 minutes", true).await;
    assert_accessible(&c, "choosing a 90-minute slot").await;
    let first = c.find(Locator::Css("#slots input[type=radio]")).await.unwrap();
    let start = first.attr("value").await.unwrap().unwrap();
    assert!(start.ends_with("T18:00"), "the evening's first slot: {start}");
    first.click().await.unwrap();
    c.find(Locator::Css("main form[action='/sessions/book'][method=post] button[type=submit]")).await.unwrap().click().await.unwrap();
    let page = wait_for_text(&c, "Your session is booked", true).await;
    assert!(page.contains("90 minutes") && page.contains("18:00"), "{page}");
    assert_accessible(&c, "the member's sessions with the booking").await;
    c.close().await.unwrap();

    p.goto(&app.url("/sessions")).await.unwrap();
    let page = wait_for_text(&p, "90 minutes", true).await;
    assert!(page.contains("18:00"), "{page}");
    assert_accessible(&p, "the peer's sessions").await;
    p.close().await.unwrap();
}

/// A peer starts an evening video group; the member joins it; once it has
/// met, the peer records attendance and the member finds it among the
/// contacts on their record.
#[tokio::test]
async fn a_member_joins_an_evening_group_and_the_peers_attendance_shows_as_their_contact() {
    let Some(d) = driver() else { return };
    let app = TestApp::seeded(200).await;
    let p = browser(&d, "en").await;
    sign_in(&p, &app, Persona::PeerWorker).await;
    p.goto(&app.url("/groups/new")).await.unwrap();
    assert_accessible(&p, "the new group form").await;
    p.find(Locator::Id("title")).await.unwrap().send_keys("Evening video group").await.unwrap();
    set_value(&p, "weeks", "6").await;
    p.find(Locator::Css("form[action='/groups/new'] button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_text(&p, "Your group is created", true).await;
    assert_accessible(&p, "the peer's groups").await;

    // A second profile: two browsers never share one.
    let c = browser(&d, "en-US").await;
    sign_in(&c, &app, Persona::Member).await;
    c.goto(&app.url("/groups")).await.unwrap();
    wait_for_text(&c, "Evening video group", true).await;
    assert_accessible(&c, "the member's groups").await;
    c.find(Locator::Css("main form[action$='/join'] button")).await.unwrap().click().await.unwrap();
    wait_for_text(&c, "You joined the group", true).await;
    assert_accessible(&c, "the member's groups after joining").await;

    // The first meeting takes place.
    app.exec("UPDATE group_meetings SET starts_at = '2020-01-07T19:00', ends_at = '2020-01-07T20:30' WHERE starts_at = (SELECT MIN(starts_at) FROM group_meetings)").await;
    p.goto(&app.url("/groups")).await.unwrap();
    p.find(Locator::Css("#groups a[href$='/attendance']")).await.unwrap().click().await.unwrap();
    wait_for_text(&p, "Who came", true).await;
    assert_accessible(&p, "the attendance form").await;
    p.find(Locator::Css("#members input[type=checkbox]")).await.unwrap().click().await.unwrap();
    p.find(Locator::Css("main form[action$='/attendance'][method=post] button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_text(&p, "Attendance is recorded", true).await;
    p.close().await.unwrap();

    let member = app.store.user_by_username(&app.credential(Persona::Member).username).await.unwrap().unwrap();
    c.goto(&app.url(&format!("/members/{}", member.member_id.unwrap()))).await.unwrap();
    let page = wait_for_text(&c, "Group: Evening video group", true).await;
    assert!(page.contains("2020-01-07") && page.contains("90"), "{page}");
    assert_accessible(&c, "the member's record with the group contact").await;
    c.close().await.unwrap();
}

#[tokio::test]
async fn the_caseload_contacts_page_is_accessible_from_the_supervisees_page_and_the_peers_home() {
    let Some(d) = driver() else { return };
    let app = TestApp::seeded(200).await;
    let s = browser(&d, "en").await;
    sign_in(&s, &app, Persona::Supervisor).await;
    s.goto(&app.url("/workforce/supervision")).await.unwrap();
    s.find(Locator::Css("#supervisees a[href$='/caseload']")).await.unwrap().click().await.unwrap();
    let page = wait_for_text(&s, "Caseload contacts", true).await;
    assert!(page.contains("Engagement rule met"), "{page}");
    assert_accessible(&s, "the caseload as the supervisor").await;
    s.close().await.unwrap();

    let p = browser(&d, "es").await;
    sign_in(&p, &app, Persona::PeerWorker).await;
    p.find(Locator::Id("my-caseload-contacts")).await.unwrap().click().await.unwrap();
    wait_for_text(&p, "Contactos de la carga de casos", true).await;
    p.find(Locator::Css("#caseload tbody a[href$='/contact-log']")).await.expect("the demo member's row links to their contacts");
    assert_accessible(&p, "the peer's own caseload in Spanish").await;
    p.close().await.unwrap();
}

/// A clinician opens a record in an emergency with a reason; a coordinator
/// asks to join the member's team; the member, in Spanish, sees both on
/// their sharing page and lets the coordinator in. Every page passes axe.
#[tokio::test]
async fn a_clinician_breaks_glass_and_the_member_answers_a_request_to_join_accessibly() {
    let Some(d) = driver() else { return };
    let app = TestApp::seeded(30).await;
    let (member_token, _) = app.api_login(&app.client(), Persona::Member).await;
    let (_, me) = app.get(&member_token, "/api/v1/me").await;
    let member_id = me["user"]["member_id"].as_str().unwrap().to_string();
    let (_, record) = app.get(&member_token, &format!("/api/v1/members/{member_id}")).await;

    let clinician = browser(&d, "en").await;
    sign_in(&clinician, &app, Persona::Clinician).await;
    clinician.goto(&app.url("/emergency")).await.unwrap();
    assert_accessible(&clinician, "the emergency access page").await;
    clinician.find(Locator::Css("form[action='/emergency'] button[type=submit]")).await.unwrap().click().await.unwrap();
    let page = wait_for_text(&clinician, "What kind of emergency", true).await;
    assert!(page.contains("medical-emergency, risk-of-harm or other") || page.contains("role=\"alert\"") || page.contains("invalid"), "errors named");
    assert_accessible(&clinician, "the emergency access page with errors").await;
    clinician.find(Locator::Id("masshealth_id")).await.unwrap().send_keys(record["masshealth_id"].as_str().unwrap()).await.unwrap();
    clinician.find(Locator::Id("reason_category-medical-emergency")).await.unwrap().click().await.unwrap();
    clinician.find(Locator::Id("reason")).await.unwrap().send_keys("Brought in unresponsive; we need her medication history.").await.unwrap();
    clinician.find(Locator::Css("form[action='/emergency'] button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_text(&clinician, record["family_name"].as_str().unwrap(), true).await;
    assert!(clinician.current_url().await.unwrap().path().ends_with(&member_id), "the record opens");

    let (other, _) = {
        let u = app
            .store
            .create_user(accompany_store::NewUser {
                username: "new.coordinator",
                display_name: "Nova Coordinator",
                password: "a long enough password",
                persona: Persona::CareCoordinator,
                organization_id: None,
                member_id: None,
            })
            .await
            .unwrap();
        (app.store.create_token(&u.id, "test", Some(1)).await.unwrap(), u.id)
    };
    let (s, _) = app
        .send(
            reqwest::Method::POST,
            &other,
            &format!("/api/v1/members/{member_id}/care-team/requests"),
            &json!({ "team_role": "care-coordinator", "reason": "I will coordinate her housing support" }),
        )
        .await;
    assert_eq!(s, 202);

    let member = browser(&d, "es").await;
    sign_in(&member, &app, Persona::Member).await;
    member.goto(&app.url("/sharing")).await.unwrap();
    let page = wait_for_text(&member, "Nova Coordinator", true).await;
    assert!(page.contains("Brought in unresponsive"), "the emergency access and its reason");
    assert_accessible(&member, "the sharing page with a request to join (es)").await;
    member.find(Locator::Css("form[action='/sharing/requests/answer'] button[value=approve]")).await.unwrap().click().await.unwrap();
    let page = wait_for_text(&member, "Cambios en su equipo", true).await;
    assert!(page.contains("se unió con su aprobación"), "the change is listed");
    let (s, _) = app.get(&other, &format!("/api/v1/members/{member_id}")).await;
    assert_eq!(s, 200, "the coordinator is on the team now");

    // The member's coordinator sees the form that gives an enrolment code, accessibly
    // (in the clinician's English window, which signs out first).
    clinician.find(Locator::Css("form[action='/logout'] button")).await.unwrap().click().await.unwrap();
    wait_for_text(&clinician, "Sign in", true).await;
    sign_in(&clinician, &app, Persona::CareCoordinator).await;
    clinician.goto(&app.url(&format!("/members/{member_id}"))).await.unwrap();
    wait_for_text(&clinician, "An account for this member", true).await;
    assert_accessible(&clinician, "the member page with the enrolment-code form").await;
}

/// The billing office sees a held claim and why, writes the ready ones as
/// a batch, marks it submitted and opens a claim; in Spanish, the same page
/// says it all in Spanish. Every page passes axe.
#[tokio::test]
async fn the_billing_office_writes_a_batch_and_opens_a_claim_accessibly() {
    let Some(d) = driver() else { return };
    let app = TestApp::seeded(40).await;
    let c = browser(&d, "en").await;
    sign_in(&c, &app, Persona::BillingOffice).await;
    c.goto(&app.url("/billing/claims")).await.unwrap();
    let page = wait_for_text(&c, "Ready to write", true).await;
    assert!(page.contains("Demo") || page.contains("H0038") || page.contains("Claims for payment"), "{page}");
    assert_accessible(&c, "the claims page with claims ready").await;
    c.find(Locator::Css("form[action='/billing/claims/export'] button[type=submit]")).await.unwrap().click().await.unwrap();
    // The page before the click says "batch" too: wait for what only the answer shows.
    let page = wait_for_text(&c, "Mark submitted", true).await;
    assert!(page.contains("written. Download"), "the notice says what to do next: {page}");
    assert_accessible(&c, "the claims page with a batch written").await;
    c.find(Locator::Css("form[action$='/submitted'] button")).await.unwrap().click().await.unwrap();
    // The answer comes back without the notice's query: wait for the new address, then its page.
    let started = Instant::now();
    while c.current_url().await.unwrap().as_str().contains("written=") {
        assert!(started.elapsed() < Duration::from_secs(10), "marking the batch submitted did not answer");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let page = wait_for_text(&c, "Claims written", true).await;
    assert!(!page.contains("written. Download") && page.contains("Submitted"), "{page}");
    c.find(Locator::Css("#claims-heading ~ div table tbody th a")).await.unwrap().click().await.unwrap();
    let page = wait_for_text(&c, "Service lines", true).await;
    assert!(page.contains("H0038"), "{page}");
    assert_accessible(&c, "a claim").await;
    c.close().await.unwrap();
    let es = browser(&d, "es").await;
    sign_in(&es, &app, Persona::BillingOffice).await;
    es.goto(&app.url("/billing/claims")).await.unwrap();
    let page = wait_for_text(&es, "Reclamaciones escritas", true).await;
    assert!(page.contains("Pagado frente a facturado"), "{page}");
    assert_accessible(&es, "the claims page in Spanish").await;
    es.close().await.unwrap();
}

/// The state admin reads the outcome measures as a table and as bars,
/// sends a period that ends before it starts and is told which field is
/// wrong, fixes it, and opens another measure's breakdown. Every page
/// passes axe.
#[tokio::test]
async fn measures_page_the_state_admin_filters_and_opens_a_breakdown_accessibly() {
    let Some(d) = driver() else { return };
    let app = TestApp::seeded(60).await;
    let c = browser(&d, "en").await;
    sign_in(&c, &app, Persona::StateAdmin).await;
    c.find(Locator::Css("header nav a[href='/measures']")).await.expect("Outcomes in the navigation").click().await.unwrap();
    let page = wait_for_text(&c, "Every rate measure", true).await;
    assert!(page.contains("FUA-style v") && page.contains("Acute care use") && page.contains("Counts from 1 to 10"), "{page}");
    // One bar per rate, named by its visible text; a withheld rate has words instead.
    let bars: Value = c
        .execute(
            "return Array.from(document.querySelectorAll('figure.bars .bar-row')).map(r => {
                const m = r.querySelector('meter');
                return m ? { label: m.labels[0].textContent, value: m.value, max: m.max } : { label: r.textContent, value: null };
             });",
            vec![],
        )
        .await
        .unwrap();
    let bars = bars.as_array().unwrap();
    let rows = c.find_all(Locator::Css("#rates tbody tr")).await.unwrap().len();
    assert_eq!(bars.len(), rows, "a bar row per rate: {bars:?}");
    for b in bars {
        let label = b["label"].as_str().unwrap();
        match b["value"].as_f64() {
            Some(v) => assert!((0.0..=100.0).contains(&v) && b["max"] == 100.0 && label.ends_with('%'), "{b}"),
            None => assert!(label.ends_with("fewer than 11"), "{b}"),
        }
    }
    assert_accessible(&c, "the measures page").await;

    set_value(&c, "from", "2030-06-01").await;
    set_value(&c, "to", "2020-01-01").await;
    c.find(Locator::Css("form[action='/measures'] button[type=submit]")).await.unwrap().click().await.unwrap();
    let page = wait_for_text(&c, "Some answers need fixing", true).await;
    assert!(page.contains("To: The period ends before it starts"), "the summary names the field: {page}");
    let beside = c.find(Locator::Id("to-error")).await.unwrap().text().await.unwrap();
    assert!(beside.starts_with("The period ends before it starts"), "the problem is beside the field: {beside}");
    assert_eq!(c.find(Locator::Id("to")).await.unwrap().attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    assert_accessible(&c, "the measures page with an error").await;

    set_value(&c, "from", "2020-01-01").await;
    set_value(&c, "to", "2030-12-31").await;
    c.find(Locator::Css("form[action='/measures'] button[type=submit]")).await.unwrap().click().await.unwrap();
    let page = wait_for_text(&c, "Index days from 2020-01-01 to 2030-12-31", true).await;
    assert!(!page.contains("Some answers need fixing"), "{page}");

    // The second rate's breakdown, for the same period.
    let link = c.find(Locator::Css("#rates tbody tr:nth-child(2) a")).await.unwrap();
    let name = link.attr("aria-label").await.unwrap().expect("the link names its measure");
    let measure = name.strip_prefix("Breakdown: ").expect("the name starts with the link's text").to_string();
    link.click().await.unwrap();
    let page = wait_for_text(&c, &format!("{measure}, by peer"), true).await;
    assert!(page.contains(&format!("{measure}, by region")), "{page}");
    assert!(c.current_url().await.unwrap().as_str().contains("from=2020-01-01"), "the period is kept");
    let current = c.find(Locator::Css("#rates a[aria-current]")).await.unwrap().attr("aria-label").await.unwrap();
    assert_eq!(current.as_deref(), Some(name.as_str()), "the chosen measure is marked");
    assert_accessible(&c, "a measure's breakdown").await;
    c.close().await.unwrap();
}
