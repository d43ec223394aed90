//! The equity page: the filter, then network adequacy, month-by-month
//! trends of requests and first peers, concordance, members with a peer
//! against the workforce and Appendix A for a cohort, each as tables with
//! bars beside them; and Appendix A as CSV. Values the small-cell rule
//! withholds are said in words, never drawn.

mod sections;
mod trends;
mod unmet;
mod what_if;

use std::collections::HashMap;

use accompany_domain::equity::ReportedDimension;
use accompany_domain::policy;
use accompany_domain::records::OrganizationKind;
use accompany_domain::FieldError;
use accompany_store::equity::{AppendixA, CohortKind};
use accompany_store::measures::ReportFilter;
use accompany_store::StoreError;
use askama::Template;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::auth::Signed;
use crate::i18n::Tr;
use crate::page::{csv_download, error_list, errors_by_field, form_page, Choice, FieldErrors, Layout, PageError, PageResult, PageUser};
use crate::problem::AppError;
use crate::AppState;

use crate::page::charts::Panel;

pub fn routes() -> Router<AppState> {
    Router::new().route("/equity", get(equity)).route("/equity/appendix-a.csv", get(appendix_csv)).merge(what_if::routes())
}

#[derive(Deserialize, Default)]
struct FilterForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    organization: String,
    /// The side of identity members and peers are compared on.
    #[serde(default)]
    identity: String,
    /// The Appendix-A cohort as the form's list gives it: `kind:id`.
    #[serde(default)]
    cohort: String,
    /// The cohort as a link gives it, when `cohort` is empty.
    #[serde(default)]
    kind: String,
    #[serde(default)]
    id: String,
}

/// The cohort asked for; everyone when nothing is asked.
fn cohort_of(f: &FilterForm) -> Option<(CohortKind, String)> {
    let (kind, id) = if !f.cohort.trim().is_empty() { f.cohort.trim().split_once(':')? } else { (f.kind.as_str(), f.id.as_str()) };
    if kind.trim().is_empty() && id.trim().is_empty() {
        return Some((CohortKind::State, "all".into()));
    }
    let kind = CohortKind::parse(kind.trim())?;
    let id = match id.trim() {
        "" if kind == CohortKind::State => "all",
        "" => return None,
        id => id,
    };
    Some((kind, id.to_string()))
}

fn identity_of(s: &str) -> Option<ReportedDimension> {
    match s.trim() {
        "" => Some(ReportedDimension::Race),
        s => ReportedDimension::ALL.into_iter().find(|d| d.as_str() == s),
    }
}

/// An optgroup of the cohort list.
struct CohortGroup {
    label: String,
    options: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "equity/equity.html")]
struct EquityPage {
    l: Layout,
    f: FilterForm,
    /// State admins choose any organization; an organization admin's report is always their own.
    any_organization: bool,
    identities: Vec<Choice>,
    cohorts: Vec<CohortGroup>,
    as_of: String,
    period: String,
    scope: String,
    prompt_days: String,
    requests: Vec<Panel>,
    gaps: Vec<Panel>,
    turnover: Vec<Panel>,
    fill: Vec<Panel>,
    trends: trends::TrendSection,
    unmet: unmet::UnmetSection,
    concordance: Vec<Panel>,
    workforce_intro: String,
    workforce: Vec<Panel>,
    cohort_name: String,
    cohort_members: String,
    appendix: Vec<Panel>,
    csv_href: String,
    errors: HashMap<String, String>,
    error_list: Vec<(String, String, String)>,
}

impl FieldErrors for EquityPage {
    fn field_errors(&self) -> &HashMap<String, String> {
        &self.errors
    }
}

/// Plans and organizations the reader may ask about: every one for a state
/// admin, their own for an organization admin.
async fn organizations(state: &AppState, s: &Signed) -> Result<Vec<(String, String, bool)>, StoreError> {
    let page = s.access(state).organizations(None, None, 500).await?;
    let every = policy::sees_every_organization(s.user.persona);
    Ok(page
        .items
        .into_iter()
        .filter(|o| every || s.user.organization_id.as_deref() == Some(o.id.as_str()))
        .map(|o| (o.id, o.name, o.kind == OrganizationKind::HealthPlan))
        .collect())
}

fn regions(state: &AppState) -> Vec<String> {
    let mut r: Vec<String> = state.catalog.towns.iter().map(|t| t.region.clone()).collect();
    r.sort();
    r.dedup();
    r
}

fn cohort_choices(state: &AppState, t: &Tr, orgs: &[(String, String, bool)], chosen: &(CohortKind, String)) -> Vec<CohortGroup> {
    let choice = |kind: CohortKind, id: &str, label: String| Choice {
        id: format!("{}:{id}", kind.as_str()),
        label,
        selected: chosen.0 == kind && chosen.1 == id,
    };
    let group = |kind: CohortKind, options: Vec<Choice>| CohortGroup { label: t.t(&format!("equity-cohort-{}", kind.as_str())), options };
    let of_kind = |plan: bool, kind: CohortKind| orgs.iter().filter(|o| o.2 == plan).map(|(id, name, _)| choice(kind, id, name.clone())).collect();
    vec![
        group(CohortKind::State, vec![choice(CohortKind::State, "all", t.t("equity-cohort-all"))]),
        group(CohortKind::Plan, of_kind(true, CohortKind::Plan)),
        group(CohortKind::Organization, of_kind(false, CohortKind::Organization)),
        group(CohortKind::Role, state.catalog.roles.iter().map(|r| choice(CohortKind::Role, &r.id, r.name.get(t.lang).to_string())).collect()),
        group(CohortKind::Region, regions(state).into_iter().map(|r| choice(CohortKind::Region, &r, r.clone())).collect()),
    ]
    .into_iter()
    .filter(|g| !g.options.is_empty())
    .collect()
}

/// The query of the report's filter and a cohort, for the CSV link.
fn csv_href(filter: &ReportFilter, a: &AppendixA, organization: &str) -> String {
    let day = |d: Option<time::Date>| d.map(accompany_domain::records::format_date).unwrap_or_default();
    let q = serde_urlencoded::to_string([
        ("kind", a.cohort.as_str()),
        ("id", a.id.as_str()),
        ("from", &day(filter.from)),
        ("to", &day(filter.to)),
        ("organization", organization),
    ])
    .unwrap_or_default();
    format!("/equity/appendix-a.csv?{q}")
}

fn period(t: &Tr, from: &Option<String>, to: &Option<String>) -> String {
    match (from, to) {
        (None, None) => t.t("equity-period-all"),
        (from, to) => t.tn(
            "equity-period",
            &[("from", from.clone().unwrap_or_else(|| t.t("equity-period-start"))), ("to", to.clone().unwrap_or_else(|| t.t("equity-period-end")))],
        ),
    }
}

async fn equity(State(state): State<AppState>, PageUser(s): PageUser, Query(f): Query<FilterForm>) -> PageResult {
    let access = s.access(&state);
    let t = &s.tr;
    let today = accompany_store::today_date();
    // A filter that does not read shows the whole report under the form,
    // which keeps what was typed; the store still decides who may read it.
    let (mut filter, mut errors) = match crate::measures::filter(Some(&f.from), Some(&f.to), Some(&f.organization)) {
        Ok(filter) => (filter, vec![]),
        Err(e) => (ReportFilter::default(), e.0),
    };
    let adequacy = match access.adequacy_report(&filter, today, t.lang).await {
        Err(StoreError::Invalid(e)) => {
            errors.extend(e.0);
            filter = ReportFilter::default();
            access.adequacy_report(&filter, today, t.lang).await?
        }
        r => r?,
    };
    let report = access.equity_report(&filter, today, t.lang).await?;
    let monthly = access.equity_trends(&filter, today, t.lang).await?;
    let side = identity_of(&f.identity).unwrap_or_else(|| {
        errors.push(FieldError::new("identity", "choice", "choose one of the listed sides"));
        ReportedDimension::Race
    });
    let everyone = (CohortKind::State, "all".to_string());
    let asked = cohort_of(&f).unwrap_or_else(|| {
        errors.push(FieldError::new("cohort", "choice", "choose a cohort from the list"));
        everyone.clone()
    });
    let (cohort, appendix) = match access.appendix_a(asked.0, &asked.1, &filter, today, t.lang).await {
        Ok(a) => (asked, a),
        Err(StoreError::Invalid(e)) => {
            // The cohort's id is the one field of the form the store reads for it.
            errors.extend(e.0.into_iter().map(|mut e| {
                e.field = "cohort".into();
                e.code = "no-such-cohort";
                e
            }));
            let a = access.appendix_a(everyone.0, &everyone.1, &filter, today, t.lang).await?;
            (everyone, a)
        }
        Err(e) => return Err(e.into()),
    };
    let orgs = organizations(&state, &s).await?;
    let cohorts = cohort_choices(&state, t, &orgs, &cohort);
    let cohort_name = cohorts.iter().flat_map(|g| &g.options).find(|o| o.selected).map_or_else(|| cohort.1.clone(), |o| o.label.clone());
    let org_name = |id: &str| orgs.iter().find(|o| o.0 == id).map_or_else(|| id.to_string(), |o| o.1.clone());
    let page = EquityPage {
        l: Layout::new(t, Some(&s), "/equity", t.t("equity-title")),
        any_organization: policy::sees_every_organization(s.user.persona),
        identities: ReportedDimension::ALL
            .iter()
            .map(|d| Choice { id: d.as_str().into(), label: t.t(&format!("equity-col-{}", d.as_str())), selected: *d == side })
            .collect(),
        as_of: t.t1("equity-as-of", "date", adequacy.as_of.clone()),
        period: period(t, &adequacy.from, &adequacy.to),
        scope: match &adequacy.organization {
            None => t.t("equity-scope-state"),
            Some(o) => t.t1("equity-scope-organization", "organization", org_name(o)),
        },
        prompt_days: t.t1("equity-prompt-days", "days", adequacy.prompt_days.iter().map(u32::to_string).collect::<Vec<_>>().join(&t.t("equity-and"))),
        requests: sections::waits(t, "requests", &adequacy),
        gaps: sections::waits(t, "gaps", &adequacy),
        turnover: sections::peers(t, "turnover", &adequacy.turnover, &adequacy.turnover_by),
        fill: sections::peers(t, "fill", &adequacy.caseload_fill, &adequacy.caseload_fill_by),
        trends: trends::section(t, &monthly),
        unmet: unmet::section(&state, t, adequacy.unmet.as_ref()),
        concordance: sections::concordance(t, &report),
        workforce_intro: t.t1("equity-workforce-intro", "by", t.t(&format!("equity-by-{}", side.as_str()))),
        workforce: sections::workforce(t, &report, side),
        cohort_members: t.t1("equity-appendix-members", "count", sections::count(t, appendix.members)),
        appendix: sections::appendix(t, &appendix, &cohort_name),
        csv_href: csv_href(&filter, &appendix, filter.organization.as_deref().unwrap_or("")),
        cohort_name,
        cohorts,
        f,
        errors: errors_by_field(t, &errors),
        error_list: error_list(t, &errors),
    };
    form_page(Ok::<_, AppError>(page), !errors.is_empty())
}

#[derive(Deserialize, Default)]
struct CsvQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    organization: String,
}

/// A cohort's id as part of a file name: letters, digits and hyphens.
fn file_part(id: &str) -> String {
    id.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).take(60).collect()
}

/// Appendix A as CSV: the rows the page's tables show, a withheld value
/// as the page's word for it.
async fn appendix_csv(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<CsvQuery>) -> PageResult {
    let t = &s.tr;
    let filter = crate::measures::filter(Some(&q.from), Some(&q.to), Some(&q.organization))?;
    let kind = CohortKind::parse(q.kind.trim())
        .ok_or_else(|| PageError::from(AppError::Invalid(vec![FieldError::new("kind", "choice", "state, plan, organization, role or region")])))?;
    let id = if q.id.trim().is_empty() && kind == CohortKind::State { "all" } else { q.id.trim() };
    let a = s.access(&state).appendix_a(kind, id, &filter, accompany_store::today_date(), t.lang).await?;
    let rows: Vec<Vec<String>> = sections::appendix_rows(t, &a)
        .into_iter()
        .flat_map(|(_, name, rows)| rows.into_iter().map(move |(category, number, percent)| vec![name.clone(), category, number, percent]))
        .collect();
    let filename = format!("appendix-a-{}-{}.csv", kind.as_str(), file_part(id));
    csv_download(&filename, &["characteristic", "category", "number", "percent"], rows, "the CSV could not be written")
}
