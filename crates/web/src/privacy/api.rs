//! The JSON API of privacy: sharing choices, the firewall, the staff
//! directory, health entries, emergency access and the audit search.

use accompany_domain::notes::{HealthEntry, HealthEntryInput};
use accompany_domain::privacy::{Categories, Purpose, SharingChoice, SharingInput};
use accompany_store::{AuditEvent, AuditFilter, BreakGlassEvent, FirewallEntry, Page, SharingOverview, StaffEntry};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use crate::auth::ApiUser;
use crate::json::{body, created, ok, query, ApiResult};
use crate::openapi::ApiRouter;
use crate::AppState;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(member_sharing, set_sharing))
        .routes(routes!(revoke_sharing))
        .routes(routes!(add_to_firewall))
        .routes(routes!(remove_from_firewall))
        .routes(routes!(health_entries, add_health_entry))
        .routes(routes!(staff_directory))
        .routes(routes!(break_glass))
        .routes(routes!(break_glass_alerts))
        .routes(routes!(review_break_glass))
        .routes(routes!(audit_search))
}

// --- Privacy ------------------------------------------------------------------

/// For the member: their care team and their peer's supervisor, what each person sees, their choices, firewall and emergency accesses
#[utoipa::path(get, path = "/members/{id}/sharing", tag = "privacy", params(("id" = String, Path, description = "the member's id")),
    responses((status = 200, description = "The member's sharing page", body = SharingOverview)))]
async fn member_sharing(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).sharing(&id).await?)
}

/// For the member: decide what one person, organization or team role sees
///
/// The decision replaces the previous one about the same recipient.
/// Substance-use information needs the 42 CFR Part 2 consent fields
/// (`part2_signed_by`, `part2_recipients`, `part2_expires_on`).
#[utoipa::path(post, path = "/members/{id}/sharing", tag = "privacy", params(("id" = String, Path, description = "the member's id")),
    request_body = SharingInput,
    responses((status = 201, description = "Decided", body = SharingChoice, headers(("Location" = String, description = "the member's sharing page"))),
        (status = 422, description = "A field does not fit, the recipient names nobody, or the Part 2 consent is incomplete")))]
async fn set_sharing(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let input: SharingInput = body(&headers, &bytes)?;
    let choice = s.access(&state).set_sharing(&id, &input).await?;
    created(format!("/api/v1/members/{id}/sharing"), choice)
}

/// For the member: withdraw a decision (revokes a Part 2 consent)
#[utoipa::path(delete, path = "/members/{id}/sharing/{choice}", tag = "privacy",
    params(("id" = String, Path, description = "the member's id"), ("choice" = String, Path, description = "the choice's id")),
    responses((status = 204, description = "Withdrawn: the recipient falls back to the defaults")))]
async fn revoke_sharing(State(state): State<AppState>, ApiUser(s): ApiUser, Path((id, choice)): Path<(String, String)>) -> ApiResult {
    s.access(&state).revoke_sharing(&id, &choice).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct FirewallBody {
    /// A staff member's user id, from the staff directory.
    #[schema(schema_with = accompany_domain::limits::schema::identifier)]
    user_id: String,
}

/// For the member: name a staff member they know socially
///
/// From the next request on, that person sees nothing of the member,
/// wherever they work. Naming someone already named changes nothing.
#[utoipa::path(post, path = "/members/{id}/firewall", tag = "privacy", params(("id" = String, Path, description = "the member's id")),
    request_body = FirewallBody,
    responses((status = 201, description = "The member's firewall", body = Vec<FirewallEntry>,
            headers(("Location" = String, description = "the member's sharing page"))),
        (status = 422, description = "No staff member has this id")))]
async fn add_to_firewall(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let b: FirewallBody = body(&headers, &bytes)?;
    let access = s.access(&state);
    access.add_to_firewall(&id, &b.user_id).await?;
    created(format!("/api/v1/members/{id}/sharing"), access.sharing(&id).await?.firewall)
}

/// For the member: take someone off their firewall
#[utoipa::path(delete, path = "/members/{id}/firewall/{entry}", tag = "privacy",
    params(("id" = String, Path, description = "the member's id"), ("entry" = String, Path, description = "the firewall entry's id")),
    responses((status = 204, description = "Taken off")))]
async fn remove_from_firewall(State(state): State<AppState>, ApiUser(s): ApiUser, Path((id, entry)): Path<(String, String)>) -> ApiResult {
    s.access(&state).remove_from_firewall(&id, &entry).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, Default, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct StaffQuery {
    /// Part of a name: at least two characters, or nobody is listed.
    q: Option<String>,
}

/// Staff a member may name in their firewall.
#[derive(Serialize, ToSchema)]
struct StaffDirectory {
    /// At most 20, by name.
    staff: Vec<StaffEntry>,
}

/// For members: staff whose names contain q, to name in a firewall
#[utoipa::path(get, path = "/staff", tag = "privacy", params(StaffQuery),
    responses((status = 200, description = "Staff whose names contain q", body = StaffDirectory)))]
async fn staff_directory(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: StaffQuery = query(raw)?;
    ok(StatusCode::OK, StaffDirectory { staff: s.access(&state).staff_directory(q.q.as_deref().unwrap_or("")).await? })
}

/// The health entries one reader may see, labelled.
#[derive(Serialize, ToSchema)]
struct SeenHealthEntries {
    /// The entries whose category the reader sees, newest first; the others
    /// are left out.
    entries: Vec<HealthEntry>,
    /// The categories of the member's data this reader sees: entries of any
    /// other category are not in `entries`.
    visible_categories: Categories,
    /// Why the reader has access (treatment, operations, emergency...).
    purpose: Purpose,
    /// The notice 42 CFR § 2.32 requires with each disclosure of
    /// substance-use records: present only when `entries` holds a
    /// substance-use entry and the reader is not the member; left out otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String)]
    part2_notice: Option<&'static str>,
}

/// Health information the caller may see, labelled
///
/// Carries the Part 2 notice when substance-use information is disclosed.
#[utoipa::path(get, path = "/members/{id}/health-entries", tag = "privacy", params(("id" = String, Path, description = "the member's id")),
    responses((status = 200, description = "The entries the caller may see, with the categories they see", body = SeenHealthEntries)))]
async fn health_entries(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    let seen = s.access(&state).health_entries(&id).await?;
    ok(
        StatusCode::OK,
        SeenHealthEntries {
            entries: seen.record.entries,
            visible_categories: seen.visible_categories,
            purpose: seen.purpose,
            part2_notice: seen.part2_notice,
        },
    )
}

/// Record health information (category: mental-health, substance-use, hiv or care-plan)
#[utoipa::path(post, path = "/members/{id}/health-entries", tag = "privacy", params(("id" = String, Path, description = "the member's id")),
    request_body = HealthEntryInput,
    responses((status = 201, description = "Recorded", body = HealthEntry, headers(("Location" = String, description = "the member's health entries")))))]
async fn add_health_entry(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let input: HealthEntryInput = body(&headers, &bytes)?;
    let entry = s.access(&state).add_health_entry(&id, &input).await?;
    created(format!("/api/v1/members/{id}/health-entries"), entry)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct BreakGlassBody {
    /// The member's MassHealth ID.
    #[schema(schema_with = accompany_domain::limits::schema::masshealth_id)]
    masshealth_id: String,
    #[schema(value_type = accompany_domain::privacy::EmergencyReason)]
    reason_category: String,
    /// What the emergency is, in a sentence.
    #[schema(schema_with = accompany_domain::limits::schema::emergency_reason)]
    reason: String,
}

/// An emergency access opened.
#[derive(Serialize, ToSchema)]
struct BreakGlassOpened {
    member_id: String,
    /// Hours the access lasts.
    hours: u32,
}

/// For clinicians: emergency access to a member by MassHealth ID
///
/// With a reason category and a sentence; time-limited, limited per day,
/// reported to the privacy officer and the member.
#[utoipa::path(post, path = "/break-glass", tag = "privacy", request_body = BreakGlassBody,
    responses((status = 201, description = "Opened", body = BreakGlassOpened, headers(("Location" = String, description = "the member's record"))),
        (status = 422, description = "A field does not fit, or no member has this MassHealth ID")))]
async fn break_glass(State(state): State<AppState>, ApiUser(s): ApiUser, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let b: BreakGlassBody = body(&headers, &bytes)?;
    let member_id = s.access(&state).break_glass(&b.masshealth_id, &b.reason_category, &b.reason).await?;
    let hours = state.catalog.privacy.break_glass_hours;
    created(format!("/api/v1/members/{member_id}"), BreakGlassOpened { member_id, hours })
}

/// Emergency accesses not yet reviewed.
#[derive(Serialize, ToSchema)]
struct BreakGlassAlerts {
    /// Newest first.
    alerts: Vec<BreakGlassEvent>,
}

/// For privacy officers: emergency accesses not yet reviewed
#[utoipa::path(get, path = "/break-glass/alerts", tag = "privacy",
    responses((status = 200, description = "The unreviewed emergency accesses", body = BreakGlassAlerts)))]
async fn break_glass_alerts(State(state): State<AppState>, ApiUser(s): ApiUser) -> ApiResult {
    ok(StatusCode::OK, BreakGlassAlerts { alerts: s.access(&state).break_glass_alerts().await? })
}

/// For privacy officers: mark an emergency access reviewed
#[utoipa::path(post, path = "/break-glass/{id}/review", tag = "privacy", params(("id" = String, Path, description = "the emergency access's id")),
    responses((status = 204, description = "Reviewed")))]
async fn review_break_glass(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    s.access(&state).review_break_glass(&id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, Default, Clone, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditQuery {
    /// The username of whoever acted.
    pub actor: Option<String>,
    pub member_id: Option<String>,
    /// From this day on (YYYY-MM-DD).
    pub from: Option<String>,
    /// Up to and including this day (YYYY-MM-DD).
    pub to: Option<String>,
    /// permit or deny.
    pub decision: Option<String>,
    /// treatment, payment, operations, emergency or internal-communication.
    pub purpose: Option<String>,
    /// The `next_cursor` of the page before: events older than this one.
    pub before: Option<i64>,
    /// At most this many (1 to 500; 100 when left out).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

impl AuditQuery {
    pub(crate) fn filter(self) -> AuditFilter {
        AuditFilter {
            actor: self.actor,
            member_id: self.member_id,
            from: self.from,
            to: self.to,
            decision: self.decision,
            purpose: self.purpose,
            before: self.before,
            limit: self.limit.unwrap_or(100),
        }
    }
}

/// For privacy officers: search the audit trail
///
/// By actor, member, days, decision and purpose, newest first; the search itself is audited.
#[utoipa::path(get, path = "/audit", tag = "privacy", params(AuditQuery),
    responses((status = 200, description = "A page of audit events", body = Page<AuditEvent>)))]
async fn audit_search(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: AuditQuery = query(raw)?;
    crate::json::page_size(q.limit, 100)?;
    ok(StatusCode::OK, s.access(&state).audit_search(&q.filter(), false).await?)
}
