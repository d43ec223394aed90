//! The calendar feed itself, fetched by a calendar app with its secret
//! (outside /api/v1: the secret is its only credential).

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::auth::ClientAddr;
use crate::problem::Problem;
use crate::AppState;

/// The calendar of the account the secret belongs to; an unknown secret
/// is simply not found.
async fn feed(State(state): State<AppState>, ClientAddr(addr): ClientAddr, Path(token): Path<String>) -> Response {
    let token = token.strip_suffix(".ics").unwrap_or(&token);
    let user = match state.store.user_by_feed_token(token).await {
        Ok(Some(u)) => u,
        Ok(None) => return (StatusCode::NOT_FOUND, "no such calendar\n").into_response(),
        Err(e) => return Problem::from(e).into_response(),
    };
    match state.store.access(user.actor(), addr).calendar().await {
        Ok(ics) => ([(header::CONTENT_TYPE, "text/calendar; charset=utf-8"), (header::CACHE_CONTROL, "private, max-age=300")], ics).into_response(),
        Err(e) => Problem::from(e).into_response(),
    }
}

/// Routes outside /api/v1: the calendar feed, authenticated by its secret.
pub fn feed_routes() -> Router<AppState> {
    Router::new().route("/calendar/{token}", get(feed))
}
