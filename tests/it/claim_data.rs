//! The data a claim needs, each with its privacy label: diagnoses recorded,
//! read and ended through the gate, shown only to readers who see their
//! label; refusals audited; bad codes refused with the field named and
//! nothing written.

use accompany_domain::records::Persona;
use accompany_store::NewUser;
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::TestApp;

async fn audit_rows(app: &TestApp, filter: &str) -> i64 {
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.db.url).await.unwrap();
    let row: (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM audit_events WHERE {filter}")).fetch_one(&mut conn).await.unwrap();
    row.0
}

async fn staff(app: &TestApp, username: &str, persona: Persona, org: Option<&str>) -> (String, String) {
    let u = app
        .store
        .create_user(NewUser { username, display_name: username, password: "a long enough password", persona, organization_id: org, member_id: None })
        .await
        .unwrap();
    (app.store.create_token(&u.id, "test", Some(1)).await.unwrap(), u.id)
}

struct Tokens {
    member: String,
    peer: String,
    peer_user: String,
    coordinator: String,
    member_id: String,
}

async fn tokens(app: &TestApp) -> Tokens {
    let client = app.client();
    let (member, _) = app.api_login(&client, Persona::Member).await;
    let (peer, _) = app.api_login(&client, Persona::PeerWorker).await;
    let (coordinator, _) = app.api_login(&client, Persona::CareCoordinator).await;
    let (_, me) = app.get(&member, "/api/v1/me").await;
    let member_id = me["user"]["member_id"].as_str().unwrap().to_string();
    let (_, p) = app.get(&peer, "/api/v1/me").await;
    let peer_user = p["user"]["id"].as_str().unwrap().to_string();
    Tokens { member, peer, peer_user, coordinator, member_id }
}

fn codes(v: &Value) -> Vec<String> {
    v["diagnoses"].as_array().map(|a| a.iter().filter_map(|d| d["code"].as_str().map(str::to_string)).collect()).unwrap_or_default()
}

async fn end(app: &TestApp, token: &str, path: &str, if_match: Option<&str>, body: &Value) -> (u16, Value) {
    let mut r = app.client().post(app.url(path)).bearer_auth(token).json(body);
    if let Some(tag) = if_match {
        r = r.header("If-Match", tag);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn claim_data_diagnoses_are_added_read_by_label_and_ended() {
    let app = TestApp::seeded(20).await;
    let t = tokens(&app).await;
    let path = format!("/api/v1/members/{}/diagnoses", t.member_id);
    let mut ids = std::collections::BTreeMap::new();
    for (code, category) in [("f11.20", "substance-use"), ("F32.9", "mental-health"), ("Z590", "care-plan")] {
        let body = json!({ "code": code, "description": "noted at intake", "start_date": "2025-06-01" });
        let (s, d) = app.send(Method::POST, &t.coordinator, &path, &body).await;
        assert_eq!(s, 201, "{d}");
        assert_eq!(d["category"], category, "{d}");
        assert_eq!(d["version"], 1);
        ids.insert(d["code"].as_str().unwrap().to_string(), d["id"].as_str().unwrap().to_string());
    }
    assert!(ids.contains_key("F11.20") && ids.contains_key("Z59.0"), "codes are shown with their dot: {ids:?}");
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.db.url).await.unwrap();
    let stored: (String,) = sqlx::query_as(&format!("SELECT code FROM diagnoses WHERE id = '{}'", ids["F11.20"])).fetch_one(&mut conn).await.unwrap();
    assert_eq!(stored.0, "F1120", "stored without the dot, as a claim carries it");

    // The member sees all their own diagnoses; the peer, under the default
    // sharing, neither the substance-use nor the mental-health one.
    let (s, mine) = app.get(&t.member, &path).await;
    assert_eq!(s, 200, "{mine}");
    let mine = codes(&mine);
    assert!(mine.contains(&"F11.20".to_string()) && mine.contains(&"F32.9".to_string()), "{mine:?}");
    let (s, seen) = app.get(&t.peer, &path).await;
    assert_eq!(s, 200, "{seen}");
    assert!(!codes(&seen).iter().any(|c| c.starts_with('F')), "the peer sees no F code by default: {seen}");
    assert!(!seen.to_string().contains("F11"), "nothing of the hidden diagnosis is sent: {seen}");
    assert!(seen.get("part2_notice").is_none());
    assert_eq!(seen["can_write"], false);

    // Once the member shares substance use with the peer under Part 2, the
    // peer sees that diagnosis, with the notice; still not the mental-health one.
    let expires = (accompany::seed::today() + time::Duration::days(30)).to_string();
    let choice = json!({ "recipient": format!("person:{}", t.peer_user), "categories": ["substance-use"], "purposes": ["treatment"],
        "part2_signed_by": "Demo Member", "part2_recipients": "my peer", "part2_expires_on": expires });
    let (s, body) = app.send(Method::POST, &t.member, &format!("/api/v1/members/{}/sharing", t.member_id), &choice).await;
    assert_eq!(s, 201, "{body}");
    let (_, seen) = app.get(&t.peer, &path).await;
    let seen_codes = codes(&seen);
    assert!(seen_codes.contains(&"F11.20".to_string()), "{seen}");
    assert!(!seen_codes.contains(&"F32.9".to_string()), "{seen}");
    assert!(seen["part2_notice"].is_string());

    // Ending: the version read is required; a stale one is refused; a
    // diagnosis ends once.
    let end_path = format!("{path}/{}/end", ids["Z59.0"]);
    let (s, _) = end(&app, &t.coordinator, &end_path, None, &json!({ "end_date": "2025-09-01" })).await;
    assert_eq!(s, 428);
    let (s, body) = end(&app, &t.coordinator, &end_path, Some("\"1\""), &json!({ "end_date": "2025-05-01" })).await;
    assert_eq!((s, body["errors"][0]["field"].as_str()), (422, Some("end_date")), "before the start: {body}");
    let (s, ended) = end(&app, &t.coordinator, &end_path, Some("\"1\""), &json!({ "end_date": "2025-09-01" })).await;
    assert_eq!(s, 200, "{ended}");
    assert_eq!((ended["end_date"].as_str(), ended["version"].as_i64()), (Some("2025-09-01"), Some(2)));
    let (s, _) = end(&app, &t.coordinator, &end_path, Some("\"1\""), &json!({ "end_date": "2025-09-02" })).await;
    assert_eq!(s, 412);
    let (s, body) = end(&app, &t.coordinator, &end_path, None, &json!({ "end_date": "2025-09-02", "version": 2 })).await;
    assert_eq!((s, body["errors"][0]["code"].as_str()), (409, Some("already-ended")), "{body}");
    let (_, list) = app.get(&t.member, &path).await;
    let listed = list["diagnoses"].as_array().unwrap();
    assert_eq!(listed.last().unwrap()["code"], "Z59.0", "ended diagnoses come last: {list}");
    let ended_events = format!(
        "entity = 'diagnosis' AND action = 'update' AND decision = 'permit' AND entity_id = '{}' AND categories LIKE '%care-plan%'",
        ids["Z59.0"]
    );
    assert!(audit_rows(&app, &ended_events).await >= 1, "the end is audited with the diagnosis's label");
}

#[tokio::test]
async fn claim_data_strangers_peers_and_members_cannot_write_diagnoses() {
    let app = TestApp::seeded(20).await;
    let t = tokens(&app).await;
    let path = format!("/api/v1/members/{}/diagnoses", t.member_id);
    let body = json!({ "code": "F11.20", "start_date": "2025-06-01" });
    let (admin, _) = app.api_login(&app.client(), Persona::StateAdmin).await;
    let (s, org) = app.send(Method::POST, &admin, "/api/v1/organizations", &json!({ "name": "Elsewhere Recovery", "kind": "cbo" })).await;
    assert_eq!(s, 201, "{org}");
    let (other_admin, _) = staff(&app, "other.org.admin", Persona::OrganizationAdmin, org["id"].as_str()).await;
    let before = app.count("diagnoses").await;
    let deny = |who: &str| format!("entity = 'diagnosis' AND decision = 'deny' AND member_id = '{}' AND actor_username = '{who}'", t.member_id);

    let (s, problem) = app.send(Method::POST, &t.peer, &path, &body).await;
    assert_eq!(s, 403, "the member's peer reads but does not diagnose: {problem}");
    let peer_name = app.credential(Persona::PeerWorker).username.clone();
    assert!(audit_rows(&app, &deny(&peer_name)).await >= 1, "the peer's attempt is audited");

    let (s, _) = app.send(Method::POST, &other_admin, &path, &body).await;
    assert_eq!(s, 404, "another organization's admin does not learn the member exists");
    assert!(audit_rows(&app, &deny("other.org.admin")).await >= 1, "the other admin's attempt is audited");
    let (s, _) = app.get(&other_admin, &path).await;
    assert_eq!(s, 404);

    let (s, _) = app.send(Method::POST, &t.member, &path, &body).await;
    assert_eq!(s, 403, "members do not diagnose themselves");
    let member_name = app.credential(Persona::Member).username.clone();
    assert!(audit_rows(&app, &deny(&member_name)).await >= 1);

    let (s, _) = app.send(Method::POST, &admin, "/api/v1/members/no-such-member/diagnoses", &body).await;
    assert_eq!(s, 404);
    assert_eq!(app.count("diagnoses").await, before, "nothing was written");
}

#[tokio::test]
async fn claim_data_bad_codes_and_dates_are_named_and_nothing_is_written() {
    let app = TestApp::seeded(20).await;
    let t = tokens(&app).await;
    let path = format!("/api/v1/members/{}/diagnoses", t.member_id);
    let before = app.count("diagnoses").await;
    for (body, field) in [
        (json!({ "code": "11.20", "start_date": "2025-06-01" }), "code"),
        (json!({ "code": "F11.", "start_date": "2025-06-01" }), "code"),
        (json!({ "code": "F11.20345", "start_date": "2025-06-01" }), "code"),
        (json!({ "code": "F11.20", "start_date": "06/01/2025" }), "start_date"),
        (json!({ "code": "F11.20", "start_date": "2025-06-01", "end_date": "2025-01-01" }), "end_date"),
        (json!({ "code": "F11.20", "start_date": "2025-06-01", "description": "a\u{202E}b" }), "description"),
    ] {
        let (s, problem) = app.send(Method::POST, &t.coordinator, &path, &body).await;
        assert_eq!(s, 422, "{body}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    assert_eq!(app.count("diagnoses").await, before, "nothing was written");
}

#[tokio::test]
async fn claim_data_member_address_and_administrative_sex_follow_their_labels() {
    let app = TestApp::seeded(20).await;
    let t = tokens(&app).await;
    let before = app.count("members").await;
    let base = json!({ "masshealth_id": "100077770001", "given_name": "Ana", "family_name": "Silva", "date_of_birth": "1990-02-03",
        "city": "Worcester", "preferred_languages": ["pt"], "reason": "intake" });
    for (extra, field) in [
        (json!({ "address": { "line1": "12 Main St", "state": "MA", "zip": "1608" } }), "address.zip"),
        (json!({ "address": { "line1": "12 Main St", "state": "Mass", "zip": "01608" } }), "address.state"),
        (json!({ "address": { "line1": " ", "state": "MA", "zip": "01608" } }), "address.line1"),
        (json!({ "administrative_sex": "woman" }), "administrative_sex"),
    ] {
        let mut body = base.clone();
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let (s, problem) = app.send(Method::POST, &t.coordinator, "/api/v1/members", &body).await;
        assert_eq!(s, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    assert_eq!(app.count("members").await, before, "nothing was written");

    let mut body = base.clone();
    body["address"] = json!({ "line1": "12 Main St", "line2": "Apt 3", "state": "ma", "zip": "01608-1234" });
    body["administrative_sex"] = json!("female");
    let (s, m) = app.send(Method::POST, &t.coordinator, "/api/v1/members", &body).await;
    assert_eq!(s, 201, "{m}");
    let id = m["id"].as_str().unwrap();
    let (admin, _) = app.api_login(&app.client(), Persona::StateAdmin).await;
    let (_, read) = app.get(&t.coordinator, &format!("/api/v1/members/{id}")).await;
    assert_eq!(read["address"], json!({ "line1": "12 Main St", "line2": "Apt 3", "state": "MA", "zip": "01608-1234" }), "{read}");
    assert_eq!(read["administrative_sex"], "female", "{read}");
    // A state admin sees billing but not contact details: the sex, not the address.
    let (_, read) = app.get(&admin, &format!("/api/v1/members/{id}")).await;
    assert_eq!(read["administrative_sex"], "female", "{read}");
    assert!(read.get("address").is_none(), "{read}");

    // Whoever does not see contact details or billing gets neither field.
    let (_, seen) = app.get(&t.peer, &format!("/api/v1/members/{}", t.member_id)).await;
    let visible = seen["visible_categories"].to_string();
    if !visible.contains("\"billing\"") {
        assert!(seen.get("administrative_sex").is_none(), "{seen}");
    }
    if !visible.contains("\"contact\"") {
        assert!(seen.get("address").is_none(), "{seen}");
    }
}

#[tokio::test]
async fn claim_data_organizations_carry_checked_provider_identifiers() {
    let app = TestApp::seeded(20).await;
    let (admin, _) = app.api_login(&app.client(), Persona::StateAdmin).await;
    let before = app.count("organizations").await;
    let address = json!({ "line1": "100 Front St", "state": "MA", "zip": "01608-1234" });
    for (body, field) in [
        (json!({ "name": "Bad NPI", "kind": "rlc", "npi": "1234567890", "billing_address": address }), "npi"),
        (
            json!({ "name": "Short ZIP", "kind": "rlc", "npi": "1234567893", "billing_address": { "line1": "1 Main St", "state": "MA", "zip": "01608" } }),
            "billing_address.zip",
        ),
        (json!({ "name": "Bad EIN", "kind": "rlc", "tax_id": "12-34567" }), "tax_id"),
        (json!({ "name": "Bad taxonomy", "kind": "rlc", "taxonomy": "175T0000" }), "taxonomy"),
    ] {
        let (s, problem) = app.send(Method::POST, &admin, "/api/v1/organizations", &body).await;
        assert_eq!(s, 422, "{body}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    let (s, problem) =
        app.send(Method::POST, &admin, "/api/v1/organizations", &json!({ "name": "No address", "kind": "rlc", "npi": "1234567893" })).await;
    assert_eq!((s, problem["errors"][0]["field"].as_str()), (409, Some("billing_address")), "an NPI needs a billing address: {problem}");
    assert_eq!(app.count("organizations").await, before, "nothing was written");

    let body = json!({ "name": "Good Recovery", "kind": "rlc", "city": "Worcester", "npi": "1234567893", "tax_id": "123456789",
        "taxonomy": "175t00000x", "billing_address": address });
    let (s, org) = app.send(Method::POST, &admin, "/api/v1/organizations", &body).await;
    assert_eq!(s, 201, "{org}");
    let (_, read) = app.get(&admin, &format!("/api/v1/organizations/{}", org["id"].as_str().unwrap())).await;
    assert_eq!(
        (read["npi"].as_str(), read["tax_id"].as_str(), read["taxonomy"].as_str()),
        (Some("1234567893"), Some("12-3456789"), Some("175T00000X")),
        "{read}"
    );
    assert_eq!(read["billing_address"]["zip"], "01608-1234");

    // A worker may carry their own NPI, checked the same way.
    let org_id = org["id"].as_str().unwrap();
    let workers_before = app.count("workers").await;
    let worker = json!({ "given_name": "Marisol", "family_name": "Ortiz", "role_id": "certified-peer-specialist",
        "employer_id": org_id, "employment_start": "2024-03-01", "npi": "1234567894" });
    let (s, problem) = app.send(Method::POST, &admin, "/api/v1/workers", &worker).await;
    assert_eq!((s, problem["errors"][0]["field"].as_str()), (422, Some("npi")), "{problem}");
    assert_eq!(app.count("workers").await, workers_before, "nothing was written");
    let mut good = worker.clone();
    good["npi"] = json!("1234567893");
    let (s, w) = app.send(Method::POST, &admin, "/api/v1/workers", &good).await;
    assert_eq!((s, w["npi"].as_str()), (201, Some("1234567893")), "{w}");

    // The demo world's billing providers have NPIs that check.
    let (_, orgs) = app.get(&admin, "/api/v1/organizations?limit=100").await;
    let npis: Vec<&str> = orgs["items"].as_array().unwrap().iter().filter_map(|o| o["npi"].as_str()).collect();
    assert!(npis.len() > 3, "{orgs}");
    assert!(npis.iter().all(|n| accompany_domain::claim_data::is_valid_npi(n)), "{npis:?}");
}
