//! Test fixtures: a fresh database per test (a temporary SQLite file, or a
//! new PostgreSQL database when TEST_DATABASE_URL is set), and the app
//! served on a random port.

use std::net::SocketAddr;
use std::sync::Arc;

use accompany::seed::{seed, Credential};
use accompany_domain::records::Persona;
use accompany_domain::Catalog;
use accompany_store::{AuditKey, Store};
use accompany_synthetic::Plan;
use serde_json::Value;
use sqlx::Connection;

pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())
}

/// A database that exists for one test and is removed after it.
pub struct TestDb {
    pub url: String,
    /// The audit key of this database, in a file for the command line.
    pub key_file: std::path::PathBuf,
    postgres: Option<(String, String)>,
    dir: tempfile::TempDir,
}

impl TestDb {
    pub async fn new() -> TestDb {
        Self::on(postgres_url()).await
    }

    /// A SQLite database whatever TEST_DATABASE_URL says, for tests of what
    /// does not depend on the database (many seeds of the generator).
    pub async fn sqlite() -> TestDb {
        Self::on(None).await
    }

    async fn on(postgres: Option<String>) -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let key_file = dir.path().join("audit.key");
        AuditKey::generate().save(&key_file).expect("audit key file");
        match postgres {
            Some(admin) => {
                let name = format!("accompany_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap_or_else(|e| panic!("TEST_DATABASE_URL={admin} is unreachable: {e}"));
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create test database");
                let _ = conn.close().await;
                let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
                TestDb { url: format!("{base}/{name}"), key_file, postgres: Some((admin.clone(), name)), dir }
            }
            None => {
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                TestDb { url, key_file, postgres: None, dir }
            }
        }
    }

    /// The audit key file, as a command-line argument.
    pub fn key_arg(&self) -> &str {
        self.key_file.to_str().expect("a temporary path is text")
    }

    /// The audit key the store of this database links its trail with.
    pub fn key(&self) -> AuditKey {
        AuditKey::read(&self.key_file).expect("audit key")
    }

    /// A file path in this database's temporary directory.
    pub fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    pub async fn connect(&self) -> Store {
        let store = Store::connect(&self.url, catalog(), self.key()).await.expect("connect");
        store.migrate().await.expect("migrate");
        store
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.postgres.take() {
            // Drop runs outside async; use a small runtime of its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                rt.block_on(async {
                    let mut conn = sqlx::PgConnection::connect(&admin).await.ok()?;
                    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await.ok()
                })
            })
            .join();
        }
    }
}

pub fn catalog() -> Arc<Catalog> {
    Arc::new(Catalog::massachusetts().expect("embedded catalog"))
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub store: Store,
    pub db: TestDb,
    pub credentials: Vec<Credential>,
}

impl TestApp {
    /// An empty app: schema only.
    pub async fn empty() -> TestApp {
        let db = TestDb::new().await;
        let store = db.connect().await;
        Self::serve(db, store, vec![]).await
    }

    /// An app with synthetic data and one account per persona.
    pub async fn seeded(members: u64) -> TestApp {
        Self::seeded_with(7, members).await
    }

    /// `seeded` from another seed of the generator.
    pub async fn seeded_with(generator: u64, members: u64) -> TestApp {
        let db = TestDb::new().await;
        let store = db.connect().await;
        let plan = Plan { seed: generator, members, workers: 60, today: accompany::seed::today() };
        let report = seed(&store, plan, true).await.expect("seed");
        let store = store.with_intake_organization(report.intake_organization);
        Self::serve(db, store, report.credentials).await
    }

    async fn serve(db: TestDb, store: Store, credentials: Vec<Credential>) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let state = accompany_web::AppState::new(store.clone(), false);
        tokio::spawn(async move {
            let _ = accompany_web::serve(state, listener).await;
        });
        TestApp { addr, store, db, credentials }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn credential(&self, persona: Persona) -> &Credential {
        self.credentials.iter().find(|c| c.persona == persona).expect("a demo account for every persona")
    }

    /// A client with its own cookie jar that does not follow redirects.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("client")
    }

    /// Sign in through the API; returns the bearer token and the CSRF token.
    pub async fn api_login(&self, client: &reqwest::Client, persona: Persona) -> (String, String) {
        let c = self.credential(persona);
        let r = client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({ "username": c.username, "password": c.password }))
            .send()
            .await
            .expect("login request");
        assert_eq!(r.status(), 200, "login as {persona:?}");
        let v: Value = r.json().await.expect("login body");
        (v["token"].as_str().unwrap().to_string(), v["csrf_token"].as_str().unwrap().to_string())
    }

    /// GET with a bearer token; returns status and JSON body.
    pub async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let r = reqwest::Client::new().get(self.url(path)).bearer_auth(token).send().await.expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn send(&self, method: reqwest::Method, token: &str, path: &str, body: &Value) -> (u16, Value) {
        let r = reqwest::Client::new().request(method, self.url(path)).bearer_auth(token).json(body).send().await.expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Sign in through the HTML form, as a browser would.
    pub async fn page_login(&self, client: &reqwest::Client, persona: Persona) {
        let c = self.credential(persona).clone();
        let form = client.get(self.url("/login")).send().await.expect("login page").text().await.unwrap();
        let csrf = hidden_value(&form, "csrf").expect("csrf field on the sign-in form");
        let r = client
            .post(self.url("/login"))
            .form(&[("username", c.username.as_str()), ("password", c.password.as_str()), ("csrf", &csrf), ("next", "/home")])
            .send()
            .await
            .expect("sign in");
        assert_eq!(r.status(), 303, "sign-in as {persona:?} redirects");
    }

    /// Run SQL straight against the database, as an attacker with write access would.
    pub async fn exec(&self, sql: &str) {
        let mut conn = <sqlx::AnyConnection as Connection>::connect(&self.db.url).await.expect("connect");
        sqlx::raw_sql(sql).execute(&mut conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Run SQL straight against the database and return its error, if any.
    pub async fn try_exec(&self, sql: &str) -> Result<(), String> {
        let mut conn = <sqlx::AnyConnection as Connection>::connect(&self.db.url).await.expect("connect");
        sqlx::raw_sql(sql).execute(&mut conn).await.map(|_| ()).map_err(|e| e.to_string())
    }

    /// Drop the triggers that keep audit events append-only, as a database
    /// administrator could.
    pub async fn drop_audit_guard(&self) {
        match postgres_url() {
            Some(_) => self.exec("DROP TRIGGER audit_events_append_only ON audit_events").await,
            None => self.exec("DROP TRIGGER audit_events_append_only_update; DROP TRIGGER audit_events_append_only_delete").await,
        }
    }

    pub async fn count(&self, table: &str) -> i64 {
        let mut conn = <sqlx::AnyConnection as Connection>::connect(&self.db.url).await.expect("connect");
        let row: (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&mut conn).await.expect("count");
        row.0
    }
}

/// The value of a hidden input in a page.
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    Some(html[start..].split('"').next()?.to_string())
}

/// Save a member's preferences from the version just read, as a client
/// that reads before it writes does.
pub async fn put_preferences(app: &TestApp, token: &str, member_id: &str, prefs: &Value) -> (u16, Value) {
    let path = format!("/api/v1/members/{member_id}/preferences");
    let (_, current) = app.get(token, &path).await;
    let mut body = prefs.clone();
    body["version"] = current["version"].clone();
    app.send(reqwest::Method::PUT, token, &path, &body).await
}

/// Put a peer on a member's team the only way there is: the member's choice
/// (made here by whoever may act for them), after they say what they want.
pub async fn choose_peer_for(app: &TestApp, token: &str, member_id: &str, worker_id: &str) {
    let prefs = serde_json::json!({ "support": "both", "languages": ["en"], "interpreter_ok": true });
    let (s, body) = put_preferences(app, token, member_id, &prefs).await;
    assert_eq!(s, 200, "preferences: {body}");
    let (s, body) =
        app.send(reqwest::Method::POST, token, &format!("/api/v1/members/{member_id}/peer"), &serde_json::json!({ "worker_id": worker_id })).await;
    assert_eq!(s, 201, "choose the peer: {body}");
}
