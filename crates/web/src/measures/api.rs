//! The JSON API of outcome measures, and the same report as FHIR R4.

use accompany_store::measures::MeasuresReport;
use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::routes;

use crate::auth::ApiUser;
use crate::json::{ok, query, ApiResult};
use crate::openapi::ApiRouter;
use crate::AppState;

pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(measures)).routes(routes!(measure_report))
}

#[derive(Deserialize, Default, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ReportQuery {
    /// Cases whose index day is on or after this day (YYYY-MM-DD).
    #[param(schema_with = accompany_domain::limits::schema::day_or_blank)]
    from: Option<String>,
    /// Cases whose index day is on or before this day (YYYY-MM-DD).
    #[param(schema_with = accompany_domain::limits::schema::day_or_blank)]
    to: Option<String>,
    /// Only this organization's members: a provider's (served by its peers) or a health plan's.
    /// An organization admin's report is always their own organization's.
    organization: Option<String>,
    /// For the FHIR report: one measure's code (e.g. FUA-style); all of them, as a Bundle, when left out.
    measure: Option<String>,
}

/// Outcome measures
///
/// Follow-up after acute care (FUA-, FUM- and FUH-style and a peer measure
/// of our own, each within 7 and 30 days), engagement, retention at 90 and
/// 180 days, goal attainment, and ED visits, admissions and inpatient days
/// before and after the first peer contact against a comparison group,
/// with each rate broken down by peer, organization, plan and region.
/// Every count from 1 to 10, and any that would reveal one, is `null`.
/// For state admins (any organization) and organization admins (their own).
#[utoipa::path(get, path = "/measures", tag = "measures", params(ReportQuery),
    responses((status = 200, description = "The report", body = MeasuresReport), (status = 403, description = "Not a state or organization admin, or another organization's"),
        (status = 409, description = "No organization has that id"), (status = 422, description = "A bad date, or a period that ends before it starts")))]
async fn measures(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: ReportQuery = query(raw)?;
    let report = super::report(&state, &s, q.from.as_deref(), q.to.as_deref(), q.organization.as_deref()).await?;
    ok(StatusCode::OK, report)
}

/// Outcome measures as FHIR R4 MeasureReports
///
/// Summary `MeasureReport`s: one per measure, a group per window (or per
/// kind of acute care), the breakdowns as stratifiers. With `measure`, that
/// one report; without, a `Bundle` of all. A count the small-cell rule
/// withholds is left out.
#[utoipa::path(get, path = "/measures/report", tag = "measures", params(ReportQuery),
    responses((status = 200, description = "A MeasureReport or a Bundle of them", body = Object, content_type = "application/fhir+json"),
        (status = 403, description = "Not a state or organization admin, or another organization's"),
        (status = 404, description = "No measure with that code"), (status = 409, description = "No organization has that id"),
        (status = 422, description = "A bad date, or a period that ends before it starts")))]
async fn measure_report(State(state): State<AppState>, ApiUser(s): ApiUser, RawQuery(raw): RawQuery) -> ApiResult {
    let q: ReportQuery = query(raw)?;
    let report = super::report(&state, &s, q.from.as_deref(), q.to.as_deref(), q.organization.as_deref()).await?;
    let body = match q.measure {
        None => super::fhir::bundle(&report),
        Some(code) => super::fhir::measure_report(&report, &code).ok_or_else(|| {
            crate::problem::Problem::new(StatusCode::NOT_FOUND, "no-such-measure", "No such measure", "see GET /api/v1/measures for the codes")
        })?,
    };
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, "application/fhir+json")], body.to_string()).into_response())
}
