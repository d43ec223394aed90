//! The side doors around the policy point, tried as an attacker would:
//! claiming someone's record, learning who is enrolled from the public
//! door, enrolling onto someone else's record, adding oneself to a team,
//! and lists that say more than they must. Each refusal is asserted with
//! its audit event.

use accompany_domain::records::Persona;
use accompany_store::NewUser;
use reqwest::Method;
use serde_json::{json, Value};

use crate::referrals::{claim_api, person, public};
use crate::support::TestApp;

/// The demo member's id and record, as the member sees it.
async fn demo_member(app: &TestApp) -> (String, Value) {
    let (member, _) = app.api_login(&app.client(), Persona::Member).await;
    let (_, me) = app.get(&member, "/api/v1/me").await;
    let id = me["user"]["member_id"].as_str().unwrap().to_string();
    let (_, m) = app.get(&member, &format!("/api/v1/members/{id}")).await;
    (id, m)
}

/// Audit events matching a filter, straight from the database.
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

/// A new member record with no account, enrolled by the demo coordinator.
async fn unclaimed_member(app: &TestApp, coordinator: &str, masshealth_id: &str, email: Option<&str>) -> String {
    let body = json!({ "masshealth_id": masshealth_id, "given_name": "Ana", "family_name": "Silva", "date_of_birth": "1990-02-03",
        "preferred_languages": ["pt"], "email": email, "reason": "intake" });
    let (s, m) = app.send(Method::POST, coordinator, "/api/v1/members", &body).await;
    assert_eq!(s, 201, "{m}");
    m["id"].as_str().unwrap().to_string()
}

/// Knowing a member's name, date of birth and MassHealth ID opens nothing:
/// the public door takes no account, and the answer is the same byte for
/// byte whether the person is enrolled or not.
#[tokio::test]
async fn the_public_door_opens_no_account_and_answers_the_same_for_everyone() {
    let app = TestApp::seeded(20).await;
    let (_, victim) = demo_member(&app).await;
    let mut claim = person("self");
    claim["masshealth_id"] = victim["masshealth_id"].clone();
    claim["family_name"] = victim["family_name"].clone();
    claim["date_of_birth"] = victim["date_of_birth"].clone();
    claim["username"] = json!("not.the.member");
    claim["password"] = json!("another long password");
    let (s, body) = public(&app, &claim).await;
    assert_eq!(s, 400, "the public door takes no username or password: {body}");
    assert!(app.store.user_by_username("not.the.member").await.unwrap().is_none());

    // Whole responses for a known and an unknown MassHealth ID are the same.
    let send = |body: Value| {
        let url = app.url("/api/v1/public/referrals");
        async move {
            let r = reqwest::Client::new().post(url).json(&body).send().await.unwrap();
            let status = r.status().as_u16();
            let mut headers: Vec<(String, String)> = r
                .headers()
                .iter()
                .filter(|(k, _)| k.as_str() != "date")
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                .collect();
            headers.sort();
            (status, headers, r.bytes().await.unwrap())
        }
    };
    let mut known = person("self");
    known["masshealth_id"] = victim["masshealth_id"].clone();
    known["family_name"] = victim["family_name"].clone();
    known["date_of_birth"] = victim["date_of_birth"].clone();
    let mut unknown = person("self");
    unknown["masshealth_id"] = json!("100099990000");
    let a = send(known).await;
    let b = send(unknown).await;
    assert_eq!(a.0, 202);
    assert_eq!(a, b, "known and unknown people get the same answer");
    // Five tries an hour per MassHealth ID, failures and successes alike, from any address.
    let mut last = 0;
    for i in 0..5 {
        let mut again = person("self");
        again["given_name"] = json!(format!("Probe{i}"));
        again["masshealth_id"] = json!("100099990000");
        last = public(&app, &again).await.0;
    }
    assert_eq!(last, 429, "the sixth try on one MassHealth ID is refused");
    assert!(audit_rows(&app, "actor_username = 'public' AND action = 'throttled' AND decision = 'deny'").await >= 1, "the refusal is audited");
}

/// A code is the only way to link an account to an existing record: it is
/// issued by the member's own coordinator, works once, dies after five
/// wrong tries and when it expires, and every refusal looks the same.
#[tokio::test]
async fn enrolment_codes_are_single_use_guess_proof_and_issued_only_by_the_coordinator() {
    let app = TestApp::seeded(20).await;
    let (coordinator, _) = app.api_login(&app.client(), Persona::CareCoordinator).await;
    let member_id = unclaimed_member(&app, &coordinator, "100012121212", Some("ana@example.org")).await;
    let path = format!("/api/v1/members/{member_id}/enrolment-codes");

    // Only the member's own coordinator issues codes.
    let (peer, _) = app.api_login(&app.client(), Persona::PeerWorker).await;
    let (other, _) = staff(&app, "other.coordinator", Persona::CareCoordinator, None).await;
    let (admin, _) = app.api_login(&app.client(), Persona::StateAdmin).await;
    assert_eq!(app.send(Method::POST, &peer, &path, &json!({ "delivery": "show" })).await.0, 404);
    assert_eq!(app.send(Method::POST, &other, &path, &json!({ "delivery": "show" })).await.0, 404);
    assert_eq!(app.send(Method::POST, &admin, &path, &json!({ "delivery": "show" })).await.0, 403);
    assert!(audit_rows(&app, &format!("entity = 'enrolment-code' AND decision = 'deny' AND member_id = '{member_id}'")).await >= 2);

    // Sent by email, the code goes only to the address on the record, never into the answer.
    let (s, sent) = app.send(Method::POST, &coordinator, &path, &json!({ "delivery": "email" })).await;
    assert_eq!(s, 201, "{sent}");
    assert!(sent.get("code").is_none(), "{sent}");
    let queued = app.store.outbox_messages(None, 100).await.unwrap();
    let message = queued.iter().find(|m| m.text_key == "notice-enrolment-code").expect("the code is in the outbox");
    assert_eq!(message.address, "ana@example.org");
    assert_eq!(message.user_id, None);
    let emailed = message.args["code"].as_str().unwrap().to_string();
    let (s, b) = app.send(Method::POST, &coordinator, &path, &json!({ "delivery": "text" })).await;
    assert_eq!((s, b["errors"][0]["code"].as_str()), (409, Some("no-contact-on-record")), "{b}");

    // A new code voids the old one.
    let (_, shown) = app.send(Method::POST, &coordinator, &path, &json!({ "delivery": "show" })).await;
    let code = shown["code"].as_str().unwrap().to_string();
    assert_eq!(claim_api(&app, &emailed, "ana.silva").await.0, 409, "the emailed code was replaced");

    // Wrong guesses at the right code: the answer never says which part was wrong, and the fifth voids it.
    let unknown = claim_api(&app, "ZZZZ-ZZZZ-ZZZZ", "ana.silva").await;
    let mut wrong = code.clone();
    let last = wrong.pop().unwrap();
    wrong.push(if last == 'A' { 'B' } else { 'A' });
    for _ in 0..5 {
        let guess = claim_api(&app, &wrong, "ana.silva").await;
        assert_eq!(guess, unknown, "a near miss looks like a stranger's guess");
    }
    let (s, b) = claim_api(&app, &code, "ana.silva").await;
    assert_eq!((s, b["errors"][0]["code"].as_str()), (409, Some("code-invalid")), "five wrong tries void the code: {b}");
    assert!(
        audit_rows(&app, &format!("entity = 'enrolment-code' AND action = 'claim' AND decision = 'deny' AND member_id = '{member_id}'")).await >= 6
    );

    // A fresh code works once, and links the account to this record only.
    let (_, shown) = app.send(Method::POST, &coordinator, &path, &json!({ "delivery": "show" })).await;
    let code = shown["code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 14);
    let (s, b) = claim_api(&app, &code, "ana.silva").await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["user"]["member_id"], member_id.as_str());
    assert_eq!(claim_api(&app, &code, "ana.again").await.0, 409, "single use");
    assert_eq!(
        audit_rows(&app, &format!("entity = 'enrolment-code' AND action = 'claim' AND decision = 'permit' AND member_id = '{member_id}'")).await,
        1
    );
    let (s, b) = app.send(Method::POST, &coordinator, &path, &json!({ "delivery": "show" })).await;
    assert_eq!((s, b["errors"][0]["code"].as_str()), (409, Some("has-account")), "{b}");

    // An expired code opens nothing.
    let second = unclaimed_member(&app, &coordinator, "100034343434", None).await;
    let (_, shown) = app.send(Method::POST, &coordinator, &format!("/api/v1/members/{second}/enrolment-codes"), &json!({ "delivery": "show" })).await;
    app.exec(&format!("UPDATE enrolment_codes SET expires_at = '2000-01-01T00:00:00.000000Z' WHERE member_id = '{second}'")).await;
    assert_eq!(claim_api(&app, shown["code"].as_str().unwrap(), "second.member").await.0, 409);
    // Codes are kept only as hashes.
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.db.url).await.unwrap();
    let stored: Vec<(String, String)> =
        sqlx::query_as("SELECT selector_hash, verifier_hash FROM enrolment_codes").fetch_all(&mut conn).await.unwrap();
    let plain = shown["code"].as_str().unwrap().replace('-', "");
    assert!(stored.iter().all(|(a, b)| !a.contains(&plain[..4]) && !b.contains(&plain[4..])), "no code in the clear");
}

/// Guessing codes is throttled per address and per username, counting failures.
#[tokio::test]
async fn guessing_codes_is_throttled() {
    let app = TestApp::empty().await;
    let mut statuses = vec![];
    for i in 0..11 {
        statuses.push(
            claim_api(&app, &format!("ABCD-EFGH-JK{}", ["MN", "MP", "MQ", "MR", "MS", "MT", "MW", "MX", "MY", "MZ", "M2"][i]), "guesser").await.0,
        );
    }
    assert!(statuses[..10].iter().all(|s| *s == 409), "{statuses:?}");
    assert_eq!(statuses[10], 429, "the eleventh try for one username is refused");
}

/// A coordinator cannot enrol a made-up person onto someone else's record,
/// and enrolling onto a matching record adds nobody: they ask, the member decides.
#[tokio::test]
async fn enrolment_cannot_attach_a_stranger_to_an_existing_member() {
    let app = TestApp::seeded(20).await;
    let (member_id, victim) = demo_member(&app).await;
    // A coordinator of the intake organization, who works the public queue.
    let intake = app.store.intake_organization().map(str::to_string);
    let (attacker, attacker_id) = staff(&app, "curious.coordinator", Persona::CareCoordinator, intake.as_deref()).await;
    let mut nobody = person("care-coordinator");
    nobody["given_name"] = json!("Nobody");
    nobody["family_name"] = json!("Inparticular");
    let (s, r) = app.send(Method::POST, &attacker, "/api/v1/referrals", &nobody).await;
    assert_eq!(s, 201, "{r}");
    let id = r["id"].as_str().unwrap().to_string();
    let (admin, _) = app.api_login(&app.client(), Persona::StateAdmin).await;
    let (s, b) =
        app.send(Method::POST, &attacker, &format!("/api/v1/referrals/{id}/enrol"), &json!({ "masshealth_id": victim["masshealth_id"] })).await;
    assert_eq!((s, b["errors"][0]["code"].as_str()), (422, Some("details-differ")), "{b}");
    assert!(audit_rows(&app, &format!("action = 'enrol' AND decision = 'deny' AND member_id = '{member_id}'")).await >= 1);

    // The same person's details enrol onto the record, and add nobody to the team.
    let mut same = person("care-coordinator");
    same["given_name"] = victim["given_name"].clone();
    same["family_name"] = victim["family_name"].clone();
    same["date_of_birth"] = victim["date_of_birth"].clone();
    same["masshealth_id"] = victim["masshealth_id"].clone();
    let (_, r) = app.send(Method::POST, &attacker, "/api/v1/referrals", &same).await;
    let (s, e) = app.send(Method::POST, &attacker, &format!("/api/v1/referrals/{}/enrol", r["id"].as_str().unwrap()), &json!({})).await;
    assert_eq!(s, 200, "{e}");
    assert_eq!(e, json!({ "member_id": member_id, "joined_team": false }));
    assert_eq!(app.get(&attacker, &format!("/api/v1/members/{member_id}")).await.0, 404, "still a stranger to the record");

    // Asking to join answers the same as asking about nobody; the member decides.
    let ask = json!({ "team_role": "care-coordinator", "reason": "I met them at intake" });
    let (s, real) = app.send(Method::POST, &attacker, &format!("/api/v1/members/{member_id}/care-team/requests"), &ask).await;
    let fake = app.send(Method::POST, &attacker, "/api/v1/members/not-a-member/care-team/requests", &ask).await;
    assert_eq!((s, real.clone()), fake, "the answer does not tell whether the member exists");
    assert_eq!(s, 202);
    let (member, _) = app.api_login(&app.client(), Persona::Member).await;
    let (_, requests) = app.get(&member, &format!("/api/v1/members/{member_id}/care-team/requests")).await;
    let request =
        requests["requests"].as_array().unwrap().iter().find(|r| r["user_id"] == attacker_id.as_str()).expect("the member sees the request").clone();
    // Nobody else answers for the member: not the asker, not a state admin.
    let approve = format!("/api/v1/members/{member_id}/care-team/requests/{}/approve", request["id"].as_str().unwrap());
    assert_eq!(app.send(Method::POST, &attacker, &approve, &json!({})).await.0, 404);
    assert_eq!(app.send(Method::POST, &admin, &approve, &json!({})).await.0, 403);
    assert!(audit_rows(&app, &format!("entity = 'care-team' AND action = 'answer' AND decision = 'deny' AND member_id = '{member_id}'")).await >= 1);
    let (s, team) = app.send(Method::POST, &member, &approve, &json!({})).await;
    assert_eq!(s, 200, "{team}");
    assert_eq!(app.get(&attacker, &format!("/api/v1/members/{member_id}")).await.0, 200, "in with the member's approval");
    let (_, sharing) = app.get(&member, &format!("/api/v1/members/{member_id}/sharing")).await;
    assert!(
        sharing["team_changes"].as_array().unwrap().iter().any(|c| c["display_name"] == "curious.coordinator" && c["change"] == "approved"),
        "{sharing}"
    );
}

/// Nobody adds themselves to a team; roles fit people; every change is
/// audited, shown to the member and told to them.
#[tokio::test]
async fn care_team_changes_are_decided_by_policy() {
    let app = TestApp::seeded(20).await;
    let (member_id, _) = demo_member(&app).await;
    let base = format!("/api/v1/members/{member_id}/care-team");
    let (admin, _) = app.api_login(&app.client(), Persona::StateAdmin).await;
    let (_, me) = app.get(&admin, "/api/v1/me").await;
    let admin_id = me["user"]["id"].as_str().unwrap().to_string();
    // A state admin who can read the record cannot put themselves on it, in any role.
    for role in ["clinician", "care-coordinator", "other"] {
        let (s, b) = app.send(Method::POST, &admin, &base, &json!({ "user_id": admin_id, "team_role": role })).await;
        assert!([403, 409].contains(&s), "{role}: {s} {b}");
    }
    assert!(audit_rows(&app, &format!("entity = 'care-team' AND action = 'add' AND decision = 'deny' AND member_id = '{member_id}'")).await >= 3);
    let (_, h) = app.get(&admin, &format!("/api/v1/members/{member_id}/health-entries")).await;
    assert!(h["entries"].as_array().unwrap().iter().all(|e| e["category"] != "mental-health"), "no back door to clinical entries: {h}");

    let (coordinator, _) = app.api_login(&app.client(), Persona::CareCoordinator).await;
    let (_, clinician_id) = staff(&app, "dr.lee", Persona::Clinician, None).await;
    let (_, peer_id) = staff(&app, "some.peer", Persona::PeerWorker, None).await;
    // Peers come only by the member's choice; roles fit the person; unknown people look like unfit ones.
    let (s, b) = app.send(Method::POST, &coordinator, &base, &json!({ "user_id": peer_id, "team_role": "peer" })).await;
    assert_eq!(s, 403, "members choose their peer: {b}");
    let (s, b) = app.send(Method::POST, &coordinator, &base, &json!({ "user_id": peer_id, "team_role": "clinician" })).await;
    let (s2, b2) = app.send(Method::POST, &coordinator, &base, &json!({ "user_id": "no-such-user", "team_role": "clinician" })).await;
    assert_eq!((s, b), (s2, b2), "an unknown account and an unfit one get the same answer");
    // The coordinator adds the clinician; the member sees it and is told.
    let (s, b) = app.send(Method::POST, &coordinator, &base, &json!({ "user_id": clinician_id, "team_role": "clinician" })).await;
    assert_eq!(s, 201, "{b}");
    let (member, _) = app.api_login(&app.client(), Persona::Member).await;
    let (_, sharing) = app.get(&member, &format!("/api/v1/members/{member_id}/sharing")).await;
    assert!(sharing["team_changes"].as_array().unwrap().iter().any(|c| c["display_name"] == "dr.lee" && c["change"] == "added"), "{sharing}");
    let (_, notes) = app.get(&member, "/api/v1/notifications").await;
    assert!(notes["notifications"].as_array().unwrap().iter().any(|n| n["text_key"] == "notice-team-added"), "{notes}");
    assert_eq!(audit_rows(&app, &format!("entity = 'care-team' AND action = 'add' AND decision = 'permit' AND member_id = '{member_id}'")).await, 1);
}

/// Lists name the members they disclosed in their audit event; the member
/// sees list views among who looked, without anyone's address.
#[tokio::test]
async fn lists_are_audited_member_by_member_and_the_member_sees_no_addresses() {
    let app = TestApp::seeded(20).await;
    let (member_id, m) = demo_member(&app).await;
    let (coordinator, _) = app.api_login(&app.client(), Persona::CareCoordinator).await;
    let (s, list) = app.get(&coordinator, &format!("/api/v1/members?name={}", m["family_name"].as_str().unwrap())).await;
    assert_eq!(s, 200);
    assert!(list["items"].as_array().unwrap().iter().any(|x| x["id"] == member_id.as_str()));
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.db.url).await.unwrap();
    let listed: (i64,) = sqlx::query_as(&format!(
        "SELECT COUNT(*) FROM audit_listed_members l JOIN audit_events e ON e.seq = l.seq WHERE l.member_id = '{member_id}' AND e.action = 'list'"
    ))
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(listed.0 >= 1, "the list's event names the member");
    let (member, _) = app.api_login(&app.client(), Persona::Member).await;
    let (s, looked) = app.get(&member, &format!("/api/v1/members/{member_id}/audit")).await;
    assert_eq!(s, 200);
    let events = looked.as_array().or_else(|| looked["events"].as_array()).expect("events").clone();
    assert!(events.iter().any(|e| e["action"] == "list"), "the member sees list views: {looked}");
    assert!(events.iter().all(|e| e["client_addr"] == ""), "no staff addresses: {looked}");
}

/// Public requests go to the intake organization only, and a request for
/// substance-use support carries that label as internal program communication.
#[tokio::test]
async fn public_requests_go_to_intake_labelled_for_substance_use() {
    let app = TestApp::seeded(20).await;
    let mut su = person("self");
    su["support"] = json!("substance-use");
    su["given_name"] = json!("Jo");
    assert_eq!(public(&app, &su).await.0, 202);
    let (coordinator, _) = app.api_login(&app.client(), Persona::CareCoordinator).await;
    let (_, queue) = app.get(&coordinator, "/api/v1/referrals").await;
    assert!(queue["items"].as_array().unwrap().iter().any(|r| r["given_name"] == "Jo"), "the intake coordinator sees it");
    let (outsider, _) = staff(&app, "elsewhere.coordinator", Persona::CareCoordinator, None).await;
    let (s, queue) = app.get(&outsider, "/api/v1/referrals").await;
    assert_eq!(s, 200);
    assert!(queue["items"].as_array().unwrap().iter().all(|r| r["given_name"] != "Jo"), "not every coordinator in the state: {queue}");
    assert!(
        audit_rows(&app, "entity = 'referral' AND action = 'list' AND categories LIKE '%substance-use%' AND purpose = 'internal-communication'")
            .await
            >= 1,
        "the queue view is audited with the substance-use label"
    );
}

/// The coordinator gives a code from the member's page; the page shows it once.
#[tokio::test]
async fn the_coordinator_gives_a_code_from_the_members_page() {
    let app = TestApp::seeded(20).await;
    let (coordinator, _) = app.api_login(&app.client(), Persona::CareCoordinator).await;
    let member_id = unclaimed_member(&app, &coordinator, "100056565656", None).await;
    let client = app.client();
    app.page_login(&client, Persona::CareCoordinator).await;
    let page = client.get(app.url(&format!("/members/{member_id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("action=\"/members/{member_id}/enrolment-code\"")), "the form is on the member's page");
    let csrf = crate::support::hidden_value(&page, "csrf").unwrap();
    let r = client
        .post(app.url(&format!("/members/{member_id}/enrolment-code")))
        .form(&[("csrf", csrf.as_str()), ("delivery", "show")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    // Fluent may wrap placeables in Unicode isolation marks.
    let html = r.text().await.unwrap().replace(['\u{2068}', '\u{2069}'], "");
    let start = html.find("The code, shown once: ").expect("the code is shown") + "The code, shown once: ".len();
    let code = &html[start..start + 14];
    let (s, b) = claim_api(&app, code, "ana.from.page").await;
    assert_eq!(s, 201, "{b}");
    // Without the session's CSRF token nothing is issued.
    let r =
        client.post(app.url(&format!("/members/{member_id}/enrolment-code"))).form(&[("csrf", "forged"), ("delivery", "show")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
}
