//! A measures report as it may leave a care team: every count and rate
//! through the one small-cell rule ([`crate::stats`]), the total and each
//! breakdown in one table so that no hidden cell can be worked out from a
//! total and the other groups.

use serde::Serialize;

use super::{DiffInDiff, Estimate, Rate, WindowCounts};
use crate::stats::{small, CellId, Suppressed, Table, SMALL_CELL};

/// What a report is broken down by.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Dimension {
    /// The member's peer.
    Peer,
    /// The peer's employer.
    Organization,
    /// The member's health plan.
    Plan,
    /// The region of the member's town.
    Region,
}

impl Dimension {
    pub const ALL: [Dimension; 4] = [Dimension::Peer, Dimension::Organization, Dimension::Plan, Dimension::Region];

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Peer => "peer",
            Dimension::Organization => "organization",
            Dimension::Plan => "plan",
            Dimension::Region => "region",
        }
    }
}

/// The key of the group of cases with no value for a dimension (members
/// without a peer, without a plan, in no known town), so the groups of a
/// dimension always add up to the total.
pub const NONE: &str = "none";

/// A numerator over a denominator as it may be shown; the rate in percent.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ShownRate {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub numerator: Suppressed<u64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub denominator: Suppressed<u64>,
    /// Per cent, one decimal.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<f64>))]
    pub percent: Suppressed<f64>,
}

/// One group of a breakdown.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRate {
    pub key: String,
    #[serde(flatten)]
    pub rate: ShownRate,
}

/// A measure's rate broken down by one dimension.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breakdown {
    pub dimension: Dimension,
    pub groups: Vec<GroupRate>,
}

pub(crate) fn percent(n: u64, d: u64) -> f64 {
    (n as f64 * 1000.0 / d as f64).round() / 10.0
}

/// `total` and its breakdowns after suppression. Each dimension's groups
/// must add up to the total (use [`NONE`] for cases with no value).
pub fn suppress_rates(total: Rate, dimensions: &[(Dimension, Vec<(String, Rate)>)]) -> (ShownRate, Vec<Breakdown>) {
    let (total, groups) = suppress_rate_groups(total, dimensions);
    (total, groups.into_iter().map(|(dimension, groups)| Breakdown { dimension, groups }).collect())
}

/// [`suppress_rates`] for breakdowns by any kind of dimension.
pub fn suppress_rate_groups<D: Copy>(total: Rate, dimensions: &[(D, Vec<(String, Rate)>)]) -> (ShownRate, Vec<(D, Vec<GroupRate>)>) {
    let mut t = Table::new();
    // A rate is three counts: met, not met and all; all is the sum of the two.
    let cells = |t: &mut Table, r: Rate| {
        let (n, missed, d) = (t.cell(r.numerator), t.cell(r.denominator - r.numerator), t.cell(r.denominator));
        t.sum(&[n, missed], d);
        (n, missed, d)
    };
    let whole = cells(&mut t, total);
    let mut groups = Vec::new();
    for (dimension, rows) in dimensions {
        let ids: Vec<_> = rows.iter().map(|(_, r)| cells(&mut t, *r)).collect();
        t.sum(&ids.iter().map(|c| c.0).collect::<Vec<_>>(), whole.0);
        t.sum(&ids.iter().map(|c| c.1).collect::<Vec<_>>(), whole.1);
        t.sum(&ids.iter().map(|c| c.2).collect::<Vec<_>>(), whole.2);
        groups.push((*dimension, rows.iter().map(|(k, _)| k.clone()).zip(ids).collect::<Vec<_>>()));
    }
    let t = t.suppress();
    let shown = |(n, _, d): (CellId, CellId, CellId)| ShownRate { numerator: t.get(n), denominator: t.get(d), percent: t.rate(n, d, percent) };
    let breakdowns = groups
        .into_iter()
        .map(|(dimension, rows)| (dimension, rows.into_iter().map(|(key, ids)| GroupRate { key, rate: shown(ids) }).collect()))
        .collect();
    (shown(whole), breakdowns)
}

/// Acute care in a window as it may be shown.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ShownCounts {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub ed_visits: Suppressed<u64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub admissions: Suppressed<u64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub inpatient_days: Suppressed<u64>,
}

/// One group's acute care as it may be shown.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ShownGroup {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub members: Suppressed<u64>,
    pub before: ShownCounts,
    pub after: ShownCounts,
}

/// The difference-in-differences as it may be shown: an estimate is hidden
/// when any of the four counts it is made of is (it would give them away).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ShownDiffInDiff {
    pub peer: ShownGroup,
    pub comparison: ShownGroup,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub ed_visits: Suppressed<Estimate>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub admissions: Suppressed<Estimate>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub inpatient_days: Suppressed<Estimate>,
}

fn count(n: u64) -> Suppressed<u64> {
    if small(n) {
        Suppressed::Hidden
    } else {
        Suppressed::Shown(n)
    }
}

fn shown_counts(c: WindowCounts) -> ShownCounts {
    ShownCounts { ed_visits: count(c.ed_visits), admissions: count(c.admissions), inpatient_days: count(c.inpatient_days) }
}

/// The estimate's counts through the rule; every group under 11 members hides it all.
pub fn suppress_did(d: &DiffInDiff) -> ShownDiffInDiff {
    let enough = d.peer.members >= SMALL_CELL && d.comparison.members >= SMALL_CELL;
    let hidden = ShownCounts { ed_visits: Suppressed::Hidden, admissions: Suppressed::Hidden, inpatient_days: Suppressed::Hidden };
    let group = |g: &super::GroupUtilization| ShownGroup {
        members: count(g.members),
        before: if enough { shown_counts(g.before) } else { hidden },
        after: if enough { shown_counts(g.after) } else { hidden },
    };
    let estimate = |e: Estimate, pick: fn(&WindowCounts) -> u64| {
        let parts = [pick(&d.peer.before), pick(&d.peer.after), pick(&d.comparison.before), pick(&d.comparison.after)];
        if enough && parts.iter().all(|n| !small(*n)) {
            Suppressed::Shown(e)
        } else {
            Suppressed::Hidden
        }
    };
    ShownDiffInDiff {
        peer: group(&d.peer),
        comparison: group(&d.comparison),
        ed_visits: estimate(d.ed_visits, |c| c.ed_visits),
        admissions: estimate(d.admissions, |c| c.admissions),
        inpatient_days: estimate(d.inpatient_days, |c| c.inpatient_days),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(numerator: u64, denominator: u64) -> Rate {
        Rate { numerator, denominator }
    }

    #[test]
    fn a_small_group_is_hidden_and_so_is_the_next_smallest_beside_it() {
        let (total, breakdowns) =
            suppress_rates(r(60, 100), &[(Dimension::Organization, vec![("a".into(), r(3, 5)), ("b".into(), r(27, 45)), ("c".into(), r(30, 50))])]);
        assert_eq!(total.numerator, Suppressed::Shown(60));
        let g = &breakdowns[0].groups;
        assert!(g[0].rate.denominator.is_hidden() && g[0].rate.percent.is_hidden());
        // a's 5 could be worked out as 100 - 45 - 50: the next-smallest goes too.
        assert!(g[1].rate.denominator.is_hidden(), "{g:?}");
        assert_eq!(g[2].rate.percent, Suppressed::Shown(60.0));
    }

    #[test]
    fn a_rate_whose_misses_are_few_is_hidden() {
        let (total, _) = suppress_rates(r(95, 100), &[]);
        assert!(total.percent.is_hidden() && total.numerator.is_hidden(), "5 missed would be derivable: {total:?}");
        let (total, _) = suppress_rates(r(50, 100), &[]);
        assert_eq!(total.percent, Suppressed::Shown(50.0));
    }

    #[test]
    fn an_estimate_is_hidden_when_a_count_it_is_made_of_is_small() {
        let w = |ed, adm| WindowCounts { ed_visits: ed, admissions: adm, inpatient_days: 40 };
        let g = |members, before, after| super::super::GroupUtilization { members, member_months: members * 6, before, after };
        let e = Estimate { value: -1.0, low: -2.0, high: 0.0 };
        let d =
            DiffInDiff { peer: g(50, w(30, 4), w(20, 12)), comparison: g(40, w(25, 15), w(24, 14)), ed_visits: e, admissions: e, inpatient_days: e };
        let s = suppress_did(&d);
        assert_eq!(s.ed_visits, Suppressed::Shown(e));
        assert!(s.admissions.is_hidden() && s.peer.before.admissions.is_hidden(), "4 admissions before would be given away");
        let few = DiffInDiff { comparison: g(9, w(25, 15), w(24, 14)), ..d };
        let s = suppress_did(&few);
        assert!(s.ed_visits.is_hidden() && s.comparison.members.is_hidden() && s.peer.before.ed_visits.is_hidden());
    }

    #[test]
    fn no_shown_value_from_1_to_10_in_any_breakdown() {
        // Every split of 40 cases over four groups: nothing from 1 to 10 is shown.
        for a in 0..=12u64 {
            for b in 0..=12u64 {
                let c = 40 - a - b;
                let rows = vec![("a".into(), r(a / 2, a)), ("b".into(), r(b, b)), ("c".into(), r(c / 3, c))];
                let (total, breakdowns) = suppress_rates(r(a / 2 + b + c / 3, 40), &[(Dimension::Region, rows)]);
                let mut shown = vec![total];
                shown.extend(breakdowns[0].groups.iter().map(|g| g.rate));
                for s in shown {
                    for v in [s.numerator, s.denominator].iter().filter_map(|v| v.shown().copied()) {
                        assert!(!small(v), "{a} {b}: {v} shown");
                    }
                }
            }
        }
    }
}
