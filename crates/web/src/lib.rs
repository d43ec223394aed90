//! Accompany's HTTP front end: server-rendered pages, the JSON API under
//! `/api/v1` and its OpenAPI document. Handlers are thin: identify the
//! actor, call the access-controlled store, map the result.

mod api;
mod auth;
mod booking_api;
mod booking_pages;
mod caseload;
mod choice_api;
mod choice_pages;
mod contact_api;
mod contact_pages;
pub mod i18n;
mod openapi;
mod pages;
mod privacy_pages;
mod problem;
mod referral_pages;
mod server;
mod workforce;

use std::sync::Arc;

use accompany_domain::Catalog;
use accompany_store::Store;
use axum::http::{header, HeaderValue};
use axum::routing::get;
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

pub use auth::SESSION_COOKIE;
pub use booking_api::{render_message, spawn_outbox_worker};
pub use server::{shutdown_signal, ServerLimits};

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

/// The whole application.
pub fn router(state: AppState) -> Router {
    let limits = state.limits;
    let app = Router::new()
        .merge(privacy_pages::routes())
        .merge(contact_pages::routes())
        .merge(booking_pages::routes())
        .merge(booking_api::feed_routes())
        .merge(referral_pages::routes())
        .merge(choice_pages::routes())
        .merge(pages::routes())
        .merge(workforce::routes())
        .merge(caseload::routes())
        .nest(
            "/api/v1",
            api::routes()
                .merge(workforce::api_routes())
                .merge(caseload::api_routes())
                .merge(choice_api::routes())
                .merge(contact_api::routes())
                .merge(booking_api::routes()),
        )
        .route("/api/openapi.json", get(openapi::document))
        .route("/static/app.css", get(stylesheet));
    // The liveness check answers outside the bound on requests in flight.
    server::guard(app, limits)
        .layer(axum::extract::DefaultBodyLimit::max(accompany_domain::limits::MAX_BODY_BYTES))
        .route("/healthz", get(healthz))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::client_address))
        .layer(axum::middleware::from_fn(no_store))
        .layer(axum::middleware::from_fn_with_state(state.clone(), host_cookies))
        .with_state(state)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(tower_http::trace::TraceLayer::new_for_http())
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

/// Nothing a signed-in person sees, and no response that signs someone in,
/// may be kept by a browser's or a proxy's cache.
async fn no_store(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let signed = req.headers().contains_key(header::AUTHORIZATION) || auth::cookie(req.headers(), SESSION_COOKIE).is_some();
    let mut r = next.run(req).await;
    if signed || r.headers().contains_key(header::SET_COOKIE) {
        r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}

/// Over HTTPS, every cookie is `Secure` and named `__Host-...` (so that no
/// other site or plain-HTTP page can set or read it), cookies without that
/// prefix are ignored, and browsers are told to come back only over HTTPS.
async fn host_cookies(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if !state.secure_cookies {
        return next.run(req).await;
    }
    let kept: Vec<String> = req
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().strip_prefix(HOST_PREFIX).map(str::to_string))
        .collect();
    req.headers_mut().remove(header::COOKIE);
    if let Ok(v) = HeaderValue::from_str(&kept.join("; ")) {
        if !kept.is_empty() {
            req.headers_mut().insert(header::COOKIE, v);
        }
    }
    let mut r = next.run(req).await;
    let set: Vec<HeaderValue> = r.headers().get_all(header::SET_COOKIE).iter().cloned().collect();
    r.headers_mut().remove(header::SET_COOKIE);
    for v in set {
        let Ok(text) = v.to_str() else { continue };
        let mut text = if text.starts_with(HOST_PREFIX) { text.to_string() } else { format!("{HOST_PREFIX}{text}") };
        if !text.split(';').any(|a| a.trim().eq_ignore_ascii_case("secure")) {
            text.push_str("; Secure");
        }
        if let Ok(v) = HeaderValue::from_str(&text) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    r.headers_mut().insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    r
}

/// The name prefix that binds a cookie to this host, over HTTPS, for every path.
pub const HOST_PREFIX: &str = "__Host-";

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> (axum::http::StatusCode, &'static str) {
    match state.store.ping().await {
        Ok(()) => (axum::http::StatusCode::OK, "ok\n"),
        Err(_) => (axum::http::StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n"),
    }
}

async fn stylesheet() -> impl axum::response::IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], include_str!("../static/app.css"))
}

/// The operations the OpenAPI document describes: (method, path, summary, request, response).
pub fn openapi_operations() -> &'static [(&'static str, &'static str, &'static str, Option<&'static str>, &'static str)] {
    openapi::OPERATIONS
}
