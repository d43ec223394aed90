//! The `accompany` binary as a newcomer runs it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::TestDb;

pub(crate) fn accompany() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_accompany"));
    c.env_remove("ACCOMPANY_DATABASE_URL").env_remove("ACCOMPANY_CATALOG").env("ACCOMPANY_LOG", "error");
    c
}

fn run(args: &[&str]) -> (bool, String, String) {
    let out = accompany().args(args).output().expect("run accompany");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[tokio::test]
async fn migrate_is_idempotent() {
    let db = TestDb::new().await;
    let (ok, _, err) = run(&["migrate", "--database-url", &db.url, "--audit-key-file", db.key_arg()]);
    assert!(ok, "{err}");
    assert!(err.contains("Applied: records"), "{err}");
    let (ok, _, err) = run(&["migrate", "--database-url", &db.url, "--audit-key-file", db.key_arg()]);
    assert!(ok, "{err}");
    assert!(err.contains("up to date"), "{err}");
}

#[test]
fn a_bad_catalog_names_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.toml");
    let text = accompany_domain::catalog::MASSACHUSETTS_TOML.replacen("unit_minutes = 15", "unit_minutes = 0", 1);
    std::fs::write(&path, &text).unwrap();
    let line = text.lines().position(|l| l.trim() == "unit_minutes = 0").unwrap() + 1;
    // The first per-unit rule in the file: the Recovery Coach's under DPH/BSAS.
    let db = format!("sqlite://{}", dir.path().join("x.db").display());
    let (ok, _, err) = run(&["migrate", "--database-url", &db, "--catalog", path.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains(&format!("state.toml:{line}: field `roles[0].billing[1].rate.unit_minutes`")), "{err}");
    let (ok, _, err) = run(&["migrate", "--database-url", &db, "--catalog", "/nonexistent/catalog.toml"]);
    assert!(!ok);
    assert!(err.contains("cannot read the catalog file /nonexistent/catalog.toml"), "{err}");
}

#[test]
fn bad_flags_and_unreachable_databases_explain_themselves() {
    let (ok, _, err) = run(&["seed", "--members", "lots"]);
    assert!(!ok);
    assert!(err.contains("invalid value 'lots' for '--members"), "{err}");
    let (ok, _, err) = run(&["migrate", "--database-url", "postgres://nobody@127.0.0.1:1/none"]);
    assert!(!ok);
    assert!(err.contains("cannot open the database at postgres://nobody@127.0.0.1:1/none"), "{err}");
    assert!(err.contains("Check that the server is running"), "{err}");
    let (ok, _, err) = run(&["migrate", "--database-url", "mysql://x"]);
    assert!(!ok);
    assert!(err.contains("use sqlite://FILE or postgres://"), "{err}");
    let (ok, _, err) = run(&["user", "add", "--username", "a", "--name", "A", "--persona", "wizard"]);
    assert!(!ok);
    assert!(err.contains("unknown persona \"wizard\""), "{err}");
}

#[tokio::test]
async fn seed_refuses_to_overwrite_and_users_and_tokens_can_be_made() {
    let db = TestDb::new().await;
    let (ok, out, err) = run(&["seed", "--database-url", &db.url, "--audit-key-file", db.key_arg(), "--members", "120", "--quiet"]);
    assert!(ok, "{err}");
    assert_eq!(out.lines().count(), accompany_domain::records::Persona::ALL.len(), "one sign-in per persona: {out}");
    let (ok, _, err) = run(&["seed", "--database-url", &db.url, "--audit-key-file", db.key_arg(), "--members", "120", "--quiet"]);
    assert!(!ok);
    assert!(err.contains("--reset"), "{err}");

    let out = accompany()
        .args([
            "user",
            "add",
            "--database-url",
            &db.url,
            "--audit-key-file",
            db.key_arg(),
            "--username",
            "ana.admin",
            "--name",
            "Ana",
            "--persona",
            "state-admin",
        ])
        .env("ACCOMPANY_PASSWORD", "a long enough password")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (ok, token, err) = run(&["token", "create", "--database-url", &db.url, "--audit-key-file", db.key_arg(), "--user", "ana.admin"]);
    assert!(ok, "{err}");
    assert!(token.trim().starts_with("acc_"));
    let (ok, _, err) = run(&["token", "create", "--database-url", &db.url, "--audit-key-file", db.key_arg(), "--user", "nobody"]);
    assert!(!ok);
    assert!(err.contains("no user named \"nobody\""), "{err}");
    let out = accompany()
        .args(["user", "add", "--database-url", &db.url, "--audit-key-file", db.key_arg(), "--username", "x", "--name", "X", "--persona", "member"])
        .env("ACCOMPANY_PASSWORD", "short")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("username: use 3 to 64") && err.contains("password: use at least 10"), "{err}");
}

/// `accompany demo` prints one sign-in per persona and each reaches its home page.
#[tokio::test]
async fn demo_serves_and_every_printed_sign_in_works() {
    let db = TestDb::new().await;
    let mut child = accompany()
        .args(["demo", "--members", "300", "--bind", "127.0.0.1:0", "--database-url", &db.url, "--audit-key-file", db.key_arg()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(addr) = line.strip_prefix("Serving on ") {
                let _ = tx.send(addr.to_string());
            }
        }
    });
    let started = Instant::now();
    let base = loop {
        if let Ok(a) = rx.try_recv() {
            break a;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "demo did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let lines: Vec<String> = BufReader::new(stdout).lines().take(6).map_while(Result::ok).collect();
    assert_eq!(lines.len(), 6);
    for line in &lines {
        let (persona, rest) = line.split_once(": ").expect("PERSONA: USERNAME / PASSWORD");
        let (username, password) = rest.split_once(" / ").expect("USERNAME / PASSWORD");
        let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let form = client.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap();
        let csrf = crate::support::hidden_value(&form, "csrf").unwrap();
        let r = client.post(format!("{base}/login")).form(&[("username", username), ("password", password), ("csrf", &csrf)]).send().await.unwrap();
        assert_eq!(r.status(), 200, "{persona} follows the redirect home");
        assert!(r.url().path() == "/home", "{persona} lands on /home");
        let html = r.text().await.unwrap();
        let persona_label = match persona {
            "member" => "(Member)",
            "peer-worker" => "(Peer worker)",
            "supervisor" => "(Supervisor)",
            "care-coordinator" => "(Care coordinator)",
            "clinician" => "(Clinician)",
            "organization-admin" => "(Organization admin)",
            "state-admin" => "(State admin)",
            other => panic!("unexpected persona {other}"),
        };
        assert!(html.contains(persona_label), "{persona} home names the persona");
    }
    let _ = child.kill();
    let _ = child.wait();
}
