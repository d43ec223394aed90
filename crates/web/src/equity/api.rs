//! The JSON API of network adequacy, equity and Appendix-A tables.

use accompany_domain::equity::what_if::HireInput;
use accompany_store::equity::{AdequacyReport, AppendixA, CohortKind, EquityReport};
use accompany_store::trends::EquityTrends;
use accompany_store::what_if::WhatIfReport;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use crate::auth::ApiUser;
use crate::json::{body, ok, query, ApiResult};
use crate::openapi::ApiRouter;
use crate::AppState;

pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(adequacy)).routes(routes!(equity)).routes(routes!(appendix_a)).routes(routes!(what_if))
}

#[derive(Deserialize, Default, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct PeriodQuery {
    /// From this day on (YYYY-MM-DD): requests and gaps that began, or members whose first peer came, on or after it.
    #[param(schema_with = accompany_domain::limits::schema::day_or_blank)]
    from: Option<String>,
    /// Up to this day (YYYY-MM-DD).
    #[param(schema_with = accompany_domain::limits::schema::day_or_blank)]
    to: Option<String>,
    /// Only this organization's members: a provider's (served by its peers) or a health plan's.
    /// An organization admin's report is always their own organization's.
    organization: Option<String>,
}

/// Network adequacy
///
/// Days from a request for a peer to the first peer (median and 90th
/// percentile) and the share of requests filled within each of the
/// catalog's prompt windows (14 and 30 days), and the same for members
/// left without a peer after theirs left; each by plan, region and the
/// peer's role. Every count from 1 to 10, and any that would reveal one,
/// is `null`; a median or percentile over fewer than 11 waits is `null`.
/// For state admins (any organization) and organization admins (their own).
#[utoipa::path(get, path = "/adequacy", tag = "equity", params(PeriodQuery),
    responses((status = 200, description = "The report", body = AdequacyReport), (status = 403, description = "Not a state or organization admin, or another organization's"),
        (status = 409, description = "No organization has that id"), (status = 422, description = "A bad date, or a period that ends before it starts")))]
async fn adequacy(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: PeriodQuery = query(raw)?;
    let filter = crate::measures::filter(q.from.as_deref(), q.to.as_deref(), q.organization.as_deref()).map_err(crate::json::err)?;
    ok(StatusCode::OK, s.access(&state).adequacy_report(&filter, accompany_store::today_date(), "en").await?)
}

/// The equity report and its monthly trends.
#[derive(Serialize, ToSchema)]
struct EquityWithTrends {
    #[serde(flatten)]
    report: EquityReport,
    /// Requests for a peer and first peers in each of the last 12 complete
    /// months and the current one, for the same period and organization.
    trends: EquityTrends,
}

/// Equity and concordance
///
/// Among members with a peer who made "must" (or "prefer") wishes about
/// who the peer is, the share whose peer meets every one, by the member's
/// race, ethnicity, language and gender; and members with a peer against
/// active peers on each side of identity, per region. `trends`: month by
/// month, requests for a peer made, members whose first peer came, the
/// share of each month's requests filled within each prompt window and
/// the median days to a peer. Through the small-cell rule, like every
/// report. For state admins and organization admins.
#[utoipa::path(get, path = "/equity", tag = "equity", params(PeriodQuery),
    responses((status = 200, description = "The report", body = EquityWithTrends), (status = 403, description = "Not a state or organization admin, or another organization's"),
        (status = 409, description = "No organization has that id"), (status = 422, description = "A bad date, or a period that ends before it starts")))]
async fn equity(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: PeriodQuery = query(raw)?;
    let filter = crate::measures::filter(q.from.as_deref(), q.to.as_deref(), q.organization.as_deref()).map_err(crate::json::err)?;
    let access = s.access(&state);
    let today = accompany_store::today_date();
    let report = access.equity_report(&filter, today, "en").await?;
    let trends = access.equity_trends(&filter, today, "en").await?;
    ok(StatusCode::OK, EquityWithTrends { report, trends })
}

/// Appendix-A table of a cohort
///
/// 003's Appendix A for members who have had a peer: age band, gender,
/// race, ethnicity, sexual orientation, plan and how they were connected,
/// each as counts and shares of the cohort. Cohorts: `state/all`,
/// `plan/{organization id}`, `organization/{organization id}` (members
/// its peers serve), `role/{catalog role id}`, `region/{region}`. Answers
/// are mapped to the catalog's reporting categories (OMB race and
/// ethnicity codes where they apply); the member's own words are never shown.
#[utoipa::path(get, path = "/cohorts/{kind}/{id}/appendix-a", tag = "equity",
    params(("kind" = CohortKind, Path, description = "The kind of cohort"), ("id" = String, Path, description = "The cohort's id: all, an organization id, a role id or a region"), PeriodQuery),
    responses((status = 200, description = "The tables", body = AppendixA), (status = 403, description = "Not a state or organization admin, or another organization's"),
        (status = 409, description = "No organization has that id"), (status = 422, description = "A bad date or cohort kind or id, or a period that ends before it starts")))]
async fn appendix_a(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    Path((kind, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    // Read here rather than by the path extractor, so that an unknown kind is a problem the API documents.
    let kind = CohortKind::parse(&kind).ok_or_else(|| {
        crate::json::err(accompany_domain::Invalid(vec![accompany_domain::FieldError::new(
            "kind",
            "unknown-choice",
            "a cohort's kind is state, plan, organization, role or region",
        )]))
    })?;
    let q: PeriodQuery = query(raw)?;
    let filter = crate::measures::filter(q.from.as_deref(), q.to.as_deref(), q.organization.as_deref()).map_err(crate::json::err)?;
    ok(StatusCode::OK, s.access(&state).appendix_a(kind, &id, &filter, accompany_store::today_date(), "en").await?)
}

/// Peers a program might hire.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct WhatIfInput {
    /// One line per kind of peer: role, how many, languages, what they say of themselves, town, employer, caseload.
    hires: Vec<HireInput>,
}

/// What if we hired
///
/// Solves the batch on the current waiting list twice, with the pool as it
/// is and with the described peers added, and compares: members matched,
/// concordance of "must" and "prefer" wishes among those matched, and
/// members left unmatched by language and by reason. Nothing is written.
/// Counts and changes from 1 to 10, and any that would reveal one, are
/// `null`. For program admins; an organization's admins plan hires for
/// their own organization.
#[utoipa::path(post, path = "/what-if", tag = "equity", request_body = WhatIfInput,
    responses((status = 200, description = "The comparison", body = WhatIfReport), (status = 403, description = "Not a program admin, or hiring for another organization"),
        (status = 409, description = "No organization has that id"), (status = 422, description = "A role, language, topic or town the catalog does not have, or a count or caseload out of range")))]
async fn what_if(State(state): State<AppState>, ApiUser(s): ApiUser, headers: HeaderMap, bytes: Bytes) -> ApiResult {
    let input: WhatIfInput = body(&headers, &bytes)?;
    ok(StatusCode::OK, s.access(&state).what_if(&input.hires).await?)
}
