//! Unmet demand: the last batch's unmatched report, counted by the member's
//! first language and by the constraint that left them without a peer, as
//! it may leave the program's own staff (the small-cell rule, with each
//! breakdown summing to the one total).

use serde::Serialize;

use crate::matching::GapSummary;
use crate::stats::{Suppressed, Table};

/// One row of a breakdown: its key (a language code, a reason code) and count.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownCount {
    pub key: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub count: Suppressed<u64>,
}

/// The unmatched report as it may be shown.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownUnmet {
    /// Members on the waiting list the batch was run on.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub waiting: Suppressed<u64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub unmatched: Suppressed<u64>,
    /// Largest first.
    pub by_language: Vec<ShownCount>,
    /// Largest first.
    pub by_reason: Vec<ShownCount>,
}

/// Apply the small-cell rule to a batch's unmatched report. Both breakdowns
/// add up to the unmatched total, and matched plus unmatched to the waiting
/// list, so a hidden count is never the difference of shown ones.
pub fn suppress_unmet(waiting: u64, gap: &GapSummary) -> ShownUnmet {
    let unmatched_count: u64 = gap.by_reason.values().map(|n| *n as u64).sum();
    let mut t = Table::new();
    let all = t.cell(waiting);
    let matched = t.cell(waiting.saturating_sub(unmatched_count));
    let unmatched = t.cell(unmatched_count);
    t.sum(&[matched, unmatched], all);
    let mut breakdown = |map: &std::collections::BTreeMap<String, usize>| {
        let cells: Vec<(String, _)> = map.iter().map(|(k, n)| (k.clone(), t.cell(*n as u64))).collect();
        let parts: Vec<_> = cells.iter().map(|(_, c)| *c).collect();
        if map.values().map(|n| *n as u64).sum::<u64>() == unmatched_count {
            t.sum(&parts, unmatched);
        }
        cells
    };
    let languages = breakdown(&gap.by_language);
    let reasons = breakdown(&gap.by_reason);
    let t = t.suppress();
    let shown = |cells: Vec<(String, _)>| {
        let mut rows: Vec<ShownCount> = cells.into_iter().map(|(key, c)| ShownCount { key, count: t.get(c) }).collect();
        // Largest first; withheld rows last, in key order, so their place says nothing.
        rows.sort_by(|a, b| b.count.shown().cmp(&a.count.shown()).then_with(|| a.key.cmp(&b.key)));
        rows
    };
    ShownUnmet { waiting: t.get(all), unmatched: t.get(unmatched), by_language: shown(languages), by_reason: shown(reasons) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gap(languages: &[(&str, usize)], reasons: &[(&str, usize)]) -> GapSummary {
        GapSummary {
            by_language: languages.iter().map(|(k, n)| (k.to_string(), *n)).collect(),
            by_reason: reasons.iter().map(|(k, n)| (k.to_string(), *n)).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn a_small_language_is_hidden_with_a_second_so_that_neither_is_the_difference() {
        let s = suppress_unmet(500, &gap(&[("en", 60), ("es", 30), ("pt", 4)], &[("capacity-taken-by-others", 94)]));
        assert_eq!(s.unmatched, Suppressed::Shown(94));
        assert_eq!(s.waiting, Suppressed::Shown(500));
        let by: Vec<(&str, Suppressed<u64>)> = s.by_language.iter().map(|r| (r.key.as_str(), r.count)).collect();
        assert_eq!(by, [("en", Suppressed::Shown(60)), ("es", Suppressed::Hidden), ("pt", Suppressed::Hidden)]);
    }

    #[test]
    fn a_small_total_is_hidden_in_every_breakdown() {
        let s = suppress_unmet(300, &gap(&[("en", 7)], &[("must:gender", 7)]));
        assert_eq!((s.unmatched, s.waiting), (Suppressed::Hidden, Suppressed::Shown(300)), "the matched 293 are hidden, not shown");
        assert!(s.by_reason.iter().all(|r| r.count.is_hidden()));
        let none = suppress_unmet(300, &gap(&[], &[]));
        assert_eq!((none.unmatched, none.waiting), (Suppressed::Shown(0), Suppressed::Shown(300)));
    }

    #[test]
    fn few_matched_hide_the_unmatched_total_that_would_give_them_away() {
        let s = suppress_unmet(300, &gap(&[("en", 295)], &[("capacity-taken-by-others", 295)]));
        assert!(s.unmatched.is_hidden() || s.waiting.is_hidden(), "300 - 295 = 5 matched must not be derivable: {s:?}");
    }
}
