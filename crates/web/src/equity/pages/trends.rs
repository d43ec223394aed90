//! The trends section: one table of months (requests, first peers, shares
//! filled within each prompt window, median days) with the shares drawn
//! beside it, and the counts drawn below. Withheld values are said in the
//! page's words and never drawn.

use accompany_domain::trends::{Month, MonthTrend};
use accompany_store::trends::EquityTrends;

use crate::i18n::Tr;
use crate::page::charts::{Chart, Group, Panel, Row, Series, Table};

use super::sections::{count, count_bar, days, percent};

/// The section as the template shows it.
pub struct TrendSection {
    pub panel: Panel,
    pub counts: Chart,
}

/// A month in the reader's language: "November 2026", "noviembre de 2026".
/// A key that is not a month is shown as it is.
pub fn month_name(t: &Tr, key: &str) -> String {
    match Month::parse(key) {
        // The year as text, so that no language groups its digits.
        Some(m) => t.tn("trends-month-year", &[("month", t.t(&format!("trends-month-{}", m.month))), ("year", format!("{:04}", m.year))]),
        None => key.to_string(),
    }
}

/// Series classes the stylesheet colours, in turn.
const CLASSES: [&str; 2] = ["series-a", "series-b"];

fn row(t: &Tr, label: String, m: &MonthTrend) -> Row {
    let mut cells = vec![count(t, m.requests), count(t, m.first_peers)];
    cells.extend(m.within.iter().map(|r| percent(t, r.percent)));
    cells.push(days(t, m.median_days));
    Row { label, cells }
}

pub fn section(t: &Tr, r: &EquityTrends) -> TrendSection {
    let names: Vec<String> = r.months.iter().map(|m| month_name(t, &m.month)).collect();
    let mut head = vec![t.t("trends-col-month"), t.t("trends-col-requests"), t.t("trends-col-first-peers")];
    head.extend(r.prompt_days.iter().map(|d| t.t1("trends-col-within", "days", d)));
    head.push(t.t("trends-col-median"));
    let mut rows: Vec<Row> = r.months.iter().zip(&names).map(|(m, name)| row(t, name.clone(), m)).collect();
    rows.push(row(t, t.t1("trends-all-months", "count", r.months.len()), &r.all_months));

    let within_series: Vec<Series> = r
        .prompt_days
        .iter()
        .enumerate()
        .map(|(i, d)| Series { class: CLASSES[i % CLASSES.len()], name: t.t1("trends-col-within", "days", d) })
        .collect();
    let shares: Vec<Group> = r
        .months
        .iter()
        .zip(&names)
        .map(|(m, name)| Group { label: name.clone(), values: m.within.iter().map(|w| (w.percent, percent(t, w.percent))).collect() })
        .collect();
    let windows = r.prompt_days.iter().map(u32::to_string).collect::<Vec<_>>().join(&t.t("equity-and"));
    let counts_series =
        [Series { class: CLASSES[0], name: t.t("trends-col-requests") }, Series { class: CLASSES[1], name: t.t("trends-col-first-peers") }];
    let counted: Vec<Group> = r
        .months
        .iter()
        .zip(&names)
        .map(|(m, name)| Group { label: name.clone(), values: vec![count_bar(t, m.requests), count_bar(t, m.first_peers)] })
        .collect();
    TrendSection {
        panel: Panel {
            table: Table { id: "trends".into(), caption: t.t("trends-caption"), head, rows },
            chart: Chart::new(t, "trends-chart", t.t1("trends-chart-within", "days", windows), &within_series, &shares),
        },
        counts: Chart::counts(t, "trends-counts-chart", t.t("trends-chart-counts"), &counts_series, &counted),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_named_in_the_readers_language() {
        assert_eq!(month_name(&Tr::new("en"), "2026-11"), "November 2026");
        assert_eq!(month_name(&Tr::new("es"), "2026-11"), "noviembre de 2026");
        assert_eq!(month_name(&Tr::new("es"), "2027-01"), "enero de 2027");
        assert_eq!(month_name(&Tr::new("en"), "all"), "all");
    }
}
