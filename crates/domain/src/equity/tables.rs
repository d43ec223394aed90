//! The tables of equity reports as they may leave a care team: shares of
//! a cohort by characteristic and waits for a peer, each count in one
//! [`Table`] with the sums between them, so that no hidden cell can be
//! worked out from a total and the other groups.

use serde::Serialize;

use crate::measures::report::{percent, ShownRate};
use crate::measures::Rate;
use crate::stats::{over_people, CellId, Suppressed, Table};

/// A row group of 003's Appendix A.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Characteristic {
    AgeBand,
    Gender,
    Race,
    Ethnicity,
    SexualOrientation,
    Plan,
    /// The door of the member's first request for a peer.
    HowConnected,
}

impl Characteristic {
    pub const ALL: [Characteristic; 7] =
        [Self::AgeBand, Self::Gender, Self::Race, Self::Ethnicity, Self::SexualOrientation, Self::Plan, Self::HowConnected];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AgeBand => "age-band",
            Self::Gender => "gender",
            Self::Race => "race",
            Self::Ethnicity => "ethnicity",
            Self::SexualOrientation => "sexual-orientation",
            Self::Plan => "plan",
            Self::HowConnected => "how-connected",
        }
    }
}

/// What concordance is broken down by: the member's own side.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EquityDimension {
    Race,
    Ethnicity,
    Language,
    Gender,
}

impl EquityDimension {
    pub const ALL: [EquityDimension; 4] = [Self::Race, Self::Ethnicity, Self::Language, Self::Gender];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Race => "race",
            Self::Ethnicity => "ethnicity",
            Self::Language => "language",
            Self::Gender => "gender",
        }
    }
}

/// One category's count and its share of the cohort, as they may be shown.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShownShare {
    pub key: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub count: Suppressed<u64>,
    /// Per cent of the cohort, one decimal.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<f64>))]
    pub percent: Suppressed<f64>,
}

/// Counts of a cohort by category, each list adding up to `total`, after
/// suppression. Lists that do not add up are a caller's bug: they panic in
/// debug builds and are suppressed as given otherwise.
pub fn suppress_distributions<C: Copy>(total: u64, lists: &[(C, Vec<(String, u64)>)]) -> (Suppressed<u64>, Vec<(C, Vec<ShownShare>)>) {
    let mut t = Table::new();
    let whole = t.cell(total);
    let mut ids = Vec::new();
    for (c, rows) in lists {
        let cells: Vec<CellId> = rows.iter().map(|(_, n)| t.cell(*n)).collect();
        t.sum(&cells, whole);
        ids.push((*c, rows.iter().map(|(k, _)| k.clone()).zip(cells).collect::<Vec<_>>()));
    }
    let t = t.suppress();
    let shown = ids
        .into_iter()
        .map(|(c, rows)| (c, rows.into_iter().map(|(key, id)| ShownShare { key, count: t.get(id), percent: t.rate(id, whole, percent) }).collect()))
        .collect();
    (t.get(whole), shown)
}

/// Waits of one group: how many started waiting, the days each finished
/// wait took (a histogram), and for each prompt window the waits old
/// enough to be judged (denominator) and those over within it (numerator).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WaitCounts {
    pub started: u64,
    /// (days, how many waits took that long), any order.
    pub finished_days: Vec<(i64, u64)>,
    pub within: Vec<Rate>,
}

impl WaitCounts {
    pub fn finished(&self) -> u64 {
        self.finished_days.iter().map(|(_, n)| n).sum()
    }

    /// Add another group's waits (the windows must be the same).
    pub fn add(&mut self, other: &WaitCounts) {
        self.started += other.started;
        self.finished_days.extend_from_slice(&other.finished_days);
        if self.within.is_empty() {
            self.within = vec![Rate::default(); other.within.len()];
        }
        for (a, b) in self.within.iter_mut().zip(&other.within) {
            a.numerator += b.numerator;
            a.denominator += b.denominator;
        }
    }
}

/// A dimension's groups and their waits as they may be shown.
pub type WaitGroups<D> = (D, Vec<(String, ShownWait)>);

/// Waits as they may be shown.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShownWait {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub started: Suppressed<u64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub finished: Suppressed<u64>,
    /// Days, over finished waits; hidden under 11 of them.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub median_days: Suppressed<i64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub p90_days: Suppressed<i64>,
    /// Share over within each prompt window, in the windows' order.
    pub within: Vec<ShownRate>,
}

/// The `q` quantile (0 to 1) of a histogram by nearest rank: the least
/// value with at least `ceil(q * n)` values at or below it.
pub fn quantile(histogram: &[(i64, u64)], q: f64) -> Option<i64> {
    let n: u64 = histogram.iter().map(|(_, c)| c).sum();
    if n == 0 {
        return None;
    }
    let mut sorted = histogram.to_vec();
    sorted.sort_unstable();
    let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
    let mut seen = 0;
    sorted
        .into_iter()
        .find(|(_, c)| {
            seen += c;
            seen >= rank
        })
        .map(|(v, _)| v)
}

/// The total's waits and each group's, through the rule: started and
/// finished counts and each window's counts are cells, the groups of each
/// dimension add up to the total (give groups without a value a key of
/// their own), and a median or percentile is shown only over 11 or more
/// finished waits whose count is shown.
pub fn wait_figures<D: Copy>(total: &WaitCounts, dimensions: &[(D, Vec<(String, WaitCounts)>)]) -> (ShownWait, Vec<WaitGroups<D>>) {
    struct Cells {
        started: CellId,
        finished: CellId,
        open: CellId,
        windows: Vec<(CellId, CellId, CellId)>,
    }
    let mut t = Table::new();
    let add = |t: &mut Table, w: &WaitCounts| {
        let (started, finished) = (w.started, w.finished());
        let c = Cells {
            started: t.cell(started),
            finished: t.cell(finished),
            open: t.cell(started.saturating_sub(finished)),
            windows: w
                .within
                .iter()
                .map(|r| {
                    let ids = (t.cell(r.numerator), t.cell(r.denominator - r.numerator), t.cell(r.denominator));
                    t.sum(&[ids.0, ids.1], ids.2);
                    ids
                })
                .collect(),
        };
        if started >= finished {
            t.sum(&[c.finished, c.open], c.started);
        }
        c
    };
    let whole = add(&mut t, total);
    let mut groups = Vec::new();
    for (d, rows) in dimensions {
        let cells: Vec<Cells> = rows.iter().map(|(_, w)| add(&mut t, w)).collect();
        let parts = |f: &dyn Fn(&Cells) -> CellId| cells.iter().map(f).collect::<Vec<_>>();
        t.sum(&parts(&|c| c.started), whole.started);
        t.sum(&parts(&|c| c.finished), whole.finished);
        t.sum(&parts(&|c| c.open), whole.open);
        for (i, w) in whole.windows.iter().enumerate() {
            t.sum(&parts(&|c| c.windows[i].0), w.0);
            t.sum(&parts(&|c| c.windows[i].1), w.1);
            t.sum(&parts(&|c| c.windows[i].2), w.2);
        }
        groups.push((*d, rows.iter().map(|(k, w)| (k.clone(), w)).zip(cells).collect::<Vec<_>>()));
    }
    let t = t.suppress();
    let shown = |w: &WaitCounts, c: &Cells| {
        let finished = t.get(c.finished);
        let over = |q: f64| match (finished, quantile(&w.finished_days, q)) {
            (Suppressed::Shown(n), Some(v)) => over_people(n, v),
            _ => Suppressed::Hidden,
        };
        ShownWait {
            started: t.get(c.started),
            finished,
            median_days: over(0.5),
            p90_days: over(0.9),
            within: c
                .windows
                .iter()
                .map(|(n, _, d)| ShownRate { numerator: t.get(*n), denominator: t.get(*d), percent: t.rate(*n, *d, percent) })
                .collect(),
        }
    };
    let total_shown = shown(total, &whole);
    let groups = groups.into_iter().map(|(d, rows)| (d, rows.into_iter().map(|((k, w), c)| (k, shown(w, &c))).collect())).collect();
    (total_shown, groups)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::small;

    #[test]
    fn quantiles_by_nearest_rank() {
        let h = [(3, 1), (1, 1), (2, 1), (10, 1)];
        assert_eq!(quantile(&h, 0.5), Some(2));
        assert_eq!(quantile(&h, 0.9), Some(10));
        assert_eq!(quantile(&[(5, 20)], 0.9), Some(5));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn a_small_category_is_hidden_and_cannot_be_worked_out_from_the_others() {
        let (total, lists) = suppress_distributions(100, &[(Characteristic::Race, vec![("a".into(), 4), ("b".into(), 46), ("c".into(), 50)])]);
        assert_eq!(total, Suppressed::Shown(100));
        let rows = &lists[0].1;
        assert!(rows[0].count.is_hidden() && rows[0].percent.is_hidden());
        assert!(rows[1].count.is_hidden(), "100 - 46 - 50 would give the 4 away: {rows:?}");
        assert_eq!(rows[2].percent, Suppressed::Shown(50.0));
    }

    #[test]
    fn no_shown_count_from_1_to_10_in_any_split_of_a_cohort() {
        for seed in [7u64, 1234] {
            let mut x = seed;
            let mut next = || {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (x >> 33) % 14
            };
            for _ in 0..500 {
                let a: Vec<u64> = (0..4).map(|_| next()).collect();
                let b: Vec<u64> = (0..3).map(|_| next()).collect();
                let total: u64 = a.iter().sum();
                let mut b2 = b.clone();
                let rest = total.saturating_sub(b.iter().sum());
                b2.push(rest);
                if b2.iter().sum::<u64>() != total {
                    continue;
                }
                let keyed = |v: &[u64]| v.iter().enumerate().map(|(i, n)| (i.to_string(), *n)).collect::<Vec<_>>();
                let (t, lists) = suppress_distributions(total, &[(Characteristic::Race, keyed(&a)), (Characteristic::Gender, keyed(&b2))]);
                let mut shown: Vec<u64> = t.shown().copied().into_iter().collect();
                shown.extend(lists.iter().flat_map(|(_, r)| r.iter().filter_map(|s| s.count.shown().copied())));
                assert!(shown.iter().all(|n| !small(*n)), "{a:?} {b2:?}: {shown:?}");
            }
        }
    }

    fn waits(started: u64, days: &[(i64, u64)], within: &[(u64, u64)]) -> WaitCounts {
        WaitCounts { started, finished_days: days.to_vec(), within: within.iter().map(|(n, d)| Rate { numerator: *n, denominator: *d }).collect() }
    }

    #[test]
    fn a_median_over_few_waits_is_hidden_and_the_groups_protect_each_other() {
        let a = waits(50, &[(3, 20), (20, 15)], &[(20, 38)]);
        let b = waits(5, &[(9, 4)], &[(4, 5)]);
        let mut total = a.clone();
        total.add(&b);
        let (t, groups) = wait_figures(&total, &[("plan", vec![("a".to_string(), a), ("b".to_string(), b)])]);
        assert_eq!(t.median_days, Suppressed::Shown(3));
        assert_eq!(t.p90_days, Suppressed::Shown(20));
        assert_eq!(t.started, Suppressed::Shown(55));
        let rows = &groups[0].1;
        assert!(rows[1].1.median_days.is_hidden() && rows[1].1.started.is_hidden());
        assert!(rows[0].1.started.is_hidden(), "55 - 50 would give b's 5 away");
        assert_eq!(t.within[0].percent, Suppressed::Shown(55.8));
    }
}
