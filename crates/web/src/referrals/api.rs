//! Referrals: the public door, staff referring someone, and the queue.

use accompany_domain::referral::{Referral, ReferralInput, ReferralStatus};
use accompany_store::{Enrolment, Page};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use crate::auth::{client_addr_of, ApiUser};
use crate::json::{body, created, err, ok, query, ApiResult};
use crate::openapi::ApiRouter;
use crate::problem::{AppError, Problem};
use crate::AppState;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(referral_queue, refer))
        .routes(routes!(get_referral))
        .routes(routes!(enrol_referral))
        .routes(routes!(set_referral_status))
        .routes(routes!(public_referral))
}

// --- Referrals ----------------------------------------------------------------

/// Refer someone to peer support from any door
///
/// The same person arriving again is merged into their earlier request.
#[utoipa::path(post, path = "/referrals", tag = "referrals", request_body = ReachableReferral,
    responses((status = 201, description = "The request, new or merged", body = Referral, headers(("Location" = String, description = "where to read the request"))),
        (status = 422, description = "A field does not fit, or there is neither a phone number nor an e-mail address")))]
async fn refer(State(state): State<AppState>, ApiUser(s): ApiUser, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let input: ReferralInput = body(&headers, &bytes)?;
    let r = s.access(&state).refer(&input).await?;
    created(format!("/api/v1/referrals/{}", r.id), r)
}

/// The answer of the public door, the same whoever is named.
#[derive(Serialize, ToSchema)]
struct Received {
    received: bool,
}

/// No account needed: ask for peer support
///
/// Merged with an earlier request from the same person; the answer is the
/// same whoever is named. Accounts come through enrolment codes. Arrivals
/// are limited per hour.
#[utoipa::path(post, path = "/public/referrals", tag = "referrals", security(()), request_body = ReachableReferral,
    responses((status = 202, description = "Received", body = Received),
        (status = 422, description = "A field does not fit, or there is neither a phone number nor an e-mail address"),
        (status = 429, description = "Too many requests in an hour: wait")))]
async fn public_referral(State(state): State<AppState>, req: axum::extract::Request) -> ApiResult {
    let addr = client_addr_of(&req);
    let headers = req.headers().clone();
    let bytes = axum::body::to_bytes(req.into_body(), 64 * 1024).await.map_err(|e| Problem::bad_body(e.to_string()))?;
    let b: ReferralInput = body(&headers, &bytes)?;
    state.store.self_refer(&b, &addr).await?;
    ok(StatusCode::ACCEPTED, Received { received: true })
}

#[derive(Deserialize, Default, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct QueueQuery {
    /// open (new or contacted; the default), new, contacted, enrolled or closed.
    #[param(pattern = "^(open|new|contacted|enrolled|closed)$")]
    status: Option<String>,
    /// The `next_cursor` of the page before.
    after: Option<String>,
    /// At most this many (1 to 500; 100 when left out).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

/// The referral queue, oldest first
///
/// Requests routed to the caller's organization (every request for the state's administrators).
#[utoipa::path(get, path = "/referrals", tag = "referrals", params(QueueQuery),
    responses((status = 200, description = "A page of requests", body = Page<Referral>)))]
async fn referral_queue(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: QueueQuery = query(raw)?;
    let status = match q.status.as_deref() {
        None | Some("open") => None,
        Some(x) => Some(ReferralStatus::parse(x).ok_or_else(|| {
            err(AppError::Invalid(vec![accompany_domain::FieldError::new(
                "status",
                "unknown-choice",
                "use open, new, contacted, enrolled or closed",
            )]))
        })?),
    };
    ok(StatusCode::OK, s.access(&state).referral_queue(status, q.after.as_deref(), crate::json::page_size(q.limit, 100)?).await?)
}

/// One referral
#[utoipa::path(get, path = "/referrals/{id}", tag = "referrals", params(("id" = String, Path, description = "the referral's id")),
    responses((status = 200, description = "The request", body = Referral)))]
async fn get_referral(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>) -> ApiResult {
    ok(StatusCode::OK, s.access(&state).referral(&id).await?)
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
struct EnrolBody {
    /// The person's MassHealth ID, when the request has none (or to correct it).
    #[serde(default)]
    #[schema(schema_with = accompany_domain::limits::schema::blank_or_masshealth_id)]
    masshealth_id: Option<String>,
}

/// Enrol the person
///
/// A new member record with the caller on its care team, or the record
/// holding the MassHealth ID when name and date of birth match (then nobody
/// joins: ask to join). The body may be left out.
#[utoipa::path(post, path = "/referrals/{id}/enrol", tag = "referrals", params(("id" = String, Path, description = "the referral's id")),
    request_body(content = Option<EnrolBody>, description = "may be left out, or null"),
    responses((status = 200, description = "Enrolled", body = Enrolment),
        (status = 422, description = "No MassHealth ID, or the record holding it names someone else")))]
async fn enrol_referral(State(state): State<AppState>, ApiUser(s): ApiUser, Path(id): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    // No body, or null, is no MassHealth ID.
    let b: Option<EnrolBody> = if bytes.is_empty() { None } else { body(&headers, &bytes)? };
    let b = b.unwrap_or_default();
    ok(StatusCode::OK, s.access(&state).enrol_referral(&id, b.masshealth_id.as_deref()).await?)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    /// new, contacted or closed (enrolling marks a request enrolled).
    #[schema(schema_with = accompany_domain::limits::schema::settable_referral_status)]
    status: ReferralStatus,
}

/// Mark a referral contacted or closed
#[utoipa::path(post, path = "/referrals/{id}/status", tag = "referrals", params(("id" = String, Path, description = "the referral's id")),
    request_body = StatusBody,
    responses((status = 200, description = "The request now", body = Referral)))]
async fn set_referral_status(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult {
    let b: StatusBody = body(&headers, &bytes)?;
    ok(StatusCode::OK, s.access(&state).set_referral_status(&id, b.status).await?)
}

/// A [`ReferralInput`] with a way to reach the person: a phone number or
/// an e-mail address that is not blank. (The document's schema only; the
/// body is read as a `ReferralInput`.)
struct ReachableReferral;

impl utoipa::PartialSchema for ReachableReferral {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use serde_json::Value;
        // Two versions of the input: one with a phone number that is not
        // blank, one with such an e-mail address.
        let base = serde_json::to_value(<ReferralInput as utoipa::PartialSchema>::schema()).unwrap_or(Value::Null);
        let given = |field: &str| {
            let mut v = base.clone();
            if let Some(p) = v["properties"][field].as_object_mut() {
                p.insert("type".into(), "string".into());
                if let Some(pattern) = p.get("pattern").and_then(Value::as_str).map(|x| x.trim_start_matches(r"^\s*$|").to_string()) {
                    p.insert("pattern".into(), pattern.into());
                }
            }
            if let Some(r) = v["required"].as_array_mut() {
                r.push(field.into());
            }
            // A date of birth is not in the future.
            let last_year = time::OffsetDateTime::now_utc().year() - 1;
            v["properties"]["date_of_birth"] =
                serde_json::to_value(accompany_domain::limits::schema::birth_day_until(last_year)).unwrap_or(Value::Null);
            v
        };
        let schema = serde_json::json!({
            "description": "A request for peer support: a phone number or an e-mail address (not blank) is needed to reach the person",
            "anyOf": [given("phone"), given("email")]
        });
        serde_json::from_value(schema).unwrap_or_else(|_| <ReferralInput as utoipa::PartialSchema>::schema())
    }
}

impl ToSchema for ReachableReferral {
    fn name() -> std::borrow::Cow<'static, str> {
        "ReachableReferral".into()
    }

    fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        <ReferralInput as ToSchema>::schemas(schemas);
    }
}
