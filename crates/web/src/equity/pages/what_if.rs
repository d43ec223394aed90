//! What if we hired: a program admin describes one line of hires, and the
//! batch a program admin would run is solved on today's waiting list with
//! the pool as it is and with those peers added. The page shows members
//! waiting and matched, concordance of "must" and "prefer" wishes, and the
//! members left unmatched by language and by reason, before and after, each
//! as a table with bars beside it. Nothing is written; values the
//! small-cell rule withholds are said in words, never drawn.

use std::collections::HashMap;

use accompany_domain::equity::what_if::{HireInput, HireStatement, ShownChange};
use accompany_domain::equity::NOT_ANSWERED;
use accompany_domain::matching::IdentityDimension;
use accompany_domain::measures::report::ShownRate;
use accompany_domain::policy;
use accompany_domain::stats::Suppressed;
use accompany_domain::FieldError;
use accompany_store::what_if::WhatIfReport;
use accompany_store::StoreError;
use askama::Template;
use axum::extract::State;
use axum::routing::get;
use axum::{Form, Router};

use crate::auth::Signed;
use crate::i18n::Tr;
use crate::page::{csrf_refused, form_page, language_name, Choice, ErrorList, FieldErrors, Layout, PageResult, PageUser};
use crate::problem::AppError;
use crate::AppState;

use super::sections::{count, count_bar, percent, withheld};
use crate::page::charts::{Chart, Group, Panel, Row, Series, Table};

pub fn routes() -> Router<AppState> {
    Router::new().route("/equity/what-if", get(what_if_form).post(what_if_run))
}

type Pairs = Vec<(String, String)>;

fn value<'a>(pairs: &'a Pairs, key: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == key).map_or("", |(_, v)| v.as_str())
}

fn values(pairs: &Pairs, key: &str) -> Vec<String> {
    pairs.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).filter(|v| !v.is_empty()).collect()
}

/// What the peers may say of themselves on the form, in its order; each
/// field is named by the dimension (`gender`, `sexual-orientation`).
const SIDES: [IdentityDimension; 4] =
    [IdentityDimension::Gender, IdentityDimension::Race, IdentityDimension::Ethnicity, IdentityDimension::SexualOrientation];

/// The form as it was filled in, kept to be shown again.
#[derive(Default)]
struct HireForm {
    role: String,
    count: String,
    languages: Vec<String>,
    /// One value per side of `SIDES`, empty when not said.
    identity: Vec<String>,
    topics: Vec<String>,
    town: String,
    organization: String,
    caseload: String,
}

impl HireForm {
    fn of(pairs: &Pairs) -> HireForm {
        HireForm {
            role: value(pairs, "role").trim().to_string(),
            count: value(pairs, "count").trim().to_string(),
            languages: values(pairs, "languages"),
            identity: SIDES.iter().map(|d| value(pairs, d.as_str()).to_string()).collect(),
            topics: values(pairs, "lived_experience"),
            town: value(pairs, "town").trim().to_string(),
            organization: value(pairs, "organization").trim().to_string(),
            caseload: value(pairs, "caseload").trim().to_string(),
        }
    }

    /// The line of hires the store checks. A number that does not read is
    /// sent as 0, which the store names as out of range.
    fn input(&self) -> HireInput {
        let number = |s: &str| s.parse::<u32>().unwrap_or(0);
        HireInput {
            role: self.role.clone(),
            count: number(&self.count),
            languages: self.languages.clone(),
            identity: SIDES
                .iter()
                .zip(&self.identity)
                .filter(|(_, v)| !v.trim().is_empty())
                .map(|(d, v)| HireStatement { dimension: *d, value: v.trim().to_string() })
                .collect(),
            lived_experience: self.topics.clone(),
            town: Some(self.town.clone()).filter(|t| !t.is_empty()),
            organization: self.organization.clone(),
            caseload: (!self.caseload.is_empty()).then(|| number(&self.caseload)),
        }
    }
}

/// A text field of what the peers say of themselves.
struct Side {
    id: &'static str,
    label: String,
    value: String,
}

/// The results, each a table with its chart.
struct Results {
    added: String,
    matched: Panel,
    concordance: Panel,
    by_language: Option<Panel>,
    by_reason: Option<Panel>,
}

#[derive(Template)]
#[template(path = "equity/what_if.html")]
struct WhatIfPage {
    l: Layout,
    f: HireForm,
    roles: Vec<Choice>,
    languages: Vec<Choice>,
    sides: Vec<Side>,
    topics: Vec<Choice>,
    towns: Vec<Choice>,
    organizations: Vec<Choice>,
    /// An organization admin plans hires for their own organization only.
    own_organization: bool,
    results: Option<Results>,
    errors: HashMap<String, String>,
    error_list: ErrorList,
}

impl FieldErrors for WhatIfPage {
    fn field_errors(&self) -> &HashMap<String, String> {
        &self.errors
    }
}

fn choices<'a>(items: impl Iterator<Item = (&'a str, String)>, chosen: &[String]) -> Vec<Choice> {
    items.map(|(id, label)| Choice { selected: chosen.iter().any(|c| c == id), id: id.to_string(), label }).collect()
}

/// Organizations the reader may plan hires for: for a state admin every
/// one (a plan, an RLC or a vendor may be the first to hire a peer), for an
/// organization admin their own. By name.
async fn employers(state: &AppState, s: &Signed) -> Result<Vec<(String, String)>, StoreError> {
    let access = s.access(state);
    if !policy::sees_every_organization(s.user.persona) {
        let Some(own) = s.user.organization_id.as_deref() else { return Ok(vec![]) };
        let o = access.organization(own).await?;
        return Ok(vec![(o.id, o.name)]);
    }
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = access.organizations(None, after.as_deref(), 500).await?;
        out.extend(page.items.into_iter().map(|o| (o.id, o.name)));
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    Ok(out)
}

/// The form's field an error of `hires[0].FIELD` belongs to.
fn form_field(field: &str) -> &str {
    match field.rsplit_once('.') {
        Some((_, f)) => f,
        None => "role",
    }
}

/// Where the summary's link for `field` goes: the field, or the first box of a group.
fn anchor(state: &AppState, f: &HireForm, field: &str) -> String {
    match field {
        "languages" => format!("languages-{}", state.catalog.languages.first().map_or("en", |l| l.code.as_str())),
        "lived_experience" => format!("topic-{}", state.catalog.lived_experience_topics.first().map_or("", |x| x.id.as_str())),
        "identity" => {
            let said = SIDES.iter().zip(&f.identity).find(|(_, v)| !v.trim().is_empty()).map(|(d, _)| *d);
            said.unwrap_or(SIDES[0]).as_str().to_string()
        }
        other => other.to_string(),
    }
}

/// Each field's problem in words (the first one, when a field has several),
/// and the summary's rows: anchor, field, problem.
fn field_errors(state: &AppState, t: &Tr, f: &HireForm, errors: &[FieldError]) -> (HashMap<String, String>, ErrorList) {
    let cap = state.catalog.role(&f.role).map_or(0, |r| r.caseload_cap);
    let (mut by_field, mut list) = (HashMap::new(), Vec::new());
    for e in errors {
        let field = form_field(&e.field);
        if by_field.contains_key(field) {
            continue;
        }
        let key = field.replace('_', "-");
        let problem = match field {
            "caseload" => t.t1("what-if-error-caseload", "cap", cap),
            "role" | "count" | "languages" | "identity" | "lived_experience" | "town" | "organization" => t.t(&format!("what-if-error-{key}")),
            _ => t.field_error(e),
        };
        let label = match field {
            "role" | "count" | "languages" | "identity" | "lived_experience" | "town" | "organization" | "caseload" => {
                t.t(&format!("what-if-field-{key}"))
            }
            other => other.to_string(),
        };
        list.push((anchor(state, f, field), label, problem.clone()));
        by_field.insert(field.to_string(), problem);
    }
    (by_field, list)
}

async fn page(state: &AppState, s: &Signed, f: HireForm, results: Option<Results>, errors: &[FieldError]) -> PageResult {
    let t = &s.tr;
    let orgs = employers(state, s).await?;
    let own_organization = !policy::sees_every_organization(s.user.persona);
    let (by_field, error_list) = field_errors(state, t, &f, errors);
    let c = &state.catalog;
    let one = |v: &String| std::slice::from_ref(v).to_vec();
    let page = WhatIfPage {
        l: Layout::new(t, Some(s), "/equity/what-if", t.t("what-if-title")),
        roles: choices(c.roles.iter().map(|r| (r.id.as_str(), r.name.get(t.lang).to_string())), &one(&f.role)),
        languages: choices(c.languages.iter().map(|l| (l.code.as_str(), l.name.get(t.lang).to_string())), &f.languages),
        sides: SIDES
            .iter()
            .zip(&f.identity)
            .map(|(d, v)| Side { id: d.as_str(), label: t.t(&format!("what-if-field-{}", d.as_str())), value: v.clone() })
            .collect(),
        topics: choices(c.lived_experience_topics.iter().map(|x| (x.id.as_str(), x.name.get(t.lang).to_string())), &f.topics),
        towns: choices(c.towns.iter().map(|x| (x.name.as_str(), x.name.clone())), &one(&f.town)),
        organizations: choices(
            orgs.iter().map(|(id, name)| (id.as_str(), name.clone())),
            &if own_organization { orgs.iter().map(|o| o.0.clone()).collect() } else { one(&f.organization) },
        ),
        own_organization,
        results,
        errors: by_field,
        error_list,
        f,
    };
    form_page(Ok::<_, AppError>(page), !errors.is_empty())
}

async fn what_if_form(State(state): State<AppState>, PageUser(s): PageUser) -> PageResult {
    // The store refuses (and audits) anyone else when the form is sent; the empty form is refused here.
    if !policy::may_run_batch(&s.user.actor()).is_permit() {
        return Err(AppError::Forbidden(s.tr.t("what-if-admins-only")).into());
    }
    let f = HireForm { identity: vec![String::new(); SIDES.len()], ..Default::default() };
    page(&state, &s, f, None, &[]).await
}

async fn what_if_run(State(state): State<AppState>, PageUser(s): PageUser, Form(pairs): Form<Pairs>) -> PageResult {
    if let Some(r) = csrf_refused(&s, value(&pairs, "csrf")) {
        return Ok(r);
    }
    let f = HireForm::of(&pairs);
    match s.access(&state).what_if(&[f.input()]).await {
        Ok(report) => {
            let results = results(&state, &s.tr, &report);
            page(&state, &s, f, Some(results), &[]).await
        }
        Err(StoreError::Invalid(e)) => page(&state, &s, f, None, &e.0).await,
        Err(e) => Err(e.into()),
    }
}

// --- Results -------------------------------------------------------------------------

fn now_and_after(t: &Tr) -> [Series; 2] {
    [Series { class: "series-a", name: t.t("what-if-now") }, Series { class: "series-b", name: t.t("what-if-after") }]
}

/// A change in words: signed, or withheld.
fn change(t: &Tr, v: Suppressed<i64>) -> String {
    v.map(|c| match c {
        c if c > 0 => format!("+{c}"),
        c if c < 0 => format!("\u{2212}{}", c.unsigned_abs()),
        _ => "0".to_string(),
    })
    .text(&withheld(t))
}

/// Bars of counts, now and with the hires, the longest for the largest
/// count shown; a withheld count is not drawn.
fn count_chart(t: &Tr, id: &str, title: String, groups: Vec<(String, [Suppressed<u64>; 2])>) -> Chart {
    let groups: Vec<Group> = groups.into_iter().map(|(label, v)| Group { label, values: v.iter().map(|x| count_bar(t, *x)).collect() }).collect();
    Chart::counts(t, id, title, &now_and_after(t), &groups)
}

fn matched(t: &Tr, r: &WhatIfReport) -> Panel {
    let w = &r.shown;
    let rows = vec![
        Row { label: t.t("what-if-waiting"), cells: vec![count(t, w.waiting), count(t, w.waiting), change(t, Suppressed::Shown(0))] },
        Row { label: t.t("what-if-matched"), cells: vec![count(t, w.matched.before), count(t, w.matched.after), change(t, w.matched.change)] },
    ];
    let groups = vec![(t.t("what-if-waiting"), [w.waiting, w.waiting]), (t.t("what-if-matched"), [w.matched.before, w.matched.after])];
    Panel {
        chart: count_chart(t, "what-if-matched-chart", t.t("what-if-matched-chart"), groups),
        table: Table {
            id: "what-if-matched".into(),
            caption: t.t("what-if-matched-caption"),
            head: vec![t.t("what-if-measure"), t.t("what-if-now"), t.t("what-if-after"), t.t("what-if-change")],
            rows,
        },
    }
}

/// A share of wishes met, or that nobody matched made such wishes (a bar
/// of no length that says so: nothing is withheld).
fn share(t: &Tr, r: &ShownRate) -> (Suppressed<f64>, String) {
    match r.denominator {
        Suppressed::Shown(0) => (Suppressed::Shown(0.0), t.t("what-if-no-wishes")),
        _ => (r.percent, percent(t, r.percent)),
    }
}

fn concordance(t: &Tr, r: &WhatIfReport) -> Panel {
    let w = &r.shown;
    let wishes = [("must", [&w.must_met_before, &w.must_met_after]), ("prefer", [&w.prefer_met_before, &w.prefer_met_after])];
    let mut rows = Vec::new();
    let mut groups = Vec::new();
    for (wish, [before, after]) in wishes {
        for (when, rate) in [("now", before), ("after", after)] {
            rows.push(Row {
                label: t.t(&format!("what-if-{wish}-{when}")),
                cells: vec![count(t, rate.denominator), count(t, rate.numerator), share(t, rate).1],
            });
        }
        groups.push(Group { label: t.t(&format!("what-if-{wish}")), values: vec![share(t, before), share(t, after)] });
    }
    Panel {
        chart: Chart::new(t, "what-if-concordance-chart", t.t("what-if-concordance-chart"), &now_and_after(t), &groups),
        table: Table {
            id: "what-if-concordance".into(),
            caption: t.t("what-if-concordance-caption"),
            head: vec![t.t("what-if-wishes"), t.t("what-if-wish-members"), t.t("what-if-wish-met"), t.t("what-if-share")],
            rows,
        },
    }
}

/// Members left unmatched by `part` ("language" or "reason"), before and
/// after, by the label of each row; nothing when nobody is left either way.
fn unmet(t: &Tr, part: &str, list: &[ShownChange], label: impl Fn(&str) -> String) -> Option<Panel> {
    if list.is_empty() {
        return None;
    }
    let mut labelled: Vec<(String, &ShownChange)> = list.iter().map(|c| (label(&c.key), c)).collect();
    labelled.sort_by(|a, b| a.0.cmp(&b.0));
    let rows = labelled
        .iter()
        .map(|(name, c)| Row { label: name.clone(), cells: vec![count(t, c.before), count(t, c.after), change(t, c.change)] })
        .collect();
    let groups = labelled.iter().map(|(name, c)| (name.clone(), [c.before, c.after])).collect();
    let id = format!("what-if-unmet-{part}");
    Some(Panel {
        chart: count_chart(t, &format!("{id}-chart"), t.t(&format!("what-if-unmet-{part}-chart")), groups),
        table: Table {
            id,
            caption: t.t(&format!("what-if-unmet-{part}-caption")),
            head: vec![t.t(&format!("what-if-col-{part}")), t.t("what-if-now"), t.t("what-if-after"), t.t("what-if-change")],
            rows,
        },
    })
}

fn results(state: &AppState, t: &Tr, r: &WhatIfReport) -> Results {
    let language = |k: &str| if k == NOT_ANSWERED { t.t("what-if-not-answered") } else { language_name(state, t, k) };
    Results {
        added: t
            .tn("what-if-added", &[("peers", r.peers_added.to_string()), ("places", r.places_added.to_string()), ("now", r.peers_now.to_string())]),
        matched: matched(t, r),
        concordance: concordance(t, r),
        by_language: unmet(t, "language", &r.shown.unmet_by_language, language),
        by_reason: unmet(t, "reason", &r.shown.unmet_by_reason, |k| crate::matching::gap_reason(state, t, k)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_signed_and_a_withheld_one_is_said_in_words() {
        let t = Tr::new("en");
        assert_eq!(change(&t, Suppressed::Shown(20)), "+20");
        assert_eq!(change(&t, Suppressed::Shown(-20)), "\u{2212}20");
        assert_eq!(change(&t, Suppressed::Shown(0)), "0");
        assert_eq!(change(&t, Suppressed::Hidden), t.t("equity-withheld"));
    }

    #[test]
    fn counts_are_drawn_against_the_largest_shown_and_a_withheld_one_is_not_drawn() {
        let t = Tr::new("en");
        let groups =
            vec![("A".to_string(), [Suppressed::Shown(200), Suppressed::Shown(50)]), ("B".to_string(), [Suppressed::Hidden, Suppressed::Shown(0)])];
        let c = count_chart(&t, "c", "Title".into(), groups);
        assert_eq!(c.bars.len(), 3);
        assert_eq!(c.bars[0].width, "300.0");
        assert_eq!(c.bars[1].width, "75.0");
        assert_eq!(c.bars[0].value.text, "Now: 200");
        assert!(c.desc.contains("the longest for 200") && c.desc.contains("1 value is withheld"), "{}", c.desc);
    }

    #[test]
    fn a_form_becomes_one_line_of_hires() {
        let pairs: Pairs = [
            ("role", "certified-peer-specialist"),
            ("count", "20"),
            ("languages", "en"),
            ("languages", "es"),
            ("gender", " woman "),
            ("race", ""),
            ("town", ""),
            ("organization", "org-1"),
            ("caseload", ""),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let h = HireForm::of(&pairs).input();
        assert_eq!((h.count, h.languages.len(), h.town, h.caseload), (20, 2, None, None));
        assert_eq!(h.identity.len(), 1);
        assert_eq!((h.identity[0].dimension, h.identity[0].value.as_str()), (IdentityDimension::Gender, "woman"));
        let bad: Pairs = vec![("count".into(), "many".into()), ("caseload".into(), "x".into())];
        let h = HireForm::of(&bad).input();
        assert_eq!((h.count, h.caseload), (0, Some(0)), "a number that does not read is out of range");
        assert_eq!(form_field("hires[0].count"), "count");
        assert_eq!(form_field("hires"), "role");
    }
}
