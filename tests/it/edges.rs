//! The edges of the server: an audit trail that someone with write access
//! to the database cannot rewrite unseen, sign-in abuse, sessions, headers,
//! redirects, timeouts and input limits.

use std::process::Command;

use accompany_domain::records::Persona;
use accompany_store::{AuditCheck, AuditKey, Store};
use hmac::Mac;
use sha2::Digest;
use sqlx::{Connection, Row};

use crate::support::{catalog, TestApp};

/// An app whose trail holds events from ordinary use.
async fn app_with_history() -> TestApp {
    let app = TestApp::seeded(30).await;
    let client = app.client();
    let (token, _) = app.api_login(&client, Persona::StateAdmin).await;
    let (_, page) = app.get(&token, "/api/v1/members?limit=4").await;
    for m in page["items"].as_array().unwrap() {
        app.get(
            &token,
            &format!("/api/v1/members/{}", m["id"].as_str().unwrap()),
        )
        .await;
    }
    app
}

fn accompany(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_accompany"))
        .args(args)
        .args([
            "--database-url",
            &app.db.url,
            "--audit-key-file",
            app.db.key_arg(),
        ])
        .env_remove("ACCOMPANY_DATABASE_URL")
        .env_remove("ACCOMPANY_AUDIT_KEY_FILE")
        .env_remove("ACCOMPANY_CHECKPOINT_KEY_FILE")
        .env_remove("ACCOMPANY_CHECKPOINT_PUBLIC_KEY")
        .env("ACCOMPANY_LOG", "error")
        .output()
        .expect("run accompany");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// Recompute every link and the head, as someone with write access to the
/// database would after changing events: plain SHA-256 without the key, or
/// the keyed hash for an insider who has it.
async fn rechain(app: &TestApp, key: Option<&[u8]>) {
    let mut conn = <sqlx::AnyConnection as Connection>::connect(&app.db.url)
        .await
        .unwrap();
    let rows = sqlx::query(
        "SELECT seq, id, at, actor_user_id, actor_username, action, entity, entity_id, decision, reason, client_addr, \
         member_id, categories, purpose FROM audit_events ORDER BY seq",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut prev = String::new();
    let mut last = 0;
    for r in &rows {
        let text = |c: &str| {
            r.try_get::<Option<String>, _>(c)
                .unwrap()
                .unwrap_or_default()
        };
        let seq: i64 = r.try_get("seq").unwrap();
        let fields = [
            "actor_user_id",
            "actor_username",
            "action",
            "entity",
            "entity_id",
            "decision",
            "reason",
            "client_addr",
        ]
        .map(text);
        let privacy = ["member_id", "categories", "purpose"].map(text);
        let extra: &[String] = if privacy.iter().any(|p| !p.is_empty()) {
            &privacy
        } else {
            &[]
        };
        let seq_text = seq.to_string();
        let head = [prev.clone(), seq_text, text("id"), text("at")];
        let parts: Vec<&String> = head
            .iter()
            .chain(fields.iter())
            .chain(extra.iter())
            .collect();
        let hash = match key {
            Some(k) => {
                let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(k).unwrap();
                for p in &parts {
                    mac.update(&(p.len() as u64).to_be_bytes());
                    mac.update(p.as_bytes());
                }
                hex::encode(mac.finalize().into_bytes())
            }
            None => {
                let mut h = sha2::Sha256::new();
                for p in &parts {
                    h.update((p.len() as u64).to_be_bytes());
                    h.update(p.as_bytes());
                }
                hex::encode(h.finalize())
            }
        };
        sqlx::query("UPDATE audit_events SET prev_hash = $1, hash = $2 WHERE seq = $3")
            .bind(&prev)
            .bind(&hash)
            .bind(seq)
            .execute(&mut conn)
            .await
            .unwrap();
        prev = hash;
        last = seq;
    }
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(last)
        .bind(&prev)
        .execute(&mut conn)
        .await
        .unwrap();
}

/// Renumber events after a deletion so that the sequence has no gap.
async fn close_gap(app: &TestApp, deleted: i64) {
    let n = app.count("audit_events").await;
    for seq in deleted + 1..=n + 1 {
        app.exec(&format!(
            "UPDATE audit_events SET seq = {} WHERE seq = {seq}",
            seq - 1
        ))
        .await;
    }
}

fn key_bytes(app: &TestApp) -> Vec<u8> {
    hex::decode(std::fs::read_to_string(&app.db.key_file).unwrap().trim()).unwrap()
}

#[tokio::test]
async fn the_database_refuses_to_change_or_delete_audit_events() {
    let app = app_with_history().await;
    let events = app.count("audit_events").await;
    for sql in [
        "UPDATE audit_events SET actor_username = 'someone-else' WHERE seq = 2",
        "DELETE FROM audit_events WHERE seq = 3",
        "DELETE FROM audit_events",
        "UPDATE audit_keyed SET from_seq = 1000000",
        "DELETE FROM audit_keyed",
    ] {
        let err = app.try_exec(sql).await.expect_err(sql);
        assert!(
            err.contains("append-only") || err.contains("fixed"),
            "{sql}: {err}"
        );
    }
    assert_eq!(app.count("audit_events").await, events);
    assert_eq!(
        app.count("audit_events WHERE actor_username = 'someone-else'")
            .await,
        0
    );
    // The head stays writable: the application moves it with every event.
    let client = app.client();
    let (token, _) = app.api_login(&client, Persona::StateAdmin).await;
    assert_eq!(app.get(&token, "/api/v1/members?limit=1").await.0, 200);
    let after = app.count("audit_events").await;
    assert!(after > events);
    assert_eq!(
        app.store.verify_audit().await.unwrap(),
        AuditCheck::Intact { events: after }
    );
}

/// Deleting an event and recomputing a plain SHA-256 chain used to pass;
/// without the key, no recomputed chain does.
#[tokio::test]
async fn a_deleted_event_with_a_recomputed_plain_chain_is_caught() {
    let app = app_with_history().await;
    app.drop_audit_guard().await;
    app.exec("DELETE FROM audit_events WHERE seq = 4").await;
    close_gap(&app, 4).await;
    rechain(&app, None).await;
    match app.store.verify_audit().await.unwrap() {
        AuditCheck::Broken { seq, problem } => assert_eq!(seq, 1, "{problem}"),
        intact => panic!("a rewritten trail verified: {intact:?}"),
    }
    let (ok, out, err) = accompany(&app, &["audit", "verify"]);
    assert!(!ok, "{out}");
    assert!(err.contains("broken at event 1"), "{err}");
    // The same chain under the right key would pass: the key is what protects it.
    rechain(&app, Some(&key_bytes(&app))).await;
    assert!(matches!(
        app.store.verify_audit().await.unwrap(),
        AuditCheck::Intact { .. }
    ));
}

/// A store opened with another key finds every link wrong.
#[tokio::test]
async fn another_key_does_not_verify_the_trail() {
    let app = app_with_history().await;
    let other = Store::connect(&app.db.url, catalog(), AuditKey::generate())
        .await
        .unwrap();
    assert!(matches!(
        other.verify_audit().await.unwrap(),
        AuditCheck::Broken { seq: 1, .. }
    ));
}

/// A missing key file is refused once the trail holds events, rather than
/// replaced by a new key.
#[tokio::test]
async fn a_missing_key_file_is_not_replaced_when_the_trail_has_events() {
    let app = app_with_history().await;
    std::fs::remove_file(&app.db.key_file).unwrap();
    let (ok, _, err) = accompany(&app, &["audit", "verify"]);
    assert!(!ok);
    assert!(
        err.contains("missing") && err.contains("restore the key file"),
        "{err}"
    );
    assert!(!app.db.key_file.exists());
}

/// A signed checkpoint catches an insider who holds the audit key and
/// rewrites the chain, and the newest events removed; a checkpoint altered
/// or signed by another key is refused.
#[tokio::test]
async fn checkpoints_catch_a_rewrite_by_whoever_holds_the_audit_key() {
    let app = app_with_history().await;
    let key_file = app.db.path("checkpoint.key");
    let key_arg = key_file.to_str().unwrap();
    let (ok, checkpoint, err) = accompany(
        &app,
        &["audit", "checkpoint", "--checkpoint-key-file", key_arg],
    );
    assert!(ok, "{err}");
    assert!(err.contains("Created the checkpoint key"), "{err}");
    let signed: serde_json::Value = serde_json::from_str(&checkpoint).unwrap();
    let head = app.count("audit_events").await;
    assert_eq!(signed["seq"], head);
    let file = app.db.path("checkpoint.json");
    std::fs::write(&file, &checkpoint).unwrap();
    let file_arg = file.to_str().unwrap();
    let public = signed["public_key"].as_str().unwrap().to_string();

    // More events after the checkpoint are fine.
    let client = app.client();
    let (token, _) = app.api_login(&client, Persona::StateAdmin).await;
    app.get(&token, "/api/v1/members?limit=2").await;
    let (ok, out, err) = accompany(
        &app,
        &[
            "audit",
            "verify",
            "--checkpoint",
            file_arg,
            "--checkpoint-public-key",
            &public,
        ],
    );
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!("checkpoint of event {head}")),
        "{out}"
    );

    // A forged checkpoint (a lower head) or another signer is refused.
    let mut forged = signed.clone();
    forged["seq"] = serde_json::json!(head - 3);
    std::fs::write(app.db.path("forged.json"), forged.to_string()).unwrap();
    let (ok, _, err) = accompany(
        &app,
        &[
            "audit",
            "verify",
            "--checkpoint",
            app.db.path("forged.json").to_str().unwrap(),
            "--checkpoint-key-file",
            key_arg,
        ],
    );
    assert!(!ok);
    assert!(err.contains("does not match its contents"), "{err}");
    let other = app.db.path("other.key");
    std::fs::write(&other, format!("{}\n", "11".repeat(32))).unwrap();
    let (ok, _, err) = accompany(
        &app,
        &[
            "audit",
            "verify",
            "--checkpoint",
            file_arg,
            "--checkpoint-key-file",
            other.to_str().unwrap(),
        ],
    );
    assert!(!ok);
    assert!(err.contains("signed by another key"), "{err}");

    // An insider with the audit key deletes an event before the checkpoint and rechains.
    app.drop_audit_guard().await;
    app.exec("DELETE FROM audit_events WHERE seq = 3").await;
    close_gap(&app, 3).await;
    rechain(&app, Some(&key_bytes(&app))).await;
    let (ok, _, err) = accompany(&app, &["audit", "verify"]);
    assert!(ok, "without a checkpoint the keyed rewrite passes: {err}");
    let (ok, _, err) = accompany(
        &app,
        &[
            "audit",
            "verify",
            "--checkpoint",
            file_arg,
            "--checkpoint-key-file",
            key_arg,
        ],
    );
    assert!(!ok);
    assert!(
        err.contains("differs from the checkpoint") || err.contains("saw event"),
        "{err}"
    );
}

/// Cutting the trail back to before a checkpoint is caught too.
#[tokio::test]
async fn checkpoints_catch_the_newest_events_removed_with_the_head() {
    let app = app_with_history().await;
    let key_file = app.db.path("checkpoint.key");
    let key_arg = key_file.to_str().unwrap();
    let (ok, checkpoint, err) = accompany(
        &app,
        &["audit", "checkpoint", "--checkpoint-key-file", key_arg],
    );
    assert!(ok, "{err}");
    let file = app.db.path("checkpoint.json");
    std::fs::write(&file, &checkpoint).unwrap();
    let head = app.count("audit_events").await;
    app.drop_audit_guard().await;
    app.exec(&format!(
        "DELETE FROM audit_events WHERE seq >= {}",
        head - 1
    ))
    .await;
    rechain(&app, Some(&key_bytes(&app))).await;
    let (ok, _, err) = accompany(
        &app,
        &[
            "audit",
            "verify",
            "--checkpoint",
            file.to_str().unwrap(),
            "--checkpoint-key-file",
            key_arg,
        ],
    );
    assert!(!ok);
    assert!(err.contains(&format!("saw event {head}")), "{err}");
}
