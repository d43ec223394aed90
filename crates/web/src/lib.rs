//! Accompany's HTTP front end: server-rendered pages, the JSON API under
//! `/api/v1` and its OpenAPI document. Handlers are thin: identify the
//! actor, call the access-controlled store, map the result.

// The kit: nothing here imports a feature.
mod auth;
pub mod i18n;
mod json;
mod outbox_worker;
mod page;
mod problem;
mod server;

// One folder per feature; only `app` imports them all.
mod account;
mod app;
mod billing;
mod booking;
mod calendar;
mod claims;
mod contacts;
mod contracts;
mod diagnoses;
mod enrolment;
mod equity;
mod events;
mod goals;
mod groups;
mod home;
mod matching;
mod measures;
mod members;
mod openapi;
mod organizations;
mod privacy;
mod reach;
mod referrals;
mod roles;
mod team;
mod workers;
mod workforce;

use std::sync::Arc;

use accompany_domain::Catalog;
use accompany_store::Store;

pub use app::router;
pub use auth::SESSION_COOKIE;
pub use outbox_worker::{render_message, spawn_outbox_worker};
pub use server::{shutdown_signal, ServerLimits};

/// The name prefix that binds a cookie to this host, over HTTPS, for every path.
pub const HOST_PREFIX: &str = "__Host-";

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub catalog: Arc<Catalog>,
    /// Mark cookies Secure: set when served over TLS (directly or behind a proxy).
    pub secure_cookies: bool,
    /// Proxies whose `X-Forwarded-For` names the client; no one else's is believed.
    pub trusted_proxies: Arc<Vec<ipnet::IpNet>>,
    /// Timeouts and bounds on connections and requests.
    pub limits: ServerLimits,
}

impl AppState {
    pub fn new(store: Store, secure_cookies: bool) -> AppState {
        AppState { catalog: store.catalog_arc(), store, secure_cookies, trusted_proxies: Arc::new(Vec::new()), limits: ServerLimits::default() }
    }

    /// Other timeouts and bounds for connections and requests.
    pub fn with_limits(mut self, limits: ServerLimits) -> AppState {
        self.limits = limits;
        self
    }

    /// Believe `X-Forwarded-For` from these proxies.
    pub fn with_trusted_proxies(mut self, proxies: Vec<ipnet::IpNet>) -> AppState {
        self.trusted_proxies = Arc::new(proxies);
        self
    }
}

/// Serve until the process is asked to stop (Ctrl-C or SIGTERM), then
/// finish the requests in flight.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    serve_until(state, listener, shutdown_signal()).await
}

/// Serve until `shutdown` resolves, then finish the requests in flight.
pub async fn serve_until(state: AppState, listener: tokio::net::TcpListener, shutdown: impl std::future::Future<Output = ()>) -> std::io::Result<()> {
    let limits = state.limits;
    server::run(router(state), listener, limits, shutdown).await
}

/// The OpenAPI document the server publishes for this catalog.
pub fn api_document(catalog: &accompany_domain::Catalog) -> serde_json::Value {
    app::api_and_document(catalog).1
}
