//! The application: every feature's doors in one router, and what wraps
//! them all (security headers, cookies, the bounds on requests).

use axum::http::{header, HeaderValue};
use axum::routing::get;
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::openapi::ApiRouter;
use crate::problem::Problem;
use crate::{
    account, auth, billing, booking, calendar, claims, contacts, contracts, diagnoses, enrolment, equity, events, goals, groups, home, matching,
    measures, members, openapi, organizations, page, privacy, reach, referrals, roles, server, team, workers, workforce, AppState, HOST_PREFIX,
    SESSION_COOKIE,
};

/// The pages, each feature's.
fn pages() -> Router<AppState> {
    Router::new()
        .merge(privacy::page_routes())
        .merge(contacts::page_routes())
        .merge(goals::page_routes())
        .merge(billing::page_routes())
        .merge(claims::page_routes())
        .merge(measures::page_routes())
        .merge(equity::page_routes())
        .merge(team::page_routes())
        .merge(booking::page_routes())
        .merge(groups::page_routes())
        .merge(reach::page_routes())
        .merge(referrals::page_routes())
        .merge(enrolment::page_routes())
        .merge(matching::page_routes())
        .merge(home::page_routes())
        .merge(account::page_routes())
        .merge(members::page_routes())
        .merge(roles::page_routes())
        .merge(organizations::page_routes())
        .merge(workers::page_routes())
        .merge(workforce::page_routes())
        .merge(diagnoses::page_routes())
        .merge(contracts::page_routes())
        .fallback(page::not_found)
        .layer(axum::middleware::from_fn(page::show_failures))
}

/// The JSON API with its operations, nested under /api/v1.
fn api() -> ApiRouter {
    // Schemas of days in the past or to come are written for this year.
    accompany_domain::limits::schema::set_this_year(time::OffsetDateTime::now_utc().year());
    ApiRouter::new()
        .merge(account::api_routes())
        .merge(roles::api_routes())
        .merge(members::api_routes())
        .merge(team::api_routes())
        .merge(enrolment::api_routes())
        .merge(privacy::api_routes())
        .merge(referrals::api_routes())
        .merge(organizations::api_routes())
        .merge(workers::api_routes())
        .merge(workforce::api_routes())
        .merge(matching::api_routes())
        .merge(contacts::api_routes())
        .merge(goals::api_routes())
        .merge(billing::api_routes())
        .merge(claims::api_routes())
        .merge(events::api_routes())
        .merge(measures::api_routes())
        .merge(equity::api_routes())
        .merge(booking::api_routes())
        .merge(groups::api_routes())
        .merge(reach::api_routes())
        .merge(calendar::api_routes())
        .merge(diagnoses::api_routes())
        .merge(contracts::api_routes())
        .fallback(|| async {
            Problem::new(axum::http::StatusCode::NOT_FOUND, "no-route", "No such endpoint", "see /api/openapi.json for the endpoints")
        })
}

/// The API's routes and its document, from the same handlers.
pub(crate) fn api_and_document(catalog: &accompany_domain::Catalog) -> (Router<AppState>, serde_json::Value) {
    let (routes, derived) = ApiRouter::new().nest("/api/v1", api()).split_for_parts();
    (routes, openapi::finish(derived, catalog))
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let limits = state.limits;
    let (api, document) = api_and_document(&state.catalog);
    let document = openapi::Document::new(&document);
    let app = Router::new()
        .merge(pages())
        .merge(calendar::feed_routes())
        .merge(api)
        .route("/api/openapi.json", get(openapi::document).with_state(document))
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

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> (axum::http::StatusCode, &'static str) {
    match state.store.ping().await {
        Ok(()) => (axum::http::StatusCode::OK, "ok\n"),
        Err(_) => (axum::http::StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n"),
    }
}

async fn stylesheet() -> impl axum::response::IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], include_str!("../static/app.css"))
}
