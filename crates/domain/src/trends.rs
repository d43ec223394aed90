//! Monthly trends of requests for a peer and first peers: figures counted per calendar month.
//!
//! The last 12 complete months and the current one, oldest first. Each
//! month's requests, first peers and share of its requests filled within
//! each prompt window go through the one small-cell rule in a single
//! [`Table`]: the months add up to the 13 months' total, and that total and
//! what falls outside the months (earlier in the period) add up to the
//! period's total, which the adequacy report and Appendix A show. So no
//! withheld month can be worked out from a total shown there. A month's
//! median days to a peer is shown over 11 or more filled requests.

use serde::Serialize;
use time::Date;

use crate::equity::{quantile, WaitCounts};
use crate::measures::report::{percent, ShownRate};
use crate::measures::Rate;
use crate::stats::{over_people, CellId, Suppressed, Table};

/// How many months a trend shows: 12 complete months and the current one.
pub const TREND_MONTHS: usize = 13;

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    /// 1 (January) to 12.
    pub month: u8,
}

impl Month {
    pub fn of(day: Date) -> Month {
        Month { year: day.year(), month: u8::from(day.month()) }
    }

    /// The month of a stored day or timestamp ("2026-11", "2026-11-03", ...); `None` for anything else.
    pub fn parse(text: &str) -> Option<Month> {
        let (year, dash, month) = (text.get(0..4)?, text.get(4..5)?, text.get(5..7)?);
        // Digits only: `parse` alone would take "+1" for a month.
        if dash != "-" || !year.bytes().chain(month.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let month = month.parse::<u8>().ok().filter(|m| (1..=12).contains(m))?;
        Some(Month { year: year.parse().ok()?, month })
    }

    pub fn previous(self) -> Month {
        if self.month <= 1 {
            Month { year: self.year - 1, month: 12 }
        } else {
            Month { year: self.year, month: self.month - 1 }
        }
    }

    /// "2026-11".
    pub fn key(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }
}

/// The months of a trend as of `today`: [`TREND_MONTHS`] of them, oldest first, ending with today's.
pub fn trend_months(today: Date) -> Vec<Month> {
    let mut months = vec![Month::of(today)];
    while months.len() < TREND_MONTHS {
        let earlier = months[months.len() - 1].previous();
        months.push(earlier);
    }
    months.reverse();
    months
}

/// One month's (or the whole trend's) figures as they may be shown.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthTrend {
    /// "2026-11"; `all` for the months together.
    pub month: String,
    /// Requests for a peer made in the month.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub requests: Suppressed<u64>,
    /// Members whose first peer came in the month.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub first_peers: Suppressed<u64>,
    /// Of the month's requests old enough to judge (`denominator`), those
    /// filled within each prompt window (`numerator`), in the windows' order.
    pub within: Vec<ShownRate>,
    /// Days from request to first peer, over the month's filled requests; withheld under 11 of them.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub median_days: Suppressed<i64>,
}

/// A trend as it may be shown: each month, then the months together.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShownTrend {
    pub months: Vec<MonthTrend>,
    pub all_months: MonthTrend,
}

/// Counts of one month, or of what falls outside the months.
#[derive(Debug, Clone, Default, PartialEq)]
struct Bucket {
    requests: WaitCounts,
    first_peers: u64,
}

impl Bucket {
    fn add(&mut self, other: &Bucket) {
        self.requests.add(&other.requests);
        self.first_peers = self.first_peers.saturating_add(other.first_peers);
    }
}

/// The counts behind a trend, gathered month by month; rows of days in the
/// period but outside the months are kept apart, so that the totals they
/// share with other reports protect the months.
#[derive(Debug, Clone)]
pub struct TrendCounts {
    months: Vec<Month>,
    buckets: Vec<Bucket>,
    outside: Bucket,
    windows: usize,
}

impl TrendCounts {
    /// Empty counts for `months` (oldest first) and `windows` prompt windows.
    pub fn new(months: Vec<Month>, windows: usize) -> TrendCounts {
        let empty = || Bucket { requests: WaitCounts { within: vec![Rate::default(); windows], ..Default::default() }, first_peers: 0 };
        TrendCounts { buckets: months.iter().map(|_| empty()).collect(), months, outside: empty(), windows }
    }

    fn bucket(&mut self, month: Option<Month>) -> &mut Bucket {
        match month.and_then(|m| self.months.iter().position(|x| *x == m)) {
            Some(i) => &mut self.buckets[i],
            None => &mut self.outside,
        }
    }

    /// Requests made in `month` (`None`: a day the months do not hold):
    /// how many, their days to a first peer, and each window's counts.
    /// Windows beyond those given at [`TrendCounts::new`] are ignored.
    pub fn add_requests(&mut self, month: Option<Month>, waits: &WaitCounts) {
        let windows = self.windows;
        let mut w = waits.clone();
        w.within.resize(windows, Rate::default());
        // A filled request was made, a window judges no more than were made
        // and counts no more than it judged: a caller's slip is evened out,
        // never a panic.
        w.started = w.started.max(w.finished());
        for r in &mut w.within {
            r.denominator = r.denominator.min(w.started);
            r.numerator = r.numerator.min(r.denominator);
        }
        self.bucket(month).requests.add(&w);
    }

    /// `n` members whose first peer came in `month`.
    pub fn add_first_peers(&mut self, month: Option<Month>, n: u64) {
        let b = self.bucket(month);
        b.first_peers = b.first_peers.saturating_add(n);
    }

    /// Every figure through the small-cell rule.
    pub fn figures(&self) -> ShownTrend {
        let mut all = Bucket { requests: WaitCounts { within: vec![Rate::default(); self.windows], ..Default::default() }, first_peers: 0 };
        for b in &self.buckets {
            all.add(b);
        }
        let mut period = all.clone();
        period.add(&self.outside);

        let mut t = Table::new();
        let months: Vec<Cells> = self.buckets.iter().map(|b| Cells::add(&mut t, b)).collect();
        let together = Cells::add(&mut t, &all);
        let outside = Cells::add(&mut t, &self.outside);
        let whole = Cells::add(&mut t, &period);
        for pick in Cells::families(self.windows) {
            let parts: Vec<CellId> = months.iter().map(&pick).collect();
            t.sum(&parts, pick(&together));
            t.sum(&[pick(&together), pick(&outside)], pick(&whole));
        }
        let t = t.suppress();
        ShownTrend {
            months: self.months.iter().zip(&self.buckets).zip(&months).map(|((m, b), c)| c.shown(&t, m.key(), b)).collect(),
            all_months: together.shown(&t, "all".into(), &all),
        }
    }
}

/// A bucket's cells: requests, first peers, and for each window those
/// filled within it, those not, those judged and those too recent to
/// judge. Judged and too recent add up to the requests, so a month's
/// withheld requests cannot be read off a window's shown denominator. How
/// many were filled at all is no cell: it is never shown, and a median
/// reveals no count.
struct Cells {
    requests: CellId,
    first_peers: CellId,
    /// [within, not within, judged, not yet judged] per window.
    windows: Vec<[CellId; 4]>,
}

type Pick = Box<dyn Fn(&Cells) -> CellId>;

impl Cells {
    fn add(t: &mut Table, b: &Bucket) -> Cells {
        let started = b.requests.started;
        let requests = t.cell(started);
        let windows = b
            .requests
            .within
            .iter()
            .map(|r| {
                let ids = [
                    t.cell(r.numerator),
                    t.cell(r.denominator.saturating_sub(r.numerator)),
                    t.cell(r.denominator),
                    t.cell(started.saturating_sub(r.denominator)),
                ];
                t.sum(&ids[..2], ids[2]);
                t.sum(&ids[2..], requests);
                ids
            })
            .collect();
        Cells { requests, first_peers: t.cell(b.first_peers), windows }
    }

    /// Every kind of cell, as a way to pick it from a bucket's cells.
    fn families(windows: usize) -> Vec<Pick> {
        let mut out: Vec<Pick> = vec![Box::new(|c| c.requests), Box::new(|c| c.first_peers)];
        for i in 0..windows {
            for j in 0..4 {
                out.push(Box::new(move |c| c.windows[i][j]));
            }
        }
        out
    }

    fn shown(&self, t: &Table, month: String, b: &Bucket) -> MonthTrend {
        let median = match quantile(&b.requests.finished_days, 0.5) {
            Some(days) => over_people(b.requests.finished(), days),
            None => Suppressed::Hidden,
        };
        MonthTrend {
            month,
            requests: t.get(self.requests),
            first_peers: t.get(self.first_peers),
            within: self
                .windows
                .iter()
                .map(|[n, _, d, _]| ShownRate { numerator: t.get(*n), denominator: t.get(*d), percent: t.rate(*n, *d, percent) })
                .collect(),
            median_days: median,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::small;
    use time::Month as CalendarMonth;

    fn day(y: i32, m: u8, d: u8) -> Date {
        Date::from_calendar_date(y, CalendarMonth::try_from(m).unwrap(), d).unwrap()
    }

    #[test]
    fn thirteen_months_end_with_today_and_cross_the_new_year() {
        let months = trend_months(day(2026, 2, 10));
        assert_eq!(months.len(), TREND_MONTHS);
        assert_eq!(months[0].key(), "2025-02");
        assert_eq!(months[10].key(), "2025-12");
        assert_eq!(months[11].key(), "2026-01");
        assert_eq!(months[12], Month::of(day(2026, 2, 28)));
        assert!(months.windows(2).all(|w| w[0] < w[1]), "oldest first, no month twice");
    }

    #[test]
    fn months_are_read_from_stored_days_and_nothing_else() {
        assert_eq!(Month::parse("2026-11-03"), Some(Month { year: 2026, month: 11 }));
        assert_eq!(Month::parse("2026-01"), Some(Month { year: 2026, month: 1 }));
        for bad in ["", "2026", "2026-13", "2026-00", "20x6-01", "2026/01", "é026-01", "-026-01", "+026-01", "2026-+1", "2026-é"] {
            assert_eq!(Month::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Month { year: 2026, month: 1 }.previous().key(), "2025-12");
    }

    fn waits(started: u64, days: &[(i64, u64)], within: &[(u64, u64)]) -> WaitCounts {
        WaitCounts { started, finished_days: days.to_vec(), within: within.iter().map(|(n, d)| Rate { numerator: *n, denominator: *d }).collect() }
    }

    fn counts(requests: &[u64], first: &[u64], outside: u64) -> TrendCounts {
        let months = trend_months(day(2026, 11, 20));
        let mut c = TrendCounts::new(months.clone(), 1);
        for (i, m) in months.iter().enumerate() {
            let n = requests.get(i).copied().unwrap_or(0);
            // Three in four filled, in 12 days, all judged and within the window.
            let filled = n * 3 / 4;
            c.add_requests(Some(*m), &waits(n, &[(12, filled)], &[(filled, n)]));
            c.add_first_peers(Some(*m), first.get(i).copied().unwrap_or(0));
        }
        c.add_requests(None, &waits(outside, &[], &[(0, outside)]));
        c.add_first_peers(None, outside);
        c
    }

    #[test]
    fn large_months_are_shown_with_their_rates_and_medians() {
        let c = counts(&[60; 13], &[30; 13], 100);
        let s = c.figures();
        assert_eq!(s.months.len(), 13);
        assert_eq!(s.months[0].month, "2025-11");
        assert_eq!(s.months[12].month, "2026-11");
        assert_eq!(s.months[3].requests, Suppressed::Shown(60));
        assert_eq!(s.months[3].first_peers, Suppressed::Shown(30));
        assert_eq!(s.months[3].within[0].percent, Suppressed::Shown(75.0));
        assert_eq!(s.months[3].median_days, Suppressed::Shown(12));
        assert_eq!(s.all_months.requests, Suppressed::Shown(780));
        assert_eq!(s.all_months.month, "all");
    }

    #[test]
    fn a_small_month_is_withheld_with_a_partner_and_its_median_and_rate_too() {
        let mut requests = [40; 13];
        requests[4] = 6;
        let s = counts(&requests, &[30; 13], 100).figures();
        let m = &s.months[4];
        assert!(m.requests.is_hidden() && m.median_days.is_hidden() && m.within[0].percent.is_hidden(), "{m:?}");
        let hidden = s.months.iter().filter(|m| m.requests.is_hidden()).count() + usize::from(s.all_months.requests.is_hidden());
        assert!(hidden >= 2, "a lone withheld month would be the total minus the others: {s:?}");
    }

    #[test]
    fn what_falls_outside_the_months_protects_them_against_the_period_total() {
        // 5 earlier requests: the period's total (shown elsewhere) minus the
        // 13 months' total would give them away, so one of the two is withheld.
        let s = counts(&[40; 13], &[30; 13], 5).figures();
        assert!(s.all_months.requests.is_hidden(), "{:?}", s.all_months);
        assert!(s.months.iter().any(|m| m.requests.is_hidden()), "and then a month beside it");
    }

    #[test]
    fn no_count_from_1_to_10_is_shown_and_no_lone_one_is_withheld() {
        let mut x = 99u64;
        let mut next = || {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (x >> 33) % 30
        };
        for _ in 0..300 {
            let requests: Vec<u64> = (0..13).map(|_| next()).collect();
            let first: Vec<u64> = (0..13).map(|_| next()).collect();
            let outside = next();
            let s = counts(&requests, &first, outside).figures();
            let rows: Vec<&MonthTrend> = s.months.iter().chain(std::iter::once(&s.all_months)).collect();
            for column in [|m: &MonthTrend| m.requests, |m: &MonthTrend| m.first_peers] {
                let values: Vec<Suppressed<u64>> = rows.iter().map(|m| column(m)).collect();
                assert!(values.iter().filter_map(|v| v.shown()).all(|n| !small(*n)), "{values:?}");
                assert_ne!(values.iter().filter(|v| v.is_hidden()).count(), 1, "{requests:?} {first:?}: {values:?}");
            }
            for (i, m) in s.months.iter().enumerate() {
                if m.requests.is_hidden() {
                    // Every request of these months is judged: a shown denominator would be the requests.
                    assert!(m.within.iter().all(|r| r.denominator.is_hidden()), "{m:?}");
                }
                if m.median_days.shown().is_some() {
                    assert!(requests[i] * 3 / 4 >= 11, "a median over fewer than 11: {m:?}");
                }
            }
            for m in &rows {
                for r in &m.within {
                    if r.percent.shown().is_some() {
                        let (n, d) = (*r.numerator.shown().unwrap(), *r.denominator.shown().unwrap());
                        assert!(!small(n) && !small(d) && !small(d - n), "{r:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn odd_input_is_capped_not_a_panic() {
        let months = trend_months(day(2026, 1, 1));
        let mut c = TrendCounts::new(months.clone(), 2);
        // More filled in time than judged, more filled than asked, and a window too many.
        c.add_requests(Some(months[0]), &waits(3, &[(5, 9)], &[(9, 2), (1, 1), (4, 4)]));
        c.add_requests(Some(Month { year: 1900, month: 1 }), &WaitCounts::default());
        c.add_first_peers(None, u64::MAX / 4);
        let s = c.figures();
        assert_eq!(s.months[0].within.len(), 2);
        assert!(s.months[0].requests.is_hidden());
    }
}
