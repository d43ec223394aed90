//! Availability and booking: workers' weekly windows, members' sessions with
//! their peer, free slots, and the calendar feed. Booking, moving and
//! cancelling go through the policy decision point and the audit trail, and
//! the overlap rule is checked inside the transaction after both calendars
//! are locked, so two bookings racing for one time cannot both land.

use crate::ids::new_id;
use accompany_domain::booking::{
    datetime_text, free_slots, may_book, may_change_session, parse_datetime, place, times_of_day, validate_week, SessionInput, SessionStatus, Slot,
    Span, Window, WindowInput, BOOKING_HORIZON_DAYS,
};
use accompany_domain::notes::Modality;
use accompany_domain::policy::{Action, Decision};
use accompany_domain::privacy::{Categories, Purpose};
use accompany_domain::records::{short_name, Persona, TimeOfDay};
use accompany_domain::Invalid;
use serde::Serialize;
use sqlx::{Any, Row, Transaction};
use time::{Duration, PrimitiveDateTime};

use crate::access::Access;
use crate::auth::User;
use crate::rows::{to_json, WorkerData};
use crate::writes::record_version;
use crate::{now_text, Result, Store, StoreError};

/// How long a calendar feed link works before a new one must be made.
pub const CALENDAR_FEED_DAYS: i64 = 365;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Availability {
    pub worker_id: String,
    pub windows: Vec<Window>,
    /// The coarse times matching uses, derived from the windows.
    pub times: Vec<TimeOfDay>,
    /// The week's version: 0 before it was first set, then one more per change.
    pub version: i64,
}

/// A peer a member may book with.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct BookablePeer {
    pub worker_id: String,
    pub user_id: String,
    pub name: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct SessionView {
    pub id: String,
    pub member_id: String,
    pub member_name: String,
    pub worker_id: String,
    pub worker_name: String,
    /// YYYY-MM-DDTHH:MM, wall-clock.
    pub start: String,
    pub end: String,
    pub minutes: i64,
    pub modality: Modality,
    pub status: SessionStatus,
    pub version: i64,
}

const SESSION_SELECT: &str = "SELECT s.id, s.member_id, m.given_name || ' ' || m.family_name AS member_name, s.worker_id, \
     w.given_name || ' ' || w.family_name AS worker_name, s.worker_user_id, s.starts_at, s.ends_at, s.minutes, s.modality, s.status, s.version \
     FROM peer_sessions s JOIN members m ON m.id = s.member_id JOIN workers w ON w.id = s.worker_id";

fn session_from(r: &sqlx::any::AnyRow) -> Result<SessionView> {
    let modality: String = r.try_get("modality")?;
    let status: String = r.try_get("status")?;
    Ok(SessionView {
        id: r.try_get("id")?,
        member_id: r.try_get("member_id")?,
        member_name: r.try_get("member_name")?,
        worker_id: r.try_get("worker_id")?,
        worker_name: r.try_get("worker_name")?,
        start: r.try_get("starts_at")?,
        end: r.try_get("ends_at")?,
        minutes: r.try_get("minutes")?,
        modality: Modality::parse(&modality).ok_or_else(|| StoreError::Corrupt(format!("modality {modality}")))?,
        status: SessionStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("status {status}")))?,
        version: r.try_get("version")?,
    })
}

fn span_of(start: &str, end: &str) -> Result<Span> {
    match (parse_datetime(start), parse_datetime(end)) {
        (Some(start), Some(end)) => Ok(Span { start, end }),
        _ => Err(StoreError::Corrupt(format!("time span {start}..{end}"))),
    }
}

fn spans(rows: &[sqlx::any::AnyRow]) -> Result<Vec<Span>> {
    rows.iter().map(|r| span_of(&r.try_get::<String, _>(0)?, &r.try_get::<String, _>(1)?)).collect()
}

/// Take the calendar rows of everyone a change touches, in a fixed order:
/// a write first, so SQLite takes its write lock before any read and
/// PostgreSQL holds the rows until commit.
async fn lock_calendars(tx: &mut Transaction<'_, Any>, owners: &[String]) -> Result<()> {
    let mut owners = owners.to_vec();
    owners.sort();
    owners.dedup();
    for o in &owners {
        sqlx::query("INSERT INTO calendar_locks (owner, version) VALUES ($1, 0) ON CONFLICT (owner) DO NOTHING").bind(o).execute(&mut **tx).await?;
        sqlx::query("UPDATE calendar_locks SET version = version + 1 WHERE owner = $1").bind(o).execute(&mut **tx).await?;
    }
    Ok(())
}

/// The worker's commitments between two times: booked sessions and the
/// meetings of groups they run, leaving out one session being moved.
async fn worker_busy<'e, E: sqlx::Executor<'e, Database = Any>>(ex: E, user_id: &str, from: &str, to: &str, except: &str) -> Result<Vec<Span>> {
    let sql = "SELECT starts_at, ends_at FROM peer_sessions WHERE worker_user_id = $1 AND status = 'booked' AND ends_at > $2 AND starts_at < $3 AND id <> $4 \
         UNION ALL SELECT gm.starts_at, gm.ends_at FROM group_meetings gm JOIN group_leaders gl ON gl.group_id = gm.group_id \
         WHERE gl.user_id = $1 AND gm.ends_at > $2 AND gm.starts_at < $3";
    busy(ex, sql, user_id, from, to, except).await
}

async fn member_busy<'e, E: sqlx::Executor<'e, Database = Any>>(ex: E, member_id: &str, from: &str, to: &str, except: &str) -> Result<Vec<Span>> {
    let sql =
        "SELECT starts_at, ends_at FROM peer_sessions WHERE member_id = $1 AND status = 'booked' AND ends_at > $2 AND starts_at < $3 AND id <> $4";
    busy(ex, sql, member_id, from, to, except).await
}

/// The spans `sql` lists for one person ($1) between two times ($2, $3),
/// leaving out one session ($4).
async fn busy<'e, E: sqlx::Executor<'e, Database = Any>>(ex: E, sql: &str, who: &str, from: &str, to: &str, except: &str) -> Result<Vec<Span>> {
    let rows = sqlx::query(sql).bind(who).bind(from).bind(to).bind(except).fetch_all(ex).await?;
    spans(&rows)
}

impl Store {
    pub(crate) async fn windows_of(&self, worker_id: &str) -> Result<Vec<Window>> {
        Ok(self.week_of(worker_id).await?.0)
    }

    /// A worker's windows and the version of their week (0 when never set).
    async fn week_of(&self, worker_id: &str) -> Result<(Vec<Window>, i64)> {
        let row =
            sqlx::query("SELECT windows, version FROM worker_availability WHERE worker_id = $1").bind(worker_id).fetch_optional(&self.pool).await?;
        match row {
            None => Ok((vec![], 0)),
            Some(r) => {
                let text: String = r.try_get(0)?;
                let windows = serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("availability: {e}")))?;
                Ok((windows, r.try_get(1)?))
            }
        }
    }

    /// The account a calendar feed's secret belongs to, while the link has
    /// not expired (links made before expiry existed last a year).
    pub async fn user_by_feed_token(&self, token: &str) -> Result<Option<User>> {
        let now = time::OffsetDateTime::now_utc();
        let row = sqlx::query(&format!(
            "SELECT {} FROM calendar_feeds f JOIN users u ON u.id = f.user_id WHERE f.token_hash = $1 \
             AND (f.expires_at > $2 OR (f.expires_at = '' AND f.created_at > $3))",
            crate::auth::USER_COLUMNS_U
        ))
        .bind(crate::auth::sha256(token))
        .bind(crate::timestamp_text(now))
        .bind(crate::timestamp_text(now - time::Duration::days(CALENDAR_FEED_DAYS)))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(crate::auth::user_from_row).transpose()
    }

    /// Peers on a member's care team who take sessions.
    async fn bookable(&self, member_id: &str) -> Result<Vec<BookablePeer>> {
        let rows = sqlx::query(
            "SELECT w.id, w.user_id, w.given_name || ' ' || w.family_name AS name FROM team_members tm \
             JOIN workers w ON w.user_id = tm.user_id JOIN users u ON u.id = tm.user_id \
             WHERE tm.member_id = $1 AND tm.until IS NULL AND (tm.team_role = 'peer' OR u.persona = $2) ORDER BY tm.created_at, w.id",
        )
        .bind(member_id)
        .bind(Persona::PeerWorker.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<BookablePeer> = Vec::new();
        for r in &rows {
            let p = BookablePeer { worker_id: r.try_get("id")?, user_id: r.try_get("user_id")?, name: r.try_get("name")? };
            if !out.iter().any(|o| o.worker_id == p.worker_id) {
                out.push(p);
            }
        }
        Ok(out)
    }
}

impl Access {
    /// A worker's weekly windows. Not member data: anyone signed in may
    /// read when a peer works.
    pub async fn availability(&self, worker_id: &str) -> Result<Availability> {
        let w = self.store().worker_row(worker_id).await?.ok_or(StoreError::NotFound)?;
        let (windows, version) = self.store().week_of(worker_id).await?;
        Ok(Availability { worker_id: w.id, times: times_of_day(&windows), windows, version })
    }

    /// The worker's own id, when the actor is a worker.
    pub async fn own_worker_id(&self) -> Result<Option<String>> {
        let row = sqlx::query("SELECT id FROM workers WHERE user_id = $1").bind(&self.actor().user_id).fetch_optional(&self.store().pool).await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Replace a worker's week. The worker themselves, their organization's
    /// admin or a state admin, from the version of the week they read. The
    /// coarse times matching uses follow.
    pub async fn set_availability(&self, worker_id: &str, inputs: &[WindowInput], expected_version: i64) -> Result<Availability> {
        let worker = self.store().worker_row(worker_id).await?.ok_or(StoreError::NotFound)?;
        let own = worker.user_id.as_deref() == Some(self.actor().user_id.as_str());
        let admin = match self.actor().persona {
            Persona::StateAdmin => true,
            Persona::OrganizationAdmin => self.actor().organization_id.as_deref() == Some(worker.employer_id.as_str()),
            _ => false,
        };
        let decision = if own || admin { Decision::Permit } else { Decision::Deny("only the worker and their admins set their availability") };
        self.audit("update", "availability", Some(worker_id), &decision).await?;
        if let Decision::Deny(why) = decision {
            return Err(StoreError::Denied(why));
        }
        let windows = validate_week(inputs)?;
        let times = times_of_day(&windows);
        let now = now_text();
        let mut tx = self.store().begin().await?;
        // The week is replaced only from the version that was read: the update
        // names it, and a first week is inserted only over none (version 0).
        let written = if expected_version == 0 {
            sqlx::query(
                "INSERT INTO worker_availability (worker_id, windows, version, updated_at) VALUES ($1, $2, 1, $3) ON CONFLICT (worker_id) DO NOTHING",
            )
            .bind(worker_id)
            .bind(to_json(&windows))
            .bind(&now)
            .execute(&mut *tx)
            .await?
        } else {
            sqlx::query("UPDATE worker_availability SET windows = $1, version = version + 1, updated_at = $2 WHERE worker_id = $3 AND version = $4")
                .bind(to_json(&windows))
                .bind(&now)
                .bind(worker_id)
                .bind(expected_version)
                .execute(&mut *tx)
                .await?
        };
        if written.rows_affected() != 1 {
            drop(tx);
            let (_, current) = self.store().week_of(worker_id).await?;
            return Err(StoreError::Conflict { current });
        }
        // Matching reads the coarse times from the worker record: keep it in step.
        if !times.is_empty() && times != worker.availability {
            let mut updated = worker.clone();
            updated.availability = times.clone();
            updated.version += 1;
            sqlx::query("UPDATE workers SET data = $1, version = $2, updated_at = $3 WHERE id = $4 AND version = $5")
                .bind(to_json(&WorkerData::of(&updated)))
                .bind(updated.version)
                .bind(&now)
                .bind(worker_id)
                .bind(worker.version)
                .execute(&mut *tx)
                .await?;
            record_version(&mut tx, "worker", worker_id, updated.version, &updated, Some(&self.actor().user_id), "weekly availability").await?;
        }
        tx.commit().await?;
        Ok(Availability { worker_id: worker_id.to_string(), windows, times, version: expected_version + 1 })
    }

    /// The peers a member may book with. Audited as a read of the member.
    pub async fn bookable_peers(&self, member_id: &str) -> Result<Vec<BookablePeer>> {
        self.checked_member_for(member_id, Action::Read, "session", None).await?;
        self.store().bookable(member_id).await
    }

    /// Free times for a member with one of their peers: inside the peer's
    /// windows, clear of the peer's and the member's commitments.
    pub async fn free_slots(&self, member_id: &str, worker_id: &str, minutes: u32, days: u32) -> Result<Vec<Slot>> {
        self.checked_member_for(member_id, Action::Read, "session", None).await?;
        let peers = self.store().bookable(member_id).await?;
        let Some(peer) = peers.iter().find(|p| p.worker_id == worker_id) else {
            return Err(Invalid::one("worker_id", "not-your-peer", "choose a peer on your care team").into());
        };
        let now = self.store().now_local();
        let days = days.clamp(1, BOOKING_HORIZON_DAYS as u32);
        let to = datetime_text(now + Duration::days(i64::from(days) + 1));
        let from = datetime_text(now);
        let windows = self.store().windows_of(worker_id).await?;
        let mut busy = worker_busy(&self.store().pool, &peer.user_id, &from, &to, "").await?;
        busy.extend(member_busy(&self.store().pool, member_id, &from, &to, "").await?);
        Ok(free_slots(&windows, &busy, now.date(), days, minutes, now))
    }

    /// Book a session. The overlap rule runs after both calendars are
    /// locked, inside the transaction that writes the session.
    pub async fn book_session(&self, member_id: &str, input: &SessionInput) -> Result<SessionView> {
        let c = self.checked_member_for(member_id, Action::Read, "session", None).await?;
        let req = input.validate(self.store().now_local())?;
        let peers = self.store().bookable(member_id).await?;
        let peer = peers.iter().find(|p| p.worker_id == input.worker_id.trim());
        let decision = may_book(self.actor(), &c.rel, peer.is_some(), peer.is_some_and(|p| p.user_id == self.actor().user_id));
        let id = new_id();
        self.audit_member("create", "session", Some(&id), Some(member_id), &decision, Categories::NONE, Some(Purpose::Treatment)).await?;
        let peer = match (decision, peer) {
            (Decision::Permit, Some(p)) => p.clone(),
            (_, None) if c.rel.is_self => return Err(Invalid::one("worker_id", "not-your-peer", "choose a peer on your care team").into()),
            (Decision::Deny(why), _) => return Err(StoreError::Denied(why)),
            (Decision::Permit, None) => return Err(StoreError::NotFound),
        };
        let windows = self.store().windows_of(&peer.worker_id).await?;
        let (from, to) = (datetime_text(req.span.start), datetime_text(req.span.end));
        let mut tx = self.store().begin().await?;
        lock_calendars(&mut tx, &[format!("worker:{}", peer.worker_id), format!("member:{member_id}")]).await?;
        let busy = worker_busy(&mut *tx, &peer.user_id, &from, &to, "").await?;
        let mine = member_busy(&mut *tx, member_id, &from, &to, "").await?;
        let modality = place(&windows, &busy, &mine, &req)?;
        let now = now_text();
        sqlx::query(
            "INSERT INTO peer_sessions (id, member_id, worker_id, worker_user_id, starts_at, ends_at, minutes, modality, status, booked_by, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'booked', $9, 1, $10, $10)",
        )
        .bind(&id)
        .bind(member_id)
        .bind(&peer.worker_id)
        .bind(&peer.user_id)
        .bind(&from)
        .bind(&to)
        .bind(i64::from(req.minutes))
        .bind(modality.as_str())
        .bind(&self.actor().user_id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        self.tell_both(&mut tx, member_id, &peer, "notice-session-booked", &from, req.minutes).await?;
        tx.commit().await?;
        self.session_row(&id).await
    }

    async fn tell_both(
        &self,
        tx: &mut Transaction<'_, Any>,
        member_id: &str,
        peer: &BookablePeer,
        key: &str,
        when: &str,
        minutes: u32,
    ) -> Result<()> {
        let member_name: String = sqlx::query("SELECT given_name || ' ' || family_name FROM members WHERE id = $1")
            .bind(member_id)
            .fetch_one(&mut **tx)
            .await?
            .try_get(0)?;
        let when = when.replace('T', " ");
        // Messages leave the app: as little of a name as needed.
        let member_name = short_name(&member_name);
        crate::notifications::tell(tx, &peer.user_id, key, &serde_json::json!({ "name": member_name, "when": when, "minutes": minutes })).await?;
        let member_users: Vec<String> = sqlx::query("SELECT id FROM users WHERE member_id = $1")
            .bind(member_id)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        for u in member_users {
            crate::notifications::tell(tx, &u, key, &serde_json::json!({ "name": short_name(&peer.name), "when": when, "minutes": minutes })).await?;
        }
        Ok(())
    }

    async fn session_row(&self, id: &str) -> Result<SessionView> {
        let row = sqlx::query(&format!("{SESSION_SELECT} WHERE s.id = $1")).bind(id).fetch_optional(&self.store().pool).await?;
        row.as_ref().map(session_from).transpose()?.ok_or(StoreError::NotFound)
    }

    /// Check that the actor may change a session, auditing the decision.
    async fn changeable(&self, session_id: &str) -> Result<(SessionView, String)> {
        let row = sqlx::query(&format!("{SESSION_SELECT} WHERE s.id = $1")).bind(session_id).fetch_optional(&self.store().pool).await?;
        let Some(row) = row else {
            self.audit("update", "session", Some(session_id), &Decision::Deny("no such session")).await?;
            return Err(StoreError::NotFound);
        };
        let s = session_from(&row)?;
        let worker_user: String = row.try_get("worker_user_id")?;
        let c = self.checked_member_for(&s.member_id, Action::Read, "session", Some(session_id)).await?;
        let decision = may_change_session(self.actor(), &c.rel, worker_user == self.actor().user_id);
        self.audit_member("update", "session", Some(session_id), Some(&s.member_id), &decision, Categories::NONE, Some(Purpose::Treatment)).await?;
        if let Decision::Deny(why) = decision {
            return Err(StoreError::Denied(why));
        }
        if s.status != SessionStatus::Booked {
            return Err(Invalid::one("session", "session-cancelled", "this session was cancelled; book a new one").into());
        }
        Ok((s, worker_user))
    }

    /// Move a session to another time (and length) in the peer's windows.
    pub async fn reschedule_session(&self, session_id: &str, start: &str, minutes: &str, version: i64) -> Result<SessionView> {
        let (s, worker_user) = self.changeable(session_id).await?;
        if version != s.version {
            return Err(StoreError::Conflict { current: s.version });
        }
        let input = SessionInput { worker_id: s.worker_id.clone(), start: start.to_string(), minutes: minutes.to_string(), modality: String::new() };
        let req = input.validate(self.store().now_local())?;
        let windows = self.store().windows_of(&s.worker_id).await?;
        let (from, to) = (datetime_text(req.span.start), datetime_text(req.span.end));
        let mut tx = self.store().begin().await?;
        lock_calendars(&mut tx, &[format!("worker:{}", s.worker_id), format!("member:{}", s.member_id)]).await?;
        let busy = worker_busy(&mut *tx, &worker_user, &from, &to, session_id).await?;
        let mine = member_busy(&mut *tx, &s.member_id, &from, &to, session_id).await?;
        let modality = place(&windows, &busy, &mine, &req)?;
        let done = sqlx::query(
            "UPDATE peer_sessions SET starts_at = $1, ends_at = $2, minutes = $3, modality = $4, version = version + 1, updated_at = $5 \
             WHERE id = $6 AND version = $7 AND status = 'booked'",
        )
        .bind(&from)
        .bind(&to)
        .bind(i64::from(req.minutes))
        .bind(modality.as_str())
        .bind(now_text())
        .bind(session_id)
        .bind(s.version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict { current: s.version + 1 });
        }
        let peer = BookablePeer { worker_id: s.worker_id.clone(), user_id: worker_user, name: s.worker_name.clone() };
        self.tell_both(&mut tx, &s.member_id, &peer, "notice-session-moved", &from, req.minutes).await?;
        tx.commit().await?;
        self.session_row(session_id).await
    }

    /// Cancel a session, from the version that was read.
    pub async fn cancel_session(&self, session_id: &str, version: i64) -> Result<SessionView> {
        let (s, worker_user) = self.changeable(session_id).await?;
        if version != s.version {
            return Err(StoreError::Conflict { current: s.version });
        }
        let mut tx = self.store().begin().await?;
        let done = sqlx::query(
            "UPDATE peer_sessions SET status = 'cancelled', version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3 AND status = 'booked'",
        )
        .bind(now_text())
        .bind(session_id)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict { current: s.version + 1 });
        }
        let peer = BookablePeer { worker_id: s.worker_id.clone(), user_id: worker_user, name: s.worker_name.clone() };
        self.tell_both(&mut tx, &s.member_id, &peer, "notice-session-cancelled", &s.start, s.minutes as u32).await?;
        tx.commit().await?;
        self.session_row(session_id).await
    }

    /// A member's sessions still to come (and today's), audited as a read.
    pub async fn member_sessions(&self, member_id: &str) -> Result<Vec<SessionView>> {
        self.checked_member_for(member_id, Action::Read, "session", None).await?;
        let since = datetime_text(self.store().now_local() - Duration::days(1));
        let rows = sqlx::query(&format!("{SESSION_SELECT} WHERE s.member_id = $1 AND s.ends_at > $2 ORDER BY s.starts_at, s.id"))
            .bind(member_id)
            .bind(since)
            .fetch_all(&self.store().pool)
            .await?;
        rows.iter().map(session_from).collect()
    }

    /// A worker's own sessions still to come. Each names a member, so each
    /// member shown is an audited read, and members who are no longer
    /// reachable (firewall) are left out.
    pub async fn worker_sessions(&self) -> Result<Vec<SessionView>> {
        let since = datetime_text(self.store().now_local() - Duration::days(1));
        let rows = sqlx::query(&format!("{SESSION_SELECT} WHERE s.worker_user_id = $1 AND s.ends_at > $2 ORDER BY s.starts_at, s.id"))
            .bind(&self.actor().user_id)
            .bind(since)
            .fetch_all(&self.store().pool)
            .await?;
        let mut out = Vec::new();
        for r in &rows {
            let s = session_from(r)?;
            let c = self.checked_member_for(&s.member_id, Action::Read, "session", Some(&s.id)).await;
            if c.is_ok() {
                out.push(s);
            }
        }
        Ok(out)
    }

    /// Make a new secret calendar URL token, good for a year; any earlier
    /// one stops working. Returns the token and when it expires.
    pub async fn new_calendar_feed(&self) -> Result<(String, String)> {
        let token = crate::auth::random_token();
        let expires = crate::timestamp_text(time::OffsetDateTime::now_utc() + time::Duration::days(CALENDAR_FEED_DAYS));
        let mut tx = self.store().begin().await?;
        sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1").bind(&self.actor().user_id).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO calendar_feeds (user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(&self.actor().user_id)
            .bind(crate::auth::sha256(&token))
            .bind(now_text())
            .bind(&expires)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.audit("create", "calendar-feed", None, &Decision::Permit).await?;
        Ok((token, expires))
    }

    /// End the actor's calendar feed link at once.
    pub async fn revoke_calendar_feed(&self) -> Result<()> {
        sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1").bind(&self.actor().user_id).execute(&self.store().pool).await?;
        self.audit("revoke", "calendar-feed", None, &Decision::Permit).await
    }

    /// The actor's calendar (RFC 5545): their sessions, and the groups they
    /// run or joined, each group one weekly recurring event.
    pub async fn calendar(&self) -> Result<String> {
        use icalendar::{Calendar, CalendarDateTime, Component, Event, EventLike};
        let floating = |t: PrimitiveDateTime| -> Result<CalendarDateTime> {
            let d = chrono::NaiveDate::from_ymd_opt(t.year(), u32::from(u8::from(t.month())), u32::from(t.day()));
            let tm = chrono::NaiveTime::from_hms_opt(u32::from(t.hour()), u32::from(t.minute()), 0);
            match (d, tm) {
                (Some(d), Some(tm)) => Ok(CalendarDateTime::Floating(chrono::NaiveDateTime::new(d, tm))),
                _ => Err(StoreError::Corrupt(format!("time {t}"))),
            }
        };
        let sessions = match (self.actor().persona, self.actor().member_id.clone()) {
            (Persona::Member, Some(m)) => self.member_sessions(&m).await?,
            _ => self.worker_sessions().await?,
        };
        let mut cal = Calendar::new();
        cal.name("Accompany");
        for s in sessions.iter().filter(|s| s.status == SessionStatus::Booked) {
            let span = span_of(&s.start, &s.end)?;
            let with = if self.actor().member_id.as_deref() == Some(s.member_id.as_str()) { &s.worker_name } else { &s.member_name };
            let event = Event::new()
                .uid(&format!("session-{}@accompany", s.id))
                // Calendars are synced to other services: no program name that
                // implies health, and as little of a name as needed.
                .summary(&format!("Session with {}", short_name(with)))
                .description(&format!("{} minutes, {}", s.minutes, s.modality.as_str()))
                .starts(floating(span.start)?)
                .ends(floating(span.end)?)
                .done();
            cal.push(event);
        }
        for g in self.calendar_groups().await? {
            let mut event = Event::new()
                .uid(&format!("group-{}@accompany", g.0))
                .summary("Group meeting")
                .location(&g.2)
                .starts(floating(g.3.start)?)
                .ends(floating(g.3.end)?)
                .done();
            event.add_property("RRULE", accompany_domain::groups::weekly_rule(g.4));
            cal.push(event);
        }
        self.audit("read", "calendar", None, &Decision::Permit).await?;
        Ok(cal.done().to_string())
    }

    /// (id, title, place, first meeting, number of meetings) of the groups
    /// the actor runs or, for a member, joined.
    async fn calendar_groups(&self) -> Result<Vec<(String, String, String, Span, usize)>> {
        let rows = match &self.actor().member_id {
            Some(m) => {
                sqlx::query(
                    "SELECT g.id, g.title, g.place, MIN(gm.starts_at) AS first, MIN(gm.ends_at) AS first_end, COUNT(*) AS n FROM peer_groups g \
                     JOIN group_meetings gm ON gm.group_id = g.id JOIN group_members mb ON mb.group_id = g.id \
                     WHERE mb.member_id = $1 AND mb.left_at IS NULL GROUP BY g.id, g.title, g.place ORDER BY g.id",
                )
                .bind(m)
                .fetch_all(&self.store().pool)
                .await?
            }
            None => {
                sqlx::query(
                    "SELECT g.id, g.title, g.place, MIN(gm.starts_at) AS first, MIN(gm.ends_at) AS first_end, COUNT(*) AS n FROM peer_groups g \
                     JOIN group_meetings gm ON gm.group_id = g.id JOIN group_leaders gl ON gl.group_id = g.id \
                     WHERE gl.user_id = $1 GROUP BY g.id, g.title, g.place ORDER BY g.id",
                )
                .bind(&self.actor().user_id)
                .fetch_all(&self.store().pool)
                .await?
            }
        };
        rows.iter()
            .map(|r| {
                let span = span_of(&r.try_get::<String, _>("first")?, &r.try_get::<String, _>("first_end")?)?;
                let n: i64 = r.try_get("n")?;
                Ok((r.try_get("id")?, r.try_get("title")?, r.try_get("place")?, span, n.max(0) as usize))
            })
            .collect()
    }
}
