//! Acute-care events: loaded from a plan's or hospital's file by a state
//! admin (every row checked and every member matched before anything is
//! written; an event sent before is skipped), and read on a member's record
//! by whoever sees the event's label. Every load and read is audited.

use accompany_domain::claim_data::Icd10;
use accompany_domain::events::{EventKind, EventRow, ValidEvent};
use accompany_domain::policy::{may_import_events, Action, Decision};
use accompany_domain::privacy::{Categories, Category};
use accompany_domain::{FieldError, Invalid};
use serde::Serialize;
use sqlx::Row;

use crate::access::{Access, Seen};
use crate::bulk::{insert_rows, Val};
use crate::ids::new_id;
use crate::rows::{date_text, to_json};
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
        let rows: Vec<Vec<Val>> = fresh
            .iter()
            .map(|(member_id, v)| {
                let codes: Vec<&str> = v.diagnoses.iter().map(Icd10::claim_form).collect();
                vec![
                    new_id().into(),
                    member_id.clone().into(),
                    v.kind.as_str().into(),
                    date_text(v.start).into(),
                    v.end.map(date_text).into(),
                    v.facility.clone().into(),
                    to_json(&codes).into(),
                    v.category().as_str().into(),
                    i64::from(v.part2).into(),
                    v.external_id.clone().into(),
                    self.actor().user_id.clone().into(),
                    now.clone().into(),
                ]
            })
            .collect();
        const COLUMNS: [&str; 12] = [
            "id",
            "member_id",
            "kind",
            "start_date",
            "end_date",
            "facility",
            "diagnoses",
            "category",
            "part2",
            "external_id",
            "imported_by",
            "imported_at",
        ];
        insert_rows(&mut tx, self.store.backend, "care_events", &COLUMNS, rows).await?;
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
}
