//! The JSON API of acute-care events.

use accompany_domain::events::{read_events, FileFormat};
use accompany_domain::FieldError;
use accompany_store::events::{CareEvents, EventLoad, FollowUpDue};
use accompany_store::Seen;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use crate::auth::ApiUser;
use crate::json::{err, ok, query, ApiResult};
use crate::openapi::ApiRouter;
use crate::problem::AppError;
use crate::AppState;

pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(member_events)).routes(routes!(import_events)).routes(routes!(follow_ups_due))
}

/// The members of the caller's caseload due a follow-up.
#[derive(Serialize, ToSchema)]
struct FollowUps {
    /// Longest waiting first.
    due: Vec<FollowUpDue>,
}

/// Members due a follow-up after acute care
///
/// For peer workers and supervisors: the members they are the peer of who had an ED visit or a discharge in
/// the last 7 days (today included) with no contact from the caller on or after that day. Each names only the
/// member and the day, under the care-alert label: never the kind of care, the diagnosis or the facility. A
/// member who does not share care alerts with the caller is left out. Anyone else gets an empty list.
#[utoipa::path(get, path = "/me/follow-ups-due", tag = "events",
    responses((status = 200, description = "The members due a follow-up", body = FollowUps)))]
async fn follow_ups_due(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    let due = s.access(&state).follow_ups_due(accompany_store::today_date()).await?;
    ok(StatusCode::OK, FollowUps { due })
}

/// A member's acute-care events
///
/// ED visits, inpatient stays and outpatient mental-health and substance-use
/// visits, newest first: those whose label the caller sees.
#[utoipa::path(get, path = "/members/{id}/events", tag = "events", params(("id" = String, Path, description = "the member's id")),
    responses((status = 200, description = "The events the caller may see", body = Seen<CareEvents>), (status = 404, description = "No such member, or not the caller's")))]
async fn member_events(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).member_events(&id).await?)
}

#[derive(Deserialize, Default, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct FormatQuery {
    /// csv (the default: a header row, then masshealth_id, kind, start and optionally end, facility,
    /// diagnoses, part2, external_id) or ndjson (one FHIR R4 Encounter per line).
    #[param(pattern = "^(csv|ndjson)$")]
    format: Option<String>,
}

/// Load acute-care events
///
/// For state admins. The body is the file. Every row is checked and every
/// member matched by MassHealth ID before anything is written; each problem
/// names its line. An event whose `external_id` was loaded before is skipped.
#[utoipa::path(post, path = "/events/import", tag = "events", params(FormatQuery),
    request_body(content = String, content_type = "text/plain", description = "The CSV or NDJSON file"),
    responses((status = 200, description = "Loaded", body = EventLoad), (status = 422, description = "Problems, each naming its line; nothing was loaded"),
        (status = 403, description = "Not a state admin")))]
async fn import_events(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery, bytes: Bytes) -> ApiResult {
    let q: FormatQuery = query(raw)?;
    let format = match q.format.as_deref() {
        None => FileFormat::Csv,
        Some(f) => FileFormat::parse(f).ok_or_else(|| err(AppError::Invalid(vec![FieldError::new("format", "one-of", "use csv or ndjson")])))?,
    };
    let text =
        String::from_utf8(bytes.to_vec()).map_err(|_| err(AppError::Invalid(vec![FieldError::new("file", "utf8", "the file is not UTF-8 text")])))?;
    // Who may load is decided before the file is read, so a refusal says so whatever the file holds.
    let access = s.access(&state);
    if let accompany_domain::policy::Decision::Deny(_) = accompany_domain::policy::may_import_events(access.actor()) {
        return ok(StatusCode::OK, access.import_events(&[]).await?);
    }
    let rows = read_events(&text, format, &state.catalog.measures).map_err(err)?;
    ok(StatusCode::OK, access.import_events(&rows).await?)
}
