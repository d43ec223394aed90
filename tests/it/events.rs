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
    assert_eq!(app.count("care_events").await, 0);
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
    assert_eq!(app.count("care_events").await, 3);
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
