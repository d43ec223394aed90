//! 837P claims checked by an independent validator: batches of random
//! claims (several seeds; names with separators, many lines, modifiers,
//! diagnoses, replacements and encounters) written by the domain's writer
//! must each be accepted by pyx12, through `.ci/x12/validate.py`.

use std::path::Path;
use std::process::Command;

use accompany_domain::billing::PayerKind;
use accompany_domain::claim_data::{npi_check_digit, AdministrativeSex, Icd10, PostalAddress};
use accompany_domain::claims::x12::write_837p;
use accompany_domain::claims::{Batch, BillingProvider, Claim, Envelope, Frequency, PayerParty, Rendering, ServiceLine, Subscriber};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The Python that has pyx12, or why there is none. In CI a missing validator is a failure.
fn pyx12() -> Option<String> {
    let python = std::env::var("ACCOMPANY_PYX12_PYTHON").unwrap_or_else(|_| "python3".into());
    let found = Command::new(&python).args(["-c", "import pyx12"]).output().is_ok_and(|o| o.status.success());
    if found {
        return Some(python);
    }
    let why = format!("837P VALIDATION SKIPPED: {python} cannot import pyx12; install it with `pip install -r .ci/x12/requirements.txt`");
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{why} (CI=true requires it)");
    }
    eprintln!("\n*** {why} ***\n");
    None
}

fn npi(rng: &mut StdRng) -> String {
    let first9 = format!("{}{:08}", rng.gen_range(1..=2u32), rng.gen_range(0..100_000_000u32));
    format!("{first9}{}", npi_check_digit(&first9).unwrap())
}

const NAMES: [&str; 6] = ["Nguyễn", "O'Brien", "Smith*Jones", "Ana~María", "Lee:Park", "Da Silva^"];
const CODES: [&str; 8] = ["F33.1", "F10.21", "F11.20", "F41.1", "Z59.0", "F43.10", "F20.9", "Z91.19"];

fn pick(xs: &[&'static str], rng: &mut StdRng) -> &'static str {
    xs[rng.gen_range(0..xs.len())]
}

fn random_batch(seed: u64) -> Batch {
    let mut rng = StdRng::seed_from_u64(seed);
    let claims = (0..rng.gen_range(1..6))
        .map(|i| {
            let diagnoses: Vec<Icd10> = CODES[..rng.gen_range(1..=CODES.len())].iter().map(|c| Icd10::parse(c).unwrap()).collect();
            let lines = (0..rng.gen_range(1..8))
                .map(|_| {
                    let units = rng.gen_range(1..12);
                    ServiceLine {
                        code: "H0038".into(),
                        modifiers: ["HF", "HQ", "U1", "GT"][..rng.gen_range(0..=4)].iter().map(|m| m.to_string()).collect(),
                        charge_cents: i64::from(units) * rng.gen_range(500..5_000),
                        units,
                        date: time::macros::date!(2026 - 11 - 01) + time::Duration::days(rng.gen_range(0..29)),
                        place_of_service: rng.gen_bool(0.3).then(|| "02".to_string()),
                        pointers: (1..=rng.gen_range(1..=diagnoses.len().min(4)) as u8).collect(),
                    }
                })
                .collect();
            let frequency = [Frequency::Original, Frequency::Replacement, Frequency::Void][rng.gen_range(0..3)];
            Claim {
                id: format!("S{seed}-C{i}"),
                frequency,
                original_reference: (frequency != Frequency::Original).then(|| format!("PAYER{}", rng.gen_range(1000..9999))),
                place_of_service: pick(&["11", "12", "99", "10"], &mut rng).into(),
                subscriber: Subscriber {
                    family_name: pick(&NAMES, &mut rng).into(),
                    given_name: pick(&NAMES, &mut rng).into(),
                    member_id: format!("1000{:08}", rng.gen_range(0..100_000_000u32)),
                    address: rng.gen_bool(0.8).then(|| {
                        ("Worcester".to_string(), PostalAddress { line1: "12 Elm St".into(), line2: None, state: "MA".into(), zip: "01608".into() })
                    }),
                    date_of_birth: time::macros::date!(1960 - 01 - 01) + time::Duration::days(rng.gen_range(0..15_000)),
                    sex: AdministrativeSex::ALL[rng.gen_range(0..3)],
                },
                payer: PayerParty {
                    name: "MassHealth".into(),
                    id: "DMA7384".into(),
                    kind: [PayerKind::Medicaid, PayerKind::MedicareMedicaid, PayerKind::Medicare][rng.gen_range(0..3)],
                },
                diagnoses,
                rendering: rng.gen_bool(0.7).then(|| Rendering {
                    family_name: pick(&NAMES, &mut rng).into(),
                    given_name: "Dana".into(),
                    npi: npi(&mut rng),
                    taxonomy: "175T00000X".into(),
                }),
                authorization: rng.gen_bool(0.5).then(|| format!("PA-{}", rng.gen_range(1..9999))),
                authorized: None,
                lines,
            }
        })
        .collect();
    Batch {
        id: format!("BATCH-{seed}"),
        encounters: rng.gen_bool(0.3),
        billing: BillingProvider {
            name: "Bridgeway Peer Services, Inc.".into(),
            npi: npi(&mut rng),
            tax_id: format!("{:09}", rng.gen_range(10_000_000..999_999_999u32)),
            taxonomy: "175T00000X".into(),
            city: "Boston".into(),
            address: PostalAddress { line1: "100 Main St".into(), line2: Some("Suite 4".into()), state: "MA".into(), zip: "02108-1234".into() },
        },
        claims,
    }
}

#[test]
fn batches_of_random_claims_are_accepted_by_pyx12() {
    let Some(python) = pyx12() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for seed in [1_u64, 2, 3, 17, 2026] {
        let envelope = Envelope {
            sender_id: "ACCOMPANY".into(),
            sender_name: "Accompany".into(),
            contact_name: "Billing Office".into(),
            contact_phone: "6175550100".into(),
            receiver_id: "MASSHEALTH".into(),
            receiver_name: "MassHealth".into(),
            interchange_control: seed as u32,
            group_control: seed as u32,
            created: time::macros::datetime!(2026-11-30 10:15),
            production: false,
        };
        let path = dir.path().join(format!("batch-{seed}.837"));
        std::fs::write(&path, write_837p(&envelope, &random_batch(seed)).unwrap()).unwrap();
        files.push(path);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/x12/validate.py");
    let out = Command::new(&python).arg(script).args(&files).output().expect("run the validator");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "pyx12 rejected a batch:\n{report}\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(report.matches(": accepted").count(), files.len(), "{report}");
    // The validator is not a rubber stamp: a wrong segment count is rejected.
    let broken = dir.path().join("broken.837");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    let se = text.lines().find(|l| l.starts_with("SE*")).unwrap().to_string();
    std::fs::write(&broken, text.replace(&se, "SE*2*0001~")).unwrap();
    let out = Command::new(&python).arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/x12/validate.py")).arg(&broken).output().unwrap();
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stdout).contains("REJECTED"));
}

// --- Claims from the demo's contacts, end to end -----------------------------------

use accompany_domain::claims::remit::{write_277ca, write_835, write_999, Adjustment, ClaimAck, ClaimPayment, Remit835};
use accompany_domain::records::Persona;
use accompany_store::NewUser;
use reqwest::Method;
use serde_json::{json, Value};

use crate::cli::accompany;
use crate::support::TestApp;

/// Run the binary against the app's database; success and everything it printed.
pub(crate) fn run(app: &TestApp, args: &[&str]) -> (bool, String) {
    let out = accompany().args(args).args(["--database-url", &app.db.url, "--audit-key-file", app.db.key_arg()]).output().expect("run accompany");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// Check files with pyx12 when it is there (in CI it must be).
fn accepted_by_pyx12(files: &[&Path]) {
    let Some(python) = pyx12() else { return };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/x12/validate.py");
    let out = Command::new(&python).arg(script).args(files).output().expect("run the validator");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "pyx12 rejected a file:\n{report}\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(report.matches(": accepted").count(), files.len(), "{report}");
}

pub(crate) async fn post_text(app: &TestApp, token: &str, path: &str, text: &str) -> (u16, Value) {
    let r = app
        .client()
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", "application/edi-x12")
        .body(text.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn billing_token(app: &TestApp) -> String {
    let (token, _) = app.api_login(&app.client(), Persona::BillingOffice).await;
    token
}

fn segments_of(x12: &str, tag: &str) -> Vec<Vec<String>> {
    x12.split('~').map(str::trim).filter(|s| s.starts_with(&format!("{tag}*"))).map(|s| s.split('*').map(String::from).collect()).collect()
}

#[tokio::test]
async fn the_demo_exports_a_batch_pyx12_accepts_and_a_remittance_settles_it() {
    let app = TestApp::seeded(40).await;
    let billing = billing_token(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("claims.x12");
    let (ok, out) = run(&app, &["claims", "export", "--format", "x12", "--output", file.to_str().unwrap()]);
    assert!(ok, "{out}");
    // Several organizations bill: one file per batch, each named by its interchange number.
    let written: Vec<std::path::PathBuf> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(!written.is_empty(), "{out}");
    accepted_by_pyx12(&written.iter().map(|p| p.as_path()).collect::<Vec<_>>());
    // The demo's own organization's batch, as its billing office sees it.
    let (s, batches) = app.get(&billing, "/api/v1/claims/batches").await;
    assert_eq!(s, 200, "{batches}");
    let batch =
        batches["batches"].as_array().unwrap().iter().find(|b| b["payer_id"] == "masshealth").cloned().expect("the demo member's MassHealth batch");
    let batch_id = batch["id"].as_str().unwrap();
    let path = written.iter().find(|p| sha256_of(p) == batch["file_sha256"].as_str().unwrap()).expect("the file written is the batch's");
    let text = std::fs::read_to_string(path).unwrap();
    // Control numbers are unique and increasing across batches.
    let batches_written = app.count("claim_batches").await;
    assert_eq!(app.count("(SELECT DISTINCT interchange_control FROM claim_batches) d").await, batches_written);
    assert_eq!(app.count("(SELECT DISTINCT group_control FROM claim_batches) d").await, batches_written);
    let out_of_order = "claim_batches a JOIN claim_batches b ON a.created_at < b.created_at AND a.interchange_control > b.interchange_control";
    assert_eq!(app.count(out_of_order).await, 0, "a later batch never takes a smaller number");
    // The demo member's F33.1 goes; their F10.21 (Part 2) does not, as no consent names MassHealth.
    let hi = segments_of(&text, "HI");
    assert!(hi.iter().flatten().any(|e| e == "ABK:F331"), "{hi:?}");
    assert!(!text.contains("F1021"), "a substance-use diagnosis without consent never reaches the payer");
    assert!(segments_of(&text, "REF").iter().any(|r| r[1] == "G1" && r[2] == "PA-2026-0001"), "the prior authorization");
    // The disclosure is audited with the file's hash, naming the members on it.
    let hash = batch["file_sha256"].as_str().unwrap();
    let events =
        app.count(&format!("audit_events WHERE action = 'disclose' AND entity = 'claim-file' AND entity_id = '{batch_id} sha256:{hash}'")).await;
    assert_eq!(events, 1);

    // A second export finds nothing new: exit non-zero, saying so.
    let (ok, out) = run(&app, &["claims", "export", "--format", "x12", "--output", dir.path().join("again.x12").to_str().unwrap()]);
    assert!(!ok && out.contains("nothing is billable"), "{out}");
    // --batch writes the same batch again, byte for byte.
    let again = dir.path().join("rewrite.x12");
    let (ok, out) = run(&app, &["claims", "export", "--batch", batch_id, "--output", again.to_str().unwrap()]);
    assert!(ok, "{out}");
    assert_eq!(std::fs::read_to_string(&again).unwrap(), text, "a rewrite is the same file");

    // The payer's 835: the first claim paid less a contractual adjustment, the rest denied.
    let (_, claims) = app.get(&billing, &format!("/api/v1/claims?batch={batch_id}")).await;
    let claims = claims["claims"].as_array().unwrap().clone();
    assert!(!claims.is_empty());
    let payments: Vec<ClaimPayment> = claims
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let charge = c["total_cents"].as_i64().unwrap();
            let (paid, adjustments, status) = if i == 0 {
                (charge - 500, vec![Adjustment { group: "CO".into(), reason: "45".into(), cents: 500 }], "1")
            } else {
                (0, vec![Adjustment { group: "CO".into(), reason: "197".into(), cents: charge }], "4")
            };
            ClaimPayment {
                claim_id: c["number"].as_str().unwrap().into(),
                status_code: status.into(),
                denied: status == "4",
                charge_cents: charge,
                paid_cents: paid,
                payer_claim_number: Some(format!("PCN{i:05}")),
                adjustments,
                lines: vec![],
            }
        })
        .collect();
    let remit = Remit835 {
        payer_name: "MASSHEALTH".into(),
        trace_number: "EFT0001".into(),
        payment_cents: payments.iter().map(|p| p.paid_cents).sum(),
        paid_on: None,
        claims: payments,
    };
    let remittance = dir.path().join("remit.835");
    std::fs::write(&remittance, write_835("DMA7384", "ACCOMPANY", 9001, time::macros::datetime!(2026-12-20 09:00), &remit)).unwrap();
    let (ok, out) = run(&app, &["claims", "import", remittance.to_str().unwrap()]);
    assert!(ok, "{out}");
    assert!(out.contains("a 835 for"), "{out}");
    let (_, first) = app.get(&billing, &format!("/api/v1/claims/{}", claims[0]["id"].as_str().unwrap())).await;
    assert_eq!(
        (first["status"].as_str(), first["paid_cents"].as_i64()),
        (Some("paid"), Some(claims[0]["total_cents"].as_i64().unwrap() - 500)),
        "{first}"
    );
    assert_eq!(first["payer_claim_number"], "PCN00000");
    assert!(first["status_detail"].as_str().unwrap().contains("CO-45"), "{first}");
    for c in &claims[1..] {
        let (_, d) = app.get(&billing, &format!("/api/v1/claims/{}", c["id"].as_str().unwrap())).await;
        assert_eq!(d["status"], "denied", "{d}");
    }
    // The same file twice changes nothing.
    let (ok, out) = run(&app, &["claims", "import", remittance.to_str().unwrap()]);
    assert!(!ok && out.contains("imported on"), "{out}");
    // Paid against billed shows it.
    let (s, rec) = app.get(&billing, "/api/v1/claims/reconciliation").await;
    assert_eq!(s, 200, "{rec}");
    let row = rec["rows"].as_array().unwrap().iter().find(|r| r["payer_id"] == "masshealth").cloned().unwrap();
    assert_eq!(row["paid_cents"].as_i64(), Some(claims[0]["total_cents"].as_i64().unwrap() - 500), "{rec}");

    // A replacement of the paid claim names the payer's number and carries frequency 7; pyx12 accepts it.
    let (s, fixed) = app
        .send(
            Method::POST,
            &billing,
            &format!("/api/v1/claims/{}/correction", claims[0]["id"].as_str().unwrap()),
            &json!({ "frequency": "replacement" }),
        )
        .await;
    assert_eq!(s, 201, "{fixed}");
    let r = app.client().get(app.url(fixed["file"].as_str().unwrap())).bearer_auth(&billing).send().await.unwrap();
    let replacement = r.text().await.unwrap();
    assert!(segments_of(&replacement, "CLM")[0][5].ends_with(":B:7"), "{replacement}");
    assert!(segments_of(&replacement, "REF").iter().any(|r| r[1] == "F8" && r[2] == "PCN00000"), "{replacement}");
    let replacement_file = dir.path().join("replacement.x12");
    std::fs::write(&replacement_file, &replacement).unwrap();
    accepted_by_pyx12(&[replacement_file.as_path()]);
    let (_, old) = app.get(&billing, &format!("/api/v1/claims/{}", claims[0]["id"].as_str().unwrap())).await;
    assert_eq!(old["status"], "replaced");
    // Only once: a replaced claim is not corrected again.
    let (s, p) = app
        .send(Method::POST, &billing, &format!("/api/v1/claims/{}/correction", claims[0]["id"].as_str().unwrap()), &json!({ "frequency": "void" }))
        .await;
    assert_eq!((s, p["errors"][0]["code"].as_str()), (409, Some("not-correctable")), "{p}");
}

fn sha256_of(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

async fn other_billing_office(app: &TestApp, admin: &str) -> String {
    let (s, org) = app.send(Method::POST, admin, "/api/v1/organizations", &json!({ "name": "Elsewhere Peer Services", "kind": "cbo" })).await;
    assert_eq!(s, 201, "{org}");
    let u = app
        .store
        .create_user(NewUser {
            username: "elsewhere.billing",
            display_name: "Elsewhere Billing",
            password: crate::contacts::PASSWORD,
            persona: Persona::BillingOffice,
            organization_id: org["id"].as_str(),
            member_id: None,
        })
        .await
        .unwrap();
    app.store.create_token(&u.id, "test", Some(1)).await.unwrap()
}

/// Claims for a member; only theirs.
fn of_member<'a>(list: &'a Value, key: &str, member_id: &str) -> Vec<&'a Value> {
    list[key].as_array().unwrap().iter().filter(|c| c["member_id"] == member_id).collect()
}

#[tokio::test]
async fn claims_stay_with_their_billing_office_and_substance_use_waits_for_consent() {
    let app = TestApp::seeded(40).await;
    let client = app.client();
    let billing = billing_token(&app).await;
    let (member, _) = app.api_login(&client, Persona::Member).await;
    let (coordinator, _) = app.api_login(&client, Persona::CareCoordinator).await;
    let (peer, _) = app.api_login(&client, Persona::PeerWorker).await;
    let (admin, _) = app.api_login(&client, Persona::StateAdmin).await;
    let elsewhere = other_billing_office(&app, &admin).await;
    let (_, me) = app.get(&member, "/api/v1/me").await;
    let member_id = me["user"]["member_id"].as_str().unwrap().to_string();

    // A peer does not bill: refused, and the refusal is audited.
    let denied_before = app.count("audit_events WHERE entity = 'claims' AND decision = 'deny'").await;
    let (s, _) = app.get(&peer, "/api/v1/claims").await;
    assert_eq!(s, 403);
    let (s, _) = app.send(Method::POST, &peer, "/api/v1/claims/export", &json!({})).await;
    assert_eq!(s, 403);
    assert_eq!(app.count("audit_events WHERE entity = 'claims' AND decision = 'deny'").await, denied_before + 2);

    // The member's depression diagnosis ended before this month's contacts: only F10.21 (Part 2) is left.
    let (_, dx) = app.get(&coordinator, &format!("/api/v1/members/{member_id}/diagnoses")).await;
    let f331 = dx["diagnoses"].as_array().unwrap().iter().find(|d| d["code"] == "F33.1").cloned().expect("the demo's F33.1");
    let (s, e) = app
        .send(
            Method::POST,
            &coordinator,
            &format!("/api/v1/members/{member_id}/diagnoses/{}/end", f331["id"].as_str().unwrap()),
            &json!({ "end_date": crate::contacts::days_ago(60), "version": f331["version"] }),
        )
        .await;
    assert_eq!(s, 200, "{e}");
    let (s, pending) = app.get(&billing, "/api/v1/claims/pending").await;
    assert_eq!(s, 200, "{pending}");
    assert!(of_member(&pending, "ready", &member_id).is_empty(), "{pending}");
    let held = of_member(&pending, "held", &member_id);
    assert!(!held.is_empty() && held.iter().all(|c| c["hold"]["code"] == "needs-consent"), "{held:?}");
    // Another organization's billing office sees none of this member's claims.
    let (_, theirs) = app.get(&elsewhere, "/api/v1/claims/pending").await;
    assert!(of_member(&theirs, "ready", &member_id).is_empty() && of_member(&theirs, "held", &member_id).is_empty(), "{theirs}");

    // Writing now leaves the held claim out.
    let (s, w) = app.send(Method::POST, &billing, "/api/v1/claims/export", &json!({ "format": "x12" })).await;
    assert!(s == 201 || (s == 409 && w["errors"][0]["code"] == "nothing-billable"), "{w}");
    let (_, list) = app.get(&billing, "/api/v1/claims").await;
    assert!(of_member(&list, "claims", &member_id).is_empty(), "no claim for the member without consent");
    // The member signs one Part 2 consent for treatment, payment and operations naming MassHealth.
    let expires = (accompany::seed::today() + time::Duration::days(365)).to_string();
    let consent = json!({ "recipient": "payer:masshealth", "categories": ["substance-use"], "purposes": ["treatment", "payment", "operations"],
        "part2_signed_by": "Demo Member", "part2_recipients": "MassHealth, my health plan", "part2_expires_on": expires });
    let (s, c) = app.send(Method::POST, &member, &format!("/api/v1/members/{member_id}/sharing"), &consent).await;
    assert_eq!(s, 201, "{c}");
    let (_, pending) = app.get(&billing, "/api/v1/claims/pending").await;
    assert!(of_member(&pending, "held", &member_id).is_empty(), "{pending}");
    assert!(!of_member(&pending, "ready", &member_id).is_empty(), "{pending}");
    let (s, w) = app.send(Method::POST, &billing, "/api/v1/claims/export", &json!({ "payer": "masshealth" })).await;
    assert_eq!(s, 201, "{w}");
    let file_url = w["batches"][0]["file"].as_str().unwrap();
    let text = app.client().get(app.url(file_url)).bearer_auth(&billing).send().await.unwrap().text().await.unwrap();
    assert!(segments_of(&text, "HI").iter().flatten().any(|e| e == "ABK:F1021"), "{text}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("consented.x12");
    std::fs::write(&path, &text).unwrap();
    accepted_by_pyx12(&[path.as_path()]);
    let (_, list) = app.get(&billing, "/api/v1/claims").await;
    let claim = of_member(&list, "claims", &member_id)[0].clone();
    let claim_id = claim["id"].as_str().unwrap();
    let batch_id = claim["batch_id"].as_str().unwrap();

    // Another organization's billing office: not found, audited, and its files touch nothing.
    let (s, _) = app.get(&elsewhere, &format!("/api/v1/claims/{claim_id}")).await;
    assert_eq!(s, 404);
    assert_eq!(app.count(&format!("audit_events WHERE entity = 'claim' AND entity_id = '{claim_id}' AND decision = 'deny'")).await, 1);
    let (s, _) = app.get(&elsewhere, &format!("/api/v1/claims/batches/{batch_id}/file")).await;
    assert_eq!(s, 404);
    assert_eq!(app.count(&format!("audit_events WHERE entity = 'claim-batch' AND entity_id = '{batch_id}' AND decision = 'deny'")).await, 1);
    let (s, _) = app.send(Method::POST, &elsewhere, &format!("/api/v1/claims/{claim_id}/correction"), &json!({ "frequency": "void" })).await;
    assert_eq!(s, 404);
    let (s, _) = app.send(Method::POST, &elsewhere, &format!("/api/v1/claims/batches/{batch_id}/submitted"), &json!({})).await;
    assert_eq!(s, 404);
    let forged = Remit835 {
        payer_name: "MASSHEALTH".into(),
        trace_number: "FORGED".into(),
        payment_cents: 0,
        paid_on: None,
        claims: vec![ClaimPayment {
            claim_id: claim["number"].as_str().unwrap().into(),
            status_code: "4".into(),
            denied: true,
            charge_cents: claim["total_cents"].as_i64().unwrap(),
            paid_cents: 0,
            payer_claim_number: None,
            adjustments: vec![],
            lines: vec![],
        }],
    };
    let (s, r) = post_text(
        &app,
        &elsewhere,
        "/api/v1/claims/import",
        &write_835("DMA7384", "ACCOMPANY", 77, time::macros::datetime!(2026-12-20 09:00), &forged),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!((r["matched"].as_u64(), r["unmatched"][0].as_str()), (Some(0), claim["number"].as_str()), "{r}");
    let (_, still) = app.get(&billing, &format!("/api/v1/claims/{claim_id}")).await;
    assert_eq!(still["status"], "written", "another office's remittance changes nothing");
    assert_eq!(still["payer_claim_number"], Value::Null);
    // Not an X12 file: a clear refusal.
    let (s, p) = post_text(&app, &billing, "/api/v1/claims/import", "hello").await;
    assert_eq!((s, p["errors"][0]["code"].as_str()), (422, Some("x12")), "{p}");
    // The payer's 999 accepts the file; its 277CA accepts the claim and gives its number.
    let group = w["batches"][0]["batch"]["group_control"].as_u64().unwrap() as u32;
    let at = time::macros::datetime!(2026-12-02 08:00);
    let (s, r) = post_text(&app, &billing, "/api/v1/claims/import", &write_999("DMA7384", "ACCOMPANY", 501, at, group, &["0001"], true)).await;
    assert_eq!((s, r["kind"].as_str(), r["accepted"].as_u64() > Some(0)), (200, Some("999"), true), "{r}");
    let (_, batches) = app.get(&billing, "/api/v1/claims/batches").await;
    let acked = batches["batches"].as_array().unwrap().iter().find(|b| b["id"] == batch_id).cloned().unwrap();
    assert_eq!(acked["acknowledgement"], "accepted");
    let ack = ClaimAck {
        claim_id: claim["number"].as_str().unwrap().into(),
        payer_claim_number: Some("MH-2026-77".into()),
        accepted: true,
        category: "A2".into(),
        status_code: "20".into(),
        message: None,
        charge_cents: claim["total_cents"].as_i64(),
    };
    let (s, r) = post_text(&app, &billing, "/api/v1/claims/import", &write_277ca("DMA7384", "ACCOMPANY", 502, at, &[ack])).await;
    assert_eq!((s, r["kind"].as_str(), r["accepted"].as_u64()), (200, Some("277CA"), Some(1)), "{r}");
    let (_, accepted) = app.get(&billing, &format!("/api/v1/claims/{claim_id}")).await;
    assert_eq!((accepted["status"].as_str(), accepted["payer_claim_number"].as_str()), (Some("accepted"), Some("MH-2026-77")), "{accepted}");
    assert_eq!(accepted["can_correct"], true, "numbered by the payer: it may be replaced or voided");
    // A void names that number and cancels the claim.
    let (s, v) = app.send(Method::POST, &billing, &format!("/api/v1/claims/{claim_id}/correction"), &json!({ "frequency": "void" })).await;
    assert_eq!(s, 201, "{v}");
    let void = app.client().get(app.url(v["file"].as_str().unwrap())).bearer_auth(&billing).send().await.unwrap().text().await.unwrap();
    assert!(segments_of(&void, "CLM")[0][5].ends_with(":B:8") && void.contains("REF*F8*MH-2026-77"), "{void}");
    let (_, voided) = app.get(&billing, &format!("/api/v1/claims/{claim_id}")).await;
    assert_eq!(voided["status"], "voided");
    // Marked submitted once.
    let (s, b) = app.send(Method::POST, &billing, &format!("/api/v1/claims/batches/{batch_id}/submitted"), &json!({})).await;
    assert_eq!((s, b["status"].as_str()), (200, Some("submitted")), "{b}");
    let (s, p) = app.send(Method::POST, &billing, &format!("/api/v1/claims/batches/{batch_id}/submitted"), &json!({})).await;
    assert_eq!((s, p["errors"][0]["code"].as_str()), (409, Some("already-submitted")), "{p}");
}
