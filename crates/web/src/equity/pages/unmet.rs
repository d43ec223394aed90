//! Unmet demand beside network adequacy: the last batch's unmatched report
//! for the reader's scope, by the member's first language and by the
//! constraint that left them without a peer. Withheld counts are said in
//! words and not drawn.

use accompany_domain::equity::ShownCount;
use accompany_store::unmet::UnmetDemand;

use super::sections::{count, count_bar, withheld};
use crate::i18n::Tr;
use crate::page::charts::{Chart, Group, Panel, Row, Series, Table};
use crate::page::language_name;
use crate::AppState;

pub struct UnmetSection {
    /// Where the figures come from, or why there are none.
    pub about: String,
    pub panels: Vec<Panel>,
}

pub fn section(state: &AppState, t: &Tr, unmet: Option<&UnmetDemand>) -> UnmetSection {
    let Some(u) = unmet else {
        return UnmetSection { about: t.t("unmet-none"), panels: vec![] };
    };
    let day = u.run_at.get(..10).unwrap_or(&u.run_at).to_string();
    let about = t.tn(
        if u.applied { "unmet-about-applied" } else { "unmet-about-dry-run" },
        &[("day", day), ("unmatched", count(t, u.shown.unmatched)), ("waiting", count(t, u.shown.waiting))],
    );
    let panels = vec![
        panel(t, "language", &u.shown.by_language, |k| language_name(state, t, k)),
        panel(t, "reason", &u.shown.by_reason, |k| crate::matching::gap_reason(state, t, k)),
    ];
    UnmetSection { about, panels }
}

fn panel(t: &Tr, part: &str, rows: &[ShownCount], label: impl Fn(&str) -> String) -> Panel {
    let id = format!("unmet-{part}");
    let groups: Vec<Group> = rows.iter().map(|r| Group { label: label(&r.key), values: vec![count_bar(t, r.count)] }).collect();
    let series = [Series { class: "series-a", name: t.t("unmet-series") }];
    Panel {
        chart: Chart::counts(t, &format!("{id}-chart"), t.t(&format!("unmet-{part}-chart")), &series, &groups),
        table: Table {
            id,
            caption: t.t(&format!("unmet-{part}-caption")),
            head: vec![t.t(&format!("unmet-{part}-column")), t.t("unmet-series")],
            rows: rows.iter().map(|r| Row { label: label(&r.key), cells: vec![r.count.text(&withheld(t))] }).collect(),
        },
    }
}
