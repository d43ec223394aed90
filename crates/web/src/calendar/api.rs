//! The calendar feed's link, made and revoked over the API.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::routes;

use crate::auth::ApiUser;
use crate::json::{created, ApiResult};
use crate::openapi::ApiRouter;
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
