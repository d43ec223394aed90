//! The calendar feed: made and revoked over the API, fetched by a calendar app with its secret.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::routes;

use crate::auth::{ApiUser, ClientAddr};
use crate::json::{created, ApiResult};
use crate::openapi::ApiRouter;
use crate::problem::Problem;
use crate::AppState;

pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(calendar_feed, revoke_calendar_feed))
}

/// A secret calendar feed.
#[derive(Serialize, ToSchema)]
struct CalendarFeed {
    /// Where a calendar app fetches it, without signing in: `/calendar/SECRET.ics`.
    path: String,
    expires_at: String,
}

/// Make a calendar feed
///
/// A new secret iCalendar feed path, good for a year (GET it without signing
/// in); the old one stops working.
#[utoipa::path(post, path = "/me/calendar-feed", tag = "calendar",
    responses((status = 201, description = "Made; the secret is shown once", body = CalendarFeed,
        headers(("Location" = String, description = "the feed's path")))))]
async fn calendar_feed(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    let (token, expires_at) = s.access(&state).new_calendar_feed().await?;
    let path = format!("/calendar/{token}.ics");
    created(path.clone(), CalendarFeed { path, expires_at })
}

/// End your calendar feed
///
/// The link stops working at once.
#[utoipa::path(delete, path = "/me/calendar-feed", tag = "calendar", responses((status = 204, description = "Ended")))]
async fn revoke_calendar_feed(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    s.access(&state).revoke_calendar_feed().await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

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
