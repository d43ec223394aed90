//! The one small-cell rule for every number that leaves a member's care
//! team (CMS cell-suppression policy, DOMAIN.md): no shown count from 1 to
//! 10, and none that can be worked out from the cells, totals and rates
//! shown beside it.
//!
//! An aggregate is built as a [`Table`]: its counts, the sums that hold
//! between them (a total and its parts), then [`Table::suppress`] hides
//!
//! * every count from 1 to 10 (primary suppression; 0 is shown), and
//! * in every sum with exactly one hidden member, the next-smallest shown
//!   member, again and again until no sum has a lone hidden member
//!   (complementary suppression).
//!
//! Rates, percentages, medians and percentiles come from the suppressed
//! table through [`Suppressed`] too: hidden when their numerator or
//! denominator is hidden or is 1 to 10, when the difference between them is
//! 1 to 10, or when they are computed over fewer than 11 people.

use serde::Serialize;

/// Counts from 1 to this minus one are never shown.
pub const SMALL_CELL: u64 = 11;

/// A value as it may be shown: the value, or withheld under the rule.
/// Serializes as the value, or `null` when withheld.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Suppressed<T> {
    Shown(T),
    Hidden,
}

impl<T> Suppressed<T> {
    pub fn shown(&self) -> Option<&T> {
        match self {
            Suppressed::Shown(v) => Some(v),
            Suppressed::Hidden => None,
        }
    }
    pub fn is_hidden(&self) -> bool {
        matches!(self, Suppressed::Hidden)
    }
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Suppressed<U> {
        match self {
            Suppressed::Shown(v) => Suppressed::Shown(f(v)),
            Suppressed::Hidden => Suppressed::Hidden,
        }
    }
}

impl<T: ToString> Suppressed<T> {
    /// The value in words, or `hidden` ("fewer than 11") when withheld.
    pub fn text(&self, hidden: &str) -> String {
        match self {
            Suppressed::Shown(v) => v.to_string(),
            Suppressed::Hidden => hidden.to_string(),
        }
    }
}

/// Whether a count may be shown on its own: 0, or 11 and more.
pub fn small(n: u64) -> bool {
    (1..SMALL_CELL).contains(&n)
}

/// A count in a [`Table`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellId(usize);

/// Counts and the sums between them, before and after suppression.
#[derive(Debug, Clone, Default)]
pub struct Table {
    values: Vec<u64>,
    hidden: Vec<bool>,
    /// (parts, total): the parts add up to the total.
    sums: Vec<(Vec<CellId>, CellId)>,
    suppressed: bool,
}

impl Table {
    pub fn new() -> Table {
        Table::default()
    }

    /// Add a count.
    pub fn cell(&mut self, n: u64) -> CellId {
        self.values.push(n);
        self.hidden.push(false);
        CellId(self.values.len() - 1)
    }

    /// Say that `parts` add up to `total`, so that no lone hidden part (or
    /// total) can be recovered by subtraction. Only for parts that really
    /// partition the total: overlapping groups (a worker who speaks two
    /// languages) are not a sum.
    pub fn sum(&mut self, parts: &[CellId], total: CellId) {
        debug_assert_eq!(parts.iter().map(|p| self.values[p.0]).sum::<u64>(), self.values[total.0], "parts must add up to the total");
        self.sums.push((parts.to_vec(), total));
    }

    /// Apply the rule: primary, then complementary suppression until no
    /// sum has exactly one hidden member.
    pub fn suppress(mut self) -> Table {
        for (v, h) in self.values.iter().zip(self.hidden.iter_mut()) {
            *h = small(*v);
        }
        self.complement();
        self.suppressed = true;
        self
    }

    fn complement(&mut self) {
        loop {
            let mut changed = false;
            for (parts, total) in &self.sums {
                let members = parts.iter().chain(std::iter::once(total));
                if members.clone().filter(|c| self.hidden[c.0]).count() != 1 {
                    continue;
                }
                // Hide the smallest shown part, non-zero first (a zero hidden
                // beside one other hidden cell still gives the value away);
                // the total only when no part is left.
                let shown_parts = parts.iter().filter(|c| !self.hidden[c.0]);
                let pick = shown_parts
                    .clone()
                    .filter(|c| self.values[c.0] > 0)
                    .min_by_key(|c| (self.values[c.0], c.0))
                    .or_else(|| (!self.hidden[total.0]).then_some(total))
                    .or_else(|| shown_parts.min_by_key(|c| c.0));
                if let Some(c) = pick {
                    self.hidden[c.0] = true;
                    changed = true;
                }
            }
            if !changed {
                return;
            }
        }
    }

    /// A count as it may be shown.
    pub fn get(&self, c: CellId) -> Suppressed<u64> {
        assert!(self.suppressed, "suppress the table before reading it");
        if self.hidden[c.0] {
            Suppressed::Hidden
        } else {
            Suppressed::Shown(self.values[c.0])
        }
    }

    /// `numerator / denominator` through `f`, shown only when both counts
    /// are shown, neither is 1 to 10, their difference is not 1 to 10, and
    /// the denominator counts at least 11.
    pub fn rate<T>(&self, numerator: CellId, denominator: CellId, f: impl FnOnce(u64, u64) -> T) -> Suppressed<T> {
        match (self.get(numerator), self.get(denominator)) {
            (Suppressed::Shown(n), Suppressed::Shown(d)) => rate(n, d, f),
            _ => Suppressed::Hidden,
        }
    }
}

/// A rate of two counts that are not themselves cells of a shown table
/// (an average headcount): the same rule on the numbers alone.
pub fn rate<T>(numerator: u64, denominator: u64, f: impl FnOnce(u64, u64) -> T) -> Suppressed<T> {
    let difference = denominator.abs_diff(numerator);
    if small(numerator) || denominator < SMALL_CELL || small(difference) {
        Suppressed::Hidden
    } else {
        Suppressed::Shown(f(numerator, denominator))
    }
}

/// A median, percentile or average over `people`: shown only over 11 or more.
pub fn over_people<T>(people: u64, value: T) -> Suppressed<T> {
    if people < SMALL_CELL {
        Suppressed::Hidden
    } else {
        Suppressed::Shown(value)
    }
}

/// Tenths of a percent (per mille), rounded half up: 37 means 3.7 %.
pub fn per_mille(numerator: u64, denominator: u64) -> u64 {
    (numerator.saturating_mul(2000)).checked_div(denominator).map_or(0, |x| x.div_ceil(2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A table of `rows` with row totals, column totals and a grand total,
    /// every sum declared, and each cell's share of its row total.
    struct Grid {
        table: Table,
        cells: Vec<Vec<CellId>>,
        row_totals: Vec<CellId>,
    }

    fn grid(rows: &[Vec<u64>]) -> Grid {
        let mut table = Table::new();
        let cells: Vec<Vec<CellId>> = rows.iter().map(|r| r.iter().map(|v| table.cell(*v)).collect()).collect();
        let row_totals: Vec<CellId> = rows.iter().map(|r| table.cell(r.iter().sum())).collect();
        let width = rows[0].len();
        let column_totals: Vec<CellId> = (0..width).map(|j| table.cell(rows.iter().map(|r| r[j]).sum())).collect();
        let grand = table.cell(rows.iter().flatten().sum());
        for (i, r) in cells.iter().enumerate() {
            table.sum(r, row_totals[i]);
        }
        for j in 0..width {
            let column: Vec<CellId> = cells.iter().map(|r| r[j]).collect();
            table.sum(&column, column_totals[j]);
        }
        table.sum(&row_totals, grand);
        table.sum(&column_totals, grand);
        Grid { table, cells, row_totals }
    }

    /// What an attacker can pin down: interval bounds for every cell from
    /// the shown cells, every sum (subtraction, and the bounds the other
    /// members put on each), non-negativity, and each shown rate of a cell
    /// to its row total (in tenths of a percent). Tightened until nothing
    /// changes. Returns the bounds of each cell.
    fn attack(g: &Grid, shares: &[Vec<Suppressed<u64>>]) -> Vec<(u64, u64)> {
        let t = &g.table;
        let n = t.values.len();
        let big = t.values.iter().sum::<u64>().max(1) * 4;
        let mut bounds: Vec<(u64, u64)> = (0..n).map(|i| if t.hidden[i] { (0, big) } else { (t.values[i], t.values[i]) }).collect();
        loop {
            let before = bounds.clone();
            for (parts, total) in &t.sums {
                let lo_parts: u64 = parts.iter().map(|p| bounds[p.0].0).sum();
                let hi_parts: u64 = parts.iter().map(|p| bounds[p.0].1).sum();
                let (tl, th) = bounds[total.0];
                bounds[total.0] = (tl.max(lo_parts), th.min(hi_parts));
                let (tl, th) = bounds[total.0];
                for p in parts {
                    let others_lo = lo_parts - bounds[p.0].0;
                    let others_hi = hi_parts - bounds[p.0].1;
                    let (pl, ph) = bounds[p.0];
                    bounds[p.0] = (pl.max(tl.saturating_sub(others_hi)), ph.min(th.saturating_sub(others_lo)));
                }
            }
            // A shown share p (per mille) of a row total T: the cell lies
            // where per_mille(cell, T) == p for some T in the total's bounds.
            for (i, row) in g.cells.iter().enumerate() {
                for (j, c) in row.iter().enumerate() {
                    if let Suppressed::Shown(p) = shares[i][j] {
                        let (tl, th) = bounds[g.row_totals[i].0];
                        let (cl, ch) = bounds[c.0];
                        let fits: Vec<u64> =
                            (tl..=th.min(tl + 200)).flat_map(|total| (cl..=ch.min(cl + 400)).filter(move |v| per_mille(*v, total) == p)).collect();
                        if let (Some(lo), Some(hi)) = (fits.iter().min(), fits.iter().max()) {
                            if th - tl <= 200 && ch - cl <= 400 {
                                bounds[c.0] = (*lo, *hi);
                            }
                        }
                    }
                }
            }
            if bounds == before {
                return bounds;
            }
        }
    }

    fn shares(g: &Grid) -> Vec<Vec<Suppressed<u64>>> {
        g.cells.iter().enumerate().map(|(i, row)| row.iter().map(|c| g.table.rate(*c, g.row_totals[i], per_mille)).collect()).collect()
    }

    fn table_values() -> impl Strategy<Value = Vec<Vec<u64>>> {
        // Small and large counts, zeros included, in tables of 1-4 rows and 2-4 columns.
        let value = prop_oneof![3 => 0u64..=10, 1 => Just(0u64), 3 => 11u64..=60, 1 => 61u64..=500];
        (1usize..=4, 2usize..=4).prop_flat_map(move |(r, c)| prop::collection::vec(prop::collection::vec(value.clone(), c), r))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// No hidden cell can be pinned to a value from 1 to 10 by
        /// subtraction from totals or by the bounds the shown cells, totals
        /// and rates put on it; and nothing shown is 1 to 10.
        #[test]
        fn no_hidden_small_cell_can_be_recovered(rows in table_values()) {
            let mut g = grid(&rows);
            g.table = g.table.suppress();
            let shares = shares(&g);
            let bounds = attack(&g, &shares);
            for (i, (lo, hi)) in bounds.iter().enumerate() {
                let v = g.table.values[i];
                prop_assert!(*lo <= v && v <= *hi, "the attack is sound: cell {i} = {v} within {lo}..={hi}");
                if g.table.hidden[i] {
                    prop_assert!(!(lo == hi && small(*lo)), "cell {i} = {v} is pinned by the shown cells: {rows:?}");
                } else {
                    prop_assert!(!small(v), "a shown cell is {v}");
                }
            }
            for row in &shares {
                for s in row {
                    if let Suppressed::Shown(p) = s {
                        prop_assert!(*p <= 1000);
                    }
                }
            }
        }
    }

    #[test]
    fn without_complementary_suppression_a_lone_hidden_cell_falls_to_subtraction() {
        // 7 + 30 + 40 = 77: hiding only the 7 leaves it one subtraction away.
        let rows = vec![vec![7, 30, 40], vec![20, 25, 12]];
        let mut g = grid(&rows);
        let mut primary_only = g.table.clone();
        for (v, h) in primary_only.values.iter().zip(primary_only.hidden.iter_mut()) {
            *h = small(*v);
        }
        primary_only.suppressed = true;
        let leaky = Grid { table: primary_only, cells: g.cells.clone(), row_totals: g.row_totals.clone() };
        let bounds = attack(&leaky, &shares(&leaky));
        assert_eq!(bounds[leaky.cells[0][0].0], (7, 7), "primary suppression alone gives the 7 away");

        g.table = g.table.suppress();
        let bounds = attack(&g, &shares(&g));
        let (lo, hi) = bounds[g.cells[0][0].0];
        assert!(lo < hi, "with complementary suppression the 7 is not pinned: {lo}..={hi}");
        assert_eq!(g.table.get(g.cells[0][0]), Suppressed::Hidden);
        assert_eq!(g.table.get(g.cells[0][2]), Suppressed::Shown(40), "the largest cells stay");
    }

    #[test]
    fn rates_hide_with_small_numerators_denominators_and_differences() {
        let pct = |n, d| per_mille(n, d);
        assert_eq!(rate(3, 54, pct), Suppressed::Hidden, "a numerator of 3");
        assert_eq!(rate(50, 54, pct), Suppressed::Hidden, "54 - 50 = 4 would give the 4 away");
        assert_eq!(rate(0, 9, pct), Suppressed::Hidden, "over fewer than 11");
        assert_eq!(rate(0, 54, pct), Suppressed::Shown(0));
        assert_eq!(rate(20, 54, pct), Suppressed::Shown(370));
        assert_eq!(over_people(10, 4.5), Suppressed::Hidden);
        assert_eq!(over_people(11, 4.5), Suppressed::Shown(4.5));
        assert_eq!(serde_json::to_value(Suppressed::<u64>::Hidden).unwrap(), serde_json::Value::Null);
        assert_eq!(serde_json::to_value(Suppressed::Shown(12u64)).unwrap(), serde_json::json!(12));
        assert_eq!(Suppressed::<u64>::Hidden.text("fewer than 11"), "fewer than 11");
    }
}
