//! A peer's month and each supervisee's activity, read from contacts and
//! care teams for the peer's own dashboard and their supervisor's. Counts
//! come from grouped queries over indexed columns, one per figure, never
//! one query per worker or member.

use std::collections::HashMap;

use accompany_domain::activity::{window_start, Activity};
use sqlx::Row;
use time::Date;

use crate::rows::{rows_for_ids, stored_date};
use crate::{Result, Store};

impl Store {
    /// Each worker's active caseload, contacts logged in the last
    /// days (`accompany_domain::activity::ACTIVITY_WINDOW_DAYS`) and last contact, up to `today`.
    /// Workers without members or contacts are all zeros.
    pub(crate) async fn activity_of(&self, worker_ids: &[String], today: Date) -> Result<HashMap<String, Activity>> {
        let mut out: HashMap<String, Activity> = worker_ids.iter().map(|id| (id.clone(), Activity::default())).collect();
        let members = rows_for_ids(
            &self.pool,
            "SELECT w.id, CAST(COUNT(DISTINCT tm.member_id) AS BIGINT) AS n FROM workers w \
             JOIN team_members tm ON tm.user_id = w.user_id AND tm.team_role = 'peer' AND tm.until IS NULL \
             WHERE w.id IN ({ids}) GROUP BY w.id",
            worker_ids,
        )
        .await?;
        for r in members {
            let id: String = r.try_get(0)?;
            let n: i64 = r.try_get(1)?;
            out.entry(id).or_default().members = u32::try_from(n).unwrap_or(u32::MAX);
        }
        // Dates are ours, written as YYYY-MM-DD: safe to put in the text.
        let since = window_start(today);
        // Only the window's contacts are read; the last contact is one seek per
        // worker on contact_notes(author_id, contact_date).
        let recent = rows_for_ids(
            &self.pool,
            &format!(
                "SELECT w.id, CAST(COUNT(*) AS BIGINT) AS recent FROM workers w \
                 JOIN contact_notes n ON n.author_id = w.user_id AND n.contact_date >= '{since}' AND n.contact_date <= '{today}' \
                 WHERE w.id IN ({{ids}}) GROUP BY w.id"
            ),
            worker_ids,
        )
        .await?;
        for r in recent {
            let id: String = r.try_get(0)?;
            let n: i64 = r.try_get(1)?;
            out.entry(id).or_default().contacts = u32::try_from(n).unwrap_or(u32::MAX);
        }
        let last = rows_for_ids(
            &self.pool,
            &format!(
                "SELECT w.id, (SELECT MAX(n.contact_date) FROM contact_notes n WHERE n.author_id = w.user_id AND n.contact_date <= '{today}') AS last \
                 FROM workers w WHERE w.id IN ({{ids}})"
            ),
            worker_ids,
        )
        .await?;
        for r in last {
            let id: String = r.try_get(0)?;
            let last: Option<String> = r.try_get(1)?;
            out.entry(id).or_default().last_contact = last.as_deref().map(stored_date).transpose()?;
        }
        Ok(out)
    }

    /// The dates of the contacts the user logged from `since` to `today`.
    pub(crate) async fn contact_dates(&self, user_id: &str, since: Date, today: Date) -> Result<Vec<Date>> {
        let rows = sqlx::query("SELECT contact_date FROM contact_notes WHERE author_id = $1 AND contact_date >= $2 AND contact_date <= $3")
            .bind(user_id)
            .bind(since.to_string())
            .bind(today.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| stored_date(&r.try_get::<String, _>(0)?)).collect()
    }
}
