//! The page's four sections as tables and charts: network adequacy,
//! concordance, members with a peer against the workforce, and Appendix A.
//! Every key that is not a catalog category is put in words here, and a
//! withheld value is said the one way the page and its CSV say it.

use accompany_domain::equity::{Characteristic, ReportedDimension, ShownWait, NOT_ANSWERED, SELF_DESCRIBED};
use accompany_domain::measures::report::{ShownRate, NONE};
use accompany_domain::referral::Door;
use accompany_domain::stats::Suppressed;
use accompany_store::equity::{AdequacyReport, AppendixA, EquityReport, LabelledRate, LabelledShare, RateGroups, WaitBreakdown};

use crate::i18n::Tr;

use crate::page::charts::{Chart, Group, Panel, Row, Series, Table};

pub fn withheld(t: &Tr) -> String {
    t.t("equity-withheld")
}

pub fn count(t: &Tr, v: Suppressed<u64>) -> String {
    v.text(&withheld(t))
}

pub fn days(t: &Tr, v: Suppressed<i64>) -> String {
    v.text(&withheld(t))
}

/// A count as a bar of a chart to scale, with the words the table says.
pub fn count_bar(t: &Tr, v: Suppressed<u64>) -> (Suppressed<f64>, String) {
    (v.map(|n| n as f64), count(t, v))
}

pub fn percent(t: &Tr, v: Suppressed<f64>) -> String {
    v.map(|p| t.t1("equity-percent", "value", format!("{p:.1}"))).text(&withheld(t))
}

/// A percent as the CSV writes it: the number, or the page's word when withheld.
pub fn percent_number(t: &Tr, v: Suppressed<f64>) -> String {
    v.map(|p| format!("{p:.1}")).text(&withheld(t))
}

fn value(t: &Tr, v: Suppressed<f64>) -> (Suppressed<f64>, String) {
    (v, percent(t, v))
}

/// A group's name: words for keys that are not catalog categories.
/// `none` is the message for the group without a plan, region or peer.
pub fn key_label(t: &Tr, key: &str, label: &str, none: &str) -> String {
    match key {
        NONE => t.t(none),
        SELF_DESCRIBED => t.t("equity-self-described"),
        NOT_ANSWERED => t.t("equity-not-answered"),
        _ => label.to_string(),
    }
}

/// How a member was connected: the door of their first request.
fn door_label(t: &Tr, key: &str, label: &str) -> String {
    match Door::parse(key) {
        Some(Door::SelfReferral) => t.t("equity-door-self"),
        Some(d) => t.t(&format!("door-{}", d.as_str())),
        None => key_label(t, key, label, "equity-none"),
    }
}

fn series(t: &Tr, names: [&str; 2]) -> [Series; 2] {
    [Series { class: "series-a", name: t.t(names[0]) }, Series { class: "series-b", name: t.t(names[1]) }]
}

fn one_series(name: String) -> [Series; 1] {
    [Series { class: "series-a", name }]
}

// --- Network adequacy ------------------------------------------------------------------

/// Requests (`part` "requests") or gaps ("gaps"): the whole, then by plan, region and role.
pub fn waits(t: &Tr, part: &str, r: &AdequacyReport) -> Vec<Panel> {
    let (total, by) = if part == "requests" { (&r.requests, &r.requests_by) } else { (&r.gaps, &r.gaps_by) };
    let within = |d: &u32| t.t1(&format!("equity-{part}-within"), "days", d);
    let mut rows = vec![
        Row { label: t.t(&format!("equity-{part}-started")), cells: vec![count(t, total.started)] },
        Row { label: t.t(&format!("equity-{part}-finished")), cells: vec![count(t, total.finished)] },
        Row { label: t.t(&format!("equity-{part}-median")), cells: vec![days(t, total.median_days)] },
        Row { label: t.t(&format!("equity-{part}-p90")), cells: vec![days(t, total.p90_days)] },
    ];
    rows.extend(r.prompt_days.iter().zip(&total.within).map(|(d, w)| Row { label: within(d), cells: vec![percent(t, w.percent)] }));
    let windows: Vec<Group> =
        r.prompt_days.iter().zip(&total.within).map(|(d, w)| Group { label: within(d), values: vec![value(t, w.percent)] }).collect();
    let id = format!("{part}-total");
    let mut panels = vec![Panel {
        chart: Chart::new(t, &format!("{id}-chart"), t.t(&format!("equity-{part}-chart-total")), &one_series(t.t("equity-share")), &windows),
        table: Table { id, caption: t.t(&format!("equity-{part}-total-caption")), head: vec![t.t("equity-measure"), t.t("equity-value")], rows },
    }];
    let last = r.prompt_days.len().saturating_sub(1);
    let last_days = r.prompt_days.last().copied().unwrap_or_default();
    for b in by {
        panels.push(wait_breakdown(t, part, b, &r.prompt_days, last, last_days));
    }
    panels
}

fn wait_breakdown(t: &Tr, part: &str, b: &WaitBreakdown, windows: &[u32], last: usize, last_days: u32) -> Panel {
    let d = b.dimension.as_str();
    let by = t.t(&format!("equity-by-{d}"));
    let none = format!("equity-none-{d}");
    let mut head = vec![
        t.t(&format!("equity-col-{d}")),
        t.t(&format!("equity-{part}-started")),
        t.t(&format!("equity-{part}-finished")),
        t.t(&format!("equity-{part}-median")),
        t.t(&format!("equity-{part}-p90")),
    ];
    head.extend(windows.iter().map(|w| t.t1(&format!("equity-{part}-within"), "days", w)));
    let label = |g: &accompany_store::equity::LabelledWait| key_label(t, &g.key, &g.label, &none);
    let row = |w: &ShownWait| {
        let mut cells = vec![count(t, w.started), count(t, w.finished), days(t, w.median_days), days(t, w.p90_days)];
        cells.extend(w.within.iter().map(|r| percent(t, r.percent)));
        cells
    };
    let rows = b.groups.iter().map(|g| Row { label: label(g), cells: row(&g.wait) }).collect();
    let groups: Vec<Group> = b
        .groups
        .iter()
        .map(|g| Group { label: label(g), values: vec![value(t, g.wait.within.get(last).map_or(Suppressed::Hidden, |r| r.percent))] })
        .collect();
    let id = format!("{part}-by-{d}");
    let title = t.tn(&format!("equity-{part}-chart-by"), &[("days", last_days.to_string()), ("by", by.clone())]);
    Panel {
        chart: Chart::new(t, &format!("{id}-chart"), title, &one_series(t.t1(&format!("equity-{part}-within"), "days", last_days)), &groups),
        table: Table { id, caption: t.t1(&format!("equity-{part}-by"), "by", by), head, rows },
    }
}

/// Peer turnover (`part` "turnover") or caseload fill ("fill"): the whole and by organization and role, in one table and chart each.
pub fn peers(t: &Tr, part: &str, total: &ShownRate, by: &[RateGroups]) -> Vec<Panel> {
    let mut panels = Vec::new();
    for b in by {
        let d = b.dimension.as_str();
        let by_words = t.t(&format!("equity-by-{d}"));
        let mut rows: Vec<Row> = vec![Row {
            label: t.t("equity-peers-all"),
            cells: vec![count(t, total.numerator), count(t, total.denominator), percent(t, total.percent)],
        }];
        let mut groups = vec![Group { label: t.t("equity-peers-all"), values: vec![value(t, total.percent)] }];
        for g in &b.groups {
            let label = key_label(t, &g.key, &g.label, "equity-none");
            rows.push(Row {
                label: label.clone(),
                cells: vec![count(t, g.rate.numerator), count(t, g.rate.denominator), percent(t, g.rate.percent)],
            });
            groups.push(Group { label, values: vec![value(t, g.rate.percent)] });
        }
        let id = format!("{part}-by-{d}");
        panels.push(Panel {
            chart: Chart::new(
                t,
                &format!("{id}-chart"),
                t.t1(&format!("equity-{part}-chart"), "by", by_words.clone()),
                &one_series(t.t("equity-share")),
                &groups,
            ),
            table: Table {
                id,
                caption: t.t1(&format!("equity-{part}-caption"), "by", by_words),
                head: vec![
                    t.t(&format!("equity-col-{d}")),
                    t.t(&format!("equity-{part}-numerator")),
                    t.t(&format!("equity-{part}-denominator")),
                    t.t("equity-share"),
                ],
                rows,
            },
        });
    }
    panels
}

// --- Concordance -----------------------------------------------------------------------

fn rate_cells(t: &Tr, r: Option<&ShownRate>) -> [String; 3] {
    match r {
        Some(r) => [count(t, r.numerator), count(t, r.denominator), percent(t, r.percent)],
        None => [t.t("equity-no-wishes"), t.t("equity-no-wishes"), t.t("equity-no-wishes")],
    }
}

/// "Must" and "prefer" wishes met, in all and by the member's race, ethnicity, language and gender.
pub fn concordance(t: &Tr, r: &EquityReport) -> Vec<Panel> {
    let both = [("equity-must", &r.must_met), ("equity-prefer", &r.prefer_met)];
    let rows = both
        .iter()
        .map(|(name, rate)| Row { label: t.t(name), cells: vec![count(t, rate.denominator), count(t, rate.numerator), percent(t, rate.percent)] })
        .collect();
    let groups: Vec<Group> = both.iter().map(|(name, rate)| Group { label: t.t(name), values: vec![value(t, rate.percent)] }).collect();
    let mut panels = vec![Panel {
        chart: Chart::new(t, "concordance-total-chart", t.t("equity-concordance-chart-total"), &one_series(t.t("equity-share")), &groups),
        table: Table {
            id: "concordance-total".into(),
            caption: t.t("equity-concordance-total-caption"),
            head: vec![t.t("equity-wishes"), t.t("equity-wish-members"), t.t("equity-wish-met"), t.t("equity-share")],
            rows,
        },
    }];
    for must in &r.must_met_by {
        let d = must.dimension.as_str();
        let prefer = r.prefer_met_by.iter().find(|p| p.dimension == must.dimension).map_or(&[][..], |p| p.groups.as_slice());
        // Every group of either list, in the order they come.
        let mut keys: Vec<(&str, &str)> = must.groups.iter().map(|g| (g.key.as_str(), g.label.as_str())).collect();
        for g in prefer {
            if !keys.iter().any(|(k, _)| *k == g.key) {
                keys.push((g.key.as_str(), g.label.as_str()));
            }
        }
        let find = |list: &[LabelledRate], key: &str| list.iter().find(|g| g.key == key).map(|g| &g.rate).cloned();
        let mut rows = Vec::new();
        let mut groups = Vec::new();
        for (key, label) in keys {
            let label = key_label(t, key, label, "equity-none");
            let (m, p) = (find(&must.groups, key), find(prefer, key));
            let mut cells = rate_cells(t, m.as_ref()).to_vec();
            cells.extend(rate_cells(t, p.as_ref()));
            rows.push(Row { label: label.clone(), cells });
            let v = |r: Option<ShownRate>| r.map_or((Suppressed::Hidden, t.t("equity-no-wishes")), |r| value(t, r.percent));
            groups.push(Group { label, values: vec![v(m), v(p)] });
        }
        let by = t.t(&format!("equity-by-{d}"));
        let id = format!("concordance-by-{d}");
        let mut head = vec![t.t(&format!("equity-col-{d}"))];
        for h in ["equity-must-met", "equity-must-of", "equity-must-share", "equity-prefer-met", "equity-prefer-of", "equity-prefer-share"] {
            head.push(t.t(h));
        }
        panels.push(Panel {
            chart: Chart::new(
                t,
                &format!("{id}-chart"),
                t.t1("equity-concordance-chart-by", "by", by.clone()),
                &series(t, ["equity-must", "equity-prefer"]),
                &groups,
            ),
            table: Table { id, caption: t.t1("equity-concordance-by", "by", by), head, rows },
        });
    }
    panels
}

// --- Members with a peer against the workforce ---------------------------------------------

/// For each region, members with a peer and peers on one side of who they are.
pub fn workforce(t: &Tr, r: &EquityReport, side: ReportedDimension) -> Vec<Panel> {
    let d = side.as_str();
    let by = t.t(&format!("equity-by-{d}"));
    r.served_against_workforce
        .iter()
        .filter(|w| w.dimension == side)
        .enumerate()
        .map(|(i, w)| {
            let region = key_label(t, &w.region, &w.region, "equity-none-region");
            let label = |s: &LabelledShare| key_label(t, &s.share.key, &s.label, "equity-none");
            let mut rows: Vec<Row> = w
                .member_shares
                .iter()
                .zip(&w.peer_shares)
                .map(|(m, p)| Row {
                    label: label(m),
                    cells: vec![count(t, m.share.count), percent(t, m.share.percent), count(t, p.share.count), percent(t, p.share.percent)],
                })
                .collect();
            rows.push(Row { label: t.t("equity-total"), cells: vec![count(t, w.members), String::new(), count(t, w.peers), String::new()] });
            let groups: Vec<Group> = w
                .member_shares
                .iter()
                .zip(&w.peer_shares)
                .map(|(m, p)| Group { label: label(m), values: vec![value(t, m.share.percent), value(t, p.share.percent)] })
                .collect();
            let id = format!("workforce-{}", i + 1);
            let args = [("region", region.clone()), ("by", by.clone())];
            Panel {
                chart: Chart::new(
                    t,
                    &format!("{id}-chart"),
                    t.tn("equity-workforce-chart", &args),
                    &series(t, ["equity-members", "equity-peers"]),
                    &groups,
                ),
                table: Table {
                    id,
                    caption: t.tn("equity-workforce-caption", &args),
                    head: vec![
                        t.t(&format!("equity-col-{d}")),
                        t.t("equity-members"),
                        t.t("equity-members-percent"),
                        t.t("equity-peers"),
                        t.t("equity-peers-percent"),
                    ],
                    rows,
                },
            }
        })
        .collect()
}

// --- Appendix A ----------------------------------------------------------------------------

/// A row of Appendix A in words: category, number, percent as a number.
pub type AppendixRow = (String, String, String);

/// Each characteristic's rows as the page and the CSV show them: the
/// characteristic and its name, then its rows.
pub fn appendix_rows(t: &Tr, a: &AppendixA) -> Vec<(Characteristic, String, Vec<AppendixRow>)> {
    a.tables
        .iter()
        .map(|table| {
            let c = table.characteristic;
            let rows = table
                .rows
                .iter()
                .map(|r| {
                    let label = match c {
                        Characteristic::HowConnected => door_label(t, &r.share.key, &r.label),
                        Characteristic::Plan => key_label(t, &r.share.key, &r.label, "equity-none-plan"),
                        _ => key_label(t, &r.share.key, &r.label, "equity-none"),
                    };
                    (label, count(t, r.share.count), percent_number(t, r.share.percent))
                })
                .collect();
            (c, t.t(&format!("equity-col-{}", c.as_str())), rows)
        })
        .collect()
}

fn shares(a: &AppendixA, c: Characteristic) -> &[LabelledShare] {
    a.tables.iter().find(|x| x.characteristic == c).map_or(&[][..], |x| x.rows.as_slice())
}

/// One table and chart per characteristic of the cohort named `cohort`.
pub fn appendix(t: &Tr, a: &AppendixA, cohort: &str) -> Vec<Panel> {
    appendix_rows(t, a)
        .into_iter()
        .map(|(c, name, rows)| {
            let by = t.t(&format!("equity-by-{}", c.as_str()));
            let id = format!("appendix-{}", c.as_str());
            let groups: Vec<Group> = rows
                .iter()
                .zip(shares(a, c))
                .map(|((label, _, _), s)| Group { label: label.clone(), values: vec![value(t, s.share.percent)] })
                .collect();
            let args = [("cohort", cohort.to_string()), ("by", by)];
            Panel {
                chart: Chart::new(t, &format!("{id}-chart"), t.tn("equity-appendix-chart", &args), &one_series(t.t("equity-percent-col")), &groups),
                table: Table {
                    id,
                    caption: t.tn("equity-appendix-caption", &args),
                    head: vec![name, t.t("equity-number"), t.t("equity-percent-col")],
                    rows: rows
                        .into_iter()
                        .zip(shares(a, c))
                        .map(|((label, number, _), s)| Row { label, cells: vec![number, percent(t, s.share.percent)] })
                        .collect(),
                },
            }
        })
        .collect()
}
