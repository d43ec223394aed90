//! No wrong door: any door leads to the same request, the same person is
//! one request, the public page needs no account (and can open one), and
//! only the people who work the queue see it.

use accompany_domain::records::Persona;
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{hidden_value, TestApp};

pub(crate) fn person(door: &str) -> Value {
    json!({ "door": door, "given_name": "Rosa", "family_name": "Méndez", "date_of_birth": "1984-07-09",
            "phone": "617-555-0199", "language": "es", "support": "both" })
}

pub(crate) async fn public(app: &TestApp, body: &Value) -> (u16, Value) {
    let r = reqwest::Client::new().post(app.url("/api/v1/public/referrals")).json(body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn every_door_leads_to_one_request_per_person() {
    let app = TestApp::seeded(20).await;
    // The seed's own referrals (of members it matched or keeps waiting).
    let seeded = app.count("referrals").await;
    let (s, body) = public(&app, &person("friend-or-family")).await;
    assert_eq!(s, 202, "{body}");
    assert_eq!(body, json!({ "received": true }), "the public answer discloses nothing");

    // The same person arrives again through a hospital, with different spacing and case.
    let (coordinator, _) = app.api_login(&app.client(), Persona::CareCoordinator).await;
    let mut again = person("hospital");
    again["given_name"] = json!("ROSA");
    again["family_name"] = json!(" méndez ");
    again["masshealth_id"] = json!("100077770000");
    let (s, r) = app.send(Method::POST, &coordinator, "/api/v1/referrals", &again).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["arrivals"], 2);
    assert_eq!(r["doors"], json!(["friend-or-family", "hospital"]));
    assert_eq!(r["masshealth_id"], "100077770000", "the later door filled in the MassHealth ID");

    // And a third time by MassHealth ID alone, under another spelling.
    let mut third = person("self");
    third["given_name"] = json!("Rosa María");
    third["masshealth_id"] = json!("100077770000");
    assert_eq!(public(&app, &third).await.0, 202);

    let (s, queue) = app.get(&coordinator, "/api/v1/referrals").await;
    assert_eq!(s, 200);
    let rosas: Vec<&Value> = queue["items"].as_array().unwrap().iter().filter(|r| r["family_name"] == "Méndez").collect();
    assert_eq!(rosas.len(), 1, "one request, not three: {queue}");
    assert_eq!(rosas[0]["arrivals"], 3);
    assert_eq!(rosas[0]["doors"], json!(["friend-or-family", "hospital", "self"]));
    assert_eq!(app.count("referrals").await, seeded + 1);
}

#[tokio::test]
async fn bad_referrals_name_the_fix_and_change_nothing() {
    let app = TestApp::seeded(20).await;
    let seeded = app.count("referrals").await;
    let bad = json!({ "door": "window", "given_name": "", "family_name": "X", "date_of_birth": "2090-01-01",
                      "language": "tlh", "support": "magic", "masshealth_id": "12" });
    let (s, body) = public(&app, &bad).await;
    assert_eq!(s, 422, "{body}");
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().filter_map(|e| e["field"].as_str()).collect();
    for f in ["door", "given_name", "date_of_birth", "language", "support", "masshealth_id"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let mut unreachable = person("self");
    unreachable["phone"] = Value::Null;
    let (s, body) = public(&app, &unreachable).await;
    assert_eq!(s, 422);
    assert_eq!(body["errors"][0]["code"], "reach");
    let (s, _) = public(&app, &json!({ "door": "self" })).await;
    assert_eq!(s, 400, "a body missing fields is refused before anything happens");
    assert_eq!(app.count("referrals").await, seeded);
}

#[tokio::test]
async fn only_the_people_who_work_the_queue_see_it_and_enrolment_puts_the_coordinator_on_the_team() {
    let app = TestApp::seeded(20).await;
    let client = app.client();
    let mut with_id = person("hospital");
    with_id["masshealth_id"] = json!("100066660000");
    let (peer, _) = app.api_login(&client, Persona::PeerWorker).await;
    let (s, r) = app.send(Method::POST, &peer, "/api/v1/referrals", &with_id).await;
    assert_eq!(s, 201, "any staff member may refer: {r}");
    let id = r["id"].as_str().unwrap().to_string();
    for persona in [Persona::PeerWorker, Persona::Member, Persona::PrivacyOfficer] {
        let (token, _) = app.api_login(&app.client(), persona).await;
        assert_eq!(app.get(&token, "/api/v1/referrals").await.0, 403, "{persona:?}");
        assert!([403, 404].contains(&app.get(&token, &format!("/api/v1/referrals/{id}")).await.0), "{persona:?}");
    }
    let (coordinator, _) = app.api_login(&client, Persona::CareCoordinator).await;
    let (s, enrolled) = app.send(Method::POST, &coordinator, &format!("/api/v1/referrals/{id}/enrol"), &json!({})).await;
    assert_eq!(s, 200, "{enrolled}");
    let member_id = enrolled["member_id"].as_str().unwrap();
    let (s, m) = app.get(&coordinator, &format!("/api/v1/members/{member_id}")).await;
    assert_eq!(s, 200, "the enrolling coordinator is on the new member's team");
    assert_eq!(m["given_name"], "Rosa");
    let (_, r) = app.get(&coordinator, &format!("/api/v1/referrals/{id}")).await;
    assert_eq!(r["status"], "enrolled");
    let (_, queue) = app.get(&coordinator, "/api/v1/referrals").await;
    assert!(queue["items"].as_array().unwrap().iter().all(|x| x["id"] != id.as_str()), "enrolled requests leave the open queue");
    // Enrolling needs a MassHealth ID, and says so.
    let (_, r2) = app
        .send(Method::POST, &coordinator, "/api/v1/referrals", &{
            let mut p = person("dmh");
            p["given_name"] = json!("Lucía");
            p
        })
        .await;
    let (s, body) = app.send(Method::POST, &coordinator, &format!("/api/v1/referrals/{}/enrol", r2["id"].as_str().unwrap()), &json!({})).await;
    assert_eq!(s, 409, "the referral holds no MassHealth ID: {body}");
    assert_eq!(body["errors"][0]["code"], "masshealth-for-enrolment");
}

#[tokio::test]
async fn a_person_asks_for_support_in_spanish_and_opens_their_account_with_a_code() {
    let app = TestApp::seeded(20).await;
    let client = app.client();
    let page = client.get(app.url("/get-support")).header("accept-language", "es").send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Pedir apoyo de pares") && html.contains("Especialista"), "Spanish, with the roles explained");
    assert!(!html.contains("name=\"password\""), "the public door opens no account");
    assert!(html.contains("href=\"/claim\""), "it points to the claim page");
    let csrf = hidden_value(&html, "csrf").unwrap();
    let form = [
        ("csrf", csrf.as_str()),
        ("door", "self"),
        ("given_name", "Rosa"),
        ("family_name", "Méndez"),
        ("date_of_birth", "1984-07-09"),
        ("phone", "617-555-0199"),
        ("language", "es"),
        ("support", "mental-health"),
        ("masshealth_id", "100055550000"),
    ];
    let r = client.post(app.url("/get-support")).header("accept-language", "es").form(&form).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Gracias"));

    // The intake coordinator enrols her and reads a code out to her.
    let (coordinator, _) = app.api_login(&app.client(), Persona::CareCoordinator).await;
    let (_, queue) = app.get(&coordinator, "/api/v1/referrals").await;
    let id = queue["items"].as_array().unwrap().iter().find(|r| r["family_name"] == "Méndez").expect("in the intake queue")["id"].clone();
    let (s, enrolled) = app.send(Method::POST, &coordinator, &format!("/api/v1/referrals/{}/enrol", id.as_str().unwrap()), &json!({})).await;
    assert_eq!((s, &enrolled["joined_team"]), (200, &json!(true)), "{enrolled}");
    let member_id = enrolled["member_id"].as_str().unwrap();
    let (s, issued) =
        app.send(Method::POST, &coordinator, &format!("/api/v1/members/{member_id}/enrolment-codes"), &json!({ "delivery": "show" })).await;
    assert_eq!(s, 201, "{issued}");
    let code = issued["code"].as_str().unwrap().to_string();

    let claim = client.get(app.url("/claim")).header("accept-language", "es").send().await.unwrap().text().await.unwrap();
    assert!(claim.contains("Abra su cuenta"));
    let csrf = hidden_value(&claim, "csrf").unwrap();
    let typed = code.to_lowercase().replace('-', " ");
    let r = client
        .post(app.url("/claim"))
        .header("accept-language", "es")
        .form(&[("csrf", csrf.as_str()), ("code", typed.as_str()), ("username", "rosa.mendez"), ("password", "una contraseña larga")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/choose");
    let home = client.get(app.url("/home")).send().await.unwrap();
    assert_eq!(home.status(), 200, "signed in at once");
    assert!(home.text().await.unwrap().contains("Rosa Méndez"));
    let me = client.get(app.url("/api/v1/me")).send().await.unwrap().json::<Value>().await.unwrap();
    assert_eq!(me["persona"], "member");
    assert_eq!(me["user"]["member_id"], member_id);

    // The code worked once.
    let (s, b) = claim_api(&app, &code, "rosa.two").await;
    assert_eq!((s, b["errors"][0]["code"].as_str()), (409, Some("code-invalid")), "{b}");
}

pub(crate) async fn claim_api(app: &TestApp, code: &str, username: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/public/claim"))
        .json(&json!({ "code": code, "username": username, "password": "a long enough password" }))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_public_door_is_throttled_per_address() {
    let app = TestApp::empty().await;
    let mut last = 0;
    for i in 0..11 {
        let mut p = person("self");
        p["given_name"] = json!(format!("Person{i}"));
        last = public(&app, &p).await.0;
        if i < 10 {
            assert_eq!(last, 202, "arrival {i}");
        }
    }
    assert_eq!(last, 429);
    assert_eq!(app.count("referrals").await, 10);
}
