//! Keeping the workforce whole, end to end: the demo's problems are found
//! by the nightly check, the API and the pages alike; a supervisor records
//! a session and the compliance view changes; a prohibited task is flagged.

use std::collections::BTreeMap;
use std::process::Command;

use accompany_domain::records::Persona;
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{hidden_value, TestApp};

fn check_json(app: &TestApp) -> (bool, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_accompany"))
        .args(["workforce", "check", "--json", "--database-url", &app.db.url, "--audit-key-file", app.db.key_arg()])
        .env_remove("ACCOMPANY_DATABASE_URL")
        .env("ACCOMPANY_LOG", "error")
        .output()
        .expect("run accompany");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let v: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("JSON on stdout: {e}: {stdout}"));
    (out.status.success(), v, String::from_utf8_lossy(&out.stderr).into())
}

/// (kind, subject) → count: a problem list compared without caring about order.
fn tally(problems: &Value) -> BTreeMap<(String, String), usize> {
    let mut m = BTreeMap::new();
    for p in problems.as_array().expect("a list of problems") {
        let key = (p["kind"].as_str().unwrap().to_string(), p["subject"].as_str().unwrap().to_string());
        *m.entry(key).or_default() += 1;
    }
    m
}

fn kinds(problems: &Value) -> Vec<String> {
    problems.as_array().unwrap().iter().map(|p| p["kind"].as_str().unwrap().to_string()).collect()
}

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = client.get(app.url(path)).send().await.expect("request");
    let status = r.status().as_u16();
    let body = r.text().await.unwrap_or_default();
    assert!(!body.contains("Unknown localization key"), "{path} misses a translation:\n{body}");
    (status, body)
}

/// Every href in `html` that starts with `prefix`.
fn links(html: &str, prefix: &str) -> Vec<String> {
    html.match_indices(&format!("href=\"{prefix}")).map(|(i, _)| html[i + 6..].split('"').next().unwrap_or_default().replace("&amp;", "&")).collect()
}

#[tokio::test]
async fn the_nightly_check_the_api_and_the_pages_list_the_same_problems() {
    let app = TestApp::seeded(40).await;
    let (ok, cli, stderr) = check_json(&app);
    assert!(!ok, "the check exits non-zero when there are problems");
    assert!(stderr.contains("workforce compliance problems"), "{stderr}");
    let count = cli["count"].as_u64().unwrap();
    assert!(count > 0);
    let found = kinds(&cli["problems"]);
    for kind in ["credential-expired", "prohibited-task", "single-peer-program"] {
        assert!(found.iter().any(|k| k == kind), "the demo has a {kind} problem: {found:?}");
    }
    let med = cli["problems"].as_array().unwrap().iter().find(|p| p["kind"] == "prohibited-task").unwrap();
    assert!(med["message"].as_str().unwrap().contains("Medication administration"), "{med}");
    assert!(med["args"]["reason"].as_str().unwrap().contains("power imbalance"), "{med}");

    let client = app.client();
    let (admin, _) = app.api_login(&client, Persona::StateAdmin).await;
    let (status, api) = app.get(&admin, "/api/v1/workforce/problems").await;
    assert_eq!(status, 200);
    assert_eq!(api["count"], cli["count"]);
    assert_eq!(tally(&api["problems"]), tally(&cli["problems"]));

    app.page_login(&client, Persona::StateAdmin).await;
    let (status, html) = page(&client, &app, "/workforce/compliance").await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("{count} problems in all.")), "{html}");

    // One organization: the check, the API and the page agree there too.
    let org = med["organization_id"].as_str().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_accompany"))
        .args(["workforce", "check", "--json", "--organization", org, "--database-url", &app.db.url, "--audit-key-file", app.db.key_arg()])
        .env("ACCOMPANY_LOG", "error")
        .output()
        .unwrap();
    let one: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (_, api_one) = app.get(&admin, &format!("/api/v1/workforce/problems?organization_id={org}")).await;
    assert_eq!(tally(&one["problems"]), tally(&api_one["problems"]));
    assert!(one["problems"].as_array().unwrap().iter().all(|p| p["organization_id"] == org));
}

#[tokio::test]
async fn a_state_admin_drills_down_from_the_state_to_one_worker() {
    let app = TestApp::seeded(30).await;
    let client = app.client();
    app.page_login(&client, Persona::StateAdmin).await;
    let r = client.get(app.url("/workforce")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/workforce/compliance");
    let (_, state) = page(&client, &app, "/workforce/compliance").await;
    assert!(state.contains("<caption") && state.contains("scope=\"col\""), "tables have captions and header scopes");
    let orgs = links(&state, "/workforce/compliance?org=");
    assert!(!orgs.is_empty(), "organizations with problems are listed");
    // The organization with a worker problem, then that worker.
    let mut reached = false;
    for org in orgs {
        let (status, html) = page(&client, &app, &org).await;
        assert_eq!(status, 200);
        assert!(html.contains("Back to the statewide picture"));
        if let Some(worker) = links(&html, "/workforce/workers/").first() {
            let (status, w) = page(&client, &app, worker).await;
            assert_eq!(status, 200);
            assert!(w.contains("Checklist for") && w.contains("Credentials on file"), "{w}");
            assert!(w.contains("id=\"problems\""), "the worker's own problems are listed");
            // The state admin records a credential for this worker.
            let form_path =
                links(&w, "/workforce/workers/").into_iter().find(|l| l.ends_with("/credentials/new")).expect("a link to record a credential");
            let (_, form) = page(&client, &app, &form_path).await;
            let csrf = hidden_value(&form, "csrf").unwrap();
            let action = form_path.trim_end_matches("/new").to_string();
            let r = client
                .post(app.url(&action))
                .form(&[("csrf", csrf.as_str()), ("kind", "chw-certification"), ("issued_on", ""), ("expires_on", "2027-07-31")])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 422);
            let html = r.text().await.unwrap();
            assert!(html.contains("<a href=\"#issued_on\">Date issued</a>: Write the date as year-month-day"), "{html}");
            let r = client
                .post(app.url(&action))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("kind", "chw-certification"),
                    ("issued_on", "2025-07-31"),
                    ("expires_on", "2027-07-31"),
                    ("evidence", "no. 99881"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 303);
            let (_, w) = page(&client, &app, worker).await;
            assert!(w.contains("no. 99881") && w.contains("2027-07-31"), "{w}");
            reached = true;
            break;
        }
    }
    assert!(reached, "some organization lists a worker with a problem");
    // The picture and the job descriptions, in Spanish too.
    for path in ["/workforce/picture", "/workforce/positions", "/workforce/picture?from=2020-01-01&to=2026-01-01"] {
        let (status, html) = page(&client, &app, path).await;
        assert_eq!(status, 200, "{path}");
        if path.starts_with("/workforce/picture") {
            assert!(html.contains("Counts under 11 are not shown"), "the small-cell rule is said on the page");
        }
    }
    client.get(app.url("/lang/es?next=/home")).send().await.unwrap();
    let (_, es) = page(&client, &app, "/workforce/picture").await;
    assert!(es.contains("No se muestran cifras menores de 11"), "{es}");
    // A bad period names the field.
    let (_, bad) = page(&client, &app, "/workforce/picture?from=2026-02-01&to=2026-01-01").await;
    assert!(bad.contains("id=\"errors\""), "{bad}");
}

#[tokio::test]
async fn a_supervisor_records_a_session_and_the_compliance_view_updates() {
    let app = TestApp::seeded(30).await;
    let client = app.client();
    let (supervisor, _) = app.api_login(&client, Persona::Supervisor).await;
    let (status, list) = app.get(&supervisor, "/api/v1/workforce/supervisees").await;
    assert_eq!(status, 200);
    let id = list["supervisees"][0]["worker_id"].as_str().expect("the demo supervisor has supervisees").to_string();
    // Make this supervisee a Recovery Coach (weekly or bi-weekly supervision) last supervised long ago.
    app.exec(&format!(
        "UPDATE workers SET role_id = 'peer-recovery-coach', employment_start = '2020-01-01' WHERE id = '{id}'; \
         DELETE FROM supervision_sessions WHERE worker_id = '{id}'"
    ))
    .await;
    let overdue = |v: &Value| v["problems"].as_array().unwrap().iter().any(|p| p["kind"] == "supervision-overdue" && p["worker_id"] == id.as_str());
    let (_, before) = app.get(&supervisor, "/api/v1/workforce/problems").await;
    assert!(overdue(&before), "{before}");

    app.page_login(&client, Persona::Supervisor).await;
    let (_, list_page) = page(&client, &app, "/workforce/supervision").await;
    assert!(list_page.contains("Overdue:"), "{list_page}");
    let form_path = format!("/workforce/workers/{id}/sessions/new");
    let (status, form) = page(&client, &app, &form_path).await;
    assert_eq!(status, 200);
    for field in ["held_on", "minutes", "format", "topics", "signature"] {
        assert!(form.contains(&format!("<label for=\"{field}\"")), "{field} has a label");
    }
    let csrf = hidden_value(&form, "csrf").unwrap();
    let today = accompany_store::today_date().to_string();
    // Missing topics and signature: the summary names each field and the fix.
    let r = client
        .post(app.url(&format!("/workforce/workers/{id}/sessions")))
        .form(&[("csrf", csrf.as_str()), ("held_on", today.as_str()), ("minutes", "45"), ("format", "video"), ("topics", ""), ("signature", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("<a href=\"#topics\">Topics</a>: This is required."), "{html}");
    assert!(html.contains("<a href=\"#signature\">Signature</a>"), "{html}");
    let r = client
        .post(app.url(&format!("/workforce/workers/{id}/sessions")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("held_on", today.as_str()),
            ("minutes", "45"),
            ("format", "video"),
            ("topics", "Boundaries and self-disclosure"),
            ("signature", "Demo Supervisor"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/workforce/supervision?recorded=1");
    let (_, after_page) = page(&client, &app, "/workforce/supervision?recorded=1").await;
    assert!(after_page.contains("The session is recorded."));
    assert!(after_page.contains(&format!("<td class=\"last-session\">{today}</td>")), "{after_page}");
    let (_, after) = app.get(&supervisor, "/api/v1/workforce/problems").await;
    assert!(!overdue(&after), "{after}");
    // The note keeps the signature, and the write left a version.
    let (_, dev) = app.get(&supervisor, &format!("/api/v1/workforce/workers/{id}")).await;
    assert_eq!(dev["sessions"][0]["signature"], "Demo Supervisor");
    assert_eq!(dev["cadence"]["overdue"], false);
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.db.url).await.unwrap();
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM record_versions WHERE entity = 'supervision_session'").fetch_one(&mut conn).await.unwrap();
    assert_eq!(n, 1);
    // A CSRF token is required.
    let r = client
        .post(app.url(&format!("/workforce/workers/{id}/sessions")))
        .form(&[("csrf", "wrong"), ("held_on", today.as_str()), ("minutes", "45"), ("format", "video"), ("topics", "x"), ("signature", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn a_medication_administration_task_for_a_cps_is_flagged_with_the_reason() {
    let app = TestApp::seeded(20).await;
    let client = app.client();
    let (orgadmin, _) = app.api_login(&client, Persona::OrganizationAdmin).await;
    let (_, me) = app.get(&orgadmin, "/api/v1/me").await;
    let org = me["user"]["organization_id"].as_str().unwrap().to_string();
    let position = json!({
        "organization_id": org, "title": "Peer Specialist, 4 West", "role_id": "certified-peer-specialist",
        "program": "4 West", "setting": "inpatient", "pay_min": "21.00", "pay_max": "25.50",
        "tasks": ["Share lived experience", "Medication administration at the evening med pass"]
    });
    let (status, created) = app.send(Method::POST, &orgadmin, "/api/v1/workforce/positions", &position).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["flags"].as_array().unwrap().len(), 1, "{created}");
    assert_eq!(created["flags"][0]["task_id"], "medication-administration");
    assert_eq!(created["flags"][0]["task_index"], 1);
    assert!(created["flags"][0]["reason"].as_str().unwrap().contains("power imbalance"));
    // The same job description for a Recovery Specialist is not flagged.
    let mut rs = position.clone();
    rs["role_id"] = json!("recovery-specialist");
    let (_, ok) = app.send(Method::POST, &orgadmin, "/api/v1/workforce/positions", &rs).await;
    assert_eq!(ok["flags"].as_array().unwrap().len(), 0);
    // Bad input names every field and the fix.
    let mut bad = position.clone();
    bad["pay_min"] = json!("30");
    bad["setting"] = json!("moon");
    let (status, p) = app.send(Method::POST, &orgadmin, "/api/v1/workforce/positions", &bad).await;
    assert_eq!(status, 422);
    let fields: Vec<_> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["setting", "pay_max"]);
    // Another organization's positions are not this admin's to add.
    let mut other = position.clone();
    other["organization_id"] = json!("someone-else");
    assert_eq!(app.send(Method::POST, &orgadmin, "/api/v1/workforce/positions", &other).await.0, 403);

    app.page_login(&client, Persona::OrganizationAdmin).await;
    let (_, html) = page(&client, &app, "/workforce/positions").await;
    assert!(html.contains("Medication administration at the evening med pass"));
    assert!(html.contains("Not for this role:"));
    let (admin, _) = app.api_login(&client, Persona::StateAdmin).await;
    let (_, problems) = app.get(&admin, &format!("/api/v1/workforce/problems?organization_id={org}")).await;
    assert!(problems["problems"].as_array().unwrap().iter().any(|p| p["kind"] == "prohibited-task" && p["subject"] == "Peer Specialist, 4 West"));
}

#[tokio::test]
async fn expiry_warnings_reach_the_worker_and_an_expired_credential_blocks_billing() {
    let app = TestApp::seeded(20).await;
    let client = app.client();
    let (peer, _) = app.api_login(&client, Persona::PeerWorker).await;
    let (status, me) = app.get(&peer, "/api/v1/workforce/me").await;
    assert_eq!(status, 200, "{me}");
    let id = me["worker"]["id"].as_str().unwrap().to_string();
    let (admin, _) = app.api_login(&client, Persona::StateAdmin).await;
    let soon = (accompany_store::today_date() + time::Duration::days(20)).to_string();
    let credential =
        json!({ "kind": "chw-certification", "issued_on": "2025-01-15", "expires_on": soon, "issuer": "MA Board", "evidence": "no. 4411" });
    let (status, c) = app.send(Method::POST, &admin, &format!("/api/v1/workforce/workers/{id}/credentials"), &credential).await;
    assert_eq!(status, 201, "{c}");
    // A peer cannot record their own credential; an admin's bad input is named field by field.
    assert_eq!(app.send(Method::POST, &peer, &format!("/api/v1/workforce/workers/{id}/credentials"), &credential).await.0, 403);
    let (status, p) = app
        .send(Method::POST, &admin, &format!("/api/v1/workforce/workers/{id}/credentials"), &json!({ "kind": "carc", "issued_on": "15/01/2025" }))
        .await;
    assert_eq!(status, 422);
    assert_eq!(p["errors"][0]["field"], "issued_on");
    assert_eq!(p["errors"][1]["field"], "expires_on");

    app.page_login(&client, Persona::PeerWorker).await;
    let (_, html) = page(&client, &app, "/workforce/me").await;
    assert!(html.contains("id=\"expiry-warnings\""), "{html}");
    assert!(html.contains(&format!("Certified Community Health Worker expires on {soon}: 20 days left (30-day warning).")), "{html}");
    // The worker logs continuing education and sees it counted.
    let (status, _) = app
        .send(
            Method::POST,
            &peer,
            &format!("/api/v1/workforce/workers/{id}/ce"),
            &json!({ "title": "WRAP refresher", "hours": "2.5", "completed_on": "2026-01-10" }),
        )
        .await;
    assert_eq!(status, 201);
    let (_, me) = app.get(&peer, "/api/v1/workforce/me").await;
    let chw = me["ce_progress"].as_array().unwrap().iter().find(|p| p["credential_kind"] == "chw-certification").unwrap().clone();
    assert_eq!(chw["required_tenths"], 150);

    // Someone in the demo has a lapsed credential: their billing is blocked and the reason says so.
    let (ok, cli, _) = check_json(&app);
    assert!(!ok);
    let expired = cli["problems"].as_array().unwrap().iter().find(|p| p["kind"] == "credential-expired").expect("a lapsed credential");
    let worker = expired["worker_id"].as_str().unwrap();
    let (_, dev) = app.get(&admin, &format!("/api/v1/workforce/workers/{worker}")).await;
    assert_eq!(expired["args"]["blocks"], "yes", "the demo lapses a credential that billing needs");
    assert!(dev["billing_block"]["reason"].as_str().unwrap().contains("expired on"), "{dev}");
    app.page_login(&client, Persona::StateAdmin).await;
    let (_, html) = page(&client, &app, &format!("/workforce/workers/{worker}")).await;
    assert!(html.contains("Billing is blocked"), "{html}");
}

#[tokio::test]
async fn completing_a_training_issues_its_certificate_and_counts_its_hours() {
    let app = TestApp::seeded(20).await;
    let client = app.client();
    let (peer, _) = app.api_login(&client, Persona::PeerWorker).await;
    let (_, me) = app.get(&peer, "/api/v1/workforce/me").await;
    let id = me["worker"]["id"].as_str().unwrap().to_string();
    let (admin, _) = app.api_login(&client, Persona::StateAdmin).await;
    let path = format!("/api/v1/workforce/workers/{id}/enrolments");
    let held = |v: &Value, kind: &str| v["credentials"].as_array().unwrap().iter().filter(|c| c["kind"] == kind).count();
    let before = held(&me, "cps-certificate");
    // Enrolled, then attending: no certificate yet.
    let enrol = json!({ "program_id": "cps-training", "cohort": "Spring 2026, Worcester", "status": "attending", "attended_hours": "30" });
    assert_eq!(app.send(Method::POST, &admin, &path, &enrol).await.0, 201);
    // Completed without passing the exam: still none.
    let failed = json!({ "program_id": "cps-training", "cohort": "Spring 2026, Worcester", "status": "completed", "attended_hours": "60", "exam": "failed", "completed_on": "2026-04-30" });
    let (_, e) = app.send(Method::POST, &admin, &path, &failed).await;
    assert!(e["certificate_id"].is_null(), "{e}");
    let (_, now) = app.get(&peer, "/api/v1/workforce/me").await;
    assert_eq!(held(&now, "cps-certificate"), before);
    // Passed: the certificate is issued, and the initial course is not continuing education.
    let passed = json!({ "program_id": "cps-training", "cohort": "Summer 2026, Worcester", "status": "completed", "attended_hours": "60", "exam": "passed", "completed_on": "2026-07-31" });
    let (status, e) = app.send(Method::POST, &admin, &path, &passed).await;
    assert_eq!(status, 201, "{e}");
    let cert = e["certificate_id"].as_str().expect("a certificate").to_string();
    let (_, now) = app.get(&peer, "/api/v1/workforce/me").await;
    assert_eq!(held(&now, "cps-certificate"), before + 1);
    assert!(now["credentials"].as_array().unwrap().iter().any(|c| c["id"] == cert.as_str() && c["issued_on"] == "2026-07-31"));
    let ce_before = now["ce_entries"].as_array().unwrap().len();
    assert!(now["ce_entries"].as_array().unwrap().iter().all(|c| c["program_id"] != "cps-training"));
    // A specialised training's hours count as continuing education.
    let wrap = json!({ "program_id": "wrap", "cohort": "Fall 2026", "status": "completed", "attended_hours": "12.5", "completed_on": "2026-10-01" });
    assert_eq!(app.send(Method::POST, &admin, &path, &wrap).await.0, 201);
    let (_, now) = app.get(&peer, "/api/v1/workforce/me").await;
    assert_eq!(now["ce_entries"].as_array().unwrap().len(), ce_before + 1);
    assert!(now["ce_entries"].as_array().unwrap().iter().any(|c| c["program_id"] == "wrap" && c["tenths"] == 125));
    // Mistakes are named: an exam where there is none, a completion without its date, an unknown program.
    let (status, p) =
        app.send(Method::POST, &admin, &path, &json!({ "program_id": "wrap", "cohort": "x", "status": "completed", "exam": "passed" })).await;
    assert_eq!(status, 422);
    let fields: Vec<_> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["completed_on", "exam"]);
    let (status, p) = app.send(Method::POST, &admin, &path, &json!({ "program_id": "juggling", "cohort": "x" })).await;
    assert_eq!(status, 422);
    assert_eq!(p["errors"][0]["field"], "program_id");
    // A worker does not record their own trainings.
    assert_eq!(app.send(Method::POST, &peer, &path, &wrap).await.0, 403);
    // The page shows the training.
    app.page_login(&client, Persona::PeerWorker).await;
    let (_, html) = page(&client, &app, "/workforce/me").await;
    assert!(html.contains("Summer 2026, Worcester") && html.contains("Specialised: Wellness Recovery Action Plan (WRAP)"), "{html}");
}

#[tokio::test]
async fn workforce_records_are_seen_only_by_those_they_concern() {
    let app = TestApp::seeded(20).await;
    let client = app.client();
    let (peer, _) = app.api_login(&client, Persona::PeerWorker).await;
    let (member, _) = app.api_login(&client, Persona::Member).await;
    let (orgadmin, _) = app.api_login(&client, Persona::OrganizationAdmin).await;
    let (supervisor, _) = app.api_login(&client, Persona::Supervisor).await;
    let (admin, _) = app.api_login(&client, Persona::StateAdmin).await;
    assert_eq!(app.get(&member, "/api/v1/workforce/problems").await.0, 403);
    assert_eq!(app.get(&peer, "/api/v1/workforce/picture").await.0, 403);
    assert_eq!(app.get(&peer, "/api/v1/workforce/compliance").await.0, 403);
    // Someone the peer has no tie to.
    let (_, workers) = app.get(&admin, "/api/v1/workers?limit=100").await;
    let (_, me) = app.get(&peer, "/api/v1/workforce/me").await;
    let my_id = me["worker"]["id"].as_str().unwrap();
    let my_supervisor = me["worker"]["supervisor_id"].as_str().unwrap_or_default();
    let stranger = workers["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] != my_id && w["id"] != my_supervisor && w["supervisor_id"] != my_supervisor && w["supervisor_id"].is_string())
        .unwrap();
    let sid = stranger["id"].as_str().unwrap();
    assert_eq!(app.get(&peer, &format!("/api/v1/workforce/workers/{sid}")).await.0, 404);
    let (_, list) = app.get(&supervisor, "/api/v1/workforce/supervisees").await;
    let supervisees: Vec<&str> = list["supervisees"].as_array().unwrap().iter().map(|s| s["worker_id"].as_str().unwrap()).collect();
    let session = json!({ "held_on": "2026-01-05", "minutes": "30", "format": "phone", "topics": "x", "signature": "y" });
    if !supervisees.contains(&sid) {
        assert_eq!(app.send(Method::POST, &supervisor, &format!("/api/v1/workforce/workers/{sid}/sessions"), &session).await.0, 403);
    }
    // Workers do not sign their own supervision notes.
    app.page_login(&client, Persona::PeerWorker).await;
    assert_eq!(client.get(app.url(&format!("/workforce/workers/{my_id}/sessions/new"))).send().await.unwrap().status(), 403);
    assert_eq!(app.send(Method::POST, &peer, &format!("/api/v1/workforce/workers/{my_id}/sessions"), &session).await.0, 403);
    // An organization admin sees their own organization's picture only.
    let (_, oa) = app.get(&orgadmin, "/api/v1/me").await;
    let own = oa["user"]["organization_id"].as_str().unwrap();
    assert_eq!(app.get(&orgadmin, "/api/v1/workforce/picture").await.0, 200);
    let (_, orgs) = app.get(&admin, "/api/v1/organizations?limit=100").await;
    let other = orgs["items"].as_array().unwrap().iter().find(|o| o["id"] != own).unwrap()["id"].as_str().unwrap().to_string();
    assert_eq!(app.get(&orgadmin, &format!("/api/v1/workforce/problems?organization_id={other}")).await.0, 403);
    // The statewide picture suppresses small counts.
    let (status, pic) = app.get(&admin, "/api/v1/workforce/picture").await;
    assert_eq!(status, 200);
    let languages = pic["by_language"].as_array().unwrap();
    assert!(languages.iter().all(|l| l[1].is_null() || l[1].as_u64().is_some_and(|n| n == 0 || n >= 11)), "{languages:?}");
    assert!(languages.iter().any(|l| l[1].is_null()), "some language group is small enough to hide: {languages:?}");
}

#[tokio::test]
async fn the_workforce_migration_is_applied_once() {
    let app = TestApp::empty().await;
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.db.url).await.unwrap();
    let versions: Vec<(i64,)> = sqlx::query_as("SELECT version FROM schema_migrations ORDER BY version").fetch_all(&mut conn).await.unwrap();
    assert!(versions.contains(&(3,)), "{versions:?}");
    assert!(versions.windows(2).all(|w| w[0].0 < w[1].0), "each migration recorded once: {versions:?}");
    // Migrating again changes nothing.
    assert!(app.store.migrate().await.unwrap().is_empty());
    let (ok, v, _) = check_json(&app);
    assert!(ok, "an empty database has no problems");
    assert_eq!(v["count"], 0);
}

/// Real-browser journeys (see browser.rs): recording a session and seeing an expiry warning, axe-clean.
mod in_the_browser {
    use std::time::{Duration, Instant};

    use accompany_domain::records::Persona;
    use fantoccini::{Client, Locator};
    use reqwest::Method;
    use serde_json::json;

    use crate::browser::{assert_accessible, browser, driver, sign_in};
    use crate::support::TestApp;

    async fn wait_for(c: &Client, css: &str) -> String {
        let started = Instant::now();
        loop {
            if let Ok(e) = c.find(Locator::Css(css)).await {
                return e.text().await.unwrap_or_default();
            }
            assert!(started.elapsed() < Duration::from_secs(10), "{css} did not appear");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    #[tokio::test]
    async fn a_supervisor_records_a_session_and_sees_errors_first() {
        let Some(d) = driver() else { return };
        let app = TestApp::seeded(30).await;
        let c = browser(&d, "en").await;
        sign_in(&c, &app, Persona::Supervisor).await;
        c.goto(&app.url("/workforce")).await.unwrap();
        wait_for(&c, "#supervisees").await;
        assert_accessible(&c, "the supervisees page").await;
        let link = c.find(Locator::Css("#supervisees tbody tr td:last-child a")).await.unwrap();
        let href = link.attr("href").await.unwrap().unwrap();
        c.goto(&app.url(&href)).await.unwrap();
        assert_accessible(&c, "the session form").await;
        c.find(Locator::Id("topics")).await.unwrap().send_keys("Boundaries").await.unwrap();
        c.find(Locator::Css("main form.stack button[type=submit]")).await.unwrap().click().await.unwrap();
        let summary = wait_for(&c, "#errors").await;
        assert!(summary.contains("Signature: This is required."), "{summary}");
        assert_accessible(&c, "the session form with errors").await;
        c.find(Locator::Id("signature")).await.unwrap().send_keys("Demo Supervisor").await.unwrap();
        c.find(Locator::Css("main form.stack button[type=submit]")).await.unwrap().click().await.unwrap();
        let done = wait_for(&c, "#recorded").await;
        assert_eq!(done, "The session is recorded.");
        assert_accessible(&c, "the supervisees page after recording").await;
        // The supervisee's own page shows the new note.
        let worker = href.trim_end_matches("/sessions/new");
        c.goto(&app.url(worker)).await.unwrap();
        let table = wait_for(&c, "#sessions").await;
        assert!(table.contains("Boundaries") && table.contains("Demo Supervisor"), "{table}");
        assert_accessible(&c, "a supervisee's page").await;
        c.close().await.unwrap();
    }

    #[tokio::test]
    async fn a_worker_sees_an_expiry_warning_in_their_language_and_admins_see_the_picture() {
        let Some(d) = driver() else { return };
        let app = TestApp::seeded(30).await;
        let client = app.client();
        let (peer, _) = app.api_login(&client, Persona::PeerWorker).await;
        let (_, me) = app.get(&peer, "/api/v1/workforce/me").await;
        let id = me["worker"]["id"].as_str().unwrap().to_string();
        let (admin, _) = app.api_login(&client, Persona::StateAdmin).await;
        let soon = (accompany_store::today_date() + time::Duration::days(5)).to_string();
        let credential = json!({ "kind": "carc", "issued_on": "2024-06-01", "expires_on": soon });
        let (status, _) = app.send(Method::POST, &admin, &format!("/api/v1/workforce/workers/{id}/credentials"), &credential).await;
        assert_eq!(status, 201);
        for (lang, expected) in [("en", "(7-day warning)"), ("es", "(aviso de 7 días)")] {
            let c = browser(&d, lang).await;
            sign_in(&c, &app, Persona::PeerWorker).await;
            c.goto(&app.url("/workforce")).await.unwrap();
            let warning = wait_for(&c, "#expiry-warnings").await;
            assert!(warning.contains(&soon) && warning.contains(expected), "{lang}: {warning}");
            assert_accessible(&c, &format!("my credentials ({lang})")).await;
            c.delete_all_cookies().await.unwrap();
            sign_in(&c, &app, Persona::StateAdmin).await;
            let worker_page = format!("/workforce/workers/{id}");
            let credential_form = format!("/workforce/workers/{id}/credentials/new");
            for path in ["/workforce/compliance", "/workforce/picture", "/workforce/positions", &worker_page, &credential_form] {
                c.goto(&app.url(path)).await.unwrap();
                wait_for(&c, "main h1").await;
                assert_accessible(&c, &format!("{path} ({lang})")).await;
            }
            // Drill down: the first organization, then its first worker.
            c.goto(&app.url("/workforce/compliance")).await.unwrap();
            let org = c.find(Locator::Css("#by-organization tbody a")).await.unwrap().attr("href").await.unwrap().unwrap();
            c.goto(&app.url(&org)).await.unwrap();
            assert_accessible(&c, &format!("one organization's compliance ({lang})")).await;
            c.close().await.unwrap();
        }
    }
}

/// The picture's numbers go through the one small-cell rule in the page, the
/// CSV and the API alike: nothing shown from 1 to 10, no lone withheld role
/// beside a shown headcount, and turnover withheld with its departures.
#[tokio::test]
async fn the_picture_withholds_small_and_derivable_numbers_everywhere() {
    let app = crate::support::TestApp::seeded(60).await;
    let (admin, _) = app.api_login(&app.client(), Persona::StateAdmin).await;
    let (status, pic) = app.get(&admin, "/api/v1/workforce/picture?from=2020-01-01").await;
    assert_eq!(status, 200);
    let roles = pic["by_role"].as_array().unwrap();
    let withheld = roles.iter().filter(|r| r[1].is_null()).count();
    assert!(withheld != 1 || pic["headcount"].is_null(), "a lone withheld role is one subtraction away: {roles:?}");
    if pic["departures"].is_null() {
        assert!(pic["turnover_per_mille"].is_null(), "turnover would give the departures away");
    }
    let client = app.client();
    app.page_login(&client, Persona::StateAdmin).await;
    let html = client.get(app.url("/workforce/picture?from=2020-01-01")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("/workforce/picture.csv?"), "the page links its CSV");
    let r = client.get(app.url("/workforce/picture.csv?from=2020-01-01")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let body = r.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert!(rows.iter().any(|r| &r[0] == "headcount"));
    for r in &rows {
        match (r[2].parse::<u64>(), &r[3]) {
            (Ok(n), "") => assert!(n == 0 || n >= 11 || &r[0] == "turnover-per-mille", "{r:?}"),
            (Err(_), "fewer-than-11-or-derivable") => assert_eq!(&r[2], ""),
            other => panic!("a row is either shown or withheld: {r:?} {other:?}"),
        }
    }
    let csv_roles: Vec<&csv::StringRecord> = rows.iter().filter(|r| &r[0] == "role").collect();
    assert_eq!(csv_roles.len(), roles.len());
    assert_eq!(csv_roles.iter().filter(|r| !r[3].is_empty()).count(), withheld, "the CSV withholds what the API does");
    // Peers see no picture, as a page or a file.
    let peer = app.client();
    app.page_login(&peer, Persona::PeerWorker).await;
    assert_eq!(peer.get(app.url("/workforce/picture.csv")).send().await.unwrap().status(), 403);
}
