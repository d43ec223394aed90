//! Tables and the bars drawn beside them. A chart is SVG laid out here and
//! written by `templates/page/bars.html`: no script, no style attribute
//! (the Content-Security-Policy forbids both), every bar named by its value
//! in words. A withheld value is never drawn; the chart's description says
//! how many were left out, and the table beside it has every number.

use accompany_domain::stats::Suppressed;

use crate::i18n::Tr;

/// The chart's width in its own units; it is scaled to the page by CSS.
const WIDTH: u32 = 480;
/// The longest bar, for 100 percent, leaving room for its value after it.
const BAR_MAX: f64 = 300.0;
const BAR_HEIGHT: u32 = 16;
/// From one bar to the next, and from a group's name to its first bar.
const LINE: u32 = 21;
/// Between groups.
const GAP: u32 = 9;
/// Between the legend's entries.
const LEGEND_STEP: u32 = 160;

/// A row of a table: the row's header, then its cells.
pub struct Row {
    pub label: String,
    pub cells: Vec<String>,
}

/// A table with a caption; the first column holds each row's header.
pub struct Table {
    pub id: String,
    pub caption: String,
    pub head: Vec<String>,
    pub rows: Vec<Row>,
}

/// A table and its chart, shown side by side on a wide screen.
pub struct Panel {
    pub table: Table,
    pub chart: Chart,
}

/// One series of a chart (members and peers, "must" and "prefer"): a CSS
/// class for its colour and its name, which every one of its bars says.
pub struct Series {
    pub class: &'static str,
    pub name: String,
}

/// A group of bars: its name, and a percent (0 to 100) and its words per series.
pub struct Group {
    pub label: String,
    pub values: Vec<(Suppressed<f64>, String)>,
}

pub struct Text {
    pub x: String,
    pub y: u32,
    pub text: String,
}

pub struct Bar {
    pub class: &'static str,
    pub y: u32,
    pub width: String,
    pub value: Text,
}

pub struct Key {
    pub class: &'static str,
    pub x: u32,
    pub y: u32,
    pub name: Text,
}

/// A bar chart, laid out: each group's name on its own line, then one bar
/// per series that is shown.
pub struct Chart {
    pub id: String,
    pub title: String,
    pub desc: String,
    pub width: u32,
    pub height: u32,
    pub bar_height: u32,
    pub legend: Vec<Key>,
    pub labels: Vec<Text>,
    pub bars: Vec<Bar>,
}

impl Chart {
    /// Lay out `groups` of percents; `id` names the chart's title and description.
    pub fn new(t: &Tr, id: &str, title: String, series: &[Series], groups: &[Group]) -> Chart {
        Self::lay_out(t, id, title, series, groups, 100.0, t.t("chart-scale"))
    }

    /// Lay out `groups` of counts (contacts a week, requests a month), the
    /// longest bar for the largest value shown.
    pub fn counts(t: &Tr, id: &str, title: String, series: &[Series], groups: &[Group]) -> Chart {
        let max = groups.iter().flat_map(|g| g.values.iter().filter_map(|(v, _)| v.shown().copied())).fold(0.0_f64, f64::max);
        let top = if max > 0.0 { max } else { 1.0 };
        Self::lay_out(t, id, title, series, groups, top, t.t1("chart-count-scale", "max", format!("{top}")))
    }

    fn lay_out(t: &Tr, id: &str, title: String, series: &[Series], groups: &[Group], full: f64, scale: String) -> Chart {
        let mut y = 0;
        let mut legend = Vec::new();
        if series.len() > 1 {
            for (i, s) in series.iter().enumerate() {
                let x = i as u32 * LEGEND_STEP;
                legend.push(Key { class: s.class, x, y: 3, name: Text { x: (x + 20).to_string(), y: 15, text: s.name.clone() } });
            }
            y = LINE + GAP;
        }
        let (mut labels, mut bars, mut withheld) = (Vec::new(), Vec::new(), 0usize);
        for g in groups {
            let shown: Vec<(&Series, f64, &str)> =
                series.iter().zip(&g.values).filter_map(|(s, (v, words))| v.shown().map(|p| (s, *p, words.as_str()))).collect();
            withheld += g.values.iter().filter(|(v, _)| v.is_hidden()).count();
            if shown.is_empty() {
                continue;
            }
            labels.push(Text { x: "0".into(), y: y + 14, text: g.label.clone() });
            y += LINE;
            for (s, p, words) in shown {
                let width = p.clamp(0.0, full) / full * BAR_MAX;
                let text = if series.len() > 1 { format!("{}: {words}", s.name) } else { words.to_string() };
                bars.push(Bar { class: s.class, y, width: format!("{width:.1}"), value: Text { x: format!("{:.1}", width + 6.0), y: y + 13, text } });
                y += LINE;
            }
            y += GAP;
        }
        let left_out = match withheld {
            0 => t.t("chart-withheld-none"),
            1 => t.t("chart-withheld-one"),
            n => t.t1("chart-withheld", "count", n),
        };
        let desc = if bars.is_empty() { format!("{} {left_out}", t.t("chart-empty")) } else { format!("{scale} {left_out}") };
        Chart { id: id.to_string(), title, desc, width: WIDTH, height: y.max(LINE), bar_height: BAR_HEIGHT, legend, labels, bars }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_withheld_value_is_not_drawn_and_the_description_counts_it() {
        let t = Tr::new("en");
        let series = [Series { class: "series-a", name: "Members".into() }, Series { class: "series-b", name: "Peers".into() }];
        let groups = [
            Group { label: "A".into(), values: vec![(Suppressed::Shown(50.0), "50.0%".into()), (Suppressed::Hidden, "withheld".into())] },
            Group { label: "B".into(), values: vec![(Suppressed::Hidden, "withheld".into()), (Suppressed::Hidden, "withheld".into())] },
            Group { label: "C".into(), values: vec![(Suppressed::Shown(100.0), "100.0%".into()), (Suppressed::Shown(0.0), "0.0%".into())] },
        ];
        let c = Chart::new(&t, "c", "Title".into(), &series, &groups);
        assert_eq!(c.bars.len(), 3, "only shown values are bars");
        assert_eq!(c.labels.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(), ["A", "C"], "a group with nothing shown is left out");
        assert_eq!(c.bars[0].width, "150.0");
        assert_eq!(c.bars[1].width, "300.0");
        assert_eq!(c.bars[0].value.text, "Members: 50.0%");
        assert!(c.desc.contains("3 values are withheld"), "{}", c.desc);
        assert_eq!(c.legend.len(), 2);
    }

    #[test]
    fn counts_are_drawn_against_the_largest_shown() {
        let t = Tr::new("en");
        let series = [Series { class: "series-a", name: "Contacts".into() }];
        let groups = [
            Group { label: "W1".into(), values: vec![(Suppressed::Shown(40.0), "40".into())] },
            Group { label: "W2".into(), values: vec![(Suppressed::Shown(10.0), "10".into())] },
            Group { label: "W3".into(), values: vec![(Suppressed::Hidden, "withheld".into())] },
        ];
        let c = Chart::counts(&t, "c", "Title".into(), &series, &groups);
        assert_eq!(c.bars.iter().map(|b| b.width.as_str()).collect::<Vec<_>>(), ["300.0", "75.0"]);
        assert!(c.desc.contains("the longest for 40") && c.desc.contains("1 value is withheld"), "{}", c.desc);
    }
}
