//! The outcome-measures page: the filter, every rate as a table and as
//! bars, acute care before and after against the comparison group, and one
//! measure broken down by peer, organization, plan and region. Values the
//! small-cell rule withholds are said in words, never drawn.

use std::collections::HashMap;

use accompany_domain::measures::report::{Dimension, ShownRate, NONE};
use accompany_domain::measures::Estimate;
use accompany_domain::policy;
use accompany_domain::stats::Suppressed;
use accompany_store::measures::{MeasureResult, MeasuresReport, ReportFilter};
use accompany_store::StoreError;
use askama::Template;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::auth::{urlencode, Signed};
use crate::i18n::Tr;
use crate::page::{error_list, errors_by_field, form_page, FieldErrors, Layout, PageResult, PageUser};
use crate::problem::AppError;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/measures", get(measures))
}

#[derive(Deserialize, Default)]
struct FilterForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    organization: String,
    /// The measure broken down: its code, and its window when it has one.
    #[serde(default)]
    measure: String,
}

struct RateRow {
    name: String,
    code: String,
    window: String,
    numerator: String,
    denominator: String,
    rate: String,
    /// The bar's value; `None` when the rate is withheld.
    percent: Option<String>,
    /// The measure and its rate, as the bar is named.
    bar_label: String,
    breakdown_href: String,
    breakdown_label: String,
    selected: bool,
}

struct GroupRow {
    label: String,
    numerator: String,
    denominator: String,
    rate: String,
}

struct BreakdownTable {
    id: &'static str,
    caption: String,
    column: String,
    groups: Vec<GroupRow>,
}

struct EstimateRow {
    kind: String,
    estimate: String,
    interval: String,
}

struct AcuteCare {
    name: String,
    code: String,
    window: String,
    /// Empty, as are the rows, when either group has no members.
    peer_members: String,
    comparison_members: String,
    rows: Vec<EstimateRow>,
}

#[derive(Template)]
#[template(path = "measures/measures.html")]
struct MeasuresPage {
    l: Layout,
    f: FilterForm,
    /// State admins choose any organization; an organization admin's report is always their own.
    any_organization: bool,
    as_of: String,
    period: String,
    scope: String,
    built: Option<String>,
    stale: String,
    rates: Vec<RateRow>,
    acute: AcuteCare,
    breakdown_of: String,
    breakdowns: Vec<BreakdownTable>,
    errors: HashMap<String, String>,
    error_list: Vec<(String, String, String)>,
}

impl FieldErrors for MeasuresPage {
    fn field_errors(&self) -> &HashMap<String, String> {
        &self.errors
    }
}

/// How a measure is chosen for its breakdown: a code has two windows.
fn key(m: &MeasureResult) -> String {
    match m.days {
        Some(d) => format!("{}-{d}", m.code),
        None => m.code.clone(),
    }
}

fn name(state: &AppState, t: &Tr, code: &str, fallback: &str) -> String {
    state.catalog.measures.definition(code).map_or_else(|| fallback.to_string(), |d| d.name.get(t.lang).to_string())
}

/// The measure's name with its window, which tells its two windows apart.
fn titled(state: &AppState, t: &Tr, m: &MeasureResult) -> String {
    let n = name(state, t, &m.code, &m.name);
    match m.days {
        Some(d) => t.tn("measures-name-days", &[("name", n), ("days", d.to_string())]),
        None => n,
    }
}

fn count(t: &Tr, v: Suppressed<u64>) -> String {
    v.text(&t.t("measures-withheld"))
}

fn percent(t: &Tr, v: Suppressed<f64>) -> String {
    v.map(|p| t.t1("measures-percent", "value", format!("{p:.1}"))).text(&t.t("measures-withheld"))
}

fn group_rows(t: &Tr, dimension: Dimension, groups: &[accompany_store::measures::LabelledGroup]) -> Vec<GroupRow> {
    groups
        .iter()
        .map(|g| GroupRow {
            label: if g.key == NONE { t.t(&format!("measures-none-{}", dimension.as_str())) } else { g.label.clone() },
            numerator: count(t, g.rate.numerator),
            denominator: count(t, g.rate.denominator),
            rate: percent(t, g.rate.percent),
        })
        .collect()
}

fn signed(x: f64) -> String {
    format!("{x:+.1}")
}

/// The measure with its estimates; no rows when either group is empty.
fn acute_care(state: &AppState, t: &Tr, r: &MeasuresReport) -> AcuteCare {
    let a = &r.acute_care_use;
    let row = |kind: &str, est: Suppressed<Estimate>| match est {
        Suppressed::Shown(x) => EstimateRow {
            kind: t.t(kind),
            estimate: signed(x.value),
            interval: t.tn("measures-interval-value", &[("low", signed(x.low)), ("high", signed(x.high))]),
        },
        Suppressed::Hidden => {
            EstimateRow { kind: t.t(kind), estimate: t.t("measures-withheld-estimate"), interval: t.t("measures-withheld-interval") }
        }
    };
    AcuteCare {
        name: name(state, t, &a.code, &a.name),
        code: t.tn("measures-version", &[("code", a.code.clone()), ("version", a.version.to_string())]),
        window: t.t1("measures-acute-window", "days", a.window_days),
        peer_members: a.estimate.as_ref().map(|e| count(t, e.peer.members)).unwrap_or_default(),
        comparison_members: a.estimate.as_ref().map(|e| count(t, e.comparison.members)).unwrap_or_default(),
        rows: a
            .estimate
            .as_ref()
            .map(|e| {
                vec![
                    row("measures-ed-visits", e.ed_visits),
                    row("measures-admissions", e.admissions),
                    row("measures-inpatient-days", e.inpatient_days),
                ]
            })
            .unwrap_or_default(),
    }
}

/// An organization's name as its breakdown groups give it, else its id.
fn organization_name(r: &MeasuresReport, id: &str) -> String {
    r.measures
        .iter()
        .flat_map(|m| &m.breakdowns)
        .filter(|b| matches!(b.dimension, Dimension::Organization | Dimension::Plan))
        .flat_map(|b| &b.groups)
        .find(|g| g.key == id)
        .map_or_else(|| id.to_string(), |g| g.label.clone())
}

/// The report's filter as a query, for the breakdown links.
fn query_of(r: &MeasuresReport) -> String {
    let mut q = String::new();
    for (k, v) in [("from", &r.from), ("to", &r.to), ("organization", &r.organization)] {
        if let Some(v) = v {
            q.push_str(&format!("{k}={}&", urlencode(v)));
        }
    }
    q
}

fn page(state: &AppState, s: &Signed, f: FilterForm, r: &MeasuresReport, errors: &[accompany_domain::FieldError]) -> MeasuresPage {
    let t = &s.tr;
    let chosen = r.measures.iter().find(|m| key(m) == f.measure).or_else(|| r.measures.first());
    let chosen_key = chosen.map(key).unwrap_or_default();
    let query = query_of(r);
    let rates = r
        .measures
        .iter()
        .map(|m| {
            let title = titled(state, t, m);
            let ShownRate { numerator, denominator, percent: p } = m.total;
            let rate = percent(t, p);
            RateRow {
                name: name(state, t, &m.code, &m.name),
                code: t.tn("measures-version", &[("code", m.code.clone()), ("version", m.version.to_string())]),
                window: m.days.map_or_else(|| t.t("measures-no-window"), |d| t.t1("measures-days", "days", d)),
                numerator: count(t, numerator),
                denominator: count(t, denominator),
                percent: p.shown().map(|v| format!("{v:.1}")),
                bar_label: t.tn("measures-bar", &[("measure", title.clone()), ("rate", rate.clone())]),
                rate,
                breakdown_href: format!("/measures?{query}measure={}#breakdown-heading", urlencode(&key(m))),
                breakdown_label: t.t1("measures-breakdown-of", "measure", title),
                selected: key(m) == chosen_key,
            }
        })
        .collect();
    let breakdown_of = chosen.map(|m| titled(state, t, m)).unwrap_or_default();
    let breakdowns = chosen
        .map(|m| {
            Dimension::ALL
                .iter()
                .map(|d| {
                    let groups = m.breakdowns.iter().find(|b| b.dimension == *d).map(|b| group_rows(t, *d, &b.groups)).unwrap_or_default();
                    BreakdownTable {
                        id: d.as_str(),
                        caption: t.t1(&format!("measures-by-{}", d.as_str()), "measure", breakdown_of.clone()),
                        column: t.t(&format!("measures-dimension-{}", d.as_str())),
                        groups,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let acute = acute_care(state, t, r);
    let period = match (&r.from, &r.to) {
        (None, None) => t.t("measures-period-all"),
        (from, to) => t.tn(
            "measures-period",
            &[
                ("from", from.clone().unwrap_or_else(|| t.t("measures-period-start"))),
                ("to", to.clone().unwrap_or_else(|| t.t("measures-period-end"))),
            ],
        ),
    };
    MeasuresPage {
        l: Layout::new(t, Some(s), "/measures", t.t("measures-title")),
        any_organization: policy::sees_every_organization(s.user.persona),
        as_of: t.t1("measures-as-of", "date", r.as_of.clone()),
        period,
        scope: match &r.organization {
            None => t.t("measures-scope-state"),
            Some(o) => t.t1("measures-scope-organization", "organization", organization_name(r, o)),
        },
        built: r.built_at.as_ref().map(|b| t.t1("measures-built", "when", b.get(..16).unwrap_or(b).replace('T', " "))),
        stale: if r.stale_members == 1 { t.t("measures-stale-one") } else { t.t1("measures-stale", "count", r.stale_members) },
        rates,
        acute,
        breakdown_of,
        breakdowns,
        f,
        errors: errors_by_field(t, errors),
        error_list: error_list(t, errors),
    }
}

async fn measures(State(state): State<AppState>, PageUser(s): PageUser, Query(f): Query<FilterForm>) -> PageResult {
    let access = s.access(&state);
    let today = accompany_store::today_date();
    // A filter that does not read shows the whole report under the form,
    // which keeps what was typed; the store still decides who may read it.
    let (filter, mut errors) = match super::filter(Some(&f.from), Some(&f.to), Some(&f.organization)) {
        Ok(filter) => (filter, vec![]),
        Err(e) => (ReportFilter::default(), e.0),
    };
    let report = match access.measures_report(&filter, today).await {
        Ok(r) => Ok(r),
        Err(StoreError::Invalid(e)) if errors.is_empty() => {
            errors = e.0;
            access.measures_report(&ReportFilter::default(), today).await
        }
        Err(e) => Err(e),
    };
    let result = report.map(|r| page(&state, &s, f, &r, &errors)).map_err(AppError::from);
    form_page(result, !errors.is_empty())
}
