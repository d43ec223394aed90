//! Acute-care events: loaded from a plan's or hospital's file by a state
//! admin (every row checked and every member matched before anything is
//! written; an event sent before is skipped), and read on a member's record
//! by whoever sees the event's label. A peer is told which members of their
//! caseload are due a follow-up, under the care-alert label, which carries
//! the day and nothing of the diagnosis. Every load and read is audited.

use accompany_domain::claim_data::Icd10;
use std::collections::BTreeMap;

use accompany_domain::events::{follow_up_due, EventKind, EventRow, ValidEvent, FOLLOW_UP_DAYS};
use accompany_domain::policy::{may_import_events, Action, Decision};
use accompany_domain::privacy::{Categories, Category};
use accompany_domain::records::Persona;
use accompany_domain::{FieldError, Invalid};
use serde::Serialize;
use sqlx::Row;

use crate::access::{Access, Seen};
use crate::bulk::{care_event_row, insert_rows, Val, CARE_EVENT_COLUMNS};
use crate::rows::date_text;
use crate::{now_text, Result, StoreError};

/// What a load did.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct EventLoad {
    pub loaded: usize,
    /// Rows whose `external_id` was loaded before: skipped.
    pub already_loaded: usize,
}

/// One event as a reader sees it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct CareEvent {
    pub id: String,
    pub kind: EventKind,
    pub start: String,
    pub end: Option<String>,
    pub facility: Option<String>,
    /// ICD-10-CM with the dot, principal first.
    pub diagnoses: Vec<String>,
    pub category: Category,
    /// From a 42 CFR Part 2 program, as the sender's file says.
    pub part2: bool,
}

/// A member's events the reader may see, newest first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct CareEvents {
    pub events: Vec<CareEvent>,
}

/// A member of the reader's caseload who is due a follow-up after acute
/// care. Only who and the day: never the kind of care, the diagnosis or
/// the facility, which the care-alert label does not carry.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowUpDue {
    pub member_id: String,
    pub given_name: String,
    pub family_name: String,
    /// YYYY-MM-DD: the day of the latest ED visit or discharge.
    pub since: String,
}

/// The actor's own caseload: members they are the active peer of.
const MY_CASELOAD: &str = "SELECT member_id FROM team_members WHERE user_id = $1 AND team_role = 'peer' AND until IS NULL";

fn stored_day(text: &str) -> Result<time::Date> {
    accompany_domain::limits::parse_day(text).ok_or_else(|| StoreError::Corrupt(format!("day {text}")))
}

impl Access {
    /// Load events: nothing is written unless every row is good and names a
    /// member. One transaction and one audit event naming every member.
    pub async fn import_events(&self, rows: &[(usize, EventRow)]) -> Result<EventLoad> {
        let decision = may_import_events(self.actor());
        if let Decision::Deny(why) = decision {
            self.audit("import", "care-events", None, &decision).await?;
            return Err(StoreError::Denied(why));
        }
        let mut errs = Invalid::default();
        let mut valid: Vec<(String, ValidEvent)> = Vec::new();
        for (line, row) in rows {
            match row.validate() {
                Err(e) => {
                    for f in e.0 {
                        errs.push(FieldError { field: format!("line {line}: {}", f.field), ..f });
                    }
                }
                Ok(v) => {
                    let member = sqlx::query("SELECT id FROM members WHERE masshealth_id = $1")
                        .bind(&v.masshealth_id)
                        .fetch_optional(&self.store.pool)
                        .await?;
                    match member {
                        Some(m) => valid.push((m.try_get(0)?, v)),
                        None => {
                            errs.push(FieldError::new(format!("line {line}: masshealth_id"), "no-such-member", "no member has this MassHealth ID"))
                        }
                    }
                }
            }
        }
        errs.finish()?;
        let mut tx = self.store.begin().await?;
        let mut fresh = Vec::new();
        let mut already = 0;
        for (member_id, v) in valid {
            let seen = match &v.external_id {
                Some(x) => sqlx::query("SELECT 1 FROM care_events WHERE external_id = $1").bind(x).fetch_optional(&mut *tx).await?.is_some(),
                None => false,
            };
            if seen || fresh.iter().any(|(_, f): &(String, ValidEvent)| f.external_id.is_some() && f.external_id == v.external_id) {
                already += 1;
            } else {
                fresh.push((member_id, v));
            }
        }
        let now = now_text();
        let rows: Vec<Vec<Val>> = fresh.iter().map(|(member_id, v)| care_event_row(member_id, v, &self.actor().user_id, &now)).collect();
        insert_rows(&mut tx, self.store.backend, "care_events", &CARE_EVENT_COLUMNS, rows).await?;
        let mut members: Vec<String> = fresh.iter().map(|(m, _)| m.clone()).collect();
        members.sort();
        members.dedup();
        let labels = fresh.iter().map(|(_, v)| v.category()).fold(Categories::of(&[Category::Demographics]), Categories::with);
        let operations = accompany_domain::privacy::Purpose::Operations;
        self.audit_list_in(&mut tx, "import", "care-events", None, labels, operations, &members).await?;
        tx.commit().await?;
        Ok(EventLoad { loaded: fresh.len(), already_loaded: already })
    }

    /// The member's events whose label the reader sees, newest first.
    pub async fn member_events(&self, member_id: &str) -> Result<Seen<CareEvents>> {
        let c = self.checked_member_for(member_id, Action::Read, "care-events", None).await?;
        let rows = sqlx::query(
            "SELECT id, kind, start_date, end_date, facility, diagnoses, category, part2 FROM care_events WHERE member_id = $1 \
             ORDER BY start_date DESC, id",
        )
        .bind(member_id)
        .fetch_all(&self.store.pool)
        .await?;
        let mut events = Vec::new();
        for r in &rows {
            let category: String = r.try_get("category")?;
            let category = Category::parse(&category).ok_or_else(|| StoreError::Corrupt(format!("event category {category}")))?;
            if !c.visible.contains(category) {
                continue;
            }
            let kind: String = r.try_get("kind")?;
            let codes: Vec<String> = serde_json::from_str(&r.try_get::<String, _>("diagnoses")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            events.push(CareEvent {
                id: r.try_get("id")?,
                kind: EventKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("event kind {kind}")))?,
                start: r.try_get("start_date")?,
                end: r.try_get("end_date")?,
                facility: r.try_get("facility")?,
                diagnoses: codes.iter().filter_map(|c| Icd10::from_stored(c)).map(|c| c.display()).collect(),
                category,
                part2: r.try_get::<i64, _>("part2")? != 0,
            });
        }
        Ok(Seen::new(CareEvents { events }, &c))
    }

    /// The members of the actor's caseload due a follow-up today, longest
    /// waiting first. Peers and supervisors have a caseload of their own;
    /// anyone else is told of nobody. Two queries find who has something
    /// due; only those go through the policy (each check audited as a read
    /// of care alerts), and a member is listed only when the reader sees the
    /// care-alert label, so a member who turned it off is left out.
    pub async fn follow_ups_due(&self, today: time::Date) -> Result<Vec<FollowUpDue>> {
        if !matches!(self.actor().persona, Persona::PeerWorker | Persona::Supervisor) {
            return Ok(vec![]);
        }
        let me = &self.actor().user_id;
        let from = date_text(today - time::Duration::days(FOLLOW_UP_DAYS));
        let to = date_text(today);
        let rows = sqlx::query(&format!(
            "SELECT member_id, kind, start_date, end_date FROM care_events WHERE kind IN ($4, $5) \
             AND ((start_date >= $2 AND start_date <= $3) OR (end_date >= $2 AND end_date <= $3)) AND member_id IN ({MY_CASELOAD})"
        ))
        .bind(me)
        .bind(&from)
        .bind(&to)
        .bind(EventKind::EdVisit.as_str())
        .bind(EventKind::Admission.as_str())
        .fetch_all(&self.store.pool)
        .await?;
        let mut events: BTreeMap<String, Vec<(EventKind, time::Date, Option<time::Date>)>> = BTreeMap::new();
        for r in &rows {
            let kind: String = r.try_get("kind")?;
            let kind = EventKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("event kind {kind}")))?;
            let start = stored_day(&r.try_get::<String, _>("start_date")?)?;
            let end = r.try_get::<Option<String>, _>("end_date")?.as_deref().map(stored_day).transpose()?;
            events.entry(r.try_get("member_id")?).or_default().push((kind, start, end));
        }
        if events.is_empty() {
            return Ok(vec![]);
        }
        // A contact before the window cannot follow an event inside it.
        let rows = sqlx::query(&format!(
            "SELECT member_id, MAX(contact_date) AS last FROM contact_notes WHERE author_id = $1 AND contact_date >= $2 \
             AND member_id IN ({MY_CASELOAD}) GROUP BY member_id"
        ))
        .bind(me)
        .bind(&from)
        .fetch_all(&self.store.pool)
        .await?;
        let mut last_contact: BTreeMap<String, time::Date> = BTreeMap::new();
        for r in &rows {
            last_contact.insert(r.try_get("member_id")?, stored_day(&r.try_get::<String, _>("last")?)?);
        }
        let mut due = Vec::new();
        for (member_id, member_events) in &events {
            let contacts: Vec<time::Date> = last_contact.get(member_id).copied().into_iter().collect();
            let Some(since) = follow_up_due(member_events, &contacts, today) else { continue };
            let c = match self.checked_member_for(member_id, Action::Read, "care-alerts", None).await {
                Ok(c) => c,
                // Gone from the caseload, or firewalled, since the query: not the reader's to know.
                Err(StoreError::NotFound) => continue,
                Err(e) => return Err(e),
            };
            if !c.visible.contains(Category::CareAlert) {
                continue;
            }
            due.push(FollowUpDue {
                member_id: member_id.clone(),
                given_name: c.member.given_name,
                family_name: c.member.family_name,
                since: date_text(since),
            });
        }
        due.sort_by(|a, b| (&a.since, &a.family_name, &a.given_name).cmp(&(&b.since, &b.family_name, &b.given_name)));
        Ok(due)
    }
}
