//! The JSON API over HTTP, on whichever database the environment names.

use accompany_domain::records::Persona;
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::TestApp;

fn new_member(masshealth_id: &str) -> Value {
    json!({
        "masshealth_id": masshealth_id,
        "given_name": "Rosa",
        "family_name": "Delgado",
        "date_of_birth": "1984-06-02",
        "preferred_languages": ["es", "en"],
        "demographics": { "faith": "Catholic" },
        "reason": "intake at the RLC"
    })
}

#[tokio::test]
async fn health_answers_when_database_does() {
    let app = TestApp::empty().await;
    let r = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(r.status(), 200);
    app.store.close().await;
    let r = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(r.status(), 503);
}

#[tokio::test]
async fn sign_in_gives_a_token_and_me_names_the_persona() {
    let app = TestApp::seeded(300).await;
    let client = app.client();
    for persona in Persona::ALL {
        let (token, _) = app.api_login(&client, persona).await;
        let (status, me) = app.get(&token, "/api/v1/me").await;
        assert_eq!(status, 200);
        assert_eq!(me["persona"], persona.as_str());
        assert_eq!(me["user"]["username"], app.credential(persona).username);
    }
    let r = client.post(app.url("/api/v1/auth/login")).json(&json!({ "username": "stateadmin", "password": "wrong password" })).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let (status, _) = app.get("not-a-token", "/api/v1/me").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn command_line_tokens_work_as_bearer_tokens() {
    let app = TestApp::seeded(100).await;
    let user = app.store.user_by_username("stateadmin").await.unwrap().unwrap();
    let token = app.store.create_token(&user.id, "test", Some(1)).await.unwrap();
    let (status, me) = app.get(&token, "/api/v1/me").await;
    assert_eq!((status, me["persona"].as_str()), (200, Some("state-admin")));
}

#[tokio::test]
async fn repeated_failed_sign_ins_are_throttled() {
    let app = TestApp::seeded(50).await;
    let client = app.client();
    let mut statuses = vec![];
    for _ in 0..6 {
        let r =
            client.post(app.url("/api/v1/auth/login")).json(&json!({ "username": "member", "password": "not the password" })).send().await.unwrap();
        statuses.push(r.status().as_u16());
    }
    // Three failures are free; the third earns a delay, answered with 429.
    assert_eq!(statuses, [401, 401, 401, 429, 429, 429]);
    // Even the right password waits out the delay.
    let c = app.credential(Persona::Member);
    let r = client.post(app.url("/api/v1/auth/login")).json(&json!({ "username": c.username, "password": c.password })).send().await.unwrap();
    assert_eq!(r.status(), 429);
}

/// Each persona's list holds exactly the members the policy lets them read,
/// and reading anyone else answers 404 and leaves a denied audit event.
#[tokio::test]
async fn lists_and_reads_follow_the_policy() {
    let app = TestApp::seeded(400).await;
    let client = app.client();
    let (admin, _) = app.api_login(&client, Persona::StateAdmin).await;
    let mut all = vec![];
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(a) => format!("/api/v1/members?limit=150&after={a}"),
            None => "/api/v1/members?limit=150".to_string(),
        };
        let (status, page) = app.get(&admin, &path).await;
        assert_eq!(status, 200);
        all.extend(page["items"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(c) => after = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(all.len(), 400, "the state admin pages through everyone");

    for persona in [Persona::Member, Persona::PeerWorker, Persona::Supervisor, Persona::CareCoordinator, Persona::OrganizationAdmin] {
        let (token, _) = app.api_login(&client, persona).await;
        let (_, page) = app.get(&token, "/api/v1/members?limit=500").await;
        let visible: Vec<String> = page["items"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_string()).collect();
        assert!(!visible.is_empty(), "{persona:?} sees someone");
        assert!(visible.len() < all.len(), "{persona:?} does not see everyone");
        if persona == Persona::Member {
            assert_eq!(visible.len(), 1);
        }
        // A member outside the list is not found, and the attempt is audited as denied.
        let outsider = all.iter().find(|id| !visible.contains(id)).unwrap();
        let denied_before = app.count("audit_events WHERE decision = 'deny'").await;
        let (status, body) = app.get(&token, &format!("/api/v1/members/{outsider}")).await;
        assert_eq!(status, 404, "{persona:?} reading an outsider");
        assert!(body["detail"].is_string());
        assert_eq!(app.count("audit_events WHERE decision = 'deny'").await, denied_before + 1);
        // Everyone in the list can be read.
        let (status, _) = app.get(&token, &format!("/api/v1/members/{}", visible[0])).await;
        assert_eq!(status, 200, "{persona:?} reading a visible member");
    }
}

#[tokio::test]
async fn peers_cannot_change_records_and_members_cannot_enrol() {
    let app = TestApp::seeded(100).await;
    let client = app.client();
    let (peer, _) = app.api_login(&client, Persona::PeerWorker).await;
    let (_, page) = app.get(&peer, "/api/v1/members").await;
    let id = page["items"][0]["id"].as_str().unwrap().to_string();
    let mut change = new_member("100099990000");
    change["version"] = json!(1);
    let (status, _) = app.send(Method::PUT, &peer, &format!("/api/v1/members/{id}"), &change).await;
    assert_eq!(status, 403);
    let (member, _) = app.api_login(&client, Persona::Member).await;
    let (status, _) = app.send(Method::POST, &member, "/api/v1/members", &new_member("100099990001")).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn create_update_and_history() {
    let app = TestApp::seeded(50).await;
    let client = app.client();
    let (coordinator, _) = app.api_login(&client, Persona::CareCoordinator).await;
    let (status, created) = app.send(Method::POST, &coordinator, "/api/v1/members", &new_member("100077770001")).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["version"], 1);
    assert_eq!(created["preferred_languages"], json!(["es", "en"]));
    assert_eq!(created["date_of_birth"], "1984-06-02", "dates travel as ISO 8601 text");

    // The coordinator who enrolled the member sits on the team and can read it.
    let (status, team) = app.get(&coordinator, &format!("/api/v1/members/{id}/care-team")).await;
    assert_eq!(status, 200);
    assert_eq!(team["participants"][0]["team_role"], "care-coordinator");

    let mut change = new_member("100077770001");
    change["city"] = json!("Lawrence");
    change["version"] = json!(1);
    change["reason"] = json!("moved");
    let (status, updated) = app.send(Method::PUT, &coordinator, &format!("/api/v1/members/{id}"), &change).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["version"], 2);

    // A stale version is refused, and nothing changes.
    change["city"] = json!("Lowell");
    let (status, problem) = app.send(Method::PUT, &coordinator, &format!("/api/v1/members/{id}"), &change).await;
    assert_eq!(status, 409, "{problem}");

    let (_, history) = app.get(&coordinator, &format!("/api/v1/members/{id}/history")).await;
    let versions = history["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["reason"], "moved");
    assert_eq!(versions[0]["data"]["city"], "Lawrence");
    assert_eq!(versions[1]["reason"], "intake at the RLC");
    assert_eq!(versions[1]["data"]["city"], Value::Null);
    assert_eq!(versions[0]["changed_by"], app.credential(Persona::CareCoordinator).username);

    // A second member with the same MassHealth ID is a conflict with the first, named by field.
    let (status, problem) = app.send(Method::POST, &coordinator, "/api/v1/members", &new_member("100077770001")).await;
    assert_eq!(status, 409);
    assert_eq!(problem["errors"][0]["field"], "masshealth_id");
}

#[tokio::test]
async fn bad_bodies_name_the_field_and_write_nothing() {
    let app = TestApp::seeded(20).await;
    let client = app.client();
    let (admin, _) = app.api_login(&client, Persona::StateAdmin).await;
    let before = app.count("members").await;

    // Broken JSON.
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/members"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("{\"given_name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["content-type"], "application/problem+json");

    // A missing field.
    let (status, p) = app.send(Method::POST, &admin, "/api/v1/members", &json!({ "given_name": "A" })).await;
    assert_eq!(status, 400);
    assert!(p["errors"][0]["field"].is_string(), "{p}");

    // A field of the wrong type.
    let mut body = new_member("100055550001");
    body["preferred_languages"] = json!("es");
    let (status, p) = app.send(Method::POST, &admin, "/api/v1/members", &body).await;
    assert_eq!(status, 400);
    assert_eq!(p["errors"][0]["field"], "preferred_languages", "{p}");

    // Values that fail the rules: every field is named at once.
    let mut body = new_member("123");
    body["date_of_birth"] = json!("02/06/1984");
    body["preferred_languages"] = json!(["xx"]);
    body["email"] = json!("no-at-sign");
    let (status, p) = app.send(Method::POST, &admin, "/api/v1/members", &body).await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["masshealth_id", "date_of_birth", "email", "preferred_languages"]);

    // A plan that is not a plan.
    let mut body = new_member("100055550002");
    body["plan_id"] = json!("nope");
    let (status, p) = app.send(Method::POST, &admin, "/api/v1/members", &body).await;
    assert_eq!(status, 409, "well written, but no such plan is held");
    assert_eq!(p["errors"][0]["field"], "plan_id");

    // Not JSON at all.
    let r = reqwest::Client::new().post(app.url("/api/v1/members")).bearer_auth(&admin).body("masshealth_id=1").send().await.unwrap();
    assert_eq!(r.status(), 415);

    assert_eq!(app.count("members").await, before, "nothing was written");
}

#[tokio::test]
async fn cookie_sessions_need_the_csrf_header_to_change_things() {
    let app = TestApp::seeded(20).await;
    let client = app.client();
    let (_, csrf) = app.api_login(&client, Persona::StateAdmin).await;
    let body = json!({ "name": "North Shore RLC", "kind": "rlc", "city": "Lynn" });
    let r = client.post(app.url("/api/v1/organizations")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = client.post(app.url("/api/v1/organizations")).header("x-csrf-token", &csrf).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201);
    // Reading needs no token.
    let r = client.get(app.url("/api/v1/organizations?kind=rlc")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn organizations_and_workers_round_trip_with_history() {
    let app = TestApp::seeded(20).await;
    let client = app.client();
    let (admin, _) = app.api_login(&client, Persona::StateAdmin).await;
    let (status, org) = app.send(Method::POST, &admin, "/api/v1/organizations", &json!({ "name": "Cape Ann CBO", "kind": "cbo" })).await;
    assert_eq!(status, 201);
    let org_id = org["id"].as_str().unwrap();
    let (status, p) = app.send(Method::POST, &admin, "/api/v1/organizations", &json!({ "name": "X", "kind": "bakery" })).await;
    assert_eq!(status, 422);
    assert_eq!(p["errors"][0]["field"], "kind");

    let worker = json!({
        "given_name": "Marisol", "family_name": "Ortiz", "role_id": "certified-peer-specialist",
        "employer_id": org_id, "employment_start": "2024-03-01", "languages": ["es", "en"],
        "availability": ["evening", "weekend"],
        "statements": [
            { "topic": "parenting", "text": "I raised two kids while in recovery.", "visibility": "members" },
            { "topic": "faith", "text": "Muslim", "visibility": "private" }
        ]
    });
    let (status, w) = app.send(Method::POST, &admin, "/api/v1/workers", &worker).await;
    assert_eq!(status, 201, "{w}");
    let id = w["id"].as_str().unwrap();
    let mut change = worker.clone();
    change["employment_end"] = json!("2026-01-31");
    change["reason"] = json!("moved to another state");
    change["version"] = w["version"].clone();
    let (status, w2) = app.send(Method::PUT, &admin, &format!("/api/v1/workers/{id}"), &change).await;
    assert_eq!(status, 200, "{w2}");
    let (_, h) = app.get(&admin, &format!("/api/v1/workers/{id}/history")).await;
    assert_eq!(h["versions"].as_array().unwrap().len(), 2);

    let mut bad = worker.clone();
    bad["role_id"] = json!("astronaut");
    let (status, p) = app.send(Method::POST, &admin, "/api/v1/workers", &bad).await;
    assert_eq!(status, 422);
    assert_eq!(p["errors"][0]["field"], "role_id");

    // What a worker kept private is seen only by them and their admins.
    let (_, full) = app.get(&admin, &format!("/api/v1/workers/{id}")).await;
    assert_eq!(full["statements"].as_array().unwrap().len(), 2);
    let (coordinator, _) = app.api_login(&client, Persona::CareCoordinator).await;
    let (status, shown) = app.get(&coordinator, &format!("/api/v1/workers/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(shown["statements"], json!([worker["statements"][0]]));
    let (status, _) = app.get(&coordinator, &format!("/api/v1/workers/{id}/history")).await;
    assert_eq!(status, 403);

    // An organization admin changes only their own organization's workers.
    let (orgadmin, _) = app.api_login(&client, Persona::OrganizationAdmin).await;
    let (status, _) = app.send(Method::PUT, &orgadmin, &format!("/api/v1/workers/{id}"), &change).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn openapi_describes_every_route() {
    let app = TestApp::empty().await;
    let doc: Value = reqwest::get(app.url("/api/openapi.json")).await.unwrap().json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() > 50, "every feature's operations are in the document");
    let operations = paths.iter().flat_map(|(path, item)| item.as_object().unwrap().keys().map(move |m| (m.clone(), path.clone())));
    for (method, path) in operations {
        // Every documented operation is really served, not answered by the router's fallback.
        let concrete: String = path.split('/').map(|seg| if seg.starts_with('{') { "x" } else { seg }).collect::<Vec<_>>().join("/");
        let r = reqwest::Client::new().request(method.to_uppercase().parse().unwrap(), app.url(&concrete)).send().await.unwrap();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert_ne!(body["type"], "/problems/no-route", "{method} {path} is routed");
    }
    // Every link names an operation of the document, and a new member leads
    // to the operations that use its id.
    let ids: Vec<&str> = paths.values().flat_map(|item| item.as_object().unwrap().values()).filter_map(|op| op["operationId"].as_str()).collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "operation ids are unique");
    let mut links = 0;
    for op in paths.values().flat_map(|item| item.as_object().unwrap().values()) {
        for response in op["responses"].as_object().unwrap().values() {
            for link in response["links"].as_object().into_iter().flatten().map(|(_, l)| l) {
                assert!(ids.contains(&link["operationId"].as_str().unwrap()), "{link} names an operation");
                links += 1;
            }
        }
    }
    assert!(links >= 35, "{links} links");
    let created = &paths["/api/v1/members"]["post"]["responses"]["201"];
    assert_eq!(created["links"]["contact_log"]["parameters"]["id"], "$response.body#/id", "{created}");
    assert!(created["headers"]["Location"].is_object(), "a creation says where the new record is: {created}");
    // Public operations need no sign-in; the others name both ways to sign in.
    assert_eq!(paths["/api/v1/roles"]["get"]["security"], json!([]));
    assert_eq!(paths["/api/v1/members"]["post"]["security"], json!([{ "bearer": [] }, { "session": [], "csrf": [] }]));
    // Refusals are problem documents.
    let refusal = &paths["/api/v1/members/{id}"]["put"]["responses"]["409"]["content"]["application/problem+json"];
    assert_eq!(refusal["schema"]["$ref"], "#/components/schemas/Problem");

    // An unknown endpoint is a problem document, not an HTML page.
    let r = reqwest::get(app.url("/api/v1/nothing-here")).await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn members_correct_their_own_contact_details_but_not_their_identifiers() {
    let app = TestApp::seeded(30).await;
    let client = app.client();
    let (member, _) = app.api_login(&client, Persona::Member).await;
    let (_, me) = app.get(&member, "/api/v1/me").await;
    let id = me["user"]["member_id"].as_str().unwrap().to_string();
    let (status, mut record) = app.get(&member, &format!("/api/v1/members/{id}")).await;
    assert_eq!(status, 200);
    record["phone"] = json!("413-555-0199");
    record["reason"] = json!("new phone");
    let (status, updated) = app.send(Method::PUT, &member, &format!("/api/v1/members/{id}"), &record).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["phone"], "413-555-0199");
    record["masshealth_id"] = json!("100000000999");
    record["version"] = updated["version"].clone();
    let (status, p) = app.send(Method::PUT, &member, &format!("/api/v1/members/{id}"), &record).await;
    assert_eq!(status, 403, "not the member's to change: {p}");
    assert_eq!(p["errors"][0]["field"], "masshealth_id");
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("care coordinator"));
    // Members may read the directory of organizations, not the workers in it.
    assert_eq!(app.get(&member, "/api/v1/organizations").await.0, 200);
    assert_eq!(app.get(&member, "/api/v1/workers").await.0, 403);
}

#[tokio::test]
async fn family_name_search_is_a_case_insensitive_prefix() {
    let app = TestApp::seeded(300).await;
    let client = app.client();
    let (admin, _) = app.api_login(&client, Persona::StateAdmin).await;
    let (_, all) = app.get(&admin, "/api/v1/members?limit=500").await;
    let names: Vec<String> = all["items"].as_array().unwrap().iter().map(|m| m["family_name"].as_str().unwrap().to_string()).collect();
    let probe = &names[0];
    let prefix: String = probe.chars().take(3).collect::<String>().to_uppercase();
    let expected = names.iter().filter(|n| n.to_lowercase().starts_with(&prefix.to_lowercase())).count();
    let (status, found) = app.get(&admin, &format!("/api/v1/members?limit=500&name={prefix}")).await;
    assert_eq!(status, 200);
    let found = found["items"].as_array().unwrap();
    assert_eq!(found.len(), expected, "prefix {prefix}");
    assert!(found.iter().all(|m| m["family_name"].as_str().unwrap().to_lowercase().starts_with(&prefix.to_lowercase())));
    let (_, none) = app.get(&admin, "/api/v1/members?name=zzzzqq").await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
}
