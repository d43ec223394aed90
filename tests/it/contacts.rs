//! Contacts with billing units, recovery goals in the care plan and the care
//! team in plain words, end to end through the API and the pages: units and
//! the engagement rule, refusals that change nothing and are audited, history
//! on correction, the supervisor's view, and the member's goal-sharing journey.

use accompany_domain::records::Persona;
use accompany_store::NewUser;
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{hidden_value, TestApp};

pub(crate) const PASSWORD: &str = "a long enough password";

/// The demo member, with a Recovery Coach from a peer-run RLC as their peer,
/// the coach's supervisor, and a peer who has nothing to do with them.
pub(crate) struct World {
    pub app: TestApp,
    pub member_id: String,
    pub member: String,
    pub coordinator: String,
    coordinator_id: String,
    pub peer: String,
    pub peer_id: String,
    /// The peer's worker record.
    pub peer_worker_id: String,
    pub supervisor: String,
    pub stranger: String,
    pub admin: String,
    /// The coach's organization.
    pub org: String,
    /// The approved MassHealth authorization for the coach's work, from 60 days ago.
    pub authorization_id: String,
}

async fn user(app: &TestApp, username: &str, display: &str, persona: Persona, org: &str) -> (String, String) {
    let u = app
        .store
        .create_user(NewUser { username, display_name: display, password: PASSWORD, persona, organization_id: Some(org), member_id: None })
        .await
        .expect("user");
    (app.store.create_token(&u.id, "test", Some(1)).await.expect("token"), u.id)
}

pub(crate) async fn world() -> World {
    let app = TestApp::seeded(30).await;
    let client = app.client();
    let (member, _) = app.api_login(&client, Persona::Member).await;
    let (coordinator, _) = app.api_login(&client, Persona::CareCoordinator).await;
    let (admin, _) = app.api_login(&client, Persona::StateAdmin).await;
    let (_, me) = app.get(&member, "/api/v1/me").await;
    let member_id = me["user"]["member_id"].as_str().expect("the member's record").to_string();
    let (_, me) = app.get(&coordinator, "/api/v1/me").await;
    let coordinator_id = me["user"]["id"].as_str().unwrap().to_string();

    let (s, org) = app.send(Method::POST, &admin, "/api/v1/organizations", &json!({ "name": "North Shore RLC", "kind": "rlc" })).await;
    assert_eq!(s, 201, "{org}");
    let org = org["id"].as_str().unwrap().to_string();
    let (supervisor, supervisor_user) = user(&app, "rc.supervisor", "Rosa Supervisor", Persona::Supervisor, &org).await;
    let (peer, peer_id) = user(&app, "rc.peer", "Dana Coach", Persona::PeerWorker, &org).await;
    let (stranger, _) = user(&app, "other.peer", "Other Peer", Persona::PeerWorker, &org).await;
    let worker = |given: &str, user_id: &str, supervisor_id: Option<&str>| {
        json!({ "given_name": given, "family_name": "Worker", "role_id": "peer-recovery-coach", "employer_id": org,
                "employment_start": "2024-01-02", "languages": ["en"], "availability": ["evening", "weekend"],
                "user_id": user_id, "supervisor_id": supervisor_id })
    };
    let (s, sup) = app.send(Method::POST, &admin, "/api/v1/workers", &worker("Rosa", &supervisor_user, None)).await;
    assert_eq!(s, 201, "{sup}");
    let (s, w) = app.send(Method::POST, &admin, "/api/v1/workers", &worker("Dana", &peer_id, sup["id"].as_str())).await;
    assert_eq!(s, 201, "{w}");
    let peer_worker_id = w["id"].as_str().unwrap().to_string();
    crate::support::choose_peer_for(&app, &member, &member_id, &peer_worker_id).await;
    // MassHealth pays a coach who holds the CARC (130 CMR 418.410) and the role's other requirements.
    for kind in ["high-school", "recovery-coach-academy", "carc"] {
        let body = json!({ "kind": kind, "issued_on": "2024-01-02", "expires_on": (kind == "carc").then(|| days_ago(-700)) });
        let (s, c) = app.send(Method::POST, &admin, &format!("/api/v1/workforce/workers/{peer_worker_id}/credentials"), &body).await;
        assert_eq!(s, 201, "{c}");
    }
    // The member starts with no contacts and no authorization but this one.
    app.exec(&format!("DELETE FROM contact_notes WHERE member_id = '{member_id}'")).await;
    let authorization_id = cover(&app, &admin, &member_id, 60).await;
    World { app, member_id, member, coordinator, coordinator_id, peer, peer_id, peer_worker_id, supervisor, stranger, admin, org, authorization_id }
}

/// MassHealth coverage for the member, and an approved Recovery Coach
/// authorization from `days` ago (90 days over 90); any earlier one expires.
pub(crate) async fn cover(app: &TestApp, admin: &str, member_id: &str, days: i64) -> String {
    let base = format!("/api/v1/members/{member_id}");
    let (_, list) = app.get(admin, &format!("{base}/authorizations")).await;
    for a in list["authorizations"].as_array().into_iter().flatten().filter(|a| a["status"] == "approved") {
        let (s, e) = app
            .send(Method::POST, admin, &format!("{base}/authorizations/{}/decision", a["id"].as_str().unwrap()), &json!({ "status": "expired" }))
            .await;
        assert_eq!(s, 200, "{e}");
    }
    let (_, coverage) = app.get(admin, &format!("{base}/coverage")).await;
    if !coverage["coverage"].as_array().into_iter().flatten().any(|c| c["payer_id"] == "masshealth") {
        let (s, c) = app.send(Method::POST, admin, &format!("{base}/coverage"), &json!({ "payer_id": "masshealth", "start": days_ago(400) })).await;
        assert_eq!(s, 201, "{c}");
    }
    let request = json!({ "role_id": "peer-recovery-coach", "payer_id": "masshealth", "start": days_ago(days) });
    let (s, a) = app.send(Method::POST, admin, &format!("{base}/authorizations"), &request).await;
    assert_eq!(s, 201, "{a}");
    let id = a["id"].as_str().unwrap().to_string();
    let (s, d) =
        app.send(Method::POST, admin, &format!("{base}/authorizations/{id}/decision"), &json!({ "status": "approved", "number": "PA-1" })).await;
    assert_eq!(s, 200, "{d}");
    id
}

pub(crate) fn days_ago(n: i64) -> String {
    (accompany::seed::today() - time::Duration::days(n)).to_string()
}

pub(crate) fn contact(days: i64, minutes: u32) -> Value {
    json!({ "date": days_ago(days), "start_time": "10:30", "duration_minutes": minutes, "modality": "phone", "setting": "home", "note": "checked in" })
}

impl World {
    fn base(&self) -> String {
        format!("/api/v1/members/{}", self.member_id)
    }
    pub(crate) async fn log(&self, token: &str, body: &Value) -> (u16, Value) {
        self.app.send(Method::POST, token, &format!("{}/contacts", self.base()), body).await
    }
    pub(crate) async fn audit_rows(&self, sql_where: &str) -> i64 {
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&self.app.db.url).await.expect("connect");
        let row: (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM audit_events WHERE {sql_where}")).fetch_one(&mut conn).await.expect("count");
        row.0
    }
}

#[tokio::test]
async fn a_peer_logs_contacts_and_sees_units_against_the_authorization_and_the_engagement_rule() {
    let w = world().await;
    // Recovery Coach under MassHealth: a daily case rate, 90 days over 90, 5 contacts over 30 days.
    for (days, minutes) in [(0, 30), (3, 8), (10, 60), (29, 20)] {
        let (s, c) = w.log(&w.peer, &contact(days, minutes)).await;
        assert_eq!(s, 201, "{c}");
        assert_eq!(c["role_id"], "peer-recovery-coach");
        assert_eq!(c["start_time"], "10:30");
        assert_eq!(c["pricing"]["status"], "billable", "{c}");
    }
    // Day 40 is outside the engagement window but inside the authorization.
    let (s, _) = w.log(&w.peer, &contact(40, 45)).await;
    assert_eq!(s, 201);
    let (s, log) = w.app.get(&w.peer, &format!("{}/contacts", w.base())).await;
    assert_eq!(s, 200, "{log}");
    assert_eq!(log["can_log"], true);
    let units: Vec<u64> = log["contacts"].as_array().unwrap().iter().map(|c| c["units"].as_u64().unwrap()).collect();
    assert_eq!(units, [1, 1, 1, 1, 1], "one unit a day, however long the contact");
    let st = &log["standing"];
    assert_eq!((st["payer"].as_str(), st["rate"].as_str(), st["covered"].as_bool()), (Some("masshealth"), Some("daily-case-rate"), Some(true)));
    assert_eq!(st["authorization"]["id"], w.authorization_id.as_str());
    assert_eq!(st["authorization"]["number"], "PA-1");
    assert_eq!(st["authorization"]["units_used"], 5);
    assert_eq!(st["authorization"]["units_authorized"], 90);
    assert_eq!(st["authorization"]["units_left"], 85);
    assert_eq!(st["engagement"]["rule"], json!({ "kind": "connections", "min": 5, "days": 30 }));
    assert_eq!((st["engagement"]["count"].as_u64(), st["engagement"]["met"].as_bool()), (Some(4), Some(false)));
    assert_eq!(st["engagement"]["needed"], 1);

    // A second contact on a day already counted adds no unit.
    let (s, again) = w.log(&w.peer, &contact(3, 50)).await;
    assert_eq!((s, again["units"].as_u64()), (201, Some(0)), "{again}");
    let (s, _) = w.log(&w.peer, &contact(1, 15)).await;
    assert_eq!(s, 201);
    let (_, log) = w.app.get(&w.peer, &format!("{}/contacts", w.base())).await;
    assert_eq!(log["standing"]["engagement"]["met"], true, "the rule counts contacts, not days");
    assert_eq!(log["standing"]["authorization"]["units_used"], 6);
    // Each contact logged left an audit event naming the member.
    assert_eq!(
        w.audit_rows(&format!(
            "action = 'create' AND entity = 'contact-note' AND decision = 'permit' AND actor_username = 'rc.peer' AND member_id = '{}'",
            w.member_id
        ))
        .await,
        7
    );
    // The log lists every one of them.
    let (s, log) = w.app.get(&w.peer, &format!("{}/contacts", w.base())).await;
    assert_eq!(s, 200);
    assert_eq!(log["contacts"].as_array().map(Vec::len), Some(7));
}

#[tokio::test]
async fn bad_contacts_are_refused_field_by_field_and_change_nothing() {
    let w = world().await;
    let before = w.app.count("contact_notes").await;
    let versions = w.app.count("record_versions").await;
    let tomorrow = (accompany::seed::today() + time::Duration::days(1)).to_string();
    for (body, field) in [
        (json!({ "date": days_ago(0), "duration_minutes": 0, "modality": "phone", "setting": "home" }), "duration_minutes"),
        (json!({ "date": days_ago(0), "duration_minutes": -15, "modality": "phone", "setting": "home" }), "duration_minutes"),
        (json!({ "date": tomorrow, "duration_minutes": 30, "modality": "phone", "setting": "home" }), "date"),
        (json!({ "date": days_ago(0), "duration_minutes": 30, "modality": "carrier-pigeon", "setting": "home" }), "modality"),
        (json!({ "date": days_ago(0), "duration_minutes": 30, "modality": "phone", "setting": "home", "start_time": "25:00" }), "start_time"),
    ] {
        let (s, p) = w.log(&w.peer, &body).await;
        assert_eq!(s, 422, "{body}: {p}");
        assert_eq!(p["errors"][0]["field"], field, "{p}");
        assert!(!p["errors"][0]["message"].as_str().unwrap_or("").is_empty());
    }
    assert_eq!(w.app.count("contact_notes").await, before);
    assert_eq!(w.app.count("record_versions").await, versions);
}

#[tokio::test]
async fn an_unrelated_peer_can_neither_log_nor_see_and_each_refusal_is_audited() {
    let w = world().await;
    let (s, _) = w.log(&w.peer, &contact(0, 30)).await;
    assert_eq!(s, 201);
    let before = w.app.count("contact_notes").await;
    let (s, _) = w.app.get(&w.stranger, &format!("{}/contacts", w.base())).await;
    assert_eq!(s, 404, "a record the peer may not open does not exist for them");
    let (s, _) = w.log(&w.stranger, &contact(0, 30)).await;
    assert_eq!(s, 404);
    let (s, _) = w.app.get(&w.stranger, &format!("{}/recovery-goals", w.base())).await;
    assert_eq!(s, 404);
    let (s, _) = w.app.get(&w.stranger, &format!("{}/team", w.base())).await;
    assert_eq!(s, 404);
    assert_eq!(w.audit_rows("actor_username = 'other.peer' AND decision = 'deny'").await, 4);
    // The care coordinator may read the record but does not log a peer's contacts.
    let (s, p) = w.log(&w.coordinator, &contact(0, 30)).await;
    assert_eq!(s, 403, "{p}");
    assert_eq!(
        w.audit_rows(&format!("action = 'create' AND entity = 'contact-note' AND decision = 'deny' AND actor_user_id = '{}'", w.coordinator_id))
            .await,
        1
    );
    assert_eq!(w.app.count("contact_notes").await, before);
}

#[tokio::test]
async fn correcting_a_contact_keeps_its_history_and_refuses_a_stale_version() {
    let w = world().await;
    let (_, c) = w.log(&w.peer, &contact(2, 30)).await;
    let id = c["id"].as_str().unwrap();
    let url = format!("{}/contacts/{id}", w.base());
    let mut change = contact(2, 50);
    change["version"] = json!(1);
    change["reason"] = json!("it ran longer");
    let (s, c2) = w.app.send(Method::PUT, &w.peer, &url, &change).await;
    assert_eq!(s, 200, "{c2}");
    assert_eq!((c2["version"].as_i64(), c2["duration_minutes"].as_u64(), c2["units"].as_u64()), (Some(2), Some(50), Some(1)));
    // Saving again from the first version would lose the correction.
    change["duration_minutes"] = json!(5);
    let (s, p) = w.app.send(Method::PUT, &w.peer, &url, &change).await;
    assert_eq!(s, 409, "{p}");
    // Bad input on a correction changes nothing either.
    let mut bad = contact(2, 0);
    bad["version"] = json!(2);
    let (s, _) = w.app.send(Method::PUT, &w.peer, &url, &bad).await;
    assert_eq!(s, 422);
    let (_, now) = w.app.get(&w.peer, &url).await;
    assert_eq!((now["version"].as_i64(), now["duration_minutes"].as_u64()), (Some(2), Some(50)));
    let (s, h) = w.app.get(&w.peer, &format!("{url}/history")).await;
    assert_eq!(s, 200);
    let versions = h["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!((versions[0]["version"].as_i64(), versions[0]["reason"].as_str()), (Some(2), Some("it ran longer")));
    assert_eq!((versions[1]["data"]["duration_minutes"].as_u64(), versions[1]["reason"].as_str()), (Some(30), Some("contact logged")));
    // Only the peer who logged it corrects it; the supervisor reads the history.
    let mut theirs = contact(2, 10);
    theirs["version"] = json!(2);
    let (s, _) = w.app.send(Method::PUT, &w.supervisor, &url, &theirs).await;
    assert_eq!(s, 403);
    let (s, h) = w.app.get(&w.supervisor, &format!("{url}/history")).await;
    assert_eq!((s, h["versions"].as_array().map(Vec::len)), (200, Some(2)));
}

#[tokio::test]
async fn a_supervisor_sees_their_supervisees_contacts_and_units() {
    let w = world().await;
    for (d, m) in [(1, 45), (5, 30)] {
        let (s, _) = w.log(&w.peer, &contact(d, m)).await;
        assert_eq!(s, 201);
    }
    let (s, log) = w.app.get(&w.supervisor, &format!("{}/contacts", w.base())).await;
    assert_eq!(s, 200, "{log}");
    assert_eq!(log["can_log"], false);
    assert_eq!(log["role_id"], "peer-recovery-coach", "the standing of the member's peer");
    let mine: Vec<&Value> = log["contacts"].as_array().unwrap().iter().filter(|c| c["author_id"] == w.peer_id.as_str()).collect();
    assert_eq!(mine.len(), 2);
    assert_eq!(mine[0]["units"], 1);
    assert_eq!(mine[0]["pricing"]["status"], "billable");
    assert_eq!(mine[0]["author_name"], "Dana Coach");
    let (s, _) = w.log(&w.supervisor, &contact(0, 30)).await;
    assert_eq!(s, 403, "supervisors read, the peer logs");
    // The page shows the same.
    let client = w.app.client();
    login(&w.app, &client, "rc.supervisor").await;
    let html = client.get(w.app.url(&format!("/members/{}/contact-log", w.member_id))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Dana Coach"), "{html}");
    assert!(!html.contains("name=\"duration_minutes\""), "no form for the supervisor");
}

/// Sign in through the form as one of the accounts the fixture made.
pub(crate) async fn login(app: &TestApp, client: &reqwest::Client, username: &str) {
    let form = client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&form, "csrf").expect("csrf on the sign-in form");
    let r = client
        .post(app.url("/login"))
        .form(&[("username", username), ("password", PASSWORD), ("csrf", &csrf), ("next", "/home")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "sign in as {username}");
}

async fn csrf_of(client: &reqwest::Client, url: &str) -> (String, String) {
    let html = client.get(url).send().await.unwrap().text().await.unwrap();
    (hidden_value(&html, "csrf").expect("a form with csrf"), html)
}

#[tokio::test]
async fn the_log_form_starts_from_today_and_now_and_shows_units_after_saving() {
    let w = world().await;
    let client = w.app.client();
    login(&w.app, &client, "rc.peer").await;
    let page = w.app.url(&format!("/members/{}/contact-log", w.member_id));
    let (csrf, html) = csrf_of(&client, &page).await;
    let local = accompany_store::local_now("America/New_York");
    let (today, now) = (accompany_domain::records::format_date(local.date()), format!("{:02}:{:02}", local.hour(), local.minute()));
    assert!(html.contains(&format!("name=\"date\" type=\"date\" value=\"{today}\"")), "date defaults to today");
    assert!(html.contains("name=\"start_time\" type=\"time\" value=\""), "{html}");
    let shown = html.split("name=\"start_time\" type=\"time\" value=\"").nth(1).and_then(|r| r.get(..5)).unwrap_or("");
    assert!(shown <= now.as_str() && shown.len() == 5, "start defaults to now ({shown} vs {now})");
    assert!(html.contains("Contacts in the last 30 days: 0 of the 5"), "{html}");
    // A bad duration comes back with the error summary and nothing saved.
    let before = w.app.count("contact_notes").await;
    let bad = [
        ("csrf", csrf.as_str()),
        ("date", today.as_str()),
        ("start_time", "09:00"),
        ("duration_minutes", "0"),
        ("modality", "phone"),
        ("setting", "home"),
        ("note", ""),
    ];
    let r = client.post(&page).form(&bad).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("href=\"#duration_minutes\""), "the summary links to the field");
    assert!(html.contains("aria-invalid=\"true\""));
    assert_eq!(w.app.count("contact_notes").await, before);
    let good = [
        ("csrf", csrf.as_str()),
        ("date", today.as_str()),
        ("start_time", "09:00"),
        ("duration_minutes", "25"),
        ("modality", "video"),
        ("setting", "virtual"),
        ("note", "job search"),
    ];
    let r = client.post(&page).form(&good).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let html = client.get(format!("{page}?logged=1")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("1 of 90 authorized units used"), "{html}");
    assert!(html.contains("Billable to MassHealth"), "{html}");
    assert!(html.contains("Contacts in the last 30 days: 1 of the 5"), "{html}");
    assert!(html.contains("job search"));
    // Spanish reads the same numbers.
    let es = client.get(w.app.url("/lang/es?next=/home")).send().await.unwrap();
    assert!(es.status().is_redirection());
    let html = client.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("1 de 90 unidades autorizadas"), "{html}");
}

#[tokio::test]
async fn a_member_writes_a_goal_the_coordinator_sees_until_the_member_withdraws_it() {
    let w = world().await;
    let goals = format!("{}/recovery-goals", w.base());
    let goal = json!({ "goal": "Get back to work part time", "target_date": "2027-03-01",
        "steps": [{ "text": "Update my résumé", "target_date": "2026-12-15" }, { "text": "Visit the job centre" }] });
    // Nobody but the member writes the member's goals.
    for token in [&w.coordinator, &w.peer, &w.supervisor] {
        let (s, _) = w.app.send(Method::POST, token, &goals, &goal).await;
        assert_eq!(s, 403);
    }
    let (s, g) = w.app.send(Method::POST, &w.member, &goals, &goal).await;
    assert_eq!(s, 201, "{g}");
    let gid = g["id"].as_str().unwrap().to_string();
    assert_eq!(g["steps"].as_array().map(Vec::len), Some(2));
    // The peer notes progress; the coordinator cannot.
    let progress = json!({ "date": days_ago(1), "note": "Finished the résumé together" });
    let (s, p) = w.app.send(Method::POST, &w.peer, &format!("{goals}/{gid}/progress"), &progress).await;
    assert_eq!(s, 201, "{p}");
    assert_eq!(p["recorded_by"], "Dana Coach");
    let (s, _) = w.app.send(Method::POST, &w.coordinator, &format!("{goals}/{gid}/progress"), &progress).await;
    assert_eq!(s, 403);
    let future = json!({ "date": (accompany::seed::today() + time::Duration::days(2)).to_string(), "note": "x" });
    let (s, _) = w.app.send(Method::POST, &w.peer, &format!("{goals}/{gid}/progress"), &future).await;
    assert_eq!(s, 422);

    // The coordinator sees the goal and its progress, in the API and beside the care plan.
    let (s, seen) = w.app.get(&w.coordinator, &goals).await;
    assert_eq!(s, 200);
    assert_eq!(seen["hidden"], false);
    let ours = seen["goals"].as_array().unwrap().iter().find(|g| g["id"] == gid.as_str()).expect("the member's new goal").clone();
    assert_eq!(ours["goal"], "Get back to work part time");
    assert_eq!(ours["progress"][0]["note"], "Finished the résumé together");
    assert_eq!(seen["can_write"], false);
    let client = w.app.client();
    w.app.page_login(&client, Persona::CareCoordinator).await;
    let member_page = w.app.url(&format!("/members/{}", w.member_id));
    let html = client.get(&member_page).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Get back to work part time"), "the member page shows the goal");

    // The member withdraws recovery goals from the coordinator (keeping the rest).
    let choice = json!({ "recipient": format!("person:{}", w.coordinator_id),
        "categories": ["contact", "mental-health", "care-plan", "billing"], "purposes": ["treatment"] });
    let (s, c) = w.app.send(Method::POST, &w.member, &format!("{}/sharing", w.base()), &choice).await;
    assert_eq!(s, 201, "{c}");
    let (s, seen) = w.app.get(&w.coordinator, &goals).await;
    assert_eq!(s, 200);
    assert_eq!((seen["hidden"].as_bool(), seen["goals"].as_array().map(Vec::len)), (Some(true), Some(0)));
    let (s, _) = w.app.get(&w.coordinator, &format!("{goals}/{gid}/history")).await;
    assert_eq!(s, 404);
    let html = client.get(&member_page).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains("Get back to work part time"), "the goal is gone from the coordinator's page");
    assert!(html.contains("chosen not to share their recovery goals"));
    // Withdrawing that decision brings back the catalog's default: the coordinator sees goals again.
    let (s, _) = w.app.send(Method::DELETE, &w.member, &format!("{}/sharing/{}", w.base(), c["id"].as_str().unwrap()), &json!({})).await;
    assert_eq!(s, 204);
    let (_, seen) = w.app.get(&w.coordinator, &goals).await;
    assert!(seen["goals"].as_array().unwrap().iter().any(|g| g["id"] == gid.as_str()));

    // The member changes the goal; a stale version is refused and history kept.
    let mut change = goal.clone();
    change["version"] = json!(1);
    change["status"] = json!("achieved");
    let (s, g2) = w.app.send(Method::PUT, &w.member, &format!("{goals}/{gid}"), &change).await;
    assert_eq!((s, g2["version"].as_i64(), g2["status"].as_str()), (200, Some(2), Some("achieved")));
    let (s, _) = w.app.send(Method::PUT, &w.member, &format!("{goals}/{gid}"), &change).await;
    assert_eq!(s, 409);
    let (_, h) = w.app.get(&w.member, &format!("{goals}/{gid}/history")).await;
    assert_eq!(h["versions"].as_array().map(Vec::len), Some(2));
    let (s, p) = w.app.send(Method::POST, &w.member, &goals, &json!({ "goal": " ", "target_date": "soon" })).await;
    assert_eq!(s, 422);
    assert_eq!(p["errors"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn the_member_writes_goals_on_a_page_and_the_peer_notes_progress_there() {
    let w = world().await;
    let client = w.app.client();
    w.app.page_login(&client, Persona::Member).await;
    let page = w.app.url(&format!("/members/{}/goals", w.member_id));
    let (csrf, _) = csrf_of(&client, &page).await;
    let r = client.post(&page).form(&[("csrf", csrf.as_str()), ("goal", ""), ("step_date_0", "someday")]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("href=\"#goal\"") && html.contains("Step 1"), "{html}");
    let form = [("csrf", csrf.as_str()), ("goal", "Walk to the park every morning"), ("step_text_0", "Buy good shoes"), ("step_done_0", "on")];
    let r = client.post(&page).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let html = client.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Walk to the park every morning") && html.contains("Buy good shoes"));

    let peer = w.app.client();
    login(&w.app, &peer, "rc.peer").await;
    let (csrf, html) = csrf_of(&peer, &page).await;
    assert!(html.contains("Walk to the park every morning"));
    assert!(!html.contains("name=\"goal\""), "the peer does not write the member's goals");
    let action = html.split("action=\"").find(|s| s.contains("/progress")).and_then(|s| s.split('"').next()).expect("a progress form").to_string();
    let r = peer
        .post(w.app.url(&action))
        .form(&[("csrf", csrf.as_str()), ("date", &days_ago(0)), ("note", "Walked twice this week")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = client.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Walked twice this week"), "the member sees the peer's note");
}

#[tokio::test]
async fn the_member_sees_their_team_in_plain_words_and_what_each_person_sees() {
    let w = world().await;
    let (s, t) = w.app.get(&w.member, &format!("{}/team", w.base())).await;
    assert_eq!(s, 200, "{t}");
    let team = t["team"].as_array().unwrap();
    let coach = team.iter().find(|p| p["user_id"] == w.peer_id.as_str()).expect("the coach is on the team");
    assert_eq!(coach["role_id"], "peer-recovery-coach");
    assert_eq!((coach["organization"].as_str(), coach["source"].as_str()), (Some("North Shore RLC"), Some("rlc")));
    assert_eq!(coach["availability"], json!(["evening", "weekend"]));
    assert_eq!(coach["ways_to_meet"], json!(["in-person", "phone"]));
    let sees: Vec<&str> = coach["sees"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(sees.contains(&"recovery-goals") && !sees.contains(&"mental-health"), "{sees:?}");
    let coordinator = team.iter().find(|p| p["user_id"] == w.coordinator_id.as_str()).expect("the coordinator");
    assert!(coordinator["sees"].as_array().unwrap().iter().any(|c| c == "care-plan"));
    // Staff see the team but not what the member shares with each person.
    let (s, t) = w.app.get(&w.coordinator, &format!("{}/team", w.base())).await;
    assert_eq!(s, 200);
    assert!(t["team"].as_array().unwrap().iter().all(|p| p["sees"].is_null()));
    // The page explains the role from the catalog, in the member's language.
    let client = w.app.client();
    w.app.page_login(&client, Persona::Member).await;
    let page = w.app.url(&format!("/members/{}/team", w.member_id));
    let html = client.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("A Recovery Coach has been in recovery from addiction"), "{html}");
    assert!(html.contains("Works for a peer-run Recovery Learning Community"), "the source is named");
    assert!(html.contains("evening"));
    client.get(w.app.url("/lang/es?next=/home")).send().await.unwrap();
    let html = client.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Un Coach de Recuperación ha vivido su propia recuperación"), "{html}");
    assert!(html.contains("Ve de su expediente"));
}

/// Contacts, goals, progress notes and groups are held to the same table of
/// limits as member records: NUL, direction overrides and walls of text are
/// refused with the field named, and nothing is written.
#[tokio::test]
async fn notes_goals_and_groups_are_held_to_the_table_of_limits() {
    let w = world().await;
    let wall = "x".repeat(20_000);
    let with = |base: Value, field: &str, value: &str| {
        let mut b = base;
        b[field] = json!(value);
        b
    };
    let contacts_before = w.app.count("contact_notes").await;
    for (note, code) in [("checked in\u{0}", "forbidden-characters"), ("ok \u{202E}dlrow", "forbidden-characters"), (wall.as_str(), "too-long")] {
        let (s, body) = w.log(&w.peer, &with(contact(1, 30), "note", note)).await;
        assert_eq!(s, 422, "{body}");
        assert_eq!((body["errors"][0]["field"].as_str(), body["errors"][0]["code"].as_str()), (Some("note"), Some(code)), "{body}");
    }
    assert_eq!(w.app.count("contact_notes").await, contacts_before);

    let goals = format!("{}/recovery-goals", w.base());
    let goal = json!({ "goal": "Get back to work", "steps": [{ "text": "Update my résumé" }] });
    let goals_before = w.app.count("recovery_goals").await;
    for (body, field) in [
        (with(goal.clone(), "goal", &wall), "goal"),
        (with(goal.clone(), "goal", "work\u{0}"), "goal"),
        (json!({ "goal": "Get back to work", "steps": [{ "text": "line one\nline two" }] }), "steps[0].text"),
        (json!({ "goal": "Get back to work", "steps": [{ "text": "\u{2066}résumé" }] }), "steps[0].text"),
    ] {
        let (s, e) = w.app.send(Method::POST, &w.member, &goals, &body).await;
        assert_eq!(s, 422, "{e}");
        assert_eq!(e["errors"][0]["field"], field, "{e}");
    }
    assert_eq!(w.app.count("recovery_goals").await, goals_before);

    let (_, me) = w.app.get(&w.peer, "/api/v1/me").await;
    let org = me["user"]["organization_id"].as_str().unwrap().to_string();
    let first = (accompany::seed::today() + time::Duration::days(7)).to_string();
    let group = json!({ "title": "Evening recovery circle", "description": "Open to all", "language": "en", "modality": "video",
        "setting": "virtual", "place": "Video link sent on joining", "first_date": first, "start": "19:00", "end": "20:30",
        "weeks": 4, "open_to": org });
    for (field, value, code) in [
        ("title", "Circle\u{0}", "forbidden-characters"),
        ("title", "Circle\nof two lines", "forbidden-characters"),
        ("description", wall.as_str(), "too-long"),
        ("place", "Room \u{202D}12", "forbidden-characters"),
    ] {
        let (s, e) = w.app.send(Method::POST, &w.peer, "/api/v1/groups", &with(group.clone(), field, value)).await;
        assert_eq!(s, 422, "{field}: {e}");
        assert_eq!((e["errors"][0]["field"].as_str(), e["errors"][0]["code"].as_str()), (Some(field), Some(code)), "{e}");
    }
    assert_eq!(w.app.count("peer_groups").await, 0);
    // A description may run over several lines.
    let (s, g) = w.app.send(Method::POST, &w.peer, "/api/v1/groups", &with(group, "description", "Open to all.\nBring a friend.")).await;
    assert_eq!(s, 201, "{g}");
}
