//! Contacts across a peer's caseload: the supervisor's view with counts and
//! units from contacts logged through the API, the order (members below the
//! engagement rule first), refusals that answer 404 and are audited, a member
//! who withdrew peer notes from the supervisor counted but not shown, and the
//! page in Spanish.

use reqwest::Method;
use serde_json::{json, Value};

use crate::contacts::{contact, login, world, World};

/// The Recovery Coach's worker id, as their supervisor finds it.
async fn coach_worker_id(w: &World) -> String {
    let (s, list) = w.app.get(&w.supervisor, "/api/v1/workforce/supervisees").await;
    assert_eq!(s, 200, "{list}");
    list["supervisees"][0]["worker_id"].as_str().expect("the coach is a supervisee").to_string()
}

async fn member_name(w: &World) -> String {
    let (_, m) = w.app.get(&w.member, &format!("/api/v1/members/{}", w.member_id)).await;
    format!("{} {}", m["given_name"].as_str().unwrap(), m["family_name"].as_str().unwrap())
}

/// A second member on the coach's caseload, enrolled by the coordinator.
async fn second_member(w: &World) -> String {
    let body = json!({ "masshealth_id": "100088887777", "given_name": "Tomás", "family_name": "Quintero",
        "date_of_birth": "1979-03-14", "preferred_languages": ["es"], "reason": "intake" });
    let (s, m) = w.app.send(Method::POST, &w.coordinator, "/api/v1/members", &body).await;
    assert_eq!(s, 201, "{m}");
    let id = m["id"].as_str().unwrap().to_string();
    crate::support::choose_peer_for(&w.app, &w.coordinator, &id, &w.peer_worker_id).await;
    crate::contacts::cover(&w.app, &w.admin, &id, 60).await;
    id
}

async fn log_for(w: &World, member_id: &str, days: i64, minutes: u32) {
    let (s, c) = w.app.send(Method::POST, &w.peer, &format!("/api/v1/members/{member_id}/contacts"), &contact(days, minutes)).await;
    assert_eq!(s, 201, "{c}");
}

fn row<'a>(c: &'a Value, member_id: &str) -> Option<&'a Value> {
    c["rows"].as_array().unwrap().iter().find(|r| r["member_id"] == member_id)
}

#[tokio::test]
async fn a_supervisor_sees_the_whole_caseload_with_counts_units_and_members_below_the_rule_first() {
    let w = world().await;
    let other = second_member(&w).await;
    // Recovery Coach under MassHealth: one unit a day, 90 over 90 days, 5 contacts over 30 days.
    for (d, m) in [(0, 30), (3, 8), (10, 60), (20, 45), (29, 20), (40, 45)] {
        log_for(&w, &w.member_id, d, m).await;
    }
    for (d, m) in [(1, 15), (5, 30)] {
        log_for(&w, &other, d, m).await;
    }
    let worker = coach_worker_id(&w).await;
    let url = format!("/api/v1/workforce/workers/{worker}/caseload");
    let (s, c) = w.app.get(&w.supervisor, &url).await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["summary"], json!({ "members": 2, "rule_met": 1, "rule_not_met": 1, "units_used": 6 + 2, "not_shared": 0 }));
    let order: Vec<&str> = c["rows"].as_array().unwrap().iter().map(|r| r["member_id"].as_str().unwrap()).collect();
    assert_eq!(order, [other.as_str(), w.member_id.as_str()], "the member below the rule comes first");
    let below = row(&c, &other).unwrap();
    assert_eq!((below["contacts"].as_u64(), below["window_days"].as_u64()), (Some(2), Some(30)));
    assert_eq!((below["units_used"].as_u64(), below["units_authorized"].as_u64()), (Some(2), Some(90)));
    assert_eq!(below["rule_met"], false);
    assert_eq!(below["last_contact"], (accompany::seed::today() - time::Duration::days(1)).to_string());
    assert_eq!(below["name"], "Tomás Quintero");
    let met = row(&c, &w.member_id).unwrap();
    assert_eq!(
        (met["contacts"].as_u64(), met["units_used"].as_u64(), met["rule_met"].as_bool()),
        (Some(5), Some(6), Some(true)),
        "day 40 is outside the 30 days but inside the authorization"
    );
    assert_eq!(met["last_contact"], accompany::seed::today().to_string());
    assert_eq!(met["name"], member_name(&w).await);

    // The coach sees their own caseload the same way.
    let (s, mine) = w.app.get(&w.peer, &url).await;
    assert_eq!(s, 200);
    assert_eq!(mine["summary"], c["summary"]);
    assert_eq!(row(&mine, &w.member_id).unwrap()["contacts"], 5);
    // The read of the caseload and of each member's contacts is audited.
    assert!(
        w.audit_rows(&format!(
            "action = 'read' AND entity = 'caseload' AND entity_id = '{worker}' AND decision = 'permit' AND actor_username = 'rc.supervisor'"
        ))
        .await
            >= 1
    );
    assert!(
        w.audit_rows(&format!("action = 'read' AND entity = 'contact-note' AND member_id = '{other}' AND actor_username = 'rc.supervisor'")).await
            >= 1
    );

    // The page: reached from the supervisees page, each row linking to the member's contacts.
    let client = w.app.client();
    login(&w.app, &client, "rc.supervisor").await;
    let sup = client.get(w.app.url("/workforce/supervision")).send().await.unwrap().text().await.unwrap();
    let page_url = format!("/workforce/workers/{worker}/caseload");
    assert!(sup.contains(&format!("href=\"{page_url}\"")), "the supervisees page links to the caseload");
    let r = client.get(w.app.url(&page_url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("href=\"/members/{}/contact-log\"", w.member_id)), "{html}");
    assert!(html.contains("Tomás Quintero"));
    assert!(html.contains("Engagement rule met: 1; not met: 1."), "{html}");
    assert!(html.contains("Units used in the authorization window: 8."), "{html}");
    assert!(html.contains("2 in 30 days") && html.contains("2 of 90") && html.contains("6 of 90"));
    assert!(html.find("Tomás Quintero") < html.find(&member_name(&w).await), "the member below the rule is listed first");
    assert!(!html.contains("do not share"), "everyone shares with the supervisor by default");
}

#[tokio::test]
async fn an_unrelated_peer_a_coordinator_and_a_member_are_told_there_is_no_such_caseload() {
    let w = world().await;
    log_for(&w, &w.member_id, 1, 30).await;
    let worker = coach_worker_id(&w).await;
    let url = format!("/api/v1/workforce/workers/{worker}/caseload");
    for token in [&w.stranger, &w.coordinator, &w.member] {
        let (s, body) = w.app.get(token, &url).await;
        assert_eq!(s, 404, "{body}");
        assert!(body.get("rows").is_none());
    }
    let (s, _) = w.app.get(&w.supervisor, "/api/v1/workforce/workers/no-such-worker/caseload").await;
    assert_eq!(s, 404);
    assert_eq!(
        w.audit_rows(&format!("action = 'read' AND entity = 'caseload' AND entity_id = '{worker}' AND decision = 'deny'")).await,
        3,
        "each refusal is audited"
    );
    // Nobody refused read any member's contacts on the way.
    assert_eq!(w.audit_rows("entity = 'contact-note' AND action = 'read' AND actor_username = 'other.peer'").await, 0);
    let client = w.app.client();
    login(&w.app, &client, "other.peer").await;
    let r = client.get(w.app.url(&format!("/workforce/workers/{worker}/caseload"))).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn a_member_who_withdrew_peer_notes_from_the_supervisor_is_counted_but_not_shown() {
    let w = world().await;
    let other = second_member(&w).await;
    log_for(&w, &w.member_id, 2, 30).await;
    log_for(&w, &other, 1, 30).await;
    let (_, me) = w.app.get(&w.supervisor, "/api/v1/me").await;
    let supervisor_user = me["user"]["id"].as_str().unwrap().to_string();
    // The member's sharing page names their peer's supervisor and what they see by default.
    let sharing = format!("/api/v1/members/{}/sharing", w.member_id);
    let supervisor_sees = |o: &Value| {
        let s = o["peer_supervisors"].as_array().and_then(|l| l.iter().find(|p| p["user_id"] == supervisor_user.as_str())).cloned();
        s.map(|p| p["sees"].clone()).unwrap_or(Value::Null)
    };
    let (s, o) = w.app.get(&w.member, &sharing).await;
    assert_eq!(s, 200, "{o}");
    assert_eq!(supervisor_sees(&o), json!(["demographics", "peer-notes", "recovery-goals"]), "{o}");
    // A choice can only narrow it: mental health asked for is not added.
    let choice =
        json!({ "recipient": format!("person:{supervisor_user}"), "categories": ["recovery-goals", "mental-health"], "purposes": ["treatment"] });
    let (s, c) = w.app.send(Method::POST, &w.member, &sharing, &choice).await;
    assert_eq!(s, 201, "{c}");
    let (_, o) = w.app.get(&w.member, &sharing).await;
    assert_eq!(supervisor_sees(&o), json!(["demographics", "recovery-goals"]), "{o}");
    let client = w.app.client();
    w.app.page_login(&client, accompany_domain::records::Persona::Member).await;
    let page = client.get(w.app.url("/sharing")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Rosa Supervisor") && page.contains("Supervises your peer"), "{page}");

    let worker = coach_worker_id(&w).await;
    let url = format!("/api/v1/workforce/workers/{worker}/caseload");
    let (s, c) = w.app.get(&w.supervisor, &url).await;
    assert_eq!(s, 200, "{c}");
    assert_eq!((c["summary"]["members"].as_u64(), c["summary"]["not_shared"].as_u64()), (Some(2), Some(1)));
    assert!(row(&c, &w.member_id).is_none(), "no row for the member who withdrew: {c}");
    assert_eq!(c["summary"]["units_used"], 1, "their units are not in the total either");
    assert!(row(&c, &other).is_some());
    let name = member_name(&w).await;
    assert!(!c.to_string().contains(&name) && !c.to_string().contains(&w.member_id));
    // Their own contact log says the same: no contacts for the supervisor.
    let (_, log) = w.app.get(&w.supervisor, &format!("/api/v1/members/{}/contacts", w.member_id)).await;
    assert_eq!(log["contacts"].as_array().map(Vec::len), Some(0));

    let client = w.app.client();
    login(&w.app, &client, "rc.supervisor").await;
    let html = client.get(w.app.url(&format!("/workforce/workers/{worker}/caseload"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Members who do not share their contacts with you: 1."), "{html}");
    assert!(!html.contains(&name) && !html.contains(&w.member_id));

    // The coach still sees both: the choice names the supervisor only.
    let (_, mine) = w.app.get(&w.peer, &url).await;
    assert_eq!(mine["summary"]["not_shared"], 0);
    assert!(row(&mine, &w.member_id).is_some());
}

#[tokio::test]
async fn the_caseload_page_speaks_spanish_and_the_coach_reaches_it_from_home() {
    let w = world().await;
    log_for(&w, &w.member_id, 0, 45).await;
    let client = w.app.client();
    login(&w.app, &client, "rc.peer").await;
    let home = client.get(w.app.url("/home")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("href=\"/workforce/me/caseload\""), "{home}");
    let r = client.get(w.app.url("/workforce/me/caseload")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(to, format!("/workforce/workers/{}/caseload", coach_worker_id(&w).await));
    let html = client.get(w.app.url(&to)).header("accept-language", "es").send().await.unwrap().text().await.unwrap();
    assert!(html.contains("lang=\"es\""), "{html}");
    assert!(html.contains("Contactos de la carga de casos"), "{html}");
    assert!(html.contains("Regla de participación cumplida: 0; no cumplida: 1."));
    assert!(html.contains("1 en 30 días") && html.contains("1 de 90"), "{html}");
    assert!(html.contains("No cumplida"));
}
