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
mod workforce;

use std::net::SocketAddr;
use std::sync::Arc;

use accompany_domain::Catalog;
use accompany_store::Store;
use axum::http::{header, HeaderValue};
use axum::routing::get;
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

pub use auth::SESSION_COOKIE;
pub use booking_api::{render_message, spawn_outbox_worker};

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub catalog: Arc<Catalog>,
    /// Mark cookies Secure: set when served over TLS (directly or behind a proxy).
    pub secure_cookies: bool,
}

impl AppState {
    pub fn new(store: Store, secure_cookies: bool) -> AppState {
        AppState { catalog: store.catalog_arc(), store, secure_cookies }
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
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
        .route("/healthz", get(healthz))
        .route("/static/app.css", get(stylesheet))
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

/// Serve until the process is asked to stop.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

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
