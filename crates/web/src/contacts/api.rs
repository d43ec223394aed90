//! The JSON API of contacts with billing units.

use accompany_domain::contacts::LoggedContact;
use accompany_domain::notes::ContactNoteInput;
use accompany_store::ContactLog;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use utoipa_axum::routes;

use crate::auth::ApiUser;
use crate::json::{change, created, ok, precondition, stale, tagged, ApiResult, Change, JsonBody, Update, Versions};
use crate::openapi::ApiRouter;
use crate::AppState;

pub fn routes() -> ApiRouter {
    // The document's days to come and gone by are counted from this year.
    ApiRouter::new().routes(routes!(contact_log, log_contact)).routes(routes!(get_contact, update_contact)).routes(routes!(contact_history))
}

/// Contacts the caller may see
///
/// Each with its billing units, and the units used against the authorization
/// and the engagement rule of the member's peer's role.
#[utoipa::path(get, path = "/members/{id}/contacts", tag = "contacts", params(("id" = String, Path, description = "the member's id")),
    responses((status = 200, description = "The member's contact log", body = ContactLog)))]
async fn contact_log(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).contact_log(&id).await?)
}

/// Log a contact
///
/// For the member's peer: date, start time, minutes, modality, setting, one
/// line; its units follow the peer's role. A contact cannot be dated in the future.
#[utoipa::path(post, path = "/members/{id}/contacts", tag = "contacts", params(("id" = String, Path, description = "the member's id")),
    request_body = ContactNoteInput,
    responses((status = 201, description = "Logged", body = LoggedContact, headers(("Location" = String, description = "where to read the new contact"))),
        (status = 422, description = "A field does not fit, or the date is in the future")))]
async fn log_contact(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ContactNoteInput>,
) -> ApiResult {
    let c = s.access(&state).log_contact(&id, &input).await?;
    created(format!("/api/v1/members/{id}/contacts/{}", c.note.id), c)
}

/// One contact, with its units
#[utoipa::path(get, path = "/members/{id}/contacts/{contact}", tag = "contacts",
    params(("id" = String, Path, description = "the member's id"), ("contact" = String, Path, description = "the contact's id")),
    responses((status = 200, description = "The contact", body = LoggedContact, headers(("ETag" = String, description = "the version, for If-Match")))))]
async fn get_contact(State(state): State<AppState>, ApiUser(s): ApiUser, Path((id, contact)): Path<(String, String)>) -> ApiResult {
    tagged(StatusCode::OK, s.access(&state).contact(&id, &contact).await?)
}

/// Correct a contact
///
/// For the peer who logged it: the contact's fields and why (`reason`, kept in
/// the history), from the version that was read (`If-Match` or `version`).
#[utoipa::path(put, path = "/members/{id}/contacts/{contact}", tag = "contacts",
    params(("id" = String, Path, description = "the member's id"), ("contact" = String, Path, description = "the contact's id"),
        ("If-Match" = Option<String>, Header, description = "the ETag of your read", nullable = false, pattern = r#"^(W/)?"-?[0-9]{1,18}"$"#)),
    request_body = Update<ContactNoteInput>,
    responses((status = 200, description = "Corrected", body = LoggedContact, headers(("ETag" = String, description = "the new version"))),
        (status = 409, description = "`version` is not the record's version: read it again"),
        (status = 412, description = "If-Match is not the record's version: read it again"),
        (status = 428, description = "Neither If-Match nor `version` was sent")))]
async fn update_contact(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path((id, contact)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult {
    let c: Change<ContactNoteInput> = change(&headers, &bytes)?;
    let p = precondition(&headers, c.version)?;
    let reason = c.reason.unwrap_or_default();
    tagged(StatusCode::OK, s.access(&state).update_contact(&id, &contact, p.version, &c.input, &reason).await.map_err(|e| stale(e, &p))?)
}

/// Every version of one contact
#[utoipa::path(get, path = "/members/{id}/contacts/{contact}/history", tag = "contacts",
    params(("id" = String, Path, description = "the member's id"), ("contact" = String, Path, description = "the contact's id")),
    responses((status = 200, description = "Every version, oldest first", body = Versions)))]
async fn contact_history(State(state): State<AppState>, ApiUser(s): ApiUser, Path((id, contact)): Path<(String, String)>) -> ApiResult {
    ok(StatusCode::OK, Versions { versions: s.access(&state).contact_history(&id, &contact).await? })
}
