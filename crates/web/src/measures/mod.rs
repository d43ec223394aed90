//! Outcome measures: the report as JSON and as FHIR `MeasureReport`s, and
//! the page with charts beside the tables.

mod api;
pub(crate) mod fhir;
mod pages;

pub use api::routes as api_routes;
pub use pages::routes as page_routes;

use accompany_domain::{FieldError, Invalid};
use accompany_store::measures::ReportFilter;

/// The report's period and organization from query text: each bad value named.
pub(crate) fn filter(from: Option<&str>, to: Option<&str>, organization: Option<&str>) -> Result<ReportFilter, Invalid> {
    let given = |v: Option<&str>| v.map(str::trim).filter(|v| !v.is_empty()).map(String::from);
    let mut errs = Invalid::default();
    let mut day = |field: &'static str, v: Option<String>| {
        let d = v.as_deref().map(accompany_domain::records::parse_date);
        if d == Some(None) {
            errs.push(FieldError::new(field, "date-format", "write the day as YYYY-MM-DD"));
        }
        d.flatten()
    };
    let (from, to) = (day("from", given(from)), day("to", given(to)));
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            errs.push(FieldError::new("to", "before-from", "the period ends before it starts: give the earlier day as from"));
        }
    }
    errs.finish()?;
    Ok(ReportFilter { from, to, organization: given(organization) })
}

/// The report for the signed-in person, recomputing stale members first.
pub(crate) async fn report(
    state: &crate::AppState,
    s: &crate::auth::Signed,
    from: Option<&str>,
    to: Option<&str>,
    organization: Option<&str>,
) -> Result<accompany_store::measures::MeasuresReport, crate::problem::Problem> {
    let filter = filter(from, to, organization).map_err(crate::json::err)?;
    Ok(s.access(state).measures_report(&filter, accompany_store::today_date()).await?)
}
