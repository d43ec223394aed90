//! An organization's worker activity and referral funnel, for its own
//! admins and for state admins (who choose the organization): two tables,
//! each with its bars beside it. The store decides who may read it and
//! audits the answer; every count comes through the small-cell rule, and a
//! withheld one is said in words and never drawn.

use accompany_domain::activity::ACTIVITY_WINDOW_DAYS;
use accompany_domain::funnel::Step;
use accompany_domain::policy;
use accompany_domain::records::format_date;
use accompany_domain::stats::Suppressed;
use accompany_store::funnel::OrganizationActivity;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::routing::get;
use axum::Router;

use crate::auth::Signed;
use crate::i18n::Tr;
use crate::page::charts::{Chart, Group, Panel, Row, Series, Table};
use crate::page::{render, Choice, Layout, PageError, PageResult, PageUser};
use crate::problem::AppError;
use crate::AppState;

use super::labels::{role_name, sub_nav, SubLink};

const PATH: &str = "/workforce/activity";

/// The longest organization id a link may carry (ids are UUID text).
const ID_MAX: usize = 64;

pub fn routes() -> Router<AppState> {
    Router::new().route(PATH, get(activity))
}

#[derive(Template)]
#[template(path = "workforce/activity.html")]
struct ActivityPage {
    l: Layout,
    sub: Vec<SubLink>,
    /// State admins choose the organization; everyone else reads their own.
    choose: bool,
    organizations: Vec<Choice>,
    /// Empty until an organization is chosen.
    as_of: String,
    workers: Option<Panel>,
    funnel: Option<Panel>,
}

/// The organization a link asks for: the first `organization` of the
/// query, trimmed; none when empty. An id no organization could have is
/// a page that does not exist.
fn organization_asked(query: Option<&str>) -> Result<Option<String>, PageError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or("")).map_err(|_| AppError::NotFound)?;
    let Some(id) = pairs.into_iter().find(|(k, _)| k == "organization").map(|(_, v)| v.trim().to_string()) else { return Ok(None) };
    if id.is_empty() {
        return Ok(None);
    }
    if id.len() > ID_MAX || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(AppError::NotFound.into());
    }
    Ok(Some(id))
}

async fn activity(State(state): State<AppState>, PageUser(s): PageUser, RawQuery(query): RawQuery) -> PageResult {
    let asked = organization_asked(query.as_deref())?;
    let choose = policy::sees_every_organization(s.user.persona);
    // A state admin who has not chosen is shown the choice; anyone else's
    // read goes to the store, which refuses (and audits) the wrong reader.
    let report = if choose && asked.is_none() {
        None
    } else {
        Some(s.access(&state).organization_activity(asked.as_deref(), accompany_store::today_date()).await?)
    };
    let organizations = if choose {
        let mut names: Vec<(String, String)> = state.store.organization_names().await?.into_iter().collect();
        names.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        names.into_iter().map(|(id, label)| Choice { selected: asked.as_deref() == Some(id.as_str()), id, label }).collect()
    } else {
        Vec::new()
    };
    Ok(render(view(&state, &s, choose, organizations, report.as_ref())))
}

fn view(state: &AppState, s: &Signed, choose: bool, organizations: Vec<Choice>, report: Option<&OrganizationActivity>) -> ActivityPage {
    let t = &s.tr;
    let title = match report {
        Some(r) => t.t1("oa-title", "organization", &r.organization_name),
        None => t.t("oa-title-choose"),
    };
    ActivityPage {
        l: Layout::new(t, Some(s), PATH, title),
        sub: sub_nav(t, s.user.persona, PATH),
        choose,
        organizations,
        as_of: report.map_or_else(String::new, |r| {
            t.tn("oa-as-of", &[("date", format_date(r.as_of)), ("from", format_date(r.window_from)), ("days", ACTIVITY_WINDOW_DAYS.to_string())])
        }),
        workers: report.map(|r| workers_panel(state, t, r)),
        funnel: report.map(|r| funnel_panel(t, r)),
    }
}

/// A count in words: the number, or that it is withheld.
fn count_text(t: &Tr, c: Suppressed<u64>) -> String {
    c.text(&t.t("oa-withheld"))
}

/// A count as a bar: the same value and words the table shows.
fn count_bar(t: &Tr, c: Suppressed<u64>) -> (Suppressed<f64>, String) {
    (c.map(|n| n as f64), count_text(t, c))
}

/// Bars of counts; when every value is a shown zero there is nothing to
/// draw, and no scale to name.
fn counts_chart(t: &Tr, id: &str, title: String, series: &[Series], groups: &[Group]) -> Chart {
    let all_zero = groups.iter().flat_map(|g| &g.values).all(|(v, _)| v.shown() == Some(&0.0));
    Chart::counts(t, id, title, series, if all_zero { &[] } else { groups })
}

fn workers_panel(state: &AppState, t: &Tr, r: &OrganizationActivity) -> Panel {
    let mut rows: Vec<Row> = r
        .workers
        .iter()
        .map(|w| {
            let f = &w.figures;
            Row {
                label: format!("{} {}", w.given_name, w.family_name),
                cells: vec![
                    role_name(state, t, &w.role_id),
                    count_text(t, f.caseload),
                    count_text(t, f.recent_contacts),
                    f.last_contact.map_or_else(|| t.t("oa-never"), format_date),
                    f.days_since.map_or_else(|| t.t("oa-never"), |d| d.to_string()),
                ],
            }
        })
        .collect();
    rows.push(Row {
        label: t.t("oa-all-workers"),
        cells: vec![String::new(), count_text(t, r.caseload_total), count_text(t, r.contacts_total), String::new(), String::new()],
    });
    let contacts = t.t1("oa-col-contacts", "days", ACTIVITY_WINDOW_DAYS);
    let series = [Series { class: "series-a", name: t.t("oa-col-caseload") }, Series { class: "series-b", name: contacts.clone() }];
    let groups: Vec<Group> = r
        .workers
        .iter()
        .map(|w| Group {
            label: format!("{} {}", w.given_name, w.family_name),
            values: vec![count_bar(t, w.figures.caseload), count_bar(t, w.figures.recent_contacts)],
        })
        .collect();
    Panel {
        table: Table {
            id: "workers".into(),
            caption: t.t("oa-workers-caption"),
            head: vec![t.t("oa-col-worker"), t.t("oa-col-role"), t.t("oa-col-caseload"), contacts, t.t("oa-col-last"), t.t("oa-col-since")],
            rows,
        },
        chart: counts_chart(t, "workers-chart", t.t("oa-workers-chart"), &series, &groups),
    }
}

fn per_mille_text(t: &Tr, p: Option<Suppressed<u64>>) -> String {
    match p {
        None => t.t("oa-not-applicable"),
        Some(p) => p.map(|x| format!("{}.{}%", x / 10, x % 10)).text(&t.t("oa-withheld")),
    }
}

fn median_text(t: &Tr, m: Option<Suppressed<f64>>) -> String {
    match m {
        None => t.t("oa-no-days"),
        Some(m) => m.map(|d| if d.fract() == 0.0 { format!("{d:.0}") } else { format!("{d:.1}") }).text(&t.t("oa-withheld")),
    }
}

fn step_name(t: &Tr, step: Step) -> String {
    t.t(&format!("oa-step-{}", step.as_str()))
}

fn funnel_panel(t: &Tr, r: &OrganizationActivity) -> Panel {
    let rows = r
        .funnel
        .iter()
        .map(|s| Row {
            label: step_name(t, s.step),
            cells: vec![count_text(t, s.count), per_mille_text(t, s.of_previous), median_text(t, s.median_days)],
        })
        .collect();
    let series = [Series { class: "series-a", name: t.t("oa-col-referrals") }];
    let groups: Vec<Group> = r.funnel.iter().map(|s| Group { label: step_name(t, s.step), values: vec![count_bar(t, s.count)] }).collect();
    Panel {
        table: Table {
            id: "funnel".into(),
            caption: t.t("oa-funnel-caption"),
            head: ["oa-col-step", "oa-col-referrals", "oa-col-share", "oa-col-median"].iter().map(|k| t.t(k)).collect(),
            rows,
        },
        chart: counts_chart(t, "funnel-chart", t.t("oa-funnel-chart"), &series, &groups),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_organization_is_read_from_the_query_by_hand() {
        assert_eq!(organization_asked(None).unwrap(), None);
        assert_eq!(organization_asked(Some("")).unwrap(), None);
        assert_eq!(organization_asked(Some("organization=%20")).unwrap(), None);
        assert_eq!(organization_asked(Some("x=1&organization=ab-12&organization=zz")).unwrap(), Some("ab-12".into()));
        assert!(organization_asked(Some("organization=a%27b")).is_err(), "not an id");
        assert!(organization_asked(Some(&format!("organization={}", "a".repeat(65)))).is_err(), "too long");
        assert!(organization_asked(Some("organization=%ZZ")).is_err(), "a broken escape is no id");
    }
}
