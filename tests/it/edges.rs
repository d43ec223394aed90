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
        app.get(&token, &format!("/api/v1/members/{}", m["id"].as_str().unwrap())).await;
    }
    app
}

fn accompany(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_accompany"))
        .args(args)
        .args(["--database-url", &app.db.url, "--audit-key-file", app.db.key_arg()])
        .env_remove("ACCOMPANY_DATABASE_URL")
        .env_remove("ACCOMPANY_AUDIT_KEY_FILE")
        .env_remove("ACCOMPANY_CHECKPOINT_KEY_FILE")
        .env_remove("ACCOMPANY_CHECKPOINT_PUBLIC_KEY")
        .env("ACCOMPANY_LOG", "error")
        .output()
        .expect("run accompany");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

/// Recompute every link and the head, as someone with write access to the
/// database would after changing events: plain SHA-256 without the key, or
/// the keyed hash for an insider who has it.
async fn rechain(app: &TestApp, key: Option<&[u8]>) {
    let mut conn = <sqlx::AnyConnection as Connection>::connect(&app.db.url).await.unwrap();
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
        let text = |c: &str| r.try_get::<Option<String>, _>(c).unwrap().unwrap_or_default();
        let seq: i64 = r.try_get("seq").unwrap();
        let fields = ["actor_user_id", "actor_username", "action", "entity", "entity_id", "decision", "reason", "client_addr"].map(text);
        let privacy = ["member_id", "categories", "purpose"].map(text);
        let extra: &[String] = if privacy.iter().any(|p| !p.is_empty()) { &privacy } else { &[] };
        let seq_text = seq.to_string();
        let head = [prev.clone(), seq_text, text("id"), text("at")];
        let parts: Vec<&String> = head.iter().chain(fields.iter()).chain(extra.iter()).collect();
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
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1").bind(last).bind(&prev).execute(&mut conn).await.unwrap();
}

/// Renumber events after a deletion so that the sequence has no gap.
async fn close_gap(app: &TestApp, deleted: i64) {
    let n = app.count("audit_events").await;
    for seq in deleted + 1..=n + 1 {
        app.exec(&format!("UPDATE audit_events SET seq = {} WHERE seq = {seq}", seq - 1)).await;
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
        assert!(err.contains("append-only") || err.contains("fixed"), "{sql}: {err}");
    }
    assert_eq!(app.count("audit_events").await, events);
    assert_eq!(app.count("audit_events WHERE actor_username = 'someone-else'").await, 0);
    // The head stays writable: the application moves it with every event.
    let client = app.client();
    let (token, _) = app.api_login(&client, Persona::StateAdmin).await;
    assert_eq!(app.get(&token, "/api/v1/members?limit=1").await.0, 200);
    let after = app.count("audit_events").await;
    assert!(after > events);
    assert_eq!(app.store.verify_audit().await.unwrap(), AuditCheck::Intact { events: after });
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
    assert!(matches!(app.store.verify_audit().await.unwrap(), AuditCheck::Intact { .. }));
}

/// A store opened with another key finds every link wrong.
#[tokio::test]
async fn another_key_does_not_verify_the_trail() {
    let app = app_with_history().await;
    let other = Store::connect(&app.db.url, catalog(), AuditKey::generate()).await.unwrap();
    assert!(matches!(other.verify_audit().await.unwrap(), AuditCheck::Broken { seq: 1, .. }));
}

/// A missing key file is refused once the trail holds events, rather than
/// replaced by a new key.
#[tokio::test]
async fn a_missing_key_file_is_not_replaced_when_the_trail_has_events() {
    let app = app_with_history().await;
    std::fs::remove_file(&app.db.key_file).unwrap();
    let (ok, _, err) = accompany(&app, &["audit", "verify"]);
    assert!(!ok);
    assert!(err.contains("missing") && err.contains("restore the key file"), "{err}");
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
    let (ok, checkpoint, err) = accompany(&app, &["audit", "checkpoint", "--checkpoint-key-file", key_arg]);
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
    let (ok, out, err) = accompany(&app, &["audit", "verify", "--checkpoint", file_arg, "--checkpoint-public-key", &public]);
    assert!(ok, "{err}");
    assert!(out.contains(&format!("checkpoint of event {head}")), "{out}");

    // A forged checkpoint (a lower head) or another signer is refused.
    let mut forged = signed.clone();
    forged["seq"] = serde_json::json!(head - 3);
    std::fs::write(app.db.path("forged.json"), forged.to_string()).unwrap();
    let (ok, _, err) =
        accompany(&app, &["audit", "verify", "--checkpoint", app.db.path("forged.json").to_str().unwrap(), "--checkpoint-key-file", key_arg]);
    assert!(!ok);
    assert!(err.contains("does not match its contents"), "{err}");
    let other = app.db.path("other.key");
    std::fs::write(&other, format!("{}\n", "11".repeat(32))).unwrap();
    let (ok, _, err) = accompany(&app, &["audit", "verify", "--checkpoint", file_arg, "--checkpoint-key-file", other.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("signed by another key"), "{err}");

    // An insider with the audit key deletes an event before the checkpoint and rechains.
    app.drop_audit_guard().await;
    app.exec("DELETE FROM audit_events WHERE seq = 3").await;
    close_gap(&app, 3).await;
    rechain(&app, Some(&key_bytes(&app))).await;
    let (ok, _, err) = accompany(&app, &["audit", "verify"]);
    assert!(ok, "without a checkpoint the keyed rewrite passes: {err}");
    let (ok, _, err) = accompany(&app, &["audit", "verify", "--checkpoint", file_arg, "--checkpoint-key-file", key_arg]);
    assert!(!ok);
    assert!(err.contains("differs from the checkpoint") || err.contains("saw event"), "{err}");
}

/// Cutting the trail back to before a checkpoint is caught too.
#[tokio::test]
async fn checkpoints_catch_the_newest_events_removed_with_the_head() {
    let app = app_with_history().await;
    let key_file = app.db.path("checkpoint.key");
    let key_arg = key_file.to_str().unwrap();
    let (ok, checkpoint, err) = accompany(&app, &["audit", "checkpoint", "--checkpoint-key-file", key_arg]);
    assert!(ok, "{err}");
    let file = app.db.path("checkpoint.json");
    std::fs::write(&file, &checkpoint).unwrap();
    let head = app.count("audit_events").await;
    app.drop_audit_guard().await;
    app.exec(&format!("DELETE FROM audit_events WHERE seq >= {}", head - 1)).await;
    rechain(&app, Some(&key_bytes(&app))).await;
    let (ok, _, err) = accompany(&app, &["audit", "verify", "--checkpoint", file.to_str().unwrap(), "--checkpoint-key-file", key_arg]);
    assert!(!ok);
    assert!(err.contains(&format!("saw event {head}")), "{err}");
}

// --- Sign-in ---------------------------------------------------------------------

/// Serve the app's store again, with other limits or trusted proxies.
async fn serve(state: accompany_web::AppState) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = accompany_web::serve(state, listener).await;
    });
    addr
}

/// Try a password through the API, from the address `from` (believed only
/// by a server that trusts 127.0.0.1 as a proxy).
async fn try_sign_in(addr: std::net::SocketAddr, username: &str, password: &str, from: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("http://{addr}/api/v1/auth/login"))
        .header("x-forwarded-for", from)
        .json(&serde_json::json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap()
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let mut conn = <sqlx::AnyConnection as Connection>::connect(&app.db.url).await.unwrap();
    sqlx::query(sql).fetch_one(&mut conn).await.unwrap().try_get(0).unwrap()
}

fn behind_proxy(app: &TestApp) -> accompany_web::AppState {
    accompany_web::AppState::new(app.store.clone(), false).with_trusted_proxies(vec!["127.0.0.0/8".parse().unwrap()])
}

/// Forty wrong passwords at once get the three free tries, not forty; the
/// delay is short and then the right password works, from another address
/// too, and colleagues at the same address are only delayed, not locked out.
#[tokio::test]
async fn parallel_guesses_are_counted_one_after_another() {
    let app = TestApp::seeded(30).await;
    let addr = serve(behind_proxy(&app)).await;
    let member = app.credential(Persona::Member).clone();
    let guesses = (0..40).map(|i| {
        let username = member.username.clone();
        tokio::spawn(async move {
            let r = try_sign_in(addr, &username, &format!("wrong guess {i}"), "198.51.100.1").await;
            (r.status().as_u16(), r.headers().get("retry-after").is_some())
        })
    });
    let mut answers = vec![];
    for g in guesses.collect::<Vec<_>>() {
        answers.push(g.await.unwrap());
    }
    let wrong = answers.iter().filter(|a| a.0 == 401).count();
    let delayed = answers.iter().filter(|a| a.0 == 429 && a.1).count();
    assert_eq!((wrong, delayed), (3, 37), "{answers:?}");
    // Every attempt is in the audit trail: three failures, thirty-seven delays.
    let events = |decision: &str| {
        format!("SELECT COUNT(*) FROM audit_events WHERE action = 'sign-in' AND decision = '{decision}' AND client_addr = '198.51.100.1'")
    };
    assert_eq!(scalar(&app, &events("deny")).await, 3);
    assert_eq!(scalar(&app, &events("delay")).await, 37);
    // The right password from another address waits out the username's short delay...
    let r = try_sign_in(addr, &member.username, &member.password, "192.0.2.7").await;
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&wait), "{wait}");
    // ...and a colleague at the guessing address waits out the address's.
    let colleague = app.credential(Persona::PeerWorker).clone();
    assert_eq!(try_sign_in(addr, &colleague.username, &colleague.password, "198.51.100.1").await.status(), 429);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(try_sign_in(addr, &member.username, &member.password, "192.0.2.7").await.status(), 200);
    assert_eq!(try_sign_in(addr, &colleague.username, &colleague.password, "198.51.100.1").await.status(), 200);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM audit_events WHERE action = 'sign-in' AND decision = 'permit' AND client_addr = '192.0.2.7'").await,
        1
    );
}

/// A test server can raise the limits; the defaults are the ones documented.
#[tokio::test]
async fn sign_in_limits_are_settings() {
    let app = TestApp::seeded(30).await;
    let raised = accompany_domain::limits::SignInLimits { free_failures: 1000, ..Default::default() };
    let addr = serve(accompany_web::AppState::new(app.store.clone().with_limits(raised), false)).await;
    let member = app.credential(Persona::Member).clone();
    for i in 0..12 {
        assert_eq!(try_sign_in(addr, &member.username, &format!("wrong {i}"), "").await.status(), 401);
    }
    assert_eq!(try_sign_in(addr, &member.username, &member.password, "").await.status(), 200);
    assert_eq!(
        accompany_domain::limits::SignInLimits::default(),
        accompany_domain::limits::SignInLimits {
            free_failures: 3,
            delay_cap_seconds: 60,
            forget_after_minutes: 15,
            session_idle_minutes: 30,
            session_hours: 12
        }
    );
}

/// `X-Forwarded-For` names the client only when a trusted proxy sends it.
#[tokio::test]
async fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
    let app = TestApp::seeded(30).await;
    let admin = app.credential(Persona::StateAdmin).clone();
    let trusting = serve(behind_proxy(&app)).await;
    assert_eq!(try_sign_in(trusting, &admin.username, &admin.password, "203.0.113.50").await.status(), 200);
    assert_eq!(try_sign_in(app.addr, &admin.username, &admin.password, "203.0.113.51").await.status(), 200);
    let addrs = |a: &str| format!("SELECT COUNT(*) FROM audit_events WHERE action = 'sign-in' AND client_addr = '{a}'");
    assert_eq!(scalar(&app, &addrs("203.0.113.50")).await, 1);
    assert_eq!(scalar(&app, &addrs("203.0.113.51")).await, 0, "a client cannot choose its own address");
    assert!(scalar(&app, &addrs("127.0.0.1")).await >= 1);
}

/// Signing out of the API ends the bearer token of that sign-in and its
/// session; sign-in, token and sign-out are audited.
#[tokio::test]
async fn signing_out_of_the_api_ends_its_token() {
    let app = TestApp::seeded(30).await;
    let client = app.client();
    let (token, _) = app.api_login(&client, Persona::CareCoordinator).await;
    let (other, _) = app.api_login(&app.client(), Persona::CareCoordinator).await;
    assert_eq!(app.get(&token, "/api/v1/me").await.0, 200);
    assert_eq!(client.get(app.url("/api/v1/me")).send().await.unwrap().status(), 200, "the cookie session works too");
    let r = reqwest::Client::new().post(app.url("/api/v1/auth/logout")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(app.get(&token, "/api/v1/me").await.0, 401, "the token ended");
    assert_eq!(client.get(app.url("/api/v1/me")).send().await.unwrap().status(), 401, "its session ended");
    assert_eq!(app.get(&other, "/api/v1/me").await.0, 200, "another sign-in is untouched");
    let user = app.store.user_by_username(&app.credential(Persona::CareCoordinator).username).await.unwrap().unwrap();
    for (action, at_least) in [("sign-in", 2), ("create-token", 2), ("sign-out", 1)] {
        let n = scalar(&app, &format!("SELECT COUNT(*) FROM audit_events WHERE action = '{action}' AND actor_user_id = '{}'", user.id)).await;
        assert!(n >= at_least, "{action}: {n}");
    }
}

/// A password change needs the current password and ends every session
/// and token of the account; so does an administrator's reset.
#[tokio::test]
async fn a_new_password_ends_every_session_and_token() {
    let app = TestApp::seeded(30).await;
    let c = app.credential(Persona::PeerWorker).clone();
    let browser = app.client();
    app.page_login(&browser, Persona::PeerWorker).await;
    let (token, _) = app.api_login(&app.client(), Persona::PeerWorker).await;
    let user = app.store.user_by_username(&c.username).await.unwrap().unwrap();
    let lasting = app.store.create_token(&user.id, "script", Some(30)).await.unwrap();
    let change = |current: &str, new: &str| {
        reqwest::Client::new()
            .put(app.url("/api/v1/me/password"))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "current_password": current, "new_password": new }))
            .send()
    };
    let r = change("not my password", "a brand new password").await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = change(&c.password, "short").await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(app.get(&lasting, "/api/v1/me").await.0, 200, "refused changes end nothing");
    assert_eq!(change(&c.password, "a brand new password").await.unwrap().status(), 204);
    assert_eq!(app.get(&token, "/api/v1/me").await.0, 401);
    assert_eq!(app.get(&lasting, "/api/v1/me").await.0, 401);
    let home = browser.get(app.url("/home")).send().await.unwrap();
    assert_eq!(home.status(), 303, "the browser session ended");
    assert_eq!(try_sign_in(app.addr, &c.username, &c.password, "").await.status(), 401);
    assert_eq!(try_sign_in(app.addr, &c.username, "a brand new password", "").await.status(), 200);
    let changes = format!("SELECT COUNT(*) FROM audit_events WHERE action = 'change-password' AND actor_user_id = '{}'", user.id);
    assert_eq!(scalar(&app, &changes).await, 2, "the refused and the accepted change");

    // The command line sets a password for an administrator, with the same effect.
    let (token, _) = app.api_login(&app.client(), Persona::Supervisor).await;
    let supervisor = app.credential(Persona::Supervisor).username.clone();
    let out = Command::new(env!("CARGO_BIN_EXE_accompany"))
        .args(["user", "password", "--username", &supervisor, "--database-url", &app.db.url, "--audit-key-file", app.db.key_arg()])
        .env("ACCOMPANY_PASSWORD", "set by the administrator")
        .env("ACCOMPANY_LOG", "error")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(app.get(&token, "/api/v1/me").await.0, 401);
    assert_eq!(try_sign_in(app.addr, &supervisor, "set by the administrator", "").await.status(), 200);
    assert!(app.store.verify_audit().await.unwrap() == AuditCheck::Intact { events: app.count("audit_events").await });
}

/// The password page changes the password and signs the browser out.
#[tokio::test]
async fn the_password_page_changes_the_password() {
    let app = TestApp::seeded(30).await;
    let c = app.credential(Persona::Member).clone();
    let browser = app.client();
    app.page_login(&browser, Persona::Member).await;
    let page = browser.get(app.url("/account/password")).send().await.unwrap().text().await.unwrap();
    let csrf = crate::support::hidden_value(&page, "csrf").unwrap();
    let post = |current: &str| {
        browser
            .post(app.url("/account/password"))
            .form(&[("csrf", csrf.as_str()), ("current_password", current), ("new_password", "another long password")])
            .send()
    };
    assert_eq!(post("wrong").await.unwrap().status(), 403);
    let r = post(&c.password).await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(browser.get(app.url("/home")).send().await.unwrap().status(), 303);
    assert_eq!(try_sign_in(app.addr, &c.username, "another long password", "").await.status(), 200);
}

/// A browser session ends after thirty idle minutes; use keeps it alive.
#[tokio::test]
async fn idle_sessions_end() {
    let app = TestApp::seeded(30).await;
    let idle = app.client();
    app.page_login(&idle, Persona::CareCoordinator).await;
    let active = app.client();
    app.page_login(&active, Persona::StateAdmin).await;
    assert_eq!(idle.get(app.url("/home")).send().await.unwrap().status(), 200);
    let thirty_one_minutes_ago = accompany_store::timestamp_text(time::OffsetDateTime::now_utc() - time::Duration::minutes(31));
    let twenty_minutes_ago = accompany_store::timestamp_text(time::OffsetDateTime::now_utc() - time::Duration::minutes(20));
    let coordinator = app.store.user_by_username(&app.credential(Persona::CareCoordinator).username).await.unwrap().unwrap();
    app.exec(&format!("UPDATE sessions SET last_seen_at = '{thirty_one_minutes_ago}' WHERE user_id = '{}'", coordinator.id)).await;
    app.exec(&format!("UPDATE sessions SET last_seen_at = '{twenty_minutes_ago}' WHERE user_id <> '{}'", coordinator.id)).await;
    let r = idle.get(app.url("/home")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"].to_str().unwrap().starts_with("/login"));
    assert_eq!(active.get(app.url("/home")).send().await.unwrap().status(), 200);
    // The request noted the use: the session has thirty minutes again.
    let fresh = scalar(&app, &format!("SELECT COUNT(*) FROM sessions WHERE last_seen_at > '{twenty_minutes_ago}'")).await;
    assert_eq!(fresh, 1);
}

/// Sixteen sign-ins at once do not stop the server answering.
#[tokio::test]
async fn a_burst_of_sign_ins_leaves_the_server_answering() {
    let app = TestApp::seeded(30).await;
    let raised = accompany_domain::limits::SignInLimits { free_failures: 1000, ..Default::default() };
    let addr = serve(accompany_web::AppState::new(app.store.clone().with_limits(raised), false)).await;
    let burst: Vec<_> = (0..16).map(|i| tokio::spawn(async move { try_sign_in(addr, "nobody", &format!("guess {i}"), "").await.status() })).collect();
    let health = reqwest::Client::new().get(format!("http://{addr}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    for b in burst {
        assert_eq!(b.await.unwrap(), 401);
    }
}

// --- Headers, cookies and redirects ---------------------------------------------------

fn set_cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect()
}

/// The value of cookie `name` in a response's Set-Cookie headers.
fn cookie_value(r: &reqwest::Response, name: &str) -> Option<String> {
    set_cookies(r).iter().find_map(|c| c.strip_prefix(&format!("{name}=")).map(|v| v.split(';').next().unwrap().to_string()))
}

/// Served as over HTTPS, cookies are `__Host-` and Secure, HSTS is sent, and
/// a cookie without the prefix is not believed.
#[tokio::test]
async fn secure_cookies_are_host_bound() {
    let app = TestApp::seeded(30).await;
    let addr = serve(accompany_web::AppState::new(app.store.clone(), true)).await;
    let url = |p: &str| format!("http://{addr}{p}");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = http.get(url("/login")).send().await.unwrap();
    assert!(form.headers()["strict-transport-security"].to_str().unwrap().starts_with("max-age="));
    let csrf_cookie = set_cookies(&form).into_iter().find(|c| c.starts_with("__Host-accompany_login_csrf=")).expect("a __Host- cookie");
    assert!(csrf_cookie.contains("; Secure") && csrf_cookie.contains("Path=/") && !csrf_cookie.contains("Domain"), "{csrf_cookie}");
    let token = cookie_value(&form, "__Host-accompany_login_csrf").unwrap();
    let c = app.credential(Persona::CareCoordinator).clone();
    let signed = http
        .post(url("/login"))
        .header("cookie", format!("__Host-accompany_login_csrf={token}"))
        .form(&[("username", c.username.as_str()), ("password", c.password.as_str()), ("csrf", &token), ("next", "/home")])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 303);
    assert_eq!(signed.headers()["cache-control"], "no-store");
    let session = cookie_value(&signed, "__Host-accompany_session").expect("a __Host- session cookie");
    assert!(set_cookies(&signed).iter().all(|c| c.starts_with("__Host-") && c.contains("; Secure")), "{:?}", set_cookies(&signed));
    let home = http.get(url("/home")).header("cookie", format!("__Host-accompany_session={session}")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    assert_eq!(home.headers()["cache-control"], "no-store");
    // The same secret under a name any page could have set is ignored.
    let plain = http.get(url("/home")).header("cookie", format!("accompany_session={session}")).send().await.unwrap();
    assert_eq!(plain.status(), 303);
    // A plain-HTTP server (the demo's) keeps plain cookies and sends no HSTS.
    let form = http.get(app.url("/login")).send().await.unwrap();
    assert!(form.headers().get("strict-transport-security").is_none());
    assert!(set_cookies(&form).iter().all(|c| c.starts_with("accompany_login_csrf=") && !c.contains("Secure")));
}

/// Every signed-in response is `no-store`; public ones keep their caching.
#[tokio::test]
async fn signed_in_responses_are_not_cached() {
    let app = TestApp::seeded(30).await;
    let (token, _) = app.api_login(&app.client(), Persona::StateAdmin).await;
    for path in ["/api/v1/me", "/api/v1/members?limit=2", "/api/v1/nothing-here"] {
        let r = reqwest::Client::new().get(app.url(path)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.headers()["cache-control"], "no-store", "{path}");
    }
    let browser = app.client();
    app.page_login(&browser, Persona::StateAdmin).await;
    for path in ["/home", "/members", "/roles"] {
        let r = browser.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.headers()["cache-control"], "no-store", "{path}");
    }
    let css = reqwest::get(app.url("/static/app.css")).await.unwrap();
    assert_eq!(css.headers()["cache-control"], "public, max-age=3600");
}

/// `next=` leads only to a path of this site made of visible characters.
#[tokio::test]
async fn redirects_stay_on_site() {
    let app = TestApp::empty().await;
    let http = app.client();
    for (next, expected) in [
        ("/roles", "/roles"),
        ("/members%3Fafter%3Dx", "/members?after=x"),
        ("/%09/evil.example", "/home"),
        ("//evil.example", "/home"),
        ("/%5Cevil.example", "/home"),
        ("https://evil.example", "/home"),
        ("/x%0D%0ASet-Cookie:%20a=b", "/home"),
        ("/%20/evil.example", "/home"),
        ("/%E2%80%AEx", "/home"),
    ] {
        let r = http.get(app.url(&format!("/lang/en?next={next}"))).send().await.unwrap();
        assert_eq!(r.status(), 303, "{next}");
        assert_eq!(r.headers()["location"], expected, "{next}");
    }
    let form = http.get(app.url("/login?next=/%09/evil.example")).send().await.unwrap().text().await.unwrap();
    assert_eq!(crate::support::hidden_value(&form, "next").as_deref(), Some("/home"));
}

// --- The server's edges ---------------------------------------------------------------

/// More half-open connections than the server accepts at once (each sends
/// half a header and waits) do not stop `/healthz` from answering: the
/// header timeout frees their places. A liveness check, not a timing target.
#[tokio::test]
async fn healthz_answers_past_more_half_open_connections_than_the_limit() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::empty().await;
    let limits = accompany_web::ServerLimits { header_timeout: std::time::Duration::from_millis(500), max_connections: 16, ..Default::default() };
    let addr = serve(accompany_web::AppState::new(app.store.clone(), false).with_limits(limits)).await;
    let mut stalled = vec![];
    for _ in 0..40 {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Half: ").await.unwrap();
        stalled.push(s);
    }
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(20)).build().unwrap();
    let r = client.get(format!("http://{addr}/healthz")).send().await.expect("healthz answers");
    assert_eq!(r.status(), 200);
    // The server closed the stalled connections rather than waiting on them.
    let mut first = stalled.remove(0);
    let mut buf = [0u8; 256];
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), first.read(&mut buf)).await.expect("closed by the server");
    assert!(read.as_ref().map_or(true, |n| *n == 0 || String::from_utf8_lossy(&buf[..*n]).starts_with("HTTP/1.1 408")), "{read:?}");
}

/// An idle keep-alive connection is closed after the idle timeout.
#[tokio::test]
async fn idle_connections_are_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::empty().await;
    let limits = accompany_web::ServerLimits { idle_timeout: std::time::Duration::from_millis(400), ..Default::default() };
    let addr = serve(accompany_web::AppState::new(app.store.clone(), false).with_limits(limits)).await;
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = s.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let started = std::time::Instant::now();
    let n = tokio::time::timeout(std::time::Duration::from_secs(10), s.read(&mut buf)).await.expect("closed").unwrap_or(0);
    assert_eq!(n, 0, "the connection was closed");
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
}

/// Stopping the server lets a request in flight finish and refuses new connections.
#[tokio::test]
async fn shutdown_finishes_requests_in_flight() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::seeded(30).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(accompany_web::serve_until(accompany_web::AppState::new(app.store.clone(), false), listener, async {
        let _ = stopped.await;
    }));
    let body = br#"{"username":"nobody","password":"not a password"}"#;
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!("POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", body.len());
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&body[..10]).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    stop.send(()).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    s.write_all(&body[10..]).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(std::time::Duration::from_secs(10), s.read_to_string(&mut answer)).await.unwrap().unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    tokio::time::timeout(std::time::Duration::from_secs(10), server).await.expect("the server stopped").unwrap().unwrap();
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "no longer listening");
}

/// `accompany serve` stops cleanly on SIGTERM.
#[tokio::test]
async fn serve_stops_on_sigterm() {
    use std::io::BufRead;
    let app = TestApp::empty().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_accompany"))
        .args(["serve", "--bind", "127.0.0.1:0", "--insecure-cookies", "--database-url", &app.db.url, "--audit-key-file", app.db.key_arg()])
        .env("ACCOMPANY_LOG", "error")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let line = std::io::BufReader::new(stderr).lines().map_while(Result::ok).find(|l| l.starts_with("Serving on ")).expect("serving");
    let base = line.trim_start_matches("Serving on ").to_string();
    assert_eq!(reqwest::get(format!("{base}/healthz")).await.unwrap().status(), 200);
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "serve did not stop on SIGTERM");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(status.success(), "a clean exit, not death by signal: {status:?}");
}

/// Dates far from today are refused rather than overflowing the calendar.
#[tokio::test]
async fn dates_are_bounded() {
    let app = TestApp::seeded(30).await;
    let (peer, _) = app.api_login(&app.client(), Persona::PeerWorker).await;
    let user = app.store.user_by_username(&app.credential(Persona::PeerWorker).username).await.unwrap().unwrap();
    for first_date in ["9999-12-30", "2201-01-01", "-0001-01-01"] {
        let (status, body) = app
            .send(
                reqwest::Method::POST,
                &peer,
                "/api/v1/groups",
                &serde_json::json!({ "title": "Far future", "language": "en", "modality": "video", "setting": "virtual", "place": "Online",
                    "first_date": first_date, "start": "19:00", "end": "20:00", "weeks": 52, "open_to": user.organization_id }),
            )
            .await;
        assert_eq!(status, 422, "{first_date}: {body}");
        assert_eq!(body["errors"][0]["field"], "first_date", "{body}");
    }
    assert_eq!(app.count("peer_groups").await, 0);
    assert_eq!(app.get(&peer, "/healthz").await.0, 200);
}

// --- Input ---------------------------------------------------------------------------

/// A 20,000-character city, NUL in a name and a direction override are
/// refused with the field and the fix, on both databases; the limits are
/// published in the API document.
#[tokio::test]
async fn text_is_held_to_the_table_of_limits() {
    let app = TestApp::seeded(30).await;
    let (admin, _) = app.api_login(&app.client(), Persona::StateAdmin).await;
    let (_, page) = app.get(&admin, "/api/v1/members?limit=1").await;
    let id = page["items"][0]["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/members/{id}");
    let (_, original) = app.get(&admin, &path).await;
    for (field, value, code) in [
        ("city", serde_json::json!("W".repeat(20_000)), "too-long"),
        ("given_name", serde_json::json!("Ana\u{0}"), "forbidden-characters"),
        ("family_name", serde_json::json!("Lee\u{202E}dlrow"), "forbidden-characters"),
        ("given_name", serde_json::json!("Ana\nSet"), "forbidden-characters"),
    ] {
        let mut changed = original.clone();
        changed[field] = value;
        changed["reason"] = serde_json::json!("testing limits");
        let (status, body) = app.send(reqwest::Method::PUT, &admin, &path, &changed).await;
        assert_eq!(status, 422, "{field}: {body}");
        assert_eq!(body["errors"][0]["field"].as_str().unwrap().split('[').next().unwrap(), field, "{body}");
        assert_eq!(body["errors"][0]["code"], code, "{body}");
    }
    let (_, now) = app.get(&admin, &path).await;
    assert_eq!(now["version"], original["version"], "nothing was written");
    let huge = "x".repeat(accompany_domain::limits::MAX_BODY_BYTES + 1);
    let (status, _) = app.send(reqwest::Method::PUT, &admin, &path, &serde_json::json!({ "city": huge })).await;
    assert_eq!(status, 413);
    let doc: serde_json::Value = reqwest::get(app.url("/api/openapi.json")).await.unwrap().json().await.unwrap();
    // The document publishes the same limit.
    let city = &doc["components"]["schemas"]["MemberInput"]["properties"]["city"];
    assert_eq!(city["maxLength"], accompany_domain::limits::text::CITY.max_chars, "{city}");
}

/// NUL is never passed to a database (PostgreSQL refuses it in text): in a
/// path or query it matches nothing, in a body it is refused like any other
/// control character, and nothing answers 500.
#[tokio::test]
async fn nul_in_paths_queries_and_bodies_is_answered_not_a_server_error() {
    let app = TestApp::seeded(30).await;
    let (admin, _) = app.api_login(&app.client(), Persona::StateAdmin).await;
    assert_eq!(app.get(&admin, "/api/v1/members/ab%00cd").await.0, 404);
    let (status, page) = app.get(&admin, "/api/v1/organizations?kind=health%00plan").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["items"].as_array().map(Vec::len), Some(0), "a filter holding NUL matches nothing");
    assert_eq!(app.get(&admin, "/api/v1/referrals?after=x%00y").await.0, 200);
    let login = serde_json::json!({ "username": "state\0admin", "password": "whatever it is" });
    let r = app.client().post(app.url("/api/v1/auth/login")).json(&login).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let (_, page) = app.get(&admin, "/api/v1/members?limit=1").await;
    let path = format!("/api/v1/members/{}", page["items"][0]["id"].as_str().unwrap());
    let (_, mut record) = app.get(&admin, &path).await;
    record["given_name"] = serde_json::json!("Ana\0Beth");
    record["reason"] = serde_json::json!("testing NUL");
    let (status, body) = app.send(reqwest::Method::PUT, &admin, &path, &record).await;
    assert_eq!((status, body["errors"][0]["field"].as_str()), (422, Some("given_name")), "{body}");
}

// --- Calendar feeds ------------------------------------------------------------------

/// A feed link is good for a year and can be ended at once.
#[tokio::test]
async fn calendar_feed_links_expire_and_can_be_revoked() {
    let app = TestApp::seeded(30).await;
    let (peer, _) = app.api_login(&app.client(), Persona::PeerWorker).await;
    let (status, feed) = app.send(reqwest::Method::POST, &peer, "/api/v1/me/calendar-feed", &serde_json::json!({})).await;
    assert_eq!(status, 201, "{feed}");
    let expires = time::OffsetDateTime::parse(feed["expires_at"].as_str().unwrap(), &time::format_description::well_known::Rfc3339).unwrap();
    let days = (expires - time::OffsetDateTime::now_utc()).whole_days();
    assert!((364..=365).contains(&days), "{days}");
    let path = feed["path"].as_str().unwrap().to_string();
    assert_eq!(reqwest::get(app.url(&path)).await.unwrap().status(), 200);
    // Past its expiry the link is simply not found.
    app.exec("UPDATE calendar_feeds SET expires_at = '2000-01-01T00:00:00.000000Z'").await;
    assert_eq!(reqwest::get(app.url(&path)).await.unwrap().status(), 404);
    // A new link, then revoked.
    let (_, feed) = app.send(reqwest::Method::POST, &peer, "/api/v1/me/calendar-feed", &serde_json::json!({})).await;
    let path = feed["path"].as_str().unwrap().to_string();
    assert_eq!(reqwest::get(app.url(&path)).await.unwrap().status(), 200);
    let r = reqwest::Client::new().delete(app.url("/api/v1/me/calendar-feed")).bearer_auth(&peer).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(reqwest::get(app.url(&path)).await.unwrap().status(), 404);
    assert_eq!(app.count("audit_events WHERE entity = 'calendar-feed' AND action = 'revoke'").await, 1);
}

// --- No lost updates ------------------------------------------------------------------

/// Reads carry the version as an ETag; an update without a version is 428,
/// with a stale If-Match 412, with a stale body version 409.
#[tokio::test]
async fn updates_need_the_version_that_was_read() {
    let app = TestApp::seeded(30).await;
    let (admin, _) = app.api_login(&app.client(), Persona::StateAdmin).await;
    let (_, page) = app.get(&admin, "/api/v1/members?limit=1").await;
    let path = format!("/api/v1/members/{}", page["items"][0]["id"].as_str().unwrap());
    let http = reqwest::Client::new();
    let read = http.get(app.url(&path)).bearer_auth(&admin).send().await.unwrap();
    let etag = read.headers()["etag"].to_str().unwrap().to_string();
    let mut record: serde_json::Value = read.json().await.unwrap();
    assert_eq!(etag, format!("\"{}\"", record["version"]));
    let version = record["version"].clone();
    record.as_object_mut().unwrap().remove("version");
    record["city"] = serde_json::json!("Springfield");
    record["reason"] = serde_json::json!("moved");
    let put = |if_match: Option<String>, body: serde_json::Value| {
        let mut r = http.put(app.url(&path)).bearer_auth(&admin).json(&body);
        if let Some(m) = if_match {
            r = r.header("if-match", m);
        }
        r.send()
    };
    let r = put(None, record.clone()).await.unwrap();
    assert_eq!(r.status(), 428);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = put(Some(etag.clone()), record.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    let new_etag = r.headers()["etag"].to_str().unwrap().to_string();
    assert_ne!(new_etag, etag);
    // Someone else's stale copy: by If-Match, and by the body's version.
    let r = put(Some(etag.clone()), record.clone()).await.unwrap();
    assert_eq!(r.status(), 412);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let mut stale = record.clone();
    stale["version"] = version;
    assert_eq!(put(None, stale).await.unwrap().status(), 409);
    assert_eq!(put(Some("*".into()), record.clone()).await.unwrap().status(), 400);
    let (_, now) = app.get(&admin, &path).await;
    assert_eq!(format!("\"{}\"", now["version"]), new_etag, "only the one up-to-date change landed");
}
