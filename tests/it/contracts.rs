//! Contracts between funders and the organizations they pay, end to end:
//! a state agency names which agency it is and funds only through its own
//! payer; the member sees the services their team's organizations are paid
//! to give, and nothing of budgets; only the funder's admins (and state
//! admins) keep a funder's contracts, only the parties read them, and every
//! refusal is audited.

use accompany_domain::records::Persona;
use accompany_store::NewUser;
use reqwest::Method;
use serde_json::{json, Value};

use crate::contacts::{days_ago, world, World, PASSWORD};

async fn organization(w: &World, body: Value) -> String {
    let (s, o) = w.app.send(Method::POST, &w.admin, "/api/v1/organizations", &body).await;
    assert_eq!(s, 201, "{o}");
    o["id"].as_str().unwrap().to_string()
}

async fn staff(w: &World, username: &str, persona: Persona, org: &str) -> String {
    let u = w
        .app
        .store
        .create_user(NewUser { username, display_name: username, password: PASSWORD, persona, organization_id: Some(org), member_id: None })
        .await
        .unwrap();
    w.app.store.create_token(&u.id, "test", Some(1)).await.unwrap()
}

fn codes(p: &Value) -> Vec<(String, String)> {
    p["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| (e["field"].as_str().unwrap().to_string(), e["code"].as_str().unwrap().to_string()))
        .collect()
}

#[tokio::test]
async fn an_agency_funds_through_its_own_payer_and_the_member_sees_the_services_promised() {
    let w = world().await;
    // A state agency says which one; no other kind does.
    let agency = |a: Option<&str>| json!({ "name": "Bureau of Substance Addiction Services", "kind": "state-agency", "agency": a });
    let (s, p) = w.app.send(Method::POST, &w.admin, "/api/v1/organizations", &agency(None)).await;
    assert_eq!((s, codes(&p)), (422, vec![("agency".into(), "required".into())]), "{p}");
    let (s, p) = w.app.send(Method::POST, &w.admin, "/api/v1/organizations", &agency(Some("one-care"))).await;
    assert_eq!((s, codes(&p)), (422, vec![("agency".into(), "unknown-choice".into())]), "{p}");
    let (s, p) = w.app.send(Method::POST, &w.admin, "/api/v1/organizations", &json!({ "name": "An RLC", "kind": "rlc", "agency": "dmh" })).await;
    assert_eq!((s, codes(&p)), (422, vec![("agency".into(), "agency-for-state-agency".into())]), "{p}");
    let bsas = organization(&w, agency(Some("bsas"))).await;
    let (_, read) = w.app.get(&w.admin, &format!("/api/v1/organizations/{bsas}")).await;
    assert_eq!(read["agency"], "bsas");
    let rsc = organization(&w, json!({ "name": "Harbor Recovery Support Center", "kind": "recovery-support-center" })).await;
    // The directory says which agency, and shows billing providers' identifiers.
    let client = w.app.client();
    w.app.page_login(&client, Persona::StateAdmin).await;
    let html = client.get(w.app.url("/organizations")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("State agency: DPH Bureau of Substance Addiction Services"), "{html}");
    assert!(html.contains("Recovery support center") && html.contains("175T00000X"), "{html}");

    // BSAS pays through BSAS, not through DMH.
    let grant = |payer: &str, org: &str| {
        json!({ "funder_id": bsas, "organization_id": org, "payer_id": payer, "payment_model": "grant", "start": days_ago(30),
                "end": days_ago(-300), "budget_cents": 12_500_000, "services": ["peer-recovery-coach"] })
    };
    let (s, p) = w.app.send(Method::POST, &w.admin, "/api/v1/contracts", &grant("dmh", &w.org)).await;
    assert_eq!((s, codes(&p)), (409, vec![("payer_id".into(), "not-the-agencys-payer".into())]), "{p}");
    let before = w.app.count("contracts").await;
    let (s, c) = w.app.send(Method::POST, &w.admin, "/api/v1/contracts", &grant("bsas", &w.org)).await;
    assert_eq!(s, 201, "{c}");
    assert_eq!((c["payment_model"].as_str(), c["budget_cents"].as_i64(), c["version"].as_i64()), (Some("grant"), Some(12_500_000), Some(1)));
    let (s, _) = w.app.send(Method::POST, &w.admin, "/api/v1/contracts", &grant("bsas", &rsc)).await;
    assert_eq!(s, 201);
    assert_eq!(w.app.count("contracts").await, before + 2);
    // A plan's contract with the coach's RLC that ended yesterday promises nothing today.
    let plan = organization(&w, json!({ "name": "Harbor Health Plan", "kind": "health-plan" })).await;
    let ended = json!({ "funder_id": plan, "organization_id": w.org, "payer_id": "managed-care", "payment_model": "fee-for-service",
                        "start": days_ago(400), "end": days_ago(1), "services": ["certified-peer-specialist"] });
    let (s, c) = w.app.send(Method::POST, &w.admin, "/api/v1/contracts", &ended).await;
    assert_eq!(s, 201, "{c}");

    // The member sees what the coach's organization is paid to give, and by whom; no budget.
    let (s, team) = w.app.get(&w.member, &format!("/api/v1/members/{}/team", w.member_id)).await;
    assert_eq!(s, 200, "{team}");
    let services = team["services"].as_array().unwrap();
    let by = |funder: &str| services.iter().filter(|x| x["funder"] == funder).cloned().collect::<Vec<_>>();
    let bsas_services = by("Bureau of Substance Addiction Services");
    assert_eq!(bsas_services.len(), 1, "{team}");
    assert_eq!(bsas_services[0]["services"], json!(["peer-recovery-coach"]));
    assert!(by("Harbor Health Plan").is_empty(), "a contract no longer in force promises nothing: {team}");
    assert!(!team.to_string().contains("budget"), "{team}");
    let client = w.app.client();
    w.app.page_login(&client, Persona::Member).await;
    let html = client.get(w.app.url(&format!("/members/{}/team", w.member_id))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Services your team") && html.contains("paid for by Bureau of Substance Addiction Services"), "{html}");
    assert!(html.contains("<li>Peer Recovery Coach</li>") && !html.contains("paid for by Harbor Health Plan"), "{html}");
    client.get(w.app.url("/lang/es?next=/home")).send().await.unwrap();
    let es = client.get(w.app.url(&format!("/members/{}/team", w.member_id))).send().await.unwrap().text().await.unwrap();
    assert!(es.contains("pagado por Bureau of Substance Addiction Services"), "{es}");
    // The member may not read contracts themselves.
    let (s, list) = w.app.get(&w.member, "/api/v1/contracts").await;
    assert_eq!((s, list["contracts"].as_array().map(Vec::len)), (200, Some(0)), "{list}");
}

#[tokio::test]
async fn only_the_funders_admins_keep_its_contracts_and_only_the_parties_read_them() {
    let w = world().await;
    let plan = organization(&w, json!({ "name": "Harbor Health Plan", "kind": "health-plan" })).await;
    let other_plan = organization(&w, json!({ "name": "Bayside Health Plan", "kind": "health-plan" })).await;
    let elsewhere = organization(&w, json!({ "name": "Elsewhere Services", "kind": "cbo" })).await;
    let plan_admin = staff(&w, "plan.admin", Persona::OrganizationAdmin, &plan).await;
    let vendor_admin = staff(&w, "vendor.admin", Persona::OrganizationAdmin, &w.org).await;
    let vendor_billing = staff(&w, "vendor.billing", Persona::BillingOffice, &w.org).await;
    let outsider = staff(&w, "outsider.billing", Persona::BillingOffice, &elsewhere).await;
    let network = |funder: &str, budget: i64| {
        json!({ "funder_id": funder, "organization_id": w.org, "payer_id": "managed-care", "payment_model": "case-rate",
                "start": days_ago(10), "budget_cents": budget, "services": ["peer-recovery-coach"] })
    };
    let audited = |action: &str, who: &str| format!("entity = 'contract' AND action = '{action}' AND decision = 'deny' AND actor_username = '{who}'");

    // The paid organization cannot write its own contract, nor can a plan write another plan's.
    let before = w.app.count("contracts").await;
    let (s, p) = w.app.send(Method::POST, &vendor_admin, "/api/v1/contracts", &network(&plan, 1)).await;
    assert_eq!(s, 403, "{p}");
    let (s, _) = w.app.send(Method::POST, &plan_admin, "/api/v1/contracts", &network(&other_plan, 1)).await;
    assert_eq!(s, 403);
    assert_eq!(w.app.count("contracts").await, before, "nothing was written");
    assert_eq!(w.audit_rows(&audited("create", "vendor.admin")).await, 1);
    assert_eq!(w.audit_rows(&audited("create", "plan.admin")).await, 1);

    let (s, c) = w.app.send(Method::POST, &plan_admin, "/api/v1/contracts", &network(&plan, 5_000_000)).await;
    assert_eq!(s, 201, "{c}");
    let id = c["id"].as_str().unwrap().to_string();
    assert_eq!(w.audit_rows(&format!("entity = 'contract' AND action = 'create' AND decision = 'permit' AND entity_id = '{id}'")).await, 1);

    // Both parties' admins and billing offices read it; no one else does.
    for token in [&plan_admin, &vendor_admin, &vendor_billing, &w.admin] {
        let (s, list) = w.app.get(token, "/api/v1/contracts").await;
        assert!(s == 200 && list["contracts"].as_array().unwrap().iter().any(|x| x["id"] == id.as_str()), "{list}");
        let (s, one) = w.app.get(token, &format!("/api/v1/contracts/{id}")).await;
        assert_eq!((s, one["budget_cents"].as_i64()), (200, Some(5_000_000)));
    }
    for token in [&outsider, &w.peer, &w.coordinator, &w.member] {
        let (s, list) = w.app.get(token, "/api/v1/contracts").await;
        assert_eq!((s, list["contracts"].as_array().map(Vec::len)), (200, Some(0)), "{list}");
        let (s, _) = w.app.get(token, &format!("/api/v1/contracts/{id}")).await;
        assert_eq!(s, 404, "a contract one is not party to is not found");
    }
    assert_eq!(w.audit_rows(&format!("entity = 'contract' AND action = 'read' AND decision = 'deny' AND entity_id = '{id}'")).await, 4);

    // Only the funder's admin changes it, on the version read, and cannot hand it to another funder.
    let change = |body: Value, version: i64| {
        let mut b = body;
        b["version"] = json!(version);
        b["reason"] = json!("renegotiated");
        b
    };
    let (s, _) = w.app.send(Method::PUT, &vendor_admin, &format!("/api/v1/contracts/{id}"), &change(network(&plan, 9_000_000), 1)).await;
    assert_eq!(s, 403);
    assert_eq!(w.audit_rows(&audited("update", "vendor.admin")).await, 1);
    let (s, _) = w.app.send(Method::PUT, &plan_admin, &format!("/api/v1/contracts/{id}"), &change(network(&other_plan, 1), 1)).await;
    assert_eq!(s, 403, "a plan cannot move its contract to another plan");
    let (s, stale) = w.app.send(Method::PUT, &plan_admin, &format!("/api/v1/contracts/{id}"), &change(network(&plan, 6_000_000), 7)).await;
    assert_eq!(s, 409, "{stale}");
    let (s, c) = w.app.send(Method::PUT, &plan_admin, &format!("/api/v1/contracts/{id}"), &change(network(&plan, 6_000_000), 1)).await;
    assert_eq!((s, c["version"].as_i64(), c["budget_cents"].as_i64()), (200, Some(2), Some(6_000_000)), "{c}");
    let (_, one) = w.app.get(&w.admin, &format!("/api/v1/contracts/{id}")).await;
    assert_eq!(one["budget_cents"], 6_000_000, "the refused changes changed nothing");

    // Every bad field is named at once.
    let bad = json!({ "funder_id": plan, "organization_id": plan, "payer_id": "nobody", "payment_model": "barter", "start": days_ago(1),
                      "end": days_ago(5), "budget_cents": -1, "services": ["astronaut"] });
    let (s, p) = w.app.send(Method::POST, &plan_admin, "/api/v1/contracts", &bad).await;
    assert_eq!(s, 422, "{p}");
    let fields: Vec<String> = codes(&p).into_iter().map(|(f, _)| f).collect();
    for f in ["organization_id", "payer_id", "payment_model", "end", "budget_cents", "services"] {
        assert!(fields.contains(&f.to_string()), "{f} in {p}");
    }
}

#[tokio::test]
async fn a_state_admin_adds_a_contract_on_the_page_with_the_budget_in_dollars() {
    let w = world().await;
    let plan = organization(&w, json!({ "name": "Harbor Health Plan", "kind": "health-plan" })).await;
    let client = w.app.client();
    w.app.page_login(&client, Persona::StateAdmin).await;
    let html = client.get(w.app.url("/contracts")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("href=\"/contracts\"") && html.contains("id=\"contract-form-heading\""), "the nav and the form: {html}");
    let csrf = crate::support::hidden_value(&html, "csrf").expect("csrf");
    let form = |budget: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("funder_id", plan.clone()),
            ("organization_id", w.org.clone()),
            ("payer_id", "managed-care".to_string()),
            ("payment_model", "per-member-per-month".to_string()),
            ("start", days_ago(3)),
            ("budget", budget.to_string()),
            ("services", "peer-recovery-coach".to_string()),
            ("services", "certified-peer-specialist".to_string()),
        ]
    };
    let before = w.app.count("contracts").await;
    let r = client.post(w.app.url("/contracts")).form(&form("about a million")).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let bad = r.text().await.unwrap();
    assert!(bad.contains("href=\"#budget_cents\"") && bad.contains("aria-invalid=\"true\""), "{bad}");
    assert!(bad.contains("value=\"peer-recovery-coach\" checked"), "the boxes stay checked: {bad}");
    assert_eq!(w.app.count("contracts").await, before, "nothing saved");
    let r = client.post(w.app.url("/contracts")).form(&form("$1,250,000.50")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let html = client.get(w.app.url("/contracts")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("$1,250,000.50") && html.contains("Per member per month"), "{html}");
    assert!(html.contains("Peer Recovery Coach, Certified Peer Specialist"), "{html}");
    client.get(w.app.url("/lang/es?next=/home")).send().await.unwrap();
    let es = client.get(w.app.url("/contracts")).send().await.unwrap().text().await.unwrap();
    assert!(es.contains("Por miembro al mes") && es.contains("Contratos que puede ver"), "{es}");
}
