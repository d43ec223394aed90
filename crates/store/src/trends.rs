//! Monthly trends of requests for a peer and first peers, from the equity rollup.
//!
//! One grouped query over `equity_members` by the month of the request and
//! the month of the first peer; the months, medians and suppression are the
//! domain's (`accompany_domain::trends`). Gated, audited and cached like
//! the other equity reports, for the same period and organization.

use accompany_domain::equity::WaitCounts;
use accompany_domain::measures::Rate;
use accompany_domain::policy::Decision;
use accompany_domain::trends::{trend_months, Month, MonthTrend, TrendCounts};
use serde::Serialize;
use sqlx::Row;
use time::{Date, Duration};

use crate::access::Access;
use crate::measures::{bind_scope, ReportFilter, Scope};
use crate::rows::date_text;
use crate::Result;

/// Requests for a peer and first peers month by month: the last 12
/// complete months and the current one, oldest first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct EquityTrends {
    pub as_of: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub organization: Option<String>,
    /// The prompt windows, in days, of every `within` list.
    pub prompt_days: Vec<u32>,
    pub months: Vec<MonthTrend>,
    /// The months together.
    pub all_months: MonthTrend,
}

impl Access {
    /// Monthly trends for the period and organization of `filter`: only
    /// requests and first peers on days of the period are counted.
    pub async fn equity_trends(&self, filter: &ReportFilter, as_of: Date, lang: &str) -> Result<EquityTrends> {
        let scope = self.report_scope(filter.organization.as_deref(), "trends").await?;
        self.measures_gate(Decision::Permit, "report", "trends").await?;
        self.refresh_measures(crate::measures::REFRESH_LIMIT).await?;
        let key = format!("trends|{}|{:?}|{:?}|{lang}|", scope.organization().unwrap_or_default(), filter.from, filter.to);
        self.cached_report(key, as_of, self.make_trends(&scope, filter, as_of)).await
    }

    async fn make_trends(&self, scope: &Scope, filter: &ReportFilter, as_of: Date) -> Result<EquityTrends> {
        let windows = self.store.catalog().reporting.prompt_days.clone();
        let from = filter.from.map(date_text).unwrap_or_else(|| "0000-01-01".into());
        let to = filter.to.map(date_text).unwrap_or_else(|| "9999-12-31".into());
        let asked_in = "requested_on >= $1 AND requested_on <= $2";
        let served_in = "first_peer_on >= $1 AND first_peer_on <= $2";
        // A request is judged against a window once the window has passed.
        let mut sums = String::new();
        for (i, w) in windows.iter().enumerate() {
            let judged = date_text(as_of - Duration::days(i64::from(*w)));
            sums.push_str(&format!(
                ", CAST(SUM(CASE WHEN {asked_in} AND requested_on <= '{judged}' THEN 1 ELSE 0 END) AS BIGINT) AS judged_{i}, \
                 CAST(SUM(CASE WHEN {asked_in} AND requested_on <= '{judged}' AND days_to_peer <= {w} THEN 1 ELSE 0 END) AS BIGINT) AS within_{i}"
            ));
        }
        let sql = format!(
            "SELECT substr(requested_on, 1, 7) AS asked, substr(first_peer_on, 1, 7) AS served, days_to_peer AS days, \
             CAST(SUM(CASE WHEN {asked_in} THEN 1 ELSE 0 END) AS BIGINT) AS asked_n, \
             CAST(SUM(CASE WHEN {served_in} THEN 1 ELSE 0 END) AS BIGINT) AS served_n{sums} \
             FROM equity_members WHERE (({asked_in}) OR ({served_in})){} \
             GROUP BY substr(requested_on, 1, 7), substr(first_peer_on, 1, 7), days_to_peer",
            scope.condition(3)
        );
        let mut counts = TrendCounts::new(trend_months(as_of), windows.len());
        for r in bind_scope(sqlx::query(&sql).bind(from).bind(to), scope).fetch_all(&self.store.pool).await? {
            let count = |column: &str| -> Result<u64> { Ok(r.try_get::<Option<i64>, _>(column)?.unwrap_or(0).max(0) as u64) };
            let month = |column: &str| -> Result<Option<Month>> { Ok(r.try_get::<Option<String>, _>(column)?.as_deref().and_then(Month::parse)) };
            let asked = count("asked_n")?;
            if asked > 0 {
                let days: Option<i64> = r.try_get("days")?;
                let mut within = Vec::with_capacity(windows.len());
                for i in 0..windows.len() {
                    within.push(Rate { numerator: count(&format!("within_{i}"))?, denominator: count(&format!("judged_{i}"))? });
                }
                let waits = WaitCounts { started: asked, finished_days: days.map(|d| vec![(d, asked)]).unwrap_or_default(), within };
                counts.add_requests(month("asked")?, &waits);
            }
            counts.add_first_peers(month("served")?, count("served_n")?);
        }
        let shown = counts.figures();
        Ok(EquityTrends {
            as_of: date_text(as_of),
            from: filter.from.map(date_text),
            to: filter.to.map(date_text),
            organization: scope.organization(),
            prompt_days: windows,
            months: shown.months,
            all_months: shown.all_months,
        })
    }
}
