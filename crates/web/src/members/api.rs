//! Member records: list, create, read, update, history and who looked.

use accompany_domain::records::{Member, MemberInput};
use accompany_store::{AuditEvent, MemberFilter, Page};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use crate::auth::ApiUser;
use crate::json::{change, created, ok, precondition, query, stale, tagged, ApiResult, Change, Update, Versions};
use crate::openapi::ApiRouter;
use crate::AppState;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(list_members, create_member))
        .routes(routes!(get_member, update_member))
        .routes(routes!(member_history))
        .routes(routes!(member_audit))
}

#[derive(Deserialize, Default, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct MemberQuery {
    /// Part of a given or family name.
    name: Option<String>,
    /// A language code members prefer.
    language: Option<String>,
    plan_id: Option<String>,
    city: Option<String>,
    /// The `next_cursor` of the page before.
    after: Option<String>,
    /// At most this many: 50 when left out or 0, never more than 500.
    #[param(minimum = 0, maximum = 4_294_967_295_u64)]
    limit: Option<u32>,
}

/// Members the caller may see
///
/// Filtered by name, language, plan or city, one page at a time.
#[utoipa::path(get, path = "/members", tag = "members", params(MemberQuery),
    responses((status = 200, description = "A page of members; fields the caller may not see are left out", body = Page<Member>)))]
async fn list_members(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: MemberQuery = query(raw)?;
    let filter = MemberFilter { name: q.name, language: q.language, plan_id: q.plan_id, city: q.city, after: q.after, limit: q.limit.unwrap_or(50) };
    ok(StatusCode::OK, s.access(&state).members(&filter).await?)
}

/// Enrol a member
#[utoipa::path(post, path = "/members", tag = "members", request_body = Change<MemberInput>,
    responses((status = 201, description = "Enrolled", body = Member, headers(("Location" = String, description = "where to read the new member"))),
        (status = 409, description = "The MassHealth ID is already enrolled")))]
async fn create_member(State(state): State<AppState>, ApiUser(s): ApiUser, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<MemberInput> = change(&headers, &bytes)?;
    let m = s.access(&state).create_member(&c.input, c.reason.as_deref().unwrap_or("created")).await?;
    created(format!("/api/v1/members/{}", m.id), m)
}

/// One member
#[utoipa::path(get, path = "/members/{id}", tag = "members", params(("id" = String, Path, description = "the member's id")),
    responses((status = 200, description = "The member; fields the caller may not see are left out", body = Member,
        headers(("ETag" = String, description = "the version, for If-Match")))))]
async fn get_member(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    tagged(StatusCode::OK, s.access(&state).member(&id).await?)
}

/// Change a member
///
/// Say why in `reason`, and name the version read in `version` (409 when
/// stale), or send `If-Match` with the ETag of the read instead (412 when stale).
#[utoipa::path(put, path = "/members/{id}", tag = "members", params(("id" = String, Path, description = "the member's id")),
    request_body = Update<MemberInput>,
    responses((status = 200, description = "Changed", body = Member, headers(("ETag" = String, description = "the new version"))),
        (status = 409, description = "`version` is not the record's version: read it again"),
        (status = 412, description = "If-Match is not the record's version: read it again"),
        (status = 428, description = "Neither If-Match nor `version` was sent")))]
async fn update_member(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let c: Change<MemberInput> = change(&headers, &bytes)?;
    let p = precondition(&headers, c.version)?;
    let m =
        s.access(&state).update_member(&id, &c.input, Some(p.version), c.reason.as_deref().unwrap_or("updated")).await.map_err(|e| stale(e, &p))?;
    tagged(StatusCode::OK, m)
}

/// Every version of a member's record
#[utoipa::path(get, path = "/members/{id}/history", tag = "members", params(("id" = String, Path, description = "the member's id")),
    responses((status = 200, description = "Every version, oldest first", body = Versions)))]
async fn member_history(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, Versions { versions: s.access(&state).member_history(&id).await? })
}

/// Who looked at or changed a member's record.
#[derive(Serialize, ToSchema)]
struct MemberAudit {
    events: Vec<AuditEvent>,
}

/// For the member: who looked at or changed their record
#[utoipa::path(get, path = "/members/{id}/audit", tag = "members", params(("id" = String, Path, description = "the member's id")),
    responses((status = 200, description = "The record's audit events, newest first", body = MemberAudit)))]
async fn member_audit(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, MemberAudit { events: s.access(&state).member_audit(&id).await? })
}
