//! Workforce reports: compliance, the workforce picture and positions with pay.

use accompany_domain::policy;
use accompany_domain::records::{format_date, parse_date};
use accompany_domain::workforce::{cents_text, Cell, ComplianceKind};
use accompany_domain::FieldError;
use askama::Template;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use time::Date;

use crate::page::{csv_download, render, Layout, PageError, PageResult, PageUser};
use crate::problem::AppError;
use crate::AppState;

use super::labels::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/workforce/compliance", get(compliance))
        .route("/workforce/picture", get(picture))
        .route("/workforce/picture.csv", get(picture_csv))
        .route("/workforce/positions", get(positions))
}

// --- Compliance ------------------------------------------------------------------------

pub struct OrgRow {
    pub href: String,
    pub name: String,
    pub total: usize,
    pub credentials: usize,
    pub supervision: usize,
    pub fidelity: usize,
}

pub struct ComplianceRow {
    pub kind: String,
    pub subject: String,
    pub href: Option<String>,
    pub text: String,
}

#[derive(Template)]
#[template(path = "workforce/compliance.html")]
struct CompliancePage {
    l: Layout,
    sub: Vec<SubLink>,
    scope: String,
    by_kind: Vec<(String, usize)>,
    total: usize,
    orgs: Vec<OrgRow>,
    problems: Vec<ComplianceRow>,
    shown: usize,
    shown_text: String,
    back: Option<String>,
}

#[derive(Deserialize, Default)]
struct OrgQuery {
    org: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

const PROBLEMS_SHOWN: usize = 500;

fn group(k: ComplianceKind) -> usize {
    match k {
        ComplianceKind::CredentialExpired | ComplianceKind::CredentialExpiring | ComplianceKind::RequirementMissing => 0,
        ComplianceKind::SupervisionOverdue | ComplianceKind::NoSupervisor | ComplianceKind::SupervisorUnqualified => 1,
        ComplianceKind::ProhibitedTask | ComplianceKind::SinglePeerProgram => 2,
    }
}

async fn compliance(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<OrgQuery>) -> PageResult {
    let t = &s.tr;
    if !policy::sees_workforce_reports(s.user.persona) {
        return Err(forbidden(&s));
    }
    let access = s.access(&state);
    let org = if policy::sees_every_organization(s.user.persona) { q.org.clone().filter(|o| !o.is_empty()) } else { s.user.organization_id.clone() };
    let problems = access.workforce_problems(org.as_deref()).await?;
    let mut counts: BTreeMap<ComplianceKind, usize> = BTreeMap::new();
    for p in &problems {
        *counts.entry(p.kind).or_default() += 1;
    }
    let by_kind = ComplianceKind::ALL.iter().map(|k| (kind_label(t, *k), counts.get(k).copied().unwrap_or(0))).collect();
    let (scope, orgs, rows, back) = match &org {
        None => {
            let names = state.store.organization_names().await?;
            let mut by: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
            for p in &problems {
                by.entry(p.organization_id.as_str()).or_default()[group(p.kind)] += 1;
            }
            let mut orgs: Vec<OrgRow> = by
                .into_iter()
                .map(|(id, g)| OrgRow {
                    href: format!("/workforce/compliance?org={id}"),
                    name: names.get(id).cloned().unwrap_or_else(|| id.to_string()),
                    total: g.iter().sum(),
                    credentials: g[0],
                    supervision: g[1],
                    fidelity: g[2],
                })
                .collect();
            orgs.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.name.cmp(&b.name)));
            (t.t("wf-statewide"), orgs, vec![], None)
        }
        Some(o) => {
            let name = access.organization(o).await.map(|x| x.name).unwrap_or_else(|_| o.clone());
            let rows = problems
                .iter()
                .take(PROBLEMS_SHOWN)
                .map(|p| ComplianceRow {
                    kind: kind_label(t, p.kind),
                    subject: p.subject.clone(),
                    href: p.worker_id.as_ref().map(|w| format!("/workforce/workers/{w}")),
                    text: problem_text(&state, t, p),
                })
                .collect();
            let back = policy::sees_every_organization(s.user.persona).then(|| "/workforce/compliance".to_string());
            (name, vec![], rows, back)
        }
    };
    Ok(render(CompliancePage {
        l: Layout::new(t, Some(&s), "/workforce/compliance", t.t1("wf-compliance-title", "scope", &scope)),
        sub: sub_nav(t, s.user.persona, "/workforce/compliance"),
        scope,
        by_kind,
        total: problems.len(),
        orgs,
        shown: rows.len(),
        shown_text: t.tn("wf-shown", &[("shown", rows.len().to_string()), ("total", problems.len().to_string())]),
        problems: rows,
        back,
    }))
}

// --- The workforce picture ---------------------------------------------------------------

#[derive(Template)]
#[template(path = "workforce/picture.html")]
struct PicturePage {
    l: Layout,
    sub: Vec<SubLink>,
    from: String,
    to: String,
    headcount: String,
    vacancies: String,
    hires: String,
    departures: String,
    turnover: String,
    leaders: String,
    by_role: Vec<(String, String, String)>,
    by_language: Vec<(String, String)>,
    by_identity: Vec<(String, String, String)>,
    organizations: Vec<(String, String, bool)>,
    state_admin: bool,
    errors: Vec<String>,
    /// The same picture as CSV.
    csv_href: String,
}

/// The period of a picture: `to` defaults to today, `from` to a year before it.
pub(super) fn period(from: Option<&str>, to: Option<&str>) -> Result<(Date, Date), Vec<FieldError>> {
    let today = accompany_store::today_date();
    let mut errs = vec![];
    let parse = |field: &'static str, v: Option<&str>, d: Date, errs: &mut Vec<FieldError>| match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => d,
        Some(s) => parse_date(s).unwrap_or_else(|| {
            errs.push(FieldError::new(field, "date-format", "write the date as YYYY-MM-DD"));
            d
        }),
    };
    let to = parse("to", to, today, &mut errs);
    let from = parse("from", from, to - time::Duration::days(365), &mut errs);
    if from > to {
        errs.push(FieldError::new("to", "end-before-start", "the end of the period is before its start"));
    }
    if errs.is_empty() {
        Ok((from, to))
    } else {
        Err(errs)
    }
}

async fn picture(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<OrgQuery>) -> PageResult {
    let t = &s.tr;
    if !policy::sees_workforce_reports(s.user.persona) {
        return Err(forbidden(&s));
    }
    let state_admin = policy::sees_every_organization(s.user.persona);
    let org = if state_admin { q.org.clone().filter(|o| !o.is_empty()) } else { s.user.organization_id.clone() };
    let (period, errors) = match period(q.from.as_deref(), q.to.as_deref()) {
        Ok(p) => (p, vec![]),
        Err(e) => {
            let today = accompany_store::today_date();
            ((today - time::Duration::days(365), today), e.iter().map(|e| format!("{}: {}", t.field_label(&e.field), t.field_error(e))).collect())
        }
    };
    let access = s.access(&state);
    let p = access.workforce_picture(org.as_deref(), period.0, period.1).await?;
    let names = state.store.organization_names().await.unwrap_or_default();
    let mut organizations: Vec<(String, String, bool)> =
        names.iter().map(|(id, n)| (id.clone(), n.clone(), org.as_deref() == Some(id.as_str()))).collect();
    organizations.sort_by(|a, b| a.1.cmp(&b.1));
    let scope = org.as_ref().and_then(|o| names.get(o).cloned()).unwrap_or_else(|| t.t("wf-statewide"));
    let supervisors: HashMap<&str, Cell> = p.supervisors_by_role.iter().map(|(r, c)| (r.as_str(), *c)).collect();
    Ok(render(PicturePage {
        l: Layout::new(t, Some(&s), "/workforce/picture", t.t1("wf-picture-title", "scope", &scope)),
        sub: sub_nav(t, s.user.persona, "/workforce/picture"),
        from: format_date(p.from),
        to: format_date(p.to),
        headcount: cell(t, p.headcount),
        vacancies: cell(t, p.vacancies),
        hires: cell(t, p.hires),
        departures: cell(t, p.departures),
        turnover: turnover_text(t, p.turnover_per_mille),
        leaders: cell(t, p.peers_in_leadership),
        by_role: p
            .by_role
            .iter()
            .map(|(r, c)| (role_name(&state, t, r), cell(t, *c), supervisors.get(r.as_str()).map_or_else(|| "0".to_string(), |x| cell(t, *x))))
            .collect(),
        by_language: p
            .by_language
            .iter()
            .map(|(code, c)| (state.catalog.language(code).map_or(code.clone(), |l| l.name.get(t.lang).to_string()), cell(t, *c)))
            .collect(),
        by_identity: p
            .by_identity
            .iter()
            .filter(|(_, _, c)| !c.is_hidden())
            .map(|(d, x, c)| (t.t(&format!("wf-identity-{d}")), x.clone(), cell(t, *c)))
            .collect(),
        csv_href: format!(
            "/workforce/picture.csv?{}",
            serde_urlencoded::to_string([("org", org.as_deref().unwrap_or("")), ("from", &format_date(p.from)), ("to", &format_date(p.to))])
                .unwrap_or_default()
        ),
        organizations,
        state_admin,
        errors,
    }))
}

/// The picture as CSV, one row a number, with the same cells withheld:
/// a withheld value is empty and marked, never written.
async fn picture_csv(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<OrgQuery>) -> PageResult {
    if !policy::sees_workforce_reports(s.user.persona) {
        return Err(forbidden(&s));
    }
    let org = if policy::sees_every_organization(s.user.persona) { q.org.clone().filter(|o| !o.is_empty()) } else { s.user.organization_id.clone() };
    let (from, to) = match period(q.from.as_deref(), q.to.as_deref()) {
        Ok(p) => p,
        Err(e) => return Err(PageError::from(AppError::Invalid(e))),
    };
    let p = s.access(&state).workforce_picture(org.as_deref(), from, to).await?;
    let mut rows: Vec<(String, String, Cell)> = vec![
        ("headcount".into(), String::new(), p.headcount),
        ("vacancies".into(), String::new(), p.vacancies),
        ("hires".into(), String::new(), p.hires),
        ("departures".into(), String::new(), p.departures),
        ("turnover-per-mille".into(), String::new(), p.turnover_per_mille),
        ("peers-in-leadership".into(), String::new(), p.peers_in_leadership),
    ];
    rows.extend(p.by_role.iter().map(|(r, c)| ("role".to_string(), r.clone(), *c)));
    rows.extend(p.supervisors_by_role.iter().map(|(r, c)| ("supervisors-of-role".to_string(), r.clone(), *c)));
    rows.extend(p.by_language.iter().map(|(l, c)| ("language".to_string(), l.clone(), *c)));
    rows.extend(p.by_identity.iter().map(|(d, x, c)| (format!("identity-{d}"), x.clone(), *c)));
    let rows = rows.iter().map(|(measure, group, c)| {
        let value = c.shown().map(u64::to_string).unwrap_or_default();
        vec![measure.clone(), group.clone(), value, if c.is_hidden() { "fewer-than-11-or-derivable" } else { "" }.to_string()]
    });
    csv_download("workforce-picture.csv", &["measure", "group", "value", "withheld"], rows, "the CSV could not be written")
}

// --- Job descriptions, lone peers and pay --------------------------------------------

pub struct PosRow {
    pub title: String,
    pub organization: String,
    pub program: String,
    pub role: String,
    pub worker: String,
    pub pay: String,
    pub tasks: Vec<(String, Option<String>)>,
    pub flagged: bool,
}

pub struct PayRow {
    pub title: String,
    pub organization: String,
    pub midpoint: String,
    pub comparable: String,
    pub percent: String,
    pub below: bool,
}

#[derive(Template)]
#[template(path = "workforce/positions.html")]
struct PositionsPage {
    l: Layout,
    sub: Vec<SubLink>,
    scope: String,
    statewide: bool,
    positions: Vec<PosRow>,
    flagged: usize,
    lone: Vec<String>,
    pay: Vec<PayRow>,
    organizations: Vec<(String, String, bool)>,
    state_admin: bool,
}

async fn positions(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<OrgQuery>) -> PageResult {
    let t = &s.tr;
    if !policy::sees_workforce_reports(s.user.persona) {
        return Err(forbidden(&s));
    }
    let state_admin = policy::sees_every_organization(s.user.persona);
    let org = if state_admin { q.org.clone().filter(|o| !o.is_empty()) } else { s.user.organization_id.clone() };
    let report = s.access(&state).positions(org.as_deref()).await?;
    let names = state.store.organization_names().await.unwrap_or_default();
    let org_name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let statewide = org.is_none();
    let flagged = report.positions.iter().filter(|p| !p.flags.is_empty()).count();
    let positions = report
        .positions
        .iter()
        // Statewide, only the job descriptions that need attention are listed.
        .filter(|p| !statewide || !p.flags.is_empty())
        .map(|p| {
            let tasks = p
                .position
                .tasks
                .iter()
                .enumerate()
                .map(|(i, task)| (task.text.clone(), p.flags.iter().find(|f| f.task_index == i).map(|f| f.reason.clone())))
                .collect();
            PosRow {
                title: p.position.title.clone(),
                organization: org_name(&p.position.organization_id),
                program: format!("{} ({})", p.position.program, t.t(&format!("wf-setting-{}", p.position.setting.as_str()))),
                role: p.position.role_id.as_deref().map(|r| role_name(&state, t, r)).unwrap_or_else(|| t.t("wf-other-staff")),
                worker: p.worker_name.clone().unwrap_or_else(|| t.t("wf-vacant")),
                pay: format!("{} – {}", cents_text(p.position.pay_min_cents), cents_text(p.position.pay_max_cents)),
                tasks,
                flagged: !p.flags.is_empty(),
            }
        })
        .collect();
    let lone = report
        .single_peer_programs
        .iter()
        .map(|l| {
            t.tn(
                "wf-lone-peer",
                &[
                    ("program", l.program.clone()),
                    ("organization", org_name(&l.organization_id)),
                    ("setting", t.t(&format!("wf-setting-{}", l.setting.as_str()))),
                    ("critical", if l.critical { t.t("wf-lone-critical") } else { String::new() }),
                ],
            )
        })
        .collect();
    let pay = report
        .pay
        .iter()
        .filter(|p| !statewide || p.below)
        .take(PROBLEMS_SHOWN)
        .map(|p| PayRow {
            title: p.title.clone(),
            organization: org_name(&p.organization_id),
            midpoint: cents_text(p.midpoint_cents),
            comparable: p.comparable_median_cents.map(cents_text).unwrap_or_else(|| t.t("wf-none")),
            percent: p.percent.map(|x| format!("{x}%")).unwrap_or_else(|| t.t("wf-none")),
            below: p.below,
        })
        .collect();
    let mut organizations: Vec<(String, String, bool)> =
        names.iter().map(|(id, n)| (id.clone(), n.clone(), org.as_deref() == Some(id.as_str()))).collect();
    organizations.sort_by(|a, b| a.1.cmp(&b.1));
    let scope = org.as_deref().map(org_name).unwrap_or_else(|| t.t("wf-statewide"));
    Ok(render(PositionsPage {
        l: Layout::new(t, Some(&s), "/workforce/positions", t.t1("wf-positions-title", "scope", &scope)),
        sub: sub_nav(t, s.user.persona, "/workforce/positions"),
        scope,
        statewide,
        positions,
        flagged,
        lone,
        pay,
        organizations,
        state_admin,
    }))
}
