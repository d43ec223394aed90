//! Paying for peer work the way each payer pays, end to end: 001's figures
//! for the Recovery Coach (a day is a unit, 90 over 90, two contacts on a day
//! are one unit) and the navigator (180 fifteen-minute units over 90 days),
//! an exhausted authorization whose units wait in the queue and are billed
//! once a renewal is recorded, a missing CARC that blocks MassHealth and
//! not DPH/BSAS, lapsed coverage, the billing page, the coverage import,
//! and every attempt to read or change someone else's billing refused and
//! audited.

use accompany_domain::records::Persona;
use accompany_store::NewUser;
use reqwest::Method;
use serde_json::{json, Value};

use crate::contacts::{contact, cover, days_ago, login, world, World, PASSWORD};

fn base(_: &World, member_id: &str) -> String {
    format!("/api/v1/members/{member_id}")
}

async fn log(w: &World, token: &str, member_id: &str, days: i64, minutes: u32) -> Value {
    let (s, c) = w.app.send(Method::POST, token, &format!("{}/contacts", base(w, member_id)), &contact(days, minutes)).await;
    assert_eq!(s, 201, "{c}");
    c
}

async fn standing(w: &World, token: &str, member_id: &str) -> Value {
    let (s, l) = w.app.get(token, &format!("{}/contacts", base(w, member_id))).await;
    assert_eq!(s, 200, "{l}");
    l
}

/// An approved authorization of `units` for the coach from `days` ago.
async fn authorize(w: &World, member_id: &str, days: i64, units: u32, kind: &str) -> String {
    let request = json!({ "role_id": "peer-recovery-coach", "payer_id": "masshealth", "start": days_ago(days), "units": units, "kind": kind });
    let (s, a) = w.app.send(Method::POST, &w.coordinator, &format!("{}/authorizations", base(w, member_id)), &request).await;
    assert_eq!(s, 201, "the coordinator requests units: {a}");
    assert_eq!(a["status"], "requested");
    let id = a["id"].as_str().unwrap().to_string();
    let (s, d) = w
        .app
        .send(
            Method::POST,
            &w.admin,
            &format!("{}/authorizations/{id}/decision", base(w, member_id)),
            &json!({ "status": "approved", "number": "PA-7" }),
        )
        .await;
    assert_eq!(s, 200, "{d}");
    id
}

#[tokio::test]
async fn ninety_days_over_ninety_and_two_contacts_on_one_day_are_one_unit() {
    let w = world().await;
    // A request takes MassHealth's figures for the coach: 90 units over 90 days.
    let (_, list) = w.app.get(&w.admin, &format!("{}/authorizations", base(&w, &w.member_id))).await;
    let current = list["authorizations"].as_array().unwrap().iter().find(|a| a["id"] == w.authorization_id.as_str()).cloned().unwrap();
    assert_eq!((current["units"].as_u64(), current["start"].as_str()), (Some(90), Some(days_ago(60).as_str())));
    assert_eq!(current["end"], days_ago(60 - 89));
    // Two hours a week for the last eight weeks, and a second, short contact on one of those days.
    for week in 0..8 {
        log(&w, &w.peer, &w.member_id, week * 7, 120).await;
    }
    let second = log(&w, &w.peer, &w.member_id, 14, 15).await;
    assert_eq!(second["units"], 0, "the day already has its unit: {second}");
    let l = standing(&w, &w.peer, &w.member_id).await;
    assert_eq!(l["standing"]["authorization"]["units_used"], 8, "eight days, not 64 fifteen-minute units");
    assert_eq!(l["standing"]["authorization"]["units_left"], 82);
    let (_, list) = w.app.get(&w.admin, &format!("{}/authorizations", base(&w, &w.member_id))).await;
    let used = list["authorizations"].as_array().unwrap().iter().find(|a| a["id"] == w.authorization_id.as_str()).unwrap()["units_used"].clone();
    assert_eq!(used, 8, "the billing office sees the same use");
}

#[tokio::test]
async fn units_beyond_an_exhausted_authorization_wait_in_the_queue_until_a_renewal() {
    let w = world().await;
    // Replace the fixture's authorization with one of three days.
    let (s, _) = w
        .app
        .send(
            Method::POST,
            &w.admin,
            &format!("{}/authorizations/{}/decision", base(&w, &w.member_id), w.authorization_id),
            &json!({ "status": "expired" }),
        )
        .await;
    assert_eq!(s, 200);
    let short = authorize(&w, &w.member_id, 20, 3, "initial").await;
    for days in [1, 3, 5, 8, 12] {
        log(&w, &w.peer, &w.member_id, days, 30).await;
    }
    let l = standing(&w, &w.peer, &w.member_id).await;
    let statuses: Vec<&str> = l["contacts"].as_array().unwrap().iter().map(|c| c["pricing"]["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["needs-authorization", "needs-authorization", "billable", "billable", "billable"], "newest first: the later days wait");
    assert_eq!((l["standing"]["authorization"]["units_used"].as_u64(), l["standing"]["units_waiting"].as_u64()), (Some(3), Some(2)));
    assert_eq!(l["standing"]["authorization"]["over"], true);
    // The billing office's queue names the member, the role, the payer and the units.
    let (s, q) = w.app.get(&w.admin, "/api/v1/authorizations/needed").await;
    assert_eq!(s, 200, "{q}");
    let row = q.as_array().unwrap().iter().find(|r| r["member_id"] == w.member_id.as_str()).cloned().expect("the member waits");
    assert_eq!((row["role_id"].as_str(), row["payer_id"].as_str()), (Some("peer-recovery-coach"), Some("masshealth")));
    assert_eq!((row["units_waiting"].as_u64(), row["contacts_waiting"].as_u64(), row["requested"].as_bool()), (Some(2), Some(2), Some(false)));
    // The queue read is audited once, naming every member it showed.
    let listed = format!(
        "entity = 'authorization-queue' AND action = 'list' AND seq IN (SELECT l.seq FROM audit_listed_members l WHERE l.member_id = '{}')",
        w.member_id
    );
    assert_eq!(w.audit_rows(&listed).await, 1);
    // A renewal from today back over the waiting days bills them: nothing was dropped.
    authorize(&w, &w.member_id, 5, 90, "renewal").await;
    let l = standing(&w, &w.peer, &w.member_id).await;
    assert!(l["contacts"].as_array().unwrap().iter().all(|c| c["pricing"]["status"] == "billable"), "{l}");
    assert_eq!(l["standing"]["units_waiting"], 0);
    let (_, q) = w.app.get(&w.admin, "/api/v1/authorizations/needed").await;
    assert!(!q.as_array().unwrap().iter().any(|r| r["member_id"] == w.member_id.as_str()), "{q}");
    // A decided request is not decided again.
    let (s, p) = w
        .app
        .send(Method::POST, &w.admin, &format!("{}/authorizations/{short}/decision", base(&w, &w.member_id)), &json!({ "status": "denied" }))
        .await;
    assert_eq!((s, p["errors"][0]["code"].as_str()), (409, Some("already-decided")), "{p}");
}

#[tokio::test]
async fn a_missing_carc_blocks_masshealth_but_not_dph_bsas_and_lapsed_coverage_says_so() {
    let w = world().await;
    // A second coach in the same program, without the CARC, is the peer of a second member.
    let org = w.org.clone();
    let user = w
        .app
        .store
        .create_user(NewUser {
            username: "new.coach",
            display_name: "New Coach",
            password: PASSWORD,
            persona: Persona::PeerWorker,
            organization_id: Some(&org),
            member_id: None,
        })
        .await
        .unwrap();
    let token = w.app.store.create_token(&user.id, "test", Some(1)).await.unwrap();
    let body = json!({ "given_name": "New", "family_name": "Coach", "role_id": "peer-recovery-coach", "employer_id": org,
        "employment_start": "2025-01-02", "languages": ["en"], "availability": ["evening"], "user_id": user.id });
    let (s, worker) = w.app.send(Method::POST, &w.admin, "/api/v1/workers", &body).await;
    assert_eq!(s, 201, "{worker}");
    let worker_id = worker["id"].as_str().unwrap().to_string();
    for kind in ["high-school", "recovery-coach-academy"] {
        let (s, _) = w
            .app
            .send(
                Method::POST,
                &w.admin,
                &format!("/api/v1/workforce/workers/{worker_id}/credentials"),
                &json!({ "kind": kind, "issued_on": "2024-01-02" }),
            )
            .await;
        assert_eq!(s, 201);
    }
    let member =
        json!({ "masshealth_id": "100011112222", "given_name": "Ana", "family_name": "Pires", "date_of_birth": "1990-05-01", "reason": "intake" });
    let (s, m) = w.app.send(Method::POST, &w.coordinator, "/api/v1/members", &member).await;
    assert_eq!(s, 201, "{m}");
    let member_id = m["id"].as_str().unwrap().to_string();
    crate::support::choose_peer_for(&w.app, &w.coordinator, &member_id, &worker_id).await;
    // Without coverage a contact is logged, and says why it is not billable.
    let c = log(&w, &token, &member_id, 9, 30).await;
    assert_eq!((c["pricing"]["status"].as_str(), c["pricing"]["reason"]["code"].as_str()), (Some("not-billable"), Some("no-coverage")), "{c}");
    cover(&w.app, &w.admin, &member_id, 30).await;
    let c = log(&w, &token, &member_id, 2, 30).await;
    assert_eq!(c["pricing"]["reason"]["code"], "credential-blocks", "{c}");
    assert_eq!(c["pricing"]["reason"]["requirement_id"], "carc");
    assert_eq!(c["pricing"]["payer"], "masshealth");
    // The peer sees the reason on the page.
    let client = w.app.client();
    login(&w.app, &client, "new.coach").await;
    let html = client.get(w.app.url(&format!("/members/{member_id}/contact-log"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Not billable: the payer requires Certified Addiction Recovery Coach (CARC)"), "{html}");
    // MassHealth coverage ends yesterday; DPH/BSAS covers from then on, and does not require the CARC.
    let (_, cov) = w.app.get(&w.admin, &format!("{}/coverage", base(&w, &member_id))).await;
    let mh = cov["coverage"].as_array().unwrap().iter().find(|c| c["payer_id"] == "masshealth").unwrap()["id"].as_str().unwrap().to_string();
    let (s, e) = w.app.send(Method::POST, &w.admin, &format!("{}/coverage/{mh}/end", base(&w, &member_id)), &json!({ "end": days_ago(1) })).await;
    assert_eq!(s, 200, "{e}");
    let (s, p) = w.app.send(Method::POST, &w.admin, &format!("{}/coverage/{mh}/end", base(&w, &member_id)), &json!({ "end": days_ago(1) })).await;
    assert_eq!((s, p["errors"][0]["code"].as_str()), (409, Some("already-ended")));
    let (s, b) =
        w.app.send(Method::POST, &w.admin, &format!("{}/coverage", base(&w, &member_id)), &json!({ "payer_id": "bsas", "start": days_ago(0) })).await;
    assert_eq!(s, 201, "{b}");
    let c = log(&w, &token, &member_id, 0, 30).await;
    assert_eq!(
        (c["pricing"]["status"].as_str(), c["pricing"]["payer"].as_str(), c["units"].as_u64()),
        (Some("billable"), Some("bsas"), Some(2)),
        "{c}"
    );
    assert_eq!(c["pricing"]["modifiers"], json!(["HF"]));
    assert_eq!(c["pricing"]["place_of_service"], "10", "a phone contact is telehealth in the member's home");
    // The day after MassHealth lapsed and before DPH/BSAS began has no coverage.
    let (_, l) = w.app.get(&token, &format!("{}/contacts", base(&w, &member_id))).await;
    let by_day = |d: i64| l["contacts"].as_array().unwrap().iter().find(|c| c["date"] == days_ago(d)).unwrap()["pricing"].clone();
    assert_eq!(by_day(2)["reason"]["code"], "credential-blocks", "MassHealth still covered that day");
}

#[tokio::test]
async fn a_navigator_has_180_fifteen_minute_units_over_90_days() {
    let w = world().await;
    let request = json!({ "role_id": "recovery-support-navigator", "payer_id": "masshealth", "start": days_ago(0) });
    let (s, a) = w.app.send(Method::POST, &w.coordinator, &format!("{}/authorizations", base(&w, &w.member_id)), &request).await;
    assert_eq!(s, 201, "{a}");
    assert_eq!((a["units"].as_u64(), a["end"].as_str()), (Some(180), Some(days_ago(-89).as_str())));
    // A payer that authorizes nothing for the role is refused, naming those that do.
    let request = json!({ "role_id": "peer-recovery-coach", "payer_id": "grant", "start": days_ago(0) });
    let (s, p) = w.app.send(Method::POST, &w.coordinator, &format!("{}/authorizations", base(&w, &w.member_id)), &request).await;
    assert_eq!(s, 422);
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("masshealth"), "{p}");
}

#[tokio::test]
async fn others_cannot_read_or_change_a_members_billing_and_each_refusal_is_audited() {
    let w = world().await;
    let coverage = format!("{}/coverage", base(&w, &w.member_id));
    let authorizations = format!("{}/authorizations", base(&w, &w.member_id));
    let before = (w.app.count("coverage").await, w.app.count("authorizations").await);
    let new_coverage = json!({ "payer_id": "private-pay", "start": days_ago(0) });
    let request = json!({ "role_id": "peer-recovery-coach", "payer_id": "masshealth", "start": days_ago(0) });
    // A peer with no tie to the member: the record does not exist for them.
    for (method, url, body) in
        [(Method::GET, &coverage, &Value::Null), (Method::POST, &coverage, &new_coverage), (Method::POST, &authorizations, &request)]
    {
        let (s, _) = w.app.send(method, &w.stranger, url, body).await;
        assert_eq!(s, 404);
    }
    assert_eq!(w.audit_rows("actor_username = 'other.peer' AND decision = 'deny'").await, 3);
    // The member's own peer reads their standing but neither records coverage nor requests units.
    let (s, _) = w.app.send(Method::POST, &w.peer, &coverage, &new_coverage).await;
    assert_eq!(s, 403);
    let (s, _) = w.app.send(Method::POST, &w.peer, &authorizations, &request).await;
    assert_eq!(s, 403);
    assert_eq!(w.audit_rows("actor_username = 'rc.peer' AND decision = 'deny' AND entity IN ('coverage', 'authorization')").await, 2);
    // The peer does not see billing information by default.
    let (s, c) = w.app.get(&w.peer, &coverage).await;
    assert_eq!((s, c["hidden"].as_bool(), c["coverage"].as_array().map(Vec::len)), (200, Some(true), Some(0)), "{c}");
    // The coordinator requests units but does not record the payer's decision or coverage.
    let (s, a) = w.app.send(Method::POST, &w.coordinator, &authorizations, &request).await;
    assert_eq!(s, 201);
    let decision = format!("{authorizations}/{}/decision", a["id"].as_str().unwrap());
    let (s, _) = w.app.send(Method::POST, &w.coordinator, &decision, &json!({ "status": "approved" })).await;
    assert_eq!(s, 403);
    let (s, _) = w.app.send(Method::POST, &w.coordinator, &coverage, &new_coverage).await;
    assert_eq!(s, 403);
    // Another organization's admin: no such member.
    let client = w.app.client();
    let (orgadmin, _) = w.app.api_login(&client, Persona::OrganizationAdmin).await;
    let (s, _) = w.app.send(Method::POST, &orgadmin, &coverage, &new_coverage).await;
    assert_eq!(s, 404);
    let (s, _) = w.app.send(Method::POST, &orgadmin, &decision, &json!({ "status": "approved" })).await;
    assert_eq!(s, 404);
    assert_eq!(w.audit_rows("actor_username = 'orgadmin' AND decision = 'deny' AND entity IN ('coverage', 'authorization')").await, 2);
    // The queue is the billing office's: a peer is refused and the refusal audited.
    let (s, _) = w.app.get(&w.peer, "/api/v1/authorizations/needed").await;
    assert_eq!(s, 403);
    assert_eq!(w.audit_rows("actor_username = 'rc.peer' AND entity = 'authorization-queue' AND decision = 'deny'").await, 1);
    // Nothing changed but the coordinator's request.
    assert_eq!((w.app.count("coverage").await, w.app.count("authorizations").await), (before.0, before.1 + 1));
}

#[tokio::test]
async fn bad_coverage_is_refused_field_by_field_and_changes_nothing() {
    let w = world().await;
    let coverage = format!("{}/coverage", base(&w, &w.member_id));
    let before = w.app.count("coverage").await;
    for (body, field) in [
        (json!({ "payer_id": "nobody", "start": days_ago(0) }), "payer_id"),
        (json!({ "payer_id": "masshealth", "start": "2026-02-30" }), "start"),
        (json!({ "payer_id": "masshealth", "start": days_ago(0), "end": days_ago(5) }), "end"),
        (json!({ "payer_id": "masshealth", "start": days_ago(0), "priority": 0 }), "priority"),
    ] {
        let (s, p) = w.app.send(Method::POST, &w.admin, &coverage, &body).await;
        assert_eq!(s, 422, "{body}: {p}");
        assert_eq!(p["errors"][0]["field"], field, "{p}");
    }
    assert_eq!(w.app.count("coverage").await, before);
}

#[tokio::test]
async fn the_billing_office_records_coverage_and_decides_on_the_page_in_english_and_spanish() {
    let w = world().await;
    let client = w.app.client();
    w.app.page_login(&client, Persona::StateAdmin).await;
    let page = w.app.url(&format!("/members/{}/billing", w.member_id));
    let member = client.get(w.app.url(&format!("/members/{}", w.member_id))).send().await.unwrap().text().await.unwrap();
    assert!(member.contains(&format!("href=\"/members/{}/billing\"", w.member_id)), "the record links to billing");
    let html = client.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("PA-1") && html.contains("MassHealth"), "{html}");
    let csrf = crate::support::hidden_value(&html, "csrf").expect("csrf");
    // A bad date comes back with the summary, and nothing is saved.
    let before = w.app.count("coverage").await;
    let r = client
        .post(w.app.url(&format!("/members/{}/billing/coverage", w.member_id)))
        .form(&[("csrf", csrf.as_str()), ("payer_id", "one-care"), ("start", "not a date")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let bad = r.text().await.unwrap();
    assert!(bad.contains("href=\"#start\"") && bad.contains("aria-invalid=\"true\""), "{bad}");
    assert_eq!(w.app.count("coverage").await, before);
    let r = client
        .post(w.app.url(&format!("/members/{}/billing/coverage", w.member_id)))
        .form(&[
            ("csrf", csrf.as_str()),
            ("payer_id", "one-care"),
            ("plan_name", "Commonwealth Care Alliance"),
            ("priority", "2"),
            ("start", &days_ago(10)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = client.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Commonwealth Care Alliance"), "{html}");
    client.get(w.app.url("/lang/es?next=/home")).send().await.unwrap();
    let es = client.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(es.contains("Cobertura y autorizaciones") && es.contains("Plan One Care"), "{es}");
    // The queue page opens from the nav.
    let q = client.get(w.app.url("/billing/needs-authorization")).send().await.unwrap();
    assert_eq!(q.status(), 200);
}

#[tokio::test]
async fn coverage_loads_from_a_file_all_or_nothing_with_each_problem_on_its_line() {
    let w = world().await;
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&w.app.db.url).await.unwrap();
    let ids: Vec<(String,)> = sqlx::query_as("SELECT masshealth_id FROM members ORDER BY masshealth_id LIMIT 2").fetch_all(&mut conn).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("coverage.csv");
    let bad = format!(
        "masshealth_id,payer_id,start,plan_name,priority\n{},one-care,2026-01-01,CCA,2\n999999999999,one-care,2026-01-01,,\n{},nobody,2026-13-01,,\n",
        ids[0].0, ids[1].0
    );
    std::fs::write(&file, bad).unwrap();
    let before = w.app.count("coverage").await;
    let out = crate::cli::accompany()
        .args(["coverage", "import", "--database-url", &w.app.db.url, "--audit-key-file", w.app.db.key_arg(), file.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("line 3: masshealth_id") && err.contains("line 4: payer_id") && err.contains("line 4: start"), "{err}");
    assert!(err.contains("nothing was loaded"), "{err}");
    assert_eq!(w.app.count("coverage").await, before);
    std::fs::write(&file, format!("masshealth_id,payer_id,start,plan_name,priority\n{},one-care,2026-01-01,CCA,2\n", ids[0].0)).unwrap();
    let out = crate::cli::accompany()
        .args(["coverage", "import", "--database-url", &w.app.db.url, "--audit-key-file", w.app.db.key_arg(), file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(w.app.count("coverage").await, before + 1);
}
