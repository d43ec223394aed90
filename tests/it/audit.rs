//! The audit trail is append-only and chained with a keyed hash: every change to it,
//! made behind the application's back, is caught by `accompany audit verify`.

use std::process::Command;

use accompany_domain::records::Persona;
use accompany_store::AuditCheck;

use crate::support::TestApp;

/// An app whose trail holds a few dozen events from ordinary use.
async fn app_with_history() -> TestApp {
    let app = TestApp::seeded(40).await;
    let client = app.client();
    for persona in [Persona::StateAdmin, Persona::CareCoordinator, Persona::PeerWorker] {
        let (token, _) = app.api_login(&client, persona).await;
        let (_, page) = app.get(&token, "/api/v1/members?limit=5").await;
        for m in page["items"].as_array().unwrap() {
            app.get(&token, &format!("/api/v1/members/{}", m["id"].as_str().unwrap())).await;
        }
        // A denied attempt is recorded too.
        app.get(&token, "/api/v1/members/not-a-member").await;
    }
    app
}

fn verify_cli(app: &TestApp) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_accompany"))
        .args(["audit", "verify", "--database-url", &app.db.url, "--audit-key-file", app.db.key_arg()])
        .env("ACCOMPANY_LOG", "error")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[tokio::test]
async fn an_untouched_trail_verifies() {
    let app = app_with_history().await;
    let events = app.count("audit_events").await;
    assert!(events >= 15, "{events} events");
    assert_eq!(app.store.verify_audit().await.unwrap(), AuditCheck::Intact { events });
    let (ok, text) = verify_cli(&app);
    assert!(ok, "{text}");
    assert!(text.contains(&format!("intact: {events} events")), "{text}");
}

/// What was done, the SQL that does it, and the event the check must name
/// (given the number of events; 0 means the first refusal).
type TamperCase = (&'static str, &'static str, fn(i64) -> i64);

/// Each way of tampering, and the event the check must point at.
#[tokio::test]
async fn every_kind_of_tampering_is_caught_at_the_right_event() {
    let cases: [TamperCase; 8] = [
        ("a changed actor", "UPDATE audit_events SET actor_username = 'someone-else' WHERE seq = 5", |_| 5),
        ("a changed decision", "UPDATE audit_events SET decision = 'permit' WHERE decision = 'deny'", |_| 0),
        ("a deleted event", "DELETE FROM audit_events WHERE seq = 7", |_| 7),
        ("the newest event deleted", "DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)", |n| n),
        (
            "two events swapped",
            "UPDATE audit_events SET seq = -3 WHERE seq = 3; UPDATE audit_events SET seq = 3 WHERE seq = 4; UPDATE audit_events SET seq = 4 WHERE seq = -3",
            |_| 3,
        ),
        ("a rewritten timestamp", "UPDATE audit_events SET at = '2000-01-01T00:00:00.000000Z' WHERE seq = 2", |_| 2),
        ("a widened disclosure", "UPDATE audit_events SET categories = 'substance-use' WHERE seq = 6", |_| 6),
        ("a purpose passed off as an emergency", "UPDATE audit_events SET purpose = 'emergency' WHERE seq = 8", |_| 8),
    ];
    for (what, sql, expected) in cases {
        let app = app_with_history().await;
        let events = app.count("audit_events").await;
        let first_deny =
            app.count("audit_events WHERE decision = 'permit' AND seq < (SELECT MIN(seq) FROM audit_events WHERE decision = 'deny')").await + 1;
        // The database refuses changes to events; an administrator can drop that guard first.
        app.drop_audit_guard().await;
        app.exec(sql).await;
        let expected_seq = match expected(events) {
            0 => first_deny,
            n => n,
        };
        match app.store.verify_audit().await.unwrap() {
            AuditCheck::Broken { seq, .. } => assert_eq!(seq, expected_seq, "{what}"),
            intact => panic!("{what} was not caught: {intact:?}"),
        }
        let (ok, text) = verify_cli(&app);
        assert!(!ok, "{what}: the command must fail");
        assert!(text.contains(&format!("broken at event {expected_seq}")), "{what}: {text}");
    }
}

/// Many requests at once still leave one unbroken chain.
#[tokio::test]
async fn concurrent_requests_do_not_fork_the_chain() {
    let app = TestApp::seeded(40).await;
    let client = app.client();
    let (token, _) = app.api_login(&client, Persona::StateAdmin).await;
    let (_, page) = app.get(&token, "/api/v1/members?limit=40").await;
    let ids: Vec<String> = page["items"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_string()).collect();
    let before = app.count("audit_events").await;
    let requests = ids.iter().map(|id| {
        let url = app.url(&format!("/api/v1/members/{id}"));
        let token = token.clone();
        async move { reqwest::Client::new().get(url).bearer_auth(token).send().await.unwrap().status().as_u16() }
    });
    let statuses = futures_join_all(requests).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let events = app.count("audit_events").await;
    assert_eq!(events, before + ids.len() as i64);
    assert_eq!(app.store.verify_audit().await.unwrap(), AuditCheck::Intact { events });
}

/// Run futures concurrently on the test's runtime.
async fn futures_join_all<F: std::future::Future<Output = u16> + Send + 'static>(futures: impl Iterator<Item = F>) -> Vec<u16> {
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}
