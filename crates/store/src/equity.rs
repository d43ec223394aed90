//! For whom: each member's reporting categories, waits and concordance
//! rolled up in `equity_members` (migration 0017) beside the outcome
//! measures, and the reports read from it: network adequacy, equity and
//! 003's Appendix A, every count through the small-cell rule. Audited as
//! health-care operations, like the measures.

use std::collections::{BTreeMap, HashMap};

use accompany_domain::equity::{
    suppress_distributions, suppress_rate_groups, wait_figures, Characteristic, EquityDimension, ReportedDimension, ShownShare, ShownWait,
    WaitCounts, NOT_ANSWERED,
};
use accompany_domain::matching::{concordance, Preferences};
use accompany_domain::measures::report::{GroupRate, ShownRate, NONE};
use accompany_domain::measures::Rate;
use accompany_domain::policy::Decision;
use accompany_domain::records::Demographics;
use accompany_domain::referral::Door;
use accompany_domain::stats::Suppressed;
use serde::Serialize;
use sqlx::{Any, Row, Transaction};
use time::{Date, Duration};

use crate::access::Access;
use crate::bulk::{insert_rows, Val};
use crate::measures::{bind_scope, rows_in, ReportFilter, Scope};
use crate::rows::{date_text, stored_date};
use crate::{Result, StoreError};

/// The day of a stored date or timestamp.
fn day(text: &str) -> Result<Date> {
    stored_date(&text.chars().take(10).collect::<String>())
}

fn opt_day(r: &sqlx::any::AnyRow, column: &str) -> Result<Option<Date>> {
    r.try_get::<Option<String>, _>(column)?.map(|s| day(&s)).transpose()
}

/// A group's key and its name in the report's language.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct LabelledWait {
    pub key: String,
    pub label: String,
    #[serde(flatten)]
    pub wait: ShownWait,
}

/// Waits broken down by one dimension: `plan`, `region` or `role`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct WaitBreakdown {
    pub dimension: String,
    pub groups: Vec<LabelledWait>,
}

/// How quickly members who ask for a peer get one, and how long members
/// whose peer left go without.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct AdequacyReport {
    pub as_of: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub organization: Option<String>,
    /// The prompt windows, in days, of every `within` list.
    pub prompt_days: Vec<u32>,
    /// Requests made in the period: `finished` got a peer; the days are from request to first peer.
    pub requests: ShownWait,
    pub requests_by: Vec<WaitBreakdown>,
    /// Members left without a peer in the period: `finished` have a new one; the days are without a peer.
    pub gaps: ShownWait,
    pub gaps_by: Vec<WaitBreakdown>,
    /// Peers employed at some time in the period (`denominator`) and those who left in it (`numerator`).
    pub turnover: ShownRate,
    pub turnover_by: Vec<RateGroups>,
    /// Members on active peers' caseloads, each peer counted up to the role's
    /// cap (`numerator`), against the places the caps give (`denominator`).
    pub caseload_fill: ShownRate,
    pub caseload_fill_by: Vec<RateGroups>,
    /// The last batch's unmatched report for the scope (not for a plan, or
    /// before any batch has run), whatever the period.
    pub unmet: Option<crate::unmet::UnmetDemand>,
}

/// A rate broken down by `organization` or `role`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct RateGroups {
    pub dimension: String,
    pub groups: Vec<LabelledRate>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct LabelledRate {
    pub key: String,
    pub label: String,
    #[serde(flatten)]
    pub rate: ShownRate,
}

/// A concordance rate broken down by one side of the member.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct RateBreakdown {
    pub dimension: EquityDimension,
    pub groups: Vec<LabelledRate>,
}

/// One share of a cohort or workforce, named.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct LabelledShare {
    pub label: String,
    #[serde(flatten)]
    pub share: ShownShare,
}

/// Members with a peer against active peers, on one side, in one region.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct ServedAgainstWorkforce {
    pub region: String,
    pub dimension: ReportedDimension,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub members: Suppressed<u64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub peers: Suppressed<u64>,
    /// Every category, in catalog order, then self-described and not answered.
    pub member_shares: Vec<LabelledShare>,
    pub peer_shares: Vec<LabelledShare>,
}

/// Whether members get the peer they asked for, and whether the workforce
/// looks like the members it serves.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct EquityReport {
    pub as_of: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub organization: Option<String>,
    /// Members with a peer and a "must" wish about who the peer is, whose peer meets every such wish.
    pub must_met: ShownRate,
    pub must_met_by: Vec<RateBreakdown>,
    /// The same for "prefer" wishes.
    pub prefer_met: ShownRate,
    pub prefer_met_by: Vec<RateBreakdown>,
    pub served_against_workforce: Vec<ServedAgainstWorkforce>,
}

/// Whose members an Appendix-A table describes.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CohortKind {
    /// Everyone the reader may see (`id` is `all`).
    State,
    /// Members of a health plan who have had a peer.
    Plan,
    /// Members served by an organization's peers.
    Organization,
    /// Members served by peers of a role (catalog role id).
    Role,
    /// Members with a peer who live in a region.
    Region,
}

impl CohortKind {
    pub const ALL: [CohortKind; 5] = [Self::State, Self::Plan, Self::Organization, Self::Role, Self::Region];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::State => "state",
            Self::Plan => "plan",
            Self::Organization => "organization",
            Self::Role => "role",
            Self::Region => "region",
        }
    }

    pub fn parse(s: &str) -> Option<CohortKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One characteristic's rows.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct CharacteristicTable {
    pub characteristic: Characteristic,
    pub rows: Vec<LabelledShare>,
}

/// 003's Appendix A for a cohort: members who have had a peer, by age
/// band, gender, race, ethnicity, sexual orientation, plan and how they
/// were connected.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct AppendixA {
    pub cohort: CohortKind,
    pub id: String,
    pub as_of: String,
    /// First peer from this day on.
    pub from: Option<String>,
    pub to: Option<String>,
    /// The organization the reader is limited to, if any.
    pub organization: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub members: Suppressed<u64>,
    pub tables: Vec<CharacteristicTable>,
}

/// A peer's place on a member's team.
struct PeerPlace {
    user_id: String,
    since: Date,
    until: Option<Date>,
}

impl Access {
    /// Replace the equity rows of `ids` (inside a measures recompute).
    pub(crate) async fn recompute_equity(&self, tx: &mut Transaction<'static, Any>, ids: &[String]) -> Result<()> {
        let catalog = self.store.catalog();
        let reporting = &catalog.reporting;
        rows_in(tx, "DELETE FROM equity_members WHERE member_id IN ({ids})", ids).await?;
        let members = rows_in(tx, "SELECT id, date_of_birth, city, plan_id, primary_language, data FROM members WHERE id IN ({ids})", ids).await?;
        let mut peers: HashMap<String, Vec<PeerPlace>> = HashMap::new();
        for r in
            rows_in(tx, "SELECT member_id, user_id, since, until FROM team_members WHERE team_role = 'peer' AND member_id IN ({ids})", ids).await?
        {
            peers.entry(r.try_get("member_id")?).or_default().push(PeerPlace {
                user_id: r.try_get("user_id")?,
                since: day(&r.try_get::<String, _>("since")?)?,
                until: opt_day(&r, "until")?,
            });
        }
        // The first request, and the door it came through.
        let mut requests: HashMap<String, (Date, String)> = HashMap::new();
        for r in rows_in(tx, "SELECT member_id, doors, first_arrived_at FROM referrals WHERE member_id IN ({ids})", ids).await? {
            let on = day(&r.try_get::<String, _>("first_arrived_at")?)?;
            let doors: String = r.try_get("doors")?;
            let door = doors.split(',').find_map(Door::parse).map_or(NOT_ANSWERED.to_string(), |d| d.as_str().to_string());
            let member: String = r.try_get("member_id")?;
            if requests.get(&member).is_none_or(|(d, _)| on < *d) {
                requests.insert(member, (on, door));
            }
        }
        // The last gap of each member.
        let mut gaps: HashMap<String, (Date, Option<Date>)> = HashMap::new();
        for r in rows_in(tx, "SELECT member_id, started_at, ended_at FROM peer_gaps WHERE member_id IN ({ids})", ids).await? {
            let started = day(&r.try_get::<String, _>("started_at")?)?;
            let member: String = r.try_get("member_id")?;
            if gaps.get(&member).is_none_or(|(s, _)| started >= *s) {
                gaps.insert(member, (started, opt_day(&r, "ended_at")?));
            }
        }
        let mut preferences: HashMap<String, Preferences> = HashMap::new();
        for r in rows_in(tx, "SELECT member_id, data FROM member_preferences WHERE member_id IN ({ids})", ids).await? {
            let text: String = r.try_get("data")?;
            // Preferences the catalog no longer reads count as no wishes.
            if let Ok(p) = serde_json::from_str(&text) {
                preferences.insert(r.try_get("member_id")?, p);
            }
        }
        let current: Vec<String> = {
            let mut u: Vec<String> = peers.values().flatten().map(|p| p.user_id.clone()).collect();
            u.sort();
            u.dedup();
            u
        };
        let profiles = self.store.peer_profiles_of_users(&current).await?;
        let mut roles: HashMap<String, (String, String)> = HashMap::new();
        for r in rows_in(tx, "SELECT user_id, employer_id, role_id FROM workers WHERE user_id IN ({ids})", &current).await? {
            roles.insert(r.try_get("user_id")?, (r.try_get("employer_id")?, r.try_get("role_id")?));
        }

        let mut rows: Vec<Vec<Val>> = Vec::new();
        for m in &members {
            let id: String = m.try_get("id")?;
            let own = peers.get(&id).map_or(&[][..], Vec::as_slice);
            let request = requests.get(&id);
            if own.is_empty() && request.is_none() {
                continue;
            }
            let data: serde_json::Value = serde_json::from_str(&m.try_get::<String, _>("data")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let d: Demographics = data.get("demographics").cloned().map(serde_json::from_value).transpose().ok().flatten().unwrap_or_default();
            let now = own.iter().find(|p| p.until.is_none());
            let peer = now.or_else(|| own.iter().max_by_key(|p| p.until));
            let (organization, role) = match peer.and_then(|p| roles.get(&p.user_id)) {
                Some((o, r)) => (Some(o.clone()), Some(r.clone())),
                None => (None, None),
            };
            let region = m.try_get::<Option<String>, _>("city")?.and_then(|c| catalog.town(&c).map(|t| t.region.clone()));
            let first_peer = own.iter().map(|p| p.since).min();
            let days_to_peer = match (request, first_peer) {
                (Some((asked, _)), Some(first)) => Some((first - *asked).whole_days().max(0)),
                _ => None,
            };
            let (gap_started, gap_days) = match gaps.get(&id) {
                Some((start, end)) => {
                    // A gap ends when a new peer is chosen, whichever is recorded first.
                    let refilled = own.iter().map(|p| p.since).filter(|s| s >= start).min();
                    let end = match (end, refilled) {
                        (Some(e), Some(r)) => Some((*e).min(r)),
                        (e, r) => e.or(r),
                    };
                    (Some(*start), end.map(|e| (e - *start).whole_days().max(0)))
                }
                None => (None, None),
            };
            let fit = match (now.and_then(|p| profiles.get(&p.user_id)), preferences.get(&id)) {
                (Some(profile), Some(prefs)) => concordance(prefs, profile, catalog),
                _ => Default::default(),
            };
            let language: Option<String> = m.try_get("primary_language")?;
            rows.push(vec![
                id.clone().into(),
                m.try_get::<Option<String>, _>("plan_id")?.into(),
                region.into(),
                organization.into(),
                role.into(),
                m.try_get::<String, _>("date_of_birth")?.into(),
                reporting.categorize(ReportedDimension::Gender, d.gender.as_deref()).to_string().into(),
                reporting.categorize(ReportedDimension::Race, d.race.as_deref()).to_string().into(),
                reporting.categorize(ReportedDimension::Ethnicity, d.ethnicity.as_deref()).to_string().into(),
                reporting.categorize(ReportedDimension::SexualOrientation, d.sexual_orientation.as_deref()).to_string().into(),
                language.unwrap_or_else(|| NOT_ANSWERED.to_string()).into(),
                request.map_or(NOT_ANSWERED.to_string(), |(_, door)| door.clone()).into(),
                request.map(|(on, _)| date_text(*on)).into(),
                first_peer.map(date_text).into(),
                Val::OptInt(days_to_peer),
                i64::from(now.is_some()).into(),
                gap_started.map(date_text).into(),
                Val::OptInt(gap_days),
                Val::OptInt(fit.must.map(i64::from)),
                Val::OptInt(fit.prefer.map(i64::from)),
            ]);
        }
        const COLUMNS: [&str; 20] = [
            "member_id",
            "plan_id",
            "region",
            "organization_id",
            "peer_role",
            "date_of_birth",
            "gender",
            "race",
            "ethnicity",
            "sexual_orientation",
            "language",
            "how_connected",
            "requested_on",
            "first_peer_on",
            "days_to_peer",
            "has_peer",
            "gap_started_on",
            "gap_days",
            "must_met",
            "prefer_met",
        ];
        insert_rows(tx, self.store.backend, "equity_members", &COLUMNS, rows).await?;
        Ok(())
    }

    /// Days from request to first peer and days without a peer after one
    /// left, by plan, region and the peer's role, for requests and gaps
    /// that began in the period.
    pub async fn adequacy_report(&self, filter: &ReportFilter, as_of: Date, lang: &str) -> Result<AdequacyReport> {
        let scope = self.report_scope(filter.organization.as_deref(), "adequacy").await?;
        self.measures_gate(Decision::Permit, "report", "adequacy").await?;
        self.refresh_measures(crate::measures::REFRESH_LIMIT).await?;
        let key = report_key("adequacy", &scope, filter, lang, "");
        let report = self
            .cached_report(key, as_of, async {
                let windows = self.store.catalog().reporting.prompt_days.clone();
                let (requests, requests_by) = self.waits(&scope, filter, as_of, &windows, ["requested_on", "days_to_peer"], lang).await?;
                let (gaps, gaps_by) = self.waits(&scope, filter, as_of, &windows, ["gap_started_on", "gap_days"], lang).await?;
                let ((turnover, turnover_by), (caseload_fill, caseload_fill_by)) = self.peer_figures(&scope, filter, as_of, lang).await?;
                Ok(AdequacyReport {
                    as_of: date_text(as_of),
                    from: filter.from.map(date_text),
                    to: filter.to.map(date_text),
                    organization: scope.organization(),
                    prompt_days: windows,
                    requests,
                    requests_by,
                    gaps,
                    gaps_by,
                    turnover,
                    turnover_by,
                    caseload_fill,
                    caseload_fill_by,
                    unmet: None,
                })
            })
            .await?;
        // Read past the cache: a batch run does not change the rollups.
        Ok(AdequacyReport { unmet: self.unmet_demand(&scope).await?, ..report })
    }

    /// Peer turnover in the period and caseload fill today, by the peers'
    /// organization and role. A provider's or plan's report counts the
    /// peers it employs.
    async fn peer_figures(
        &self,
        scope: &Scope,
        filter: &ReportFilter,
        as_of: Date,
        lang: &str,
    ) -> Result<((ShownRate, Vec<RateGroups>), (ShownRate, Vec<RateGroups>))> {
        let (from, to) = period(filter);
        let employer = match scope {
            Scope::State => String::new(),
            Scope::Organization(_) | Scope::Plan(_) => " AND w.employer_id = $3".to_string(),
        };
        let peers = "FROM workers w JOIN users u ON u.id = w.user_id WHERE u.persona = 'peer-worker'";
        let sql = format!(
            "SELECT w.employer_id, w.role_id, CAST(COUNT(*) AS BIGINT) AS employed, \
             CAST(SUM(CASE WHEN w.employment_end IS NOT NULL AND w.employment_end >= $1 AND w.employment_end <= $2 THEN 1 ELSE 0 END) AS BIGINT) AS left_in \
             {peers} AND w.employment_start <= $2 AND (w.employment_end IS NULL OR w.employment_end >= $1){employer} GROUP BY w.employer_id, w.role_id"
        );
        let mut turnover: Vec<(String, String, Rate)> = Vec::new();
        for r in bind_scope(sqlx::query(&sql).bind(from).bind(to), scope).fetch_all(&self.store.pool).await? {
            let rate = Rate { numerator: r.try_get::<i64, _>("left_in")? as u64, denominator: r.try_get::<i64, _>("employed")? as u64 };
            turnover.push((r.try_get("employer_id")?, r.try_get("role_id")?, rate));
        }
        let today = date_text(as_of);
        let sql = format!(
            "SELECT w.employer_id, w.role_id, w.user_id {peers} AND w.employment_start <= $1 AND (w.employment_end IS NULL OR w.employment_end > $1){}",
            employer.replace("$3", "$2")
        );
        let mut q = sqlx::query(&sql).bind(today);
        if let Some(o) = scope.organization() {
            q = q.bind(o);
        }
        // The peer pool's count of active peer places per account: one scan of an index.
        let caseloads = self.store.caseloads().await?;
        let catalog = self.store.catalog();
        let mut fill: BTreeMap<(String, String), Rate> = BTreeMap::new();
        for r in q.fetch_all(&self.store.pool).await? {
            let role: String = r.try_get("role_id")?;
            let cap = catalog.role(&role).map_or(0, |r| u64::from(r.caseload_cap));
            let user: Option<String> = r.try_get("user_id")?;
            let carried = user.and_then(|u| caseloads.get(&u).copied()).map_or(0, u64::from);
            let e = fill.entry((r.try_get("employer_id")?, role)).or_default();
            e.numerator += carried.min(cap);
            e.denominator += cap;
        }
        let fill: Vec<(String, String, Rate)> = fill.into_iter().map(|((o, r), rate)| (o, r, rate)).collect();
        let keys: Vec<(&'static str, String)> =
            turnover.iter().chain(&fill).flat_map(|(o, r, _)| [("organization", o.clone()), ("role", r.clone())]).collect();
        let names = self.names(keys, lang).await?;
        let shown = |rows: &[(String, String, Rate)]| {
            let by = |pick: fn(&(String, String, Rate)) -> &String| {
                let mut sums: BTreeMap<String, Rate> = BTreeMap::new();
                for row in rows {
                    let e = sums.entry(pick(row).clone()).or_default();
                    *e = *e + row.2;
                }
                sums.into_iter().collect::<Vec<_>>()
            };
            let dims = [("organization", by(|r| &r.0)), ("role", by(|r| &r.1))];
            let (total, groups) = suppress_rate_groups(rows.iter().map(|r| r.2).sum(), &dims);
            let groups = groups
                .into_iter()
                .map(|(d, g)| RateGroups {
                    dimension: d.to_string(),
                    groups: g.into_iter().map(|GroupRate { key, rate }| LabelledRate { label: label(&names, d, &key), key, rate }).collect(),
                })
                .collect();
            (total, groups)
        };
        Ok((shown(&turnover), shown(&fill)))
    }

    /// Waits that started (`start` in the period) and their days (`days`,
    /// NULL while still waiting), grouped by plan, region and role.
    async fn waits(
        &self,
        scope: &Scope,
        filter: &ReportFilter,
        as_of: Date,
        windows: &[u32],
        [start, days]: [&str; 2],
        lang: &str,
    ) -> Result<(ShownWait, Vec<WaitBreakdown>)> {
        let (from, to) = period(filter);
        let mut sums = String::new();
        for (i, w) in windows.iter().enumerate() {
            let judged = date_text(as_of - Duration::days(i64::from(*w)));
            sums.push_str(&format!(
                ", CAST(SUM(CASE WHEN {start} <= '{judged}' THEN 1 ELSE 0 END) AS BIGINT) AS judged_{i}, \
                 CAST(SUM(CASE WHEN {start} <= '{judged}' AND {days} <= {w} THEN 1 ELSE 0 END) AS BIGINT) AS within_{i}"
            ));
        }
        let sql = format!(
            "SELECT plan_id, region, peer_role, {days} AS days, CAST(COUNT(*) AS BIGINT) AS n{sums} FROM equity_members \
             WHERE {start} >= $1 AND {start} <= $2{} GROUP BY plan_id, region, peer_role, {days}",
            scope.condition(3)
        );
        let q = bind_scope(sqlx::query(&sql).bind(from).bind(to), scope);
        let mut total = WaitCounts { within: vec![Rate::default(); windows.len()], ..Default::default() };
        let mut groups: [BTreeMap<String, WaitCounts>; 3] = Default::default();
        for r in q.fetch_all(&self.store.pool).await? {
            let n = r.try_get::<i64, _>("n")? as u64;
            let d: Option<i64> = r.try_get("days")?;
            let mut w = WaitCounts { started: n, finished_days: d.map(|d| vec![(d, n)]).unwrap_or_default(), within: Vec::new() };
            for i in 0..windows.len() {
                w.within.push(Rate {
                    numerator: r.try_get::<i64, _>(format!("within_{i}").as_str())? as u64,
                    denominator: r.try_get::<i64, _>(format!("judged_{i}").as_str())? as u64,
                });
            }
            total.add(&w);
            for (g, column) in groups.iter_mut().zip(["plan_id", "region", "peer_role"]) {
                let key = r.try_get::<Option<String>, _>(column)?.unwrap_or_else(|| NONE.to_string());
                g.entry(key).or_insert_with(|| WaitCounts { within: vec![Rate::default(); windows.len()], ..Default::default() }).add(&w);
            }
        }
        let dims: Vec<(&str, Vec<(String, WaitCounts)>)> =
            ["plan", "region", "role"].into_iter().zip(groups).map(|(d, g)| (d, g.into_iter().collect())).collect();
        let (shown, by) = wait_figures(&total, &dims);
        let keys: Vec<(&'static str, String)> = by.iter().flat_map(|(d, g)| g.iter().map(move |(k, _)| (*d, k.clone()))).collect();
        let names = self.names(keys, lang).await?;
        let by = by
            .into_iter()
            .map(|(d, g)| WaitBreakdown {
                dimension: d.to_string(),
                groups: g.into_iter().map(|(key, wait)| LabelledWait { label: label(&names, d, &key), key, wait }).collect(),
            })
            .collect();
        Ok((shown, by))
    }

    /// Concordance by the member's race, ethnicity, language and gender,
    /// and members with a peer against active peers by region.
    pub async fn equity_report(&self, filter: &ReportFilter, as_of: Date, lang: &str) -> Result<EquityReport> {
        let scope = self.report_scope(filter.organization.as_deref(), "equity").await?;
        self.measures_gate(Decision::Permit, "report", "equity").await?;
        self.refresh_measures(crate::measures::REFRESH_LIMIT).await?;
        let key = report_key("equity", &scope, filter, lang, "");
        self.cached_report(key, as_of, self.make_equity(&scope, filter, as_of, lang)).await
    }

    async fn make_equity(&self, scope: &Scope, filter: &ReportFilter, as_of: Date, lang: &str) -> Result<EquityReport> {
        let (from, to) = period(filter);
        let sql = format!(
            "SELECT race, ethnicity, language, gender, must_met, prefer_met, CAST(COUNT(*) AS BIGINT) AS n FROM equity_members \
             WHERE has_peer = 1 AND (must_met IS NOT NULL OR prefer_met IS NOT NULL) AND first_peer_on >= $1 AND first_peer_on <= $2{} \
             GROUP BY race, ethnicity, language, gender, must_met, prefer_met",
            scope.condition(3)
        );
        let rows = bind_scope(sqlx::query(&sql).bind(from.clone()).bind(to.clone()), scope).fetch_all(&self.store.pool).await?;
        let mut must: [BTreeMap<String, Rate>; 4] = Default::default();
        let mut prefer: [BTreeMap<String, Rate>; 4] = Default::default();
        for r in &rows {
            let n = r.try_get::<i64, _>("n")? as u64;
            let keys: Vec<String> =
                ["race", "ethnicity", "language", "gender"].iter().map(|c| r.try_get(*c)).collect::<std::result::Result<_, _>>()?;
            for (column, sums) in [("must_met", &mut must), ("prefer_met", &mut prefer)] {
                let Some(met) = r.try_get::<Option<i64>, _>(column)? else { continue };
                for (g, k) in sums.iter_mut().zip(&keys) {
                    let e = g.entry(k.clone()).or_default();
                    e.denominator += n;
                    e.numerator += n * u64::from(met == 1);
                }
            }
        }
        let catalog = self.store.catalog();
        let rates = |sums: [BTreeMap<String, Rate>; 4]| {
            let total = sums[0].values().copied().sum::<Rate>();
            let dims: Vec<(EquityDimension, Vec<(String, Rate)>)> =
                EquityDimension::ALL.into_iter().zip(sums.map(|g| g.into_iter().collect())).collect();
            let (shown, by) = suppress_rate_groups(total, &dims);
            let by = by
                .into_iter()
                .map(|(dimension, groups)| RateBreakdown {
                    dimension,
                    groups: groups
                        .into_iter()
                        .map(|GroupRate { key, rate }| LabelledRate { label: equity_label(catalog, dimension, &key, lang), key, rate })
                        .collect(),
                })
                .collect();
            (shown, by)
        };
        let (must_met, must_met_by) = rates(must);
        let (prefer_met, prefer_met_by) = rates(prefer);
        let served_against_workforce = self.served_against_workforce(scope, &from, &to, lang).await?;
        Ok(EquityReport {
            as_of: date_text(as_of),
            from: filter.from.map(date_text),
            to: filter.to.map(date_text),
            organization: scope.organization(),
            must_met,
            must_met_by,
            prefer_met,
            prefer_met_by,
            served_against_workforce,
        })
    }

    async fn served_against_workforce(&self, scope: &Scope, from: &str, to: &str, lang: &str) -> Result<Vec<ServedAgainstWorkforce>> {
        let catalog = self.store.catalog();
        let reporting = &catalog.reporting;
        // Active peers, by region of their town and category of what they say of themselves.
        let employer = match scope {
            Scope::Organization(o) => Some(o.clone()),
            _ => None,
        };
        let pool = self.store.peer_pool(&crate::PoolFilter { employer_id: employer, worker_id: None }).await?;
        let mut workforce: BTreeMap<(String, ReportedDimension), BTreeMap<String, u64>> = BTreeMap::new();
        for (profile, card) in pool.profiles.iter().zip(&pool.cards) {
            let region = card.town.as_deref().and_then(|t| catalog.town(t)).map_or(NONE.to_string(), |t| t.region.clone());
            for dimension in ReportedDimension::ALL {
                let said: Vec<&str> = profile
                    .facts()
                    .identity
                    .iter()
                    .filter(|a| ReportedDimension::of_identity(a.dimension) == Some(dimension))
                    .map(|a| a.value.as_str())
                    .collect();
                let category = reporting.categorize(dimension, said.first().copied());
                *workforce.entry((region.clone(), dimension)).or_default().entry(category.to_string()).or_default() += 1;
            }
        }
        let mut out = Vec::new();
        for dimension in ReportedDimension::ALL {
            let column = match dimension {
                ReportedDimension::Gender => "gender",
                ReportedDimension::Race => "race",
                ReportedDimension::Ethnicity => "ethnicity",
                ReportedDimension::SexualOrientation => "sexual_orientation",
            };
            let sql = format!(
                "SELECT region, {column} AS category, CAST(COUNT(*) AS BIGINT) AS n FROM equity_members \
                 WHERE has_peer = 1 AND first_peer_on >= $1 AND first_peer_on <= $2{} GROUP BY region, {column}",
                scope.condition(3)
            );
            let mut members: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
            for r in bind_scope(sqlx::query(&sql).bind(from.to_string()).bind(to.to_string()), scope).fetch_all(&self.store.pool).await? {
                let region = r.try_get::<Option<String>, _>("region")?.unwrap_or_else(|| NONE.to_string());
                *members.entry(region).or_default().entry(r.try_get("category")?).or_default() += r.try_get::<i64, _>("n")? as u64;
            }
            let mut regions: Vec<String> = members.keys().cloned().collect();
            regions.extend(workforce.keys().filter(|(_, d)| *d == dimension).map(|(r, _)| r.clone()));
            regions.sort();
            regions.dedup();
            for region in regions {
                let keys = category_keys(reporting, dimension);
                let list = |counts: Option<&BTreeMap<String, u64>>| -> (u64, Vec<(String, u64)>) {
                    let rows: Vec<(String, u64)> = keys.iter().map(|k| (k.clone(), counts.and_then(|c| c.get(k)).copied().unwrap_or(0))).collect();
                    (rows.iter().map(|(_, n)| n).sum(), rows)
                };
                let (m_total, m_rows) = list(members.get(&region));
                let (p_total, p_rows) = list(workforce.get(&(region.clone(), dimension)));
                let (m_shown, m_lists) = suppress_distributions(m_total, &[((), m_rows)]);
                let (p_shown, p_lists) = suppress_distributions(p_total, &[((), p_rows)]);
                let named = |lists: Vec<((), Vec<ShownShare>)>| -> Vec<LabelledShare> {
                    lists
                        .into_iter()
                        .flat_map(|(_, rows)| rows)
                        .map(|share| LabelledShare { label: category_label(reporting, dimension, &share.key, lang), share })
                        .collect()
                };
                out.push(ServedAgainstWorkforce {
                    region,
                    dimension,
                    members: m_shown,
                    peers: p_shown,
                    member_shares: named(m_lists),
                    peer_shares: named(p_lists),
                });
            }
        }
        Ok(out)
    }

    /// 003's Appendix A for a cohort of members who have had a peer.
    pub async fn appendix_a(&self, cohort: CohortKind, id: &str, filter: &ReportFilter, as_of: Date, lang: &str) -> Result<AppendixA> {
        let asked = match cohort {
            CohortKind::Plan | CohortKind::Organization => Some(id),
            _ => filter.organization.as_deref(),
        };
        let scope = self.report_scope(asked, "appendix-a").await?;
        let catalog = self.store.catalog();
        let cohort_condition = match cohort {
            CohortKind::State if id == "all" => None,
            CohortKind::Role if catalog.role(id).is_some() => Some("peer_role"),
            CohortKind::Region if catalog.towns.iter().any(|t| t.region == id) => Some("region"),
            CohortKind::Plan | CohortKind::Organization => None,
            _ => {
                return Err(StoreError::Invalid(accompany_domain::Invalid(vec![accompany_domain::FieldError::new(
                    "id",
                    "no-such-cohort",
                    "a state cohort's id is \"all\", a role cohort's a catalog role id (GET /api/v1/roles), a region cohort's a region of the catalog's towns",
                )])))
            }
        };
        self.measures_gate(Decision::Permit, "report", "appendix-a").await?;
        self.refresh_measures(crate::measures::REFRESH_LIMIT).await?;
        let key = report_key("appendix-a", &scope, filter, lang, &format!("{cohort:?}:{id}"));
        self.cached_report(key, as_of, self.make_appendix_a(cohort, id, cohort_condition, &scope, filter, as_of, lang)).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn make_appendix_a(
        &self,
        cohort: CohortKind,
        id: &str,
        cohort_condition: Option<&str>,
        scope: &Scope,
        filter: &ReportFilter,
        as_of: Date,
        lang: &str,
    ) -> Result<AppendixA> {
        let catalog = self.store.catalog();
        let (from, to) = period(filter);
        let extra = cohort_condition.map(|c| format!(" AND {c} = $4")).unwrap_or_default();
        let scoped = scope.condition(3);
        // A scope without an organization binds nothing, so the cohort's id is then the third parameter.
        let extra = if scoped.is_empty() { extra.replace("$4", "$3") } else { extra };
        let base = format!("FROM equity_members WHERE first_peer_on >= $1 AND first_peer_on <= $2{scoped}{extra}");
        let mut lists = Vec::new();
        let mut total = 0u64;
        for characteristic in Characteristic::ALL {
            let column = match characteristic {
                Characteristic::AgeBand => "date_of_birth",
                Characteristic::Gender => "gender",
                Characteristic::Race => "race",
                Characteristic::Ethnicity => "ethnicity",
                Characteristic::SexualOrientation => "sexual_orientation",
                Characteristic::Plan => "plan_id",
                Characteristic::HowConnected => "how_connected",
            };
            let sql = format!("SELECT {column} AS k, CAST(COUNT(*) AS BIGINT) AS n {base} GROUP BY {column}");
            let mut q = bind_scope(sqlx::query(&sql).bind(from.clone()).bind(to.clone()), scope);
            if cohort_condition.is_some() {
                q = q.bind(id.to_string());
            }
            let mut counts: BTreeMap<String, u64> = BTreeMap::new();
            for r in q.fetch_all(&self.store.pool).await? {
                let raw = r.try_get::<Option<String>, _>("k")?.unwrap_or_else(|| NONE.to_string());
                let key =
                    if characteristic == Characteristic::AgeBand { catalog.reporting.age_band(stored_date(&raw)?, as_of).to_string() } else { raw };
                *counts.entry(key).or_default() += r.try_get::<i64, _>("n")? as u64;
            }
            total = counts.values().sum();
            let rows: Vec<(String, u64)> = match characteristic_dimension(characteristic) {
                // Every category, even empty, so a table reads the same for every cohort.
                Some(d) => category_keys(&catalog.reporting, d).into_iter().map(|k| (k.clone(), counts.get(&k).copied().unwrap_or(0))).collect(),
                None if characteristic == Characteristic::AgeBand => {
                    catalog.reporting.age_bands.iter().map(|b| (b.code.clone(), counts.get(&b.code).copied().unwrap_or(0))).collect()
                }
                None => counts.into_iter().collect(),
            };
            lists.push((characteristic, rows));
        }
        let (members, shown) = suppress_distributions(total, &lists);
        let plans: Vec<(&'static str, String)> =
            shown.iter().filter(|(c, _)| *c == Characteristic::Plan).flat_map(|(_, rows)| rows.iter().map(|s| ("plan", s.key.clone()))).collect();
        let names = self.names(plans, lang).await?;
        let tables = shown
            .into_iter()
            .map(|(characteristic, rows)| CharacteristicTable {
                characteristic,
                rows: rows
                    .into_iter()
                    .map(|share| {
                        let label = match (characteristic, characteristic_dimension(characteristic)) {
                            (_, Some(d)) => category_label(&catalog.reporting, d, &share.key, lang),
                            (Characteristic::AgeBand, _) => catalog.reporting.age_band_name(&share.key, lang).unwrap_or(&share.key).to_string(),
                            (Characteristic::Plan, _) => label(&names, "plan", &share.key),
                            _ => share.key.clone(),
                        };
                        LabelledShare { label, share }
                    })
                    .collect(),
            })
            .collect();
        Ok(AppendixA {
            cohort,
            id: id.to_string(),
            as_of: date_text(as_of),
            from: filter.from.map(date_text),
            to: filter.to.map(date_text),
            organization: scope.organization(),
            members,
            tables,
        })
    }

    /// Names of plans, organizations and roles among `(dimension, key)`; regions are their own names.
    async fn names(&self, keys: Vec<(&'static str, String)>, lang: &str) -> Result<HashMap<String, String>> {
        let mut orgs: Vec<String> = Vec::new();
        let mut names = HashMap::new();
        for (d, k) in keys {
            match d {
                "plan" | "organization" => orgs.push(k),
                "role" => {
                    if let Some(r) = self.store.catalog().role(&k) {
                        names.insert(format!("role:{k}"), r.name.get(lang).to_string());
                    }
                }
                _ => {}
            }
        }
        orgs.sort();
        orgs.dedup();
        for r in crate::rows::rows_for_ids(&self.store.pool, "SELECT id, name FROM organizations WHERE id IN ({ids})", &orgs).await? {
            let id: String = r.try_get("id")?;
            let name: String = r.try_get("name")?;
            names.insert(format!("organization:{id}"), name.clone());
            names.insert(format!("plan:{id}"), name);
        }
        Ok(names)
    }
}

/// What a report was asked for, as its key in the cache.
fn report_key(kind: &str, scope: &Scope, filter: &ReportFilter, lang: &str, more: &str) -> String {
    format!("{kind}|{}|{:?}|{:?}|{lang}|{more}", scope.organization().unwrap_or_default(), filter.from, filter.to)
}

fn period(filter: &ReportFilter) -> (String, String) {
    (filter.from.map(date_text).unwrap_or_else(|| "0000-01-01".into()), filter.to.map(date_text).unwrap_or_else(|| "9999-12-31".into()))
}

fn label(names: &HashMap<String, String>, dimension: &str, key: &str) -> String {
    names.get(&format!("{dimension}:{key}")).cloned().unwrap_or_else(|| key.to_string())
}

/// The categories of a side, in catalog order, then self-described and not answered.
fn category_keys(reporting: &accompany_domain::equity::ReportingSettings, dimension: ReportedDimension) -> Vec<String> {
    let mut keys: Vec<String> = reporting.categories_of(dimension).map(|c| c.code.clone()).collect();
    keys.push(accompany_domain::equity::SELF_DESCRIBED.into());
    keys.push(NOT_ANSWERED.into());
    keys
}

fn category_label(reporting: &accompany_domain::equity::ReportingSettings, dimension: ReportedDimension, key: &str, lang: &str) -> String {
    reporting.category_name(dimension, key, lang).unwrap_or(key).to_string()
}

fn equity_label(catalog: &accompany_domain::Catalog, dimension: EquityDimension, key: &str, lang: &str) -> String {
    let reported = match dimension {
        EquityDimension::Race => ReportedDimension::Race,
        EquityDimension::Ethnicity => ReportedDimension::Ethnicity,
        EquityDimension::Gender => ReportedDimension::Gender,
        EquityDimension::Language => {
            return catalog.languages.iter().find(|l| l.code == key).map_or(key.to_string(), |l| l.name.get(lang).to_string())
        }
    };
    category_label(&catalog.reporting, reported, key, lang)
}

fn characteristic_dimension(c: Characteristic) -> Option<ReportedDimension> {
    match c {
        Characteristic::Gender => Some(ReportedDimension::Gender),
        Characteristic::Race => Some(ReportedDimension::Race),
        Characteristic::Ethnicity => Some(ReportedDimension::Ethnicity),
        Characteristic::SexualOrientation => Some(ReportedDimension::SexualOrientation),
        _ => None,
    }
}
