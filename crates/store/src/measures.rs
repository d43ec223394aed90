//! Outcome measures: each member's cases and counts rolled up in
//! `measure_members` and `measure_cases` (migration 0016), recomputed for
//! the members a write marked stale and, nightly, for everyone; the report
//! sums them per measure, peer, organization, plan and region, and sends
//! every count through the small-cell rule. Reading events and contacts
//! for measures is health-care operations (quality assessment): audited.

use std::collections::{BTreeMap, HashMap};

use accompany_domain::claim_data::Icd10;
use accompany_domain::contacts::EngagementRule;
use accompany_domain::events::EventKind;
use accompany_domain::measures::report::{suppress_did, suppress_rates, Breakdown, Dimension, ShownDiffInDiff, ShownRate, NONE};
use accompany_domain::measures::{
    before_after, did_of_distinct, member_cases, BeforeAfter, CareEvent, MemberFacts, PeerSpan, Rate, WindowCounts, ENGAGEMENT, GOAL_ATTAINMENT,
    LONGEST_FOLLOW_UP_DAYS, RETENTION, RETENTION_DAYS, UTILIZATION, UTILIZATION_WINDOW_DAYS,
};
use accompany_domain::policy::{may_compute_measures, may_read_measures, Decision};
use accompany_domain::privacy::{Categories, Category, Purpose};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::{Date, Duration};

use crate::access::Access;
use crate::bulk::{insert_rows, Val};
use crate::rows::{date_text, placeholders, stored_date};
use crate::{now_text, Result, StoreError};

/// Members recomputed per transaction.
const CHUNK: usize = 2_000;

/// Stale members a report recomputes before it answers; more wait for the
/// nightly rebuild (the report says how many).
pub const REFRESH_LIMIT: usize = 50_000;

/// Reports already made, by what was asked: each with the rollups'
/// generation and the day it was made for. A recompute raises the
/// generation (in the database, so that every process sees it), so a
/// report is made again after any change to what it counts.
#[derive(Clone, Default)]
pub(crate) struct ReportCache(std::sync::Arc<std::sync::Mutex<HashMap<String, Cached>>>);

#[derive(Clone)]
struct Cached {
    generation: i64,
    as_of: Date,
    report: std::sync::Arc<dyn std::any::Any + Send + Sync>,
}

/// Reports kept at once; more and the oldest are dropped.
const CACHED_REPORTS: usize = 512;

impl ReportCache {
    fn get<T: Clone + 'static>(&self, key: &str, generation: i64, as_of: Date) -> Option<T> {
        let map = self.0.lock().ok()?;
        let c = map.get(key).filter(|c| c.generation == generation && c.as_of == as_of)?;
        c.report.downcast_ref::<T>().cloned()
    }

    fn put<T: Clone + Send + Sync + 'static>(&self, key: String, generation: i64, as_of: Date, report: &T) {
        if let Ok(mut map) = self.0.lock() {
            if map.len() >= CACHED_REPORTS {
                map.retain(|_, c| c.generation == generation && c.as_of == as_of);
                if map.len() >= CACHED_REPORTS {
                    map.clear();
                }
            }
            map.insert(key, Cached { generation, as_of, report: std::sync::Arc::new(report.clone()) });
        }
    }
}

/// What a rebuild or refresh did.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize)]
pub struct Recomputed {
    pub members: u64,
    pub cases: u64,
}

/// A period and an organization a report is limited to.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    /// Index days from this day on.
    pub from: Option<Date>,
    /// Index days up to this day.
    pub to: Option<Date>,
    /// A provider organization (its peers' members) or a health plan (its members).
    pub organization: Option<String>,
}

/// One rate measure of a report.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct MeasureResult {
    pub code: String,
    pub version: u32,
    pub name: String,
    /// The follow-up or retention window, in days.
    pub days: Option<u32>,
    #[serde(flatten)]
    pub total: ShownRate,
    pub breakdowns: Vec<LabelledBreakdown>,
}

/// A breakdown with each group's name.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct LabelledBreakdown {
    pub dimension: Dimension,
    pub groups: Vec<LabelledGroup>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct LabelledGroup {
    pub key: String,
    pub label: String,
    #[serde(flatten)]
    pub rate: ShownRate,
}

/// Acute care before and after the first peer contact, against the comparison group.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct AcuteCareUse {
    pub code: String,
    pub version: u32,
    pub name: String,
    pub window_days: u32,
    /// Peer group minus comparison group, per 1,000 member-months; `None`
    /// when either group is empty.
    pub estimate: Option<ShownDiffInDiff>,
}

/// Every measure, after suppression.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct MeasuresReport {
    pub as_of: String,
    pub from: Option<String>,
    pub to: Option<String>,
    /// The organization the report is limited to, if any.
    pub organization: Option<String>,
    /// When everyone was last recomputed.
    pub built_at: Option<String>,
    /// Members whose rows are older than their data (more than a report recomputes at once).
    pub stale_members: u64,
    pub measures: Vec<MeasureResult>,
    pub acute_care_use: AcuteCareUse,
}

fn date(r: &AnyRow, column: &str) -> Result<Option<Date>> {
    r.try_get::<Option<String>, _>(column)?.map(|s| stored_date(&s)).transpose()
}

pub(crate) async fn rows_in(tx: &mut Transaction<'static, Any>, sql: &str, ids: &[String]) -> Result<Vec<AnyRow>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(400) {
        let text = sql.replace("{ids}", &placeholders(chunk.len(), 0));
        let mut q = sqlx::query(&text);
        for id in chunk {
            q = q.bind(id);
        }
        out.extend(q.fetch_all(&mut **tx).await?);
    }
    Ok(out)
}

/// A peer place on a member's team.
struct PeerRow {
    user_id: String,
    until: Option<Date>,
}

impl Access {
    /// Recompute every member, a chunk per transaction, telling `progress`
    /// how many are done of how many. For state admins (the nightly job).
    pub async fn rebuild_measures(&self, progress: &mut (dyn FnMut(u64, u64) + Send)) -> Result<Recomputed> {
        self.measures_gate(may_compute_measures(self.actor()), "compute", "measures").await?;
        let total: i64 = sqlx::query("SELECT COUNT(*) FROM members").fetch_one(&self.store.pool).await?.try_get(0)?;
        let mut done = Recomputed::default();
        let mut after = String::new();
        loop {
            let mut tx = self.store.begin().await?;
            let ids: Vec<String> = sqlx::query("SELECT id FROM members WHERE id > $1 ORDER BY id LIMIT $2")
                .bind(&after)
                .bind(CHUNK as i64)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| r.try_get(0))
                .collect::<std::result::Result<_, _>>()?;
            let Some(last) = ids.last() else { break };
            after = last.clone();
            rows_in(&mut tx, "DELETE FROM measure_stale WHERE member_id IN ({ids})", &ids).await?;
            done.cases += self.recompute(&mut tx, &ids).await?;
            done.members += ids.len() as u64;
            tx.commit().await?;
            progress(done.members, total as u64);
        }
        let mut tx = self.store.begin().await?;
        sqlx::query("DELETE FROM measure_builds").execute(&mut *tx).await?;
        sqlx::query("INSERT INTO measure_builds (id, built_at, members) VALUES (1, $1, $2)")
            .bind(now_text())
            .bind(done.members as i64)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Recompute up to `limit` members a write marked stale.
    pub async fn refresh_measures(&self, limit: usize) -> Result<Recomputed> {
        let mut done = Recomputed::default();
        while (done.members as usize) < limit {
            let mut tx = self.store.begin().await?;
            let take = CHUNK.min(limit - done.members as usize);
            let ids: Vec<String> = sqlx::query("SELECT member_id FROM measure_stale ORDER BY member_id LIMIT $1")
                .bind(take as i64)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| r.try_get(0))
                .collect::<std::result::Result<_, _>>()?;
            if ids.is_empty() {
                break;
            }
            // Taken first: a write to one of these members from now on
            // waits for this transaction and marks the member again.
            rows_in(&mut tx, "DELETE FROM measure_stale WHERE member_id IN ({ids})", &ids).await?;
            done.cases += self.recompute(&mut tx, &ids).await?;
            done.members += ids.len() as u64;
            tx.commit().await?;
        }
        Ok(done)
    }

    /// Audit a use of every member's records for operations (quality
    /// assessment) as `entity`; a refusal is an error.
    pub(crate) async fn measures_gate(&self, decision: Decision, action: &str, entity: &str) -> Result<()> {
        let labels = Categories::of(&[Category::MentalHealth, Category::SubstanceUse, Category::CarePlan, Category::Identity]);
        self.audit_member(action, entity, None, None, &decision, labels, Some(Purpose::Operations)).await?;
        match decision {
            Decision::Deny(why) => Err(StoreError::Denied(why)),
            _ => Ok(()),
        }
    }

    /// Whose members a report of `entity` covers: the state, or the
    /// organization asked for or the reader's own. A refusal is audited.
    pub(crate) async fn report_scope(&self, asked: Option<&str>, entity: &str) -> Result<Scope> {
        let limited_to = match may_read_measures(self.actor(), asked) {
            Ok(o) => o,
            Err(decision) => {
                self.measures_gate(decision, "report", entity).await?;
                return Err(StoreError::Denied("not allowed to read reports"));
            }
        };
        let Some(org) = limited_to else { return Ok(Scope::State) };
        let kind: Option<String> = sqlx::query("SELECT kind FROM organizations WHERE id = $1")
            .bind(&org)
            .fetch_optional(&self.store.pool)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        match kind.as_deref() {
            None => Err(StoreError::Invalid(accompany_domain::Invalid(vec![accompany_domain::FieldError::new(
                "organization",
                "no-such-organization",
                "no organization has this id; list them with GET /api/v1/organizations",
            )]))),
            Some("health-plan") => Ok(Scope::Plan(org)),
            Some(_) => Ok(Scope::Organization(org)),
        }
    }

    /// The report `key` asks for as of `as_of`: the one made before if the
    /// rollups have not changed since, else `make`'s (kept for next time).
    /// Call after the gate, the audit and the refresh.
    pub(crate) async fn cached_report<T, F>(&self, key: String, as_of: Date, make: F) -> Result<T>
    where
        T: Clone + Send + Sync + 'static,
        F: std::future::Future<Output = Result<T>>,
    {
        let generation: i64 = sqlx::query("SELECT generation FROM measure_generation WHERE id = 1").fetch_one(&self.store.pool).await?.try_get(0)?;
        if let Some(hit) = self.store.reports.get::<T>(&key, generation, as_of) {
            return Ok(hit);
        }
        let report = make.await?;
        self.store.reports.put(key, generation, as_of, &report);
        Ok(report)
    }

    /// Replace the rows of `ids` with freshly computed ones; returns the cases written.
    async fn recompute(&self, tx: &mut Transaction<'static, Any>, ids: &[String]) -> Result<u64> {
        sqlx::query("UPDATE measure_generation SET generation = generation + 1 WHERE id = 1").execute(&mut **tx).await?;
        let catalog = self.store.catalog();
        let settings = &catalog.measures;
        rows_in(tx, "DELETE FROM measure_cases WHERE member_id IN ({ids})", ids).await?;
        rows_in(tx, "DELETE FROM measure_members WHERE member_id IN ({ids})", ids).await?;

        let members = rows_in(tx, "SELECT id, date_of_birth, city, plan_id FROM members WHERE id IN ({ids})", ids).await?;
        let mut peers: HashMap<String, Vec<PeerRow>> = HashMap::new();
        for r in rows_in(tx, "SELECT member_id, user_id, until FROM team_members WHERE team_role = 'peer' AND member_id IN ({ids})", ids).await? {
            peers.entry(r.try_get("member_id")?).or_default().push(PeerRow { user_id: r.try_get("user_id")?, until: date(&r, "until")? });
        }
        let mut contacts: HashMap<String, Vec<Date>> = HashMap::new();
        for r in rows_in(tx, "SELECT member_id, author_id, contact_date FROM contact_notes WHERE member_id IN ({ids})", ids).await? {
            let member: String = r.try_get("member_id")?;
            let author: String = r.try_get("author_id")?;
            // A peer contact is one written by someone who is or was the member's peer.
            if peers.get(&member).is_some_and(|ps| ps.iter().any(|p| p.user_id == author)) {
                let day = stored_date(&r.try_get::<String, _>("contact_date")?)?;
                contacts.entry(member).or_default().push(day);
            }
        }
        let mut events: HashMap<String, Vec<CareEvent>> = HashMap::new();
        for r in rows_in(tx, "SELECT member_id, kind, start_date, end_date, diagnoses FROM care_events WHERE member_id IN ({ids})", ids).await? {
            let member: String = r.try_get("member_id")?;
            let kind: String = r.try_get("kind")?;
            let codes: Vec<String> = serde_json::from_str(&r.try_get::<String, _>("diagnoses")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            events.entry(member.clone()).or_default().push(CareEvent {
                member_id: member,
                kind: EventKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("event kind {kind}")))?,
                start: stored_date(&r.try_get::<String, _>("start_date")?)?,
                end: date(&r, "end_date")?,
                diagnoses: codes.iter().filter_map(|c| Icd10::from_stored(c)).collect(),
            });
        }
        let mut referred: HashMap<String, Date> = HashMap::new();
        for r in rows_in(tx, "SELECT member_id, first_arrived_at FROM referrals WHERE member_id IN ({ids})", ids).await? {
            let day = stored_date(&r.try_get::<String, _>("first_arrived_at")?.chars().take(10).collect::<String>())?;
            let member: String = r.try_get("member_id")?;
            referred.entry(member).and_modify(|d| *d = (*d).min(day)).or_insert(day);
        }
        let mut goals: HashMap<String, (i64, i64)> = HashMap::new();
        for r in rows_in(tx, "SELECT member_id, status FROM recovery_goals WHERE member_id IN ({ids})", ids).await? {
            let g = goals.entry(r.try_get("member_id")?).or_default();
            g.0 += 1;
            g.1 += i64::from(r.try_get::<String, _>("status")? == "achieved");
        }
        let peer_users: Vec<String> = {
            let mut u: Vec<String> = peers.values().flatten().map(|p| p.user_id.clone()).collect();
            u.sort();
            u.dedup();
            u
        };
        let mut employers: HashMap<String, (String, String)> = HashMap::new();
        for r in rows_in(tx, "SELECT user_id, employer_id, role_id FROM workers WHERE user_id IN ({ids})", &peer_users).await? {
            employers.insert(r.try_get("user_id")?, (r.try_get("employer_id")?, r.try_get("role_id")?));
        }

        let specs = settings.follow_up_specs();
        // Towns repeat: each is looked up in the catalog once.
        let mut regions: HashMap<String, Option<String>> = HashMap::new();
        let mut member_rows: Vec<Vec<Val>> = Vec::new();
        let mut case_rows: Vec<Vec<Val>> = Vec::new();
        for m in &members {
            let id: String = m.try_get("id")?;
            let facts = MemberFacts { member_id: id.clone(), date_of_birth: stored_date(&m.try_get::<String, _>("date_of_birth")?)? };
            let own_events: Vec<&CareEvent> = events.get(&id).map(|e| e.iter().collect()).unwrap_or_default();
            let mut own_contacts = contacts.remove(&id).unwrap_or_default();
            own_contacts.sort();
            let own_peers = peers.get(&id).map_or(&[][..], Vec::as_slice);
            // The current peer, else the one who left last.
            let peer = own_peers.iter().find(|p| p.until.is_none()).or_else(|| own_peers.iter().max_by_key(|p| p.until));
            let ended = peer.and_then(|p| p.until);
            let (organization, role) = match peer.and_then(|p| employers.get(&p.user_id)) {
                Some((o, r)) => (Some(o.clone()), Some(r.as_str())),
                None => (None, None),
            };
            let city: Option<String> = m.try_get("city")?;
            let region = match city {
                Some(c) => regions.entry(c).or_insert_with_key(|c| catalog.town(c).map(|t| t.region.clone())).clone(),
                None => None,
            };
            let plan: Option<String> = m.try_get("plan_id")?;
            let dims = [peer.map(|p| p.user_id.clone()), organization.clone(), plan.clone(), region.clone()];

            let span = own_contacts.first().map(|first| PeerSpan { first_contact: *first, ended });
            for spec in &specs {
                for case in member_cases(spec, &settings.value_sets, &facts, &own_events, &own_contacts, span) {
                    let mut row: Vec<Val> =
                        vec![id.clone().into(), spec.code.into(), date_text(case.index).into(), Val::OptInt(case.followed_up_on_day.map(i64::from))];
                    row.extend(dims.iter().cloned().map(Val::from));
                    case_rows.push(row);
                }
            }

            let first_contact = own_contacts.first().copied();
            let (cohort, index) = match (first_contact, referred.get(&id)) {
                (Some(first), _) => (Some("peer"), Some(first)),
                (None, Some(referral)) if own_peers.is_empty() => (Some("comparison"), Some(*referral)),
                _ => (None, None),
            };
            let (goal_count, achieved) = goals.get(&id).copied().unwrap_or_default();
            if cohort.is_none() && goal_count == 0 {
                continue;
            }
            let (before, after) = index.map_or_else(BeforeAfter::default, |i| before_after(i, &own_events));
            let rule = role.and_then(|r| catalog.role(r)).and_then(|r| {
                r.billing.iter().filter_map(EngagementRule::of).find_map(|e| match e {
                    EngagementRule::Connections { min, days } => Some((min, days)),
                    EngagementRule::WithinUnits { .. } => None,
                })
            });
            let engagement = match (rule, first_contact) {
                (Some((min, days)), Some(first)) => {
                    let due = first + Duration::days(i64::from(days.max(1)) - 1);
                    let n = own_contacts.iter().filter(|d| (first..=due).contains(*d)).count();
                    Some((due, n >= min as usize))
                }
                _ => None,
            };
            let retained_days = match (first_contact, ended) {
                (Some(first), Some(end)) => Some((end - first).whole_days()),
                _ => None,
            };
            let mut row: Vec<Val> = vec![id.clone().into()];
            row.extend(dims.iter().cloned().map(Val::from));
            row.extend([
                cohort.map(String::from).into(),
                index.map(date_text).into(),
                (before.ed_visits as i64).into(),
                (before.admissions as i64).into(),
                (before.inpatient_days as i64).into(),
                (after.ed_visits as i64).into(),
                (after.admissions as i64).into(),
                (after.inpatient_days as i64).into(),
                Val::OptInt(retained_days),
                engagement.map(|(due, _)| date_text(due)).into(),
                Val::OptInt(engagement.map(|(_, met)| i64::from(met))),
                goal_count.into(),
                achieved.into(),
            ]);
            member_rows.push(row);
        }
        let cases = case_rows.len() as u64;
        let backend = self.store.backend;
        const CASE_COLUMNS: [&str; 8] =
            ["member_id", "measure", "index_date", "followed_up_on_day", "peer_user_id", "organization_id", "plan_id", "region"];
        insert_rows(tx, backend, "measure_cases", &CASE_COLUMNS, case_rows).await?;
        const MEMBER_COLUMNS: [&str; 18] = [
            "member_id",
            "peer_user_id",
            "organization_id",
            "plan_id",
            "region",
            "cohort",
            "index_date",
            "before_ed",
            "before_admissions",
            "before_days",
            "after_ed",
            "after_admissions",
            "after_days",
            "retained_days",
            "engagement_due",
            "engaged",
            "goals",
            "goals_achieved",
        ];
        insert_rows(tx, backend, "measure_members", &MEMBER_COLUMNS, member_rows).await?;
        self.recompute_equity(tx, ids).await?;
        Ok(cases)
    }

    /// Every measure over the period, after recomputing stale members,
    /// with each count through the small-cell rule. State admins see the
    /// whole state; an organization's admins their own organization's
    /// members (a plan's: its members). Audited as health-care operations.
    pub async fn measures_report(&self, filter: &ReportFilter, as_of: Date) -> Result<MeasuresReport> {
        let scope = self.report_scope(filter.organization.as_deref(), "measures").await?;
        self.measures_gate(Decision::Permit, "report", "measures").await?;
        self.refresh_measures(REFRESH_LIMIT).await?;
        let key = format!("measures|{}|{:?}|{:?}", scope.organization().unwrap_or_default(), filter.from, filter.to);
        self.cached_report(key, as_of, self.make_measures_report(&scope, filter, as_of)).await
    }

    async fn make_measures_report(&self, scope: &Scope, filter: &ReportFilter, as_of: Date) -> Result<MeasuresReport> {
        let pool = &self.store.pool;
        let stale: i64 = sqlx::query("SELECT COUNT(*) FROM measure_stale").fetch_one(pool).await?.try_get(0)?;
        let built_at: Option<String> =
            sqlx::query("SELECT built_at FROM measure_builds WHERE id = 1").fetch_optional(pool).await?.map(|r| r.try_get(0)).transpose()?;

        let from = filter.from.map(date_text).unwrap_or_else(|| "0000-01-01".into());
        let to = filter.to.map(date_text).unwrap_or_else(|| "9999-12-31".into());
        let days_ago = |n: u32| date_text(as_of - Duration::days(i64::from(n)));
        let catalog = self.store.catalog();
        let settings = &catalog.measures;
        let name_of = |code: &str| settings.definition(code).map(|d| d.name.get("en").to_string()).unwrap_or_else(|| code.to_string());
        let version_of = |code: &str| settings.definition(code).map_or(1, |d| d.version);

        // Follow-up: one scan of the cases, grouped by measure and every dimension.
        let [short, long] = accompany_domain::measures::FOLLOW_UP_DAYS;
        let sql = format!(
            "SELECT measure, peer_user_id, organization_id, plan_id, region, \
             CAST(SUM(CASE WHEN index_date <= $3 THEN 1 ELSE 0 END) AS BIGINT) AS due_short, \
             CAST(SUM(CASE WHEN index_date <= $3 AND followed_up_on_day <= {short} THEN 1 ELSE 0 END) AS BIGINT) AS met_short, \
             CAST(SUM(CASE WHEN index_date <= $4 THEN 1 ELSE 0 END) AS BIGINT) AS due_long, \
             CAST(SUM(CASE WHEN index_date <= $4 AND followed_up_on_day <= {long} THEN 1 ELSE 0 END) AS BIGINT) AS met_long \
             FROM measure_cases WHERE index_date >= $1 AND index_date <= $2{} \
             GROUP BY measure, peer_user_id, organization_id, plan_id, region",
            scope.condition(5)
        );
        let q = sqlx::query(&sql).bind(from.clone()).bind(to.clone()).bind(days_ago(short)).bind(days_ago(long.min(LONGEST_FOLLOW_UP_DAYS)));
        let q = bind_scope(q, scope);
        let mut follow_up: BTreeMap<(String, u32), Vec<(Keys, Rate)>> = BTreeMap::new();
        for r in q.fetch_all(pool).await? {
            let keys = Keys::of(&r)?;
            let measure: String = r.try_get("measure")?;
            let rate = |n: &str, d: &str| -> Result<Rate> {
                Ok(Rate { numerator: r.try_get::<i64, _>(n)? as u64, denominator: r.try_get::<i64, _>(d)? as u64 })
            };
            follow_up.entry((measure.clone(), short)).or_default().push((keys.clone(), rate("met_short", "due_short")?));
            follow_up.entry((measure, long)).or_default().push((keys, rate("met_long", "due_long")?));
        }

        // Member-level measures: one scan of the members' rows.
        let [r90, r180] = RETENTION_DAYS;
        let sql = format!(
            "SELECT peer_user_id, organization_id, plan_id, region, \
             CAST(SUM(CASE WHEN cohort = 'peer' AND index_date >= $1 AND index_date <= $2 AND engagement_due <= $3 THEN 1 ELSE 0 END) AS BIGINT) AS engagement_due, \
             CAST(SUM(CASE WHEN cohort = 'peer' AND index_date >= $1 AND index_date <= $2 AND engagement_due <= $3 AND engaged = 1 THEN 1 ELSE 0 END) AS BIGINT) AS engaged, \
             CAST(SUM(CASE WHEN cohort = 'peer' AND index_date >= $1 AND index_date <= $2 AND index_date <= $4 THEN 1 ELSE 0 END) AS BIGINT) AS due_short, \
             CAST(SUM(CASE WHEN cohort = 'peer' AND index_date >= $1 AND index_date <= $2 AND index_date <= $4 AND (retained_days IS NULL OR retained_days >= {r90}) THEN 1 ELSE 0 END) AS BIGINT) AS kept_short, \
             CAST(SUM(CASE WHEN cohort = 'peer' AND index_date >= $1 AND index_date <= $2 AND index_date <= $5 THEN 1 ELSE 0 END) AS BIGINT) AS due_long, \
             CAST(SUM(CASE WHEN cohort = 'peer' AND index_date >= $1 AND index_date <= $2 AND index_date <= $5 AND (retained_days IS NULL OR retained_days >= {r180}) THEN 1 ELSE 0 END) AS BIGINT) AS kept_long, \
             CAST(SUM(CASE WHEN goals > 0 THEN 1 ELSE 0 END) AS BIGINT) AS with_goals, \
             CAST(SUM(CASE WHEN goals_achieved > 0 THEN 1 ELSE 0 END) AS BIGINT) AS achieved \
             FROM measure_members WHERE 1 = 1{} \
             GROUP BY peer_user_id, organization_id, plan_id, region",
            scope.condition(6)
        );
        let q = sqlx::query(&sql).bind(from.clone()).bind(to.clone()).bind(date_text(as_of)).bind(days_ago(r90)).bind(days_ago(r180));
        let q = bind_scope(q, scope);
        let (mut engagement, mut kept_short, mut kept_long, mut goal_rows) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for r in q.fetch_all(pool).await? {
            let keys = Keys::of(&r)?;
            let rate = |n: &str, d: &str| -> Result<Rate> {
                Ok(Rate { numerator: r.try_get::<i64, _>(n)? as u64, denominator: r.try_get::<i64, _>(d)? as u64 })
            };
            engagement.push((keys.clone(), rate("engaged", "engagement_due")?));
            kept_short.push((keys.clone(), rate("kept_short", "due_short")?));
            kept_long.push((keys.clone(), rate("kept_long", "due_long")?));
            goal_rows.push((keys, rate("achieved", "with_goals")?));
        }

        let labels = self.labels(&follow_up, &[&engagement, &goal_rows]).await?;
        let result = |code: &str, days: Option<u32>, rows: &[(Keys, Rate)]| {
            let (total, breakdowns) = suppress_rates(rows.iter().map(|(_, r)| *r).sum(), &Keys::breakdowns(rows));
            MeasureResult {
                code: code.to_string(),
                version: version_of(code),
                name: name_of(code),
                days,
                total,
                breakdowns: labelled(breakdowns, &labels),
            }
        };
        let mut measures = Vec::new();
        for spec in settings.follow_up_specs() {
            for days in [short, long] {
                measures.push(result(spec.code, Some(days), follow_up.get(&(spec.code.to_string(), days)).map_or(&[][..], Vec::as_slice)));
            }
        }
        measures.push(result(ENGAGEMENT, None, &engagement));
        measures.push(result(RETENTION, Some(r90), &kept_short));
        measures.push(result(RETENTION, Some(r180), &kept_long));
        measures.push(result(GOAL_ATTAINMENT, None, &goal_rows));

        // Acute care before and after: distinct rows of counts per cohort.
        // The comparison group belongs to no organization: a provider's
        // report compares its members with all of it.
        let window_closed = date_text(as_of - Duration::days(i64::from(UTILIZATION_WINDOW_DAYS)));
        let to_closed = if to < window_closed { to.clone() } else { window_closed };
        let mut groups = Vec::new();
        for cohort in ["peer", "comparison"] {
            // The comparison group belongs to no provider: a provider's members are compared with all of it.
            let scoped = cohort == "peer" || matches!(scope, Scope::Plan(_));
            let condition = if scoped { scope.condition(3) } else { String::new() };
            let text = format!(
                "SELECT before_ed, before_admissions, before_days, after_ed, after_admissions, after_days, CAST(COUNT(*) AS BIGINT) AS n \
                 FROM measure_members WHERE cohort = '{cohort}' AND index_date >= $1 AND index_date <= $2{condition} \
                 GROUP BY before_ed, before_admissions, before_days, after_ed, after_admissions, after_days"
            );
            let mut q = sqlx::query(&text).bind(from.clone()).bind(to_closed.clone());
            if scoped {
                q = bind_scope(q, scope);
            }
            let mut rows = Vec::new();
            for r in q.fetch_all(pool).await? {
                let c = |n: &str| -> Result<u64> { Ok(r.try_get::<i64, _>(n)? as u64) };
                let before = WindowCounts { ed_visits: c("before_ed")?, admissions: c("before_admissions")?, inpatient_days: c("before_days")? };
                let after = WindowCounts { ed_visits: c("after_ed")?, admissions: c("after_admissions")?, inpatient_days: c("after_days")? };
                rows.push(((before, after), c("n")?));
            }
            groups.push(rows);
        }
        let estimate = did_of_distinct(&groups[0], &groups[1], settings.bootstrap_seed).map(|d| suppress_did(&d));

        Ok(MeasuresReport {
            as_of: date_text(as_of),
            from: filter.from.map(date_text),
            to: filter.to.map(date_text),
            organization: scope.organization(),
            built_at,
            stale_members: stale as u64,
            measures,
            acute_care_use: AcuteCareUse {
                code: UTILIZATION.into(),
                version: version_of(UTILIZATION),
                name: name_of(UTILIZATION),
                window_days: UTILIZATION_WINDOW_DAYS,
                estimate,
            },
        })
    }

    /// Names for the groups: peers' and organizations' names; regions are their own.
    async fn labels(&self, follow_up: &BTreeMap<(String, u32), Vec<(Keys, Rate)>>, others: &[&Vec<(Keys, Rate)>]) -> Result<HashMap<String, String>> {
        let mut users = Vec::new();
        let mut orgs = Vec::new();
        for (k, _) in follow_up.values().flatten().chain(others.iter().flat_map(|v| v.iter())) {
            users.extend(k.0[0].clone());
            orgs.extend(k.0[1].clone());
            orgs.extend(k.0[2].clone());
        }
        users.sort();
        users.dedup();
        orgs.sort();
        orgs.dedup();
        let mut names = HashMap::new();
        for r in crate::rows::rows_for_ids(&self.store.pool, "SELECT id, display_name FROM users WHERE id IN ({ids})", &users).await? {
            names.insert(format!("peer:{}", r.try_get::<String, _>("id")?), r.try_get("display_name")?);
        }
        for r in crate::rows::rows_for_ids(&self.store.pool, "SELECT id, name FROM organizations WHERE id IN ({ids})", &orgs).await? {
            let id: String = r.try_get("id")?;
            let name: String = r.try_get("name")?;
            names.insert(format!("organization:{id}"), name.clone());
            names.insert(format!("plan:{id}"), name);
        }
        Ok(names)
    }
}

/// Whose members a report covers.
pub(crate) enum Scope {
    State,
    /// A provider: the members its peers serve.
    Organization(String),
    /// A health plan: its members.
    Plan(String),
}

impl Scope {
    /// The condition on a row, binding the organization as parameter `n`.
    pub(crate) fn condition(&self, n: usize) -> String {
        match self {
            Scope::State => String::new(),
            Scope::Organization(_) => format!(" AND organization_id = ${n}"),
            Scope::Plan(_) => format!(" AND plan_id = ${n}"),
        }
    }

    pub(crate) fn organization(&self) -> Option<String> {
        match self {
            Scope::State => None,
            Scope::Organization(o) | Scope::Plan(o) => Some(o.clone()),
        }
    }
}

pub(crate) type Query<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>;

pub(crate) fn bind_scope<'q>(q: Query<'q>, scope: &Scope) -> Query<'q> {
    match scope.organization() {
        Some(o) => q.bind(o),
        None => q,
    }
}

/// A group's values of the four dimensions (peer, organization, plan, region).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Keys([Option<String>; 4]);

impl Keys {
    fn of(r: &AnyRow) -> Result<Keys> {
        Ok(Keys([r.try_get("peer_user_id")?, r.try_get("organization_id")?, r.try_get("plan_id")?, r.try_get("region")?]))
    }

    /// The rows summed per dimension, each with a group for "none".
    fn breakdowns(rows: &[(Keys, Rate)]) -> Vec<(Dimension, Vec<(String, Rate)>)> {
        Dimension::ALL
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let mut sums: BTreeMap<String, Rate> = BTreeMap::new();
                for (k, r) in rows {
                    let key = k.0[i].clone().unwrap_or_else(|| NONE.to_string());
                    let e = sums.entry(key).or_default();
                    *e = *e + *r;
                }
                (*d, sums.into_iter().filter(|(_, r)| r.denominator > 0).collect())
            })
            .collect()
    }
}

fn labelled(breakdowns: Vec<Breakdown>, names: &HashMap<String, String>) -> Vec<LabelledBreakdown> {
    breakdowns
        .into_iter()
        .map(|b| LabelledBreakdown {
            dimension: b.dimension,
            groups: b
                .groups
                .into_iter()
                .map(|g| {
                    let label = if g.key == NONE {
                        NONE.to_string()
                    } else {
                        names.get(&format!("{}:{}", b.dimension.as_str(), g.key)).cloned().unwrap_or_else(|| g.key.clone())
                    };
                    LabelledGroup { key: g.key, label, rate: g.rate }
                })
                .collect(),
        })
        .collect()
}
