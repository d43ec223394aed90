//! Acute-care events from a plan's or hospital's file: every bad line named
//! and nothing half-loaded, FHIR Encounters read as well as CSV, a file
//! sent twice loaded once; only state admins load them; a member's events
//! shown only to those who see their label, and every refusal audited.

use accompany_domain::records::Persona;
use serde_json::{json, Value};

use crate::claims::{post_text, run};
use crate::support::TestApp;

#[tokio::test]
async fn events_load_whole_or_not_at_all_and_are_shown_by_their_label() {
    let app = TestApp::seeded(30).await;
    let client = app.client();
    let (member, _) = app.api_login(&client, Persona::Member).await;
    let (coordinator, _) = app.api_login(&client, Persona::CareCoordinator).await;
    let (admin, _) = app.api_login(&client, Persona::StateAdmin).await;
    let (orgadmin, _) = app.api_login(&client, Persona::OrganizationAdmin).await;
    let (_, me) = app.get(&member, "/api/v1/me").await;
    let member_id = me["user"]["member_id"].as_str().unwrap().to_string();
    let (_, record) = app.get(&member, &format!("/api/v1/members/{member_id}")).await;
    let mh = record["masshealth_id"].as_str().unwrap().to_string();
    // The seed has events of its own; this test counts and reads only those it loads.
    let seeded = seeded_event_ids(&app).await;
    let before = app.count("care_events").await;

    // One bad line: every problem named by line, nothing loaded.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.csv");
    let header = "masshealth_id,kind,start,end,facility,diagnoses,part2,external_id";
    std::fs::write(
        &file,
        format!("{header}\n{mh},ed-visit,2026-10-03,,Worcester General,F33.1,no,h-1\n{mh},admission,2026-10-05,,Worcester General,F33.1,no,h-2\n000000000000,ed-visit,2026-10-07,,General,F10.21,yes,h-3\n"),
    )
    .unwrap();
    let (ok, out) = run(&app, &["events", "import", file.to_str().unwrap()]);
    assert!(!ok, "{out}");
    assert!(out.contains("line 3: end") && out.contains("line 4: masshealth_id") && out.contains("nothing was loaded"), "{out}");
    assert_eq!(app.count("care_events").await, before);
    // Fixed: all three lines load; the same file again loads nothing new.
    std::fs::write(
        &file,
        format!("{header}\n{mh},ed-visit,2026-10-03,,Worcester General,F33.1,no,h-1\n{mh},admission,2026-10-05,2026-10-09,Worcester General,F33.1,no,h-2\n{mh},ed-visit,2026-10-20,,Harbor Hospital,F10.21,yes,h-3\n"),
    )
    .unwrap();
    let (ok, out) = run(&app, &["events", "import", file.to_str().unwrap()]);
    assert!(ok && out.contains("Loaded 3 events"), "{out}");
    let (ok, out) = run(&app, &["events", "import", file.to_str().unwrap()]);
    assert!(ok && out.contains("Loaded 0 events") && out.contains("3 loaded before"), "{out}");
    assert_eq!(app.count("care_events").await, before + 3);
    // A FHIR Encounter through the API.
    let enc = json!({ "resourceType": "Encounter", "id": "fhir-9", "class": { "code": "AMB" },
        "subject": { "identifier": { "value": mh } }, "period": { "start": "2026-10-10" },
        "reasonCode": [{ "coding": [{ "system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "F33.1" }] }] });
    let (s, r) = post_text(&app, &admin, "/api/v1/events/import?format=ndjson", &format!("{enc}\n")).await;
    assert_eq!((s, r["loaded"].as_u64()), (200, Some(1)), "{r}");

    // Only state admins load: an organization admin is refused, and the refusal audited.
    let refused_before = app.count("audit_events WHERE entity = 'care-events' AND action = 'import' AND decision = 'deny'").await;
    let (s, _) = post_text(&app, &orgadmin, "/api/v1/events/import", &format!("{header}\n{mh},ed-visit,2026-10-03,,X,F33.1,no,evil\n")).await;
    assert_eq!(s, 403);
    assert_eq!(app.count("audit_events WHERE entity = 'care-events' AND action = 'import' AND decision = 'deny'").await, refused_before + 1);
    assert_eq!(app.count("care_events WHERE external_id = 'evil'").await, 0);

    // The member sees all four; the coordinator sees the mental-health ones, not the Part 2 visit.
    let kinds = |v: &Value| {
        v["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| !seeded.contains(e["id"].as_str().unwrap()))
            .map(|e| (e["kind"].as_str().unwrap().to_string(), e["category"].as_str().unwrap().to_string()))
            .collect::<Vec<_>>()
    };
    let (s, own) = app.get(&member, &format!("/api/v1/members/{member_id}/events")).await;
    assert_eq!(s, 200, "{own}");
    assert_eq!(kinds(&own).len(), 4, "{own}");
    let (_, theirs) = app.get(&coordinator, &format!("/api/v1/members/{member_id}/events")).await;
    let seen = kinds(&theirs);
    assert!(seen.iter().all(|(_, c)| c == "mental-health") && seen.len() == 3, "{theirs}");
    // Someone with no tie to the member: not found, audited.
    let (stranger, _) = app.api_login(&client, Persona::Clinician).await;
    let (s, _) = app.get(&stranger, &format!("/api/v1/members/{member_id}/events")).await;
    assert_eq!(s, 404);
    assert!(app.count("audit_events WHERE entity = 'care-events' AND decision = 'deny' AND actor_username = 'clinician'").await >= 1);
}

async fn seeded_event_ids(app: &TestApp) -> std::collections::HashSet<String> {
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.db.url).await.unwrap();
    let ids: Vec<(String,)> = sqlx::query_as("SELECT id FROM care_events").fetch_all(&mut conn).await.unwrap();
    ids.into_iter().map(|(id,)| id).collect()
}

/// The list of members due a follow-up on a caseload page; empty when there is none.
fn follow_ups_on(html: &str) -> String {
    html.split_once("id=\"follow-ups-due\"").and_then(|(_, rest)| rest.split_once("</ul>")).map(|(list, _)| list.to_string()).unwrap_or_default()
}

const HEADER: &str = "masshealth_id,kind,start,end,facility,diagnoses,part2,external_id";

fn day(ago: i64) -> String {
    (accompany::seed::today() - time::Duration::days(ago)).to_string()
}

/// Load one ED visit for the member, `ago` days back, at a named facility for a mental-health diagnosis.
async fn ed_visit(app: &TestApp, admin: &str, masshealth_id: &str, ago: i64, external_id: &str) {
    let file = format!("{HEADER}\n{masshealth_id},ed-visit,{},,Harbor Hospital,F33.1,no,{external_id}\n", day(ago));
    let (s, r) = post_text(app, admin, "/api/v1/events/import", &file).await;
    assert_eq!((s, r["loaded"].as_u64()), (200, Some(1)), "{r}");
}

/// Who the caller is told is due, by member id, with the day.
async fn due(app: &TestApp, token: &str) -> Vec<(String, String)> {
    let (s, body) = app.get(token, "/api/v1/me/follow-ups-due").await;
    assert_eq!(s, 200, "{body}");
    body["due"].as_array().unwrap().iter().map(|d| (d["member_id"].as_str().unwrap().into(), d["since"].as_str().unwrap().into())).collect()
}

async fn one_value(app: &TestApp, sql: &str) -> (String, String) {
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.db.url).await.unwrap();
    sqlx::query_as(sql).fetch_one(&mut conn).await.unwrap()
}

#[tokio::test]
async fn the_peer_is_told_a_follow_up_is_due_with_the_day_and_nothing_of_why() {
    let app = TestApp::seeded(30).await;
    let client = app.client();
    let (member, _) = app.api_login(&client, Persona::Member).await;
    let (peer, _) = app.api_login(&client, Persona::PeerWorker).await;
    let (admin, _) = app.api_login(&client, Persona::StateAdmin).await;
    let (coordinator, _) = app.api_login(&client, Persona::CareCoordinator).await;
    let (_, me) = app.get(&member, "/api/v1/me").await;
    let member_id = me["user"]["member_id"].as_str().unwrap().to_string();
    let (_, record) = app.get(&member, &format!("/api/v1/members/{member_id}")).await;
    let mh = record["masshealth_id"].as_str().unwrap().to_string();
    let (_, me) = app.get(&peer, "/api/v1/me").await;
    let peer_user = me["user"]["id"].as_str().unwrap().to_string();
    let peer_name = app.credential(Persona::PeerWorker).username.clone();
    let mine = |list: Vec<(String, String)>| list.into_iter().filter(|(m, _)| *m == member_id).map(|(_, d)| d).collect::<Vec<_>>();
    let audited = |extra: &str| {
        format!("audit_events WHERE entity = 'care-alerts' AND action = 'read' AND decision = 'permit' AND member_id = '{member_id}' AND actor_username = '{peer_name}'{extra}")
    };

    // A peer with a caseload of their own who is not (or no longer) on the member's team.
    let other = app
        .store
        .create_user(accompany_store::NewUser {
            username: "other.peer",
            display_name: "Other Peer",
            password: "a long enough password",
            persona: Persona::PeerWorker,
            organization_id: None,
            member_id: None,
        })
        .await
        .unwrap();
    let stranger = app.store.create_token(&other.id, "test", Some(1)).await.unwrap();
    let (their_member, their_mh) = one_value(
        &app,
        &format!("SELECT id, masshealth_id FROM members WHERE id NOT IN (SELECT member_id FROM team_members WHERE user_id = '{peer_user}') ORDER BY id LIMIT 1"),
    )
    .await;
    let now = time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap();
    app.exec(&format!(
        "INSERT INTO team_members (id, member_id, user_id, team_role, since, until, created_at) VALUES \
         ('tm-other-1', '{their_member}', '{}', 'peer', '{}', NULL, '{now}'), \
         ('tm-other-2', '{member_id}', '{}', 'peer', '{}', '{}', '{now}')",
        other.id,
        day(60),
        other.id,
        day(300),
        day(200)
    ))
    .await;
    ed_visit(&app, &admin, &their_mh, 1, "theirs-1").await;

    // Two days ago, the day of the peer's last contact in the demo: that contact follows it, so nothing is due.
    ed_visit(&app, &admin, &mh, 2, "ed-1").await;
    assert!(mine(due(&app, &peer).await).is_empty());
    assert_eq!(app.count(&audited("")).await, 0, "no policy check for a member with nothing due");
    // Yesterday, after the last contact: due, with the day and only the member and the day.
    ed_visit(&app, &admin, &mh, 1, "ed-2").await;
    assert_eq!(mine(due(&app, &peer).await), [day(1)]);
    let (_, body) = app.get(&peer, "/api/v1/me/follow-ups-due").await;
    let entry = body["due"].as_array().unwrap().iter().find(|d| d["member_id"] == member_id.as_str()).unwrap();
    let mut keys: Vec<&str> = entry.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["family_name", "given_name", "member_id", "since"]);
    assert_eq!((&entry["given_name"], &entry["family_name"]), (&record["given_name"], &record["family_name"]));
    let text = body.to_string();
    for secret in ["F33", "F331", "Harbor", "ed-visit", "mental-health", "facility", "diagnos", "kind"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert_eq!(app.count(&audited(" AND categories LIKE '%care-alert%'")).await, 2, "one check for each of the two reads");
    // The other peer is told of their own member and never of this one; the coordinator, off any caseload, of nobody.
    let ids = |list: Vec<(String, String)>| list.into_iter().map(|(m, _)| m).collect::<Vec<_>>();
    assert_eq!(ids(due(&app, &stranger).await), std::slice::from_ref(&their_member));
    assert!(due(&app, &coordinator).await.is_empty() && due(&app, &member).await.is_empty());

    // The peer's caseload page says so, in plain words and nothing about why.
    app.page_login(&client, Persona::PeerWorker).await;
    let r = client.get(app.url("/workforce/me/caseload")).send().await.unwrap();
    let page = r.headers()["location"].to_str().unwrap().to_string();
    let html = client.get(app.url(&page)).send().await.unwrap().text().await.unwrap();
    let listed = follow_ups_on(&html);
    assert!(html.contains("Follow-up due") && listed.contains(&format!("href=\"/members/{member_id}\"")), "{html}");
    assert!(listed.contains(&format!("acute care on {}; no contact since", day(1))), "{listed}");
    assert!(!html.contains("F33") && !html.contains("Harbor"));
    assert_eq!(app.count(&audited("")).await, 3);

    // The peer reaches out that day: no longer due.
    let contact =
        json!({ "date": day(1), "start_time": "10:30", "duration_minutes": 30, "modality": "phone", "setting": "home", "note": "checked in" });
    let (s, c) = app.send(reqwest::Method::POST, &peer, &format!("/api/v1/members/{member_id}/contacts"), &contact).await;
    assert_eq!(s, 201, "{c}");
    assert!(mine(due(&app, &peer).await).is_empty());
    let html = client.get(app.url(&page)).send().await.unwrap().text().await.unwrap();
    assert!(!follow_ups_on(&html).contains(&member_id), "{html}");

    // The member's sharing page offers care alerts, and the member turns them off for the peer.
    let sharing = format!("/api/v1/members/{member_id}/sharing");
    let (_, o) = app.get(&member, &sharing).await;
    let peer_sees = |o: &Value| o["team"].as_array().unwrap().iter().find(|p| p["user_id"] == peer_user.as_str()).unwrap()["sees"].clone();
    assert!(peer_sees(&o).as_array().unwrap().iter().any(|c| c == "care-alert"), "{o}");
    let member_client = app.client();
    app.page_login(&member_client, Persona::Member).await;
    let html = member_client.get(app.url("/sharing")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("value=\"care-alert\""), "the sharing page has a box for care alerts");
    let choice = json!({ "recipient": format!("person:{peer_user}"), "categories": ["contact", "recovery-goals"], "purposes": ["treatment"] });
    let (s, c) = app.send(reqwest::Method::POST, &member, &sharing, &choice).await;
    assert_eq!(s, 201, "{c}");
    let (_, o) = app.get(&member, &sharing).await;
    assert!(!peer_sees(&o).as_array().unwrap().iter().any(|c| c == "care-alert"), "{o}");
    // A new visit today: the policy is asked (and audited), and the peer is not told.
    ed_visit(&app, &admin, &mh, 0, "ed-3").await;
    assert!(mine(due(&app, &peer).await).is_empty());
    assert_eq!(app.count(&audited(" AND categories NOT LIKE '%care-alert%'")).await, 1);
    let html = client.get(app.url(&page)).send().await.unwrap().text().await.unwrap();
    assert!(!follow_ups_on(&html).contains(&member_id), "{html}");
    // Withdrawing the choice brings back the default, and the alert with it.
    let (s, _) = app.send(reqwest::Method::DELETE, &member, &format!("{sharing}/{}", c["id"].as_str().unwrap()), &json!({})).await;
    assert_eq!(s, 204);
    assert_eq!(mine(due(&app, &peer).await), [day(0)]);

    // The other peer, once on the member's team, was never told of them nor checked for them.
    assert_eq!(ids(due(&app, &stranger).await), [their_member]);
    assert_eq!(
        app.count(&format!("audit_events WHERE entity = 'care-alerts' AND actor_username = 'other.peer' AND member_id = '{member_id}'")).await,
        0
    );
}

#[tokio::test]
async fn the_record_page_lists_acute_care_by_its_label() {
    let app = TestApp::seeded(30).await;
    let client = app.client();
    let (member, _) = app.api_login(&client, Persona::Member).await;
    let (admin, _) = app.api_login(&client, Persona::StateAdmin).await;
    let (_, me) = app.get(&member, "/api/v1/me").await;
    let member_id = me["user"]["member_id"].as_str().unwrap().to_string();
    let (_, record) = app.get(&member, &format!("/api/v1/members/{member_id}")).await;
    let mh = record["masshealth_id"].as_str().unwrap().to_string();
    ed_visit(&app, &admin, &mh, 3, "page-ed-1").await;
    let file = format!("{HEADER}\n{mh},outpatient-substance-use,{},,Part Two Clinic,F10.20,yes,page-p2-1\n", day(2));
    let (s, r) = post_text(&app, &admin, "/api/v1/events/import", &file).await;
    assert_eq!((s, r["loaded"].as_u64()), (200, Some(1)), "{r}");

    let page = format!("/members/{member_id}");
    let member_client = app.client();
    app.page_login(&member_client, Persona::Member).await;
    let html = member_client.get(app.url(&page)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<h2 id=\"acute-heading\">Acute care</h2>"), "{html}");
    assert!(html.contains("Harbor Hospital") && html.contains("F33.1"), "{html}");
    assert!(html.contains("Part Two Clinic") && html.contains("F10.20"), "the member sees their own Part 2 visit");

    // The coordinator sees the mental-health visit, never the Part 2 one.
    let coordinator_client = app.client();
    app.page_login(&coordinator_client, Persona::CareCoordinator).await;
    // In Spanish, as the browser asks.
    let html = coordinator_client.get(app.url(&page)).header("Accept-Language", "es").send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<h2 id=\"acute-heading\">Atención aguda</h2>"), "{html}");
    assert!(html.contains("Harbor Hospital"), "{html}");
    assert!(!html.contains("Part Two Clinic") && !html.contains("F10.20"), "{html}");
}
