//! Persistence for Accompany: one code path over SQLite and PostgreSQL.
//!
//! The SQL here is a portable subset both databases accept (text ids,
//! BIGINT numbers, fixed-width UTC timestamps as text, JSON as text) and runs
//! through sqlx's `Any` driver, so every query is written once.
//!
//! Member data is reachable only through [`Access`], a handle issued for one
//! actor that asks the policy decision point before every read or write and
//! records the decision in the audit trail.

mod access;
pub mod activity;
mod audit;
mod auth;
mod billing;
mod booking;
mod bulk;
mod care_team;
pub mod claims;
mod contacts;
mod contracts;
mod diagnoses;
mod enrolment;
pub mod equity;
pub mod events;
pub mod funnel;
mod goals;
mod groups;
pub mod ids;
mod lists;
mod matching;
pub mod measures;
mod members;
mod migrate;
mod notifications;
mod organizations;
mod outbox;
mod privacy;
mod referrals;
mod rows;
mod team;
pub mod trends;
pub mod unmet;
pub mod what_if;
mod workers;
mod workforce;
mod writes;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use accompany_domain::Catalog;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};
use time::OffsetDateTime;

pub use access::{Access, Seen};
pub use audit::{AuditCheck, AuditEvent, AuditKey, Checkpoint, CheckpointKey};
pub use auth::{constant_time_eq, hash_password, LoginError, NewUser, PasswordError, SessionInfo, User, SESSION_HOURS};
pub use billing::{AuthorizationList, CoverageList};
pub use booking::{Availability, BookablePeer, SessionView};
pub use bulk::{Import, ImportUser};
pub use care_team::{TeamChange, TeamRequest, REQUEST_RECEIVED};
pub use contacts::{CaseloadContacts, ContactLog, QueueRow};
pub use contracts::PromisedServices;
pub use diagnoses::Diagnoses;
pub use enrolment::{ClaimInput, IssuedCode};
pub use goals::Goals;
pub use groups::{GroupView, MeetingView, Roster, RosterEntry};
pub use lists::Page;
pub use matching::{
    rank_with, town_point, Applied, Chosen, GapEntry, PeerCard, PeerPool, PoolFilter, RankedChoice, Ranking, WaitingList, WorkerMatching,
};
pub use members::{MemberFilter, TeamMemberView};
pub use notifications::Notification;
pub use outbox::{DeliveryReport, LogSender, OutboxMessage, Outgoing, SendError, SendFuture, Sender, SmtpSender, SmtpSettings};
pub use privacy::{AuditFilter, BreakGlassEvent, FirewallEntry, HealthEntries, SharingOverview, StaffEntry, SupervisorSharing, TeamSharing};
pub use referrals::Enrolment;
pub use rows::VersionEntry;
pub use team::{TeamCard, TeamOverview};
pub use workers::WorkerFilter;
pub use workforce::{CredentialView, OrganizationCompliance, PositionReport, PositionView, SuperviseeRow, SupervisorView, WorkerDevelopment};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Errors from the store, each naming what went wrong and what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database at {url}: {source}. Check that the server is running and the URL (postgres://user@host:port/database or sqlite://file.db) is right")]
    Connect { url: String, source: sqlx::Error },
    #[error("unsupported database URL {0:?}: use sqlite://FILE or postgres://USER@HOST:PORT/DATABASE")]
    Url(String),
    #[error("database migration {version} ({name}) failed: {source}")]
    Migration { version: i64, name: &'static str, source: sqlx::Error },
    #[error("not found")]
    NotFound,
    #[error("not permitted: {0}")]
    Denied(&'static str),
    #[error(transparent)]
    Invalid(#[from] accompany_domain::Invalid),
    #[error("the record changed since you loaded it (now version {current}); reload and apply your change again")]
    Conflict { current: i64 },
    #[error("a record with this {field} already exists")]
    Duplicate { field: &'static str },
    #[error("too many requests from this address; try again in an hour")]
    Throttled,
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    /// Map unique-constraint violations onto a field a person can fix.
    fn from_write(e: sqlx::Error, field: &'static str) -> StoreError {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Duplicate { field },
            _ => StoreError::Database(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database and the catalog whose rules apply to it.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    catalog: Arc<Catalog>,
    /// The organization whose staff take public self-referrals and requests
    /// from doors outside any plan; None sends them to state admins only.
    intake_organization: Option<Arc<str>>,
    audit_key: audit::AuditKey,
    limits: accompany_domain::limits::SignInLimits,
    /// Bounds the password checks running at once, so that a burst of
    /// sign-ins leaves cores for everything else.
    hashing: Arc<tokio::sync::Semaphore>,
    /// Reports made from the rollups, kept until the rollups change or the day does.
    reports: measures::ReportCache,
}

impl Store {
    /// Open the database at `url` (sqlite:// or postgres://). SQLite files
    /// are created when missing and use WAL with foreign keys on. The audit
    /// key links the audit trail; the same key must be given every time.
    pub async fn connect(url: &str, catalog: Arc<Catalog>, audit_key: audit::AuditKey) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::Url(url.to_string()));
        };
        let url_with_mode = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { "&" } else { "?" })
            }
            _ => url.to_string(),
        };
        let connect_err = |source| StoreError::Connect { url: redact(url), source };
        let options = AnyConnectOptions::from_str(&url_with_mode)
            .map_err(connect_err)?
            .log_statements(tracing::log::LevelFilter::Trace)
            // Bulk loads are slow by design; slow-statement warnings would only be noise.
            .log_slow_statements(tracing::log::LevelFilter::Debug, Duration::from_secs(5));
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                // SQLite has one writer; a few readers share the WAL.
                Backend::Sqlite => 4,
                Backend::Postgres => 10,
            })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        // A larger page cache and memory-mapped reads keep random-key
                        // index inserts and lookups off the system-call path.
                        conn.execute("PRAGMA cache_size = -65536").await?;
                        conn.execute("PRAGMA mmap_size = 268435456").await?;
                    } else {
                        // Every statement here is a short one: compiling it to machine
                        // code costs more than it saves (hundreds of milliseconds on a
                        // query of a few rows whose plan was costed on stale statistics).
                        conn.execute("SET jit = off").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(connect_err)?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let hashing = Arc::new(tokio::sync::Semaphore::new(cores.saturating_sub(1).clamp(1, 8)));
        Ok(Store { pool, backend, catalog, intake_organization: None, audit_key, limits: Default::default(), hashing, reports: Default::default() })
    }

    /// Name the organization that takes public self-referrals.
    pub fn with_intake_organization(mut self, id: Option<String>) -> Store {
        self.intake_organization = id.filter(|s| !s.trim().is_empty()).map(|s| Arc::from(s.trim()));
        self
    }

    pub fn intake_organization(&self) -> Option<&str> {
        self.intake_organization.as_deref()
    }

    /// The same store under other sign-in and session limits.
    pub fn with_limits(mut self, limits: accompany_domain::limits::SignInLimits) -> Store {
        self.limits = limits;
        self
    }

    pub fn limits(&self) -> accompany_domain::limits::SignInLimits {
        self.limits
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The time now in the state's time zone (the catalog's).
    pub fn now_local(&self) -> time::PrimitiveDateTime {
        local_now(&self.catalog().time_zone)
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn catalog_arc(&self) -> Arc<Catalog> {
        self.catalog.clone()
    }

    /// Bring the schema up to date; safe to run at every start.
    pub async fn migrate(&self) -> Result<Vec<&'static str>> {
        migrate::run(&self.pool).await
    }

    /// Drop every table this store owns, for `accompany demo` on a
    /// database that must start fresh.
    pub async fn reset(&self) -> Result<()> {
        migrate::drop_all(&self.pool).await
    }

    /// Refresh the planner's statistics; after a bulk load, queries pick
    /// their indexes well only once this has run.
    pub async fn analyze(&self) -> Result<()> {
        sqlx::query("ANALYZE").execute(&self.pool).await?;
        Ok(())
    }

    /// Keep the planner's statistics current while the server runs: SQLite
    /// re-analyzes the tables that grew or shrank a lot since their last
    /// analysis (a contacts table analyzed when it held a dozen rows would
    /// otherwise be scanned whole when it holds millions); PostgreSQL's
    /// autovacuum does this on its own.
    pub async fn optimize(&self) -> Result<()> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA optimize=0x10002").execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Answers when the database answers; used by `/healthz`.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// A transaction that may write. On SQLite it takes the write lock at
    /// once (`BEGIN IMMEDIATE`): one that read first and wrote later would
    /// fail as "database is locked" when another writer came between,
    /// instead of waiting its turn (`busy_timeout`).
    pub(crate) async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A handle on member data for one actor: every call asks the policy and
    /// leaves an audit event.
    pub fn access(&self, actor: accompany_domain::policy::Actor, client_addr: impl Into<String>) -> Access {
        Access::new(self.clone(), actor, client_addr.into())
    }
}

/// Hide a password in a URL before it is printed.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Today's date in UTC, the day every date rule of the store is checked against.
pub fn today_date() -> time::Date {
    OffsetDateTime::now_utc().date()
}

/// The time now on the wall clocks of `time_zone` (an IANA name such as
/// `America/New_York`, daylight saving included); UTC when the zone is
/// unknown. Sessions and groups are booked in this time.
pub fn local_now(time_zone: &str) -> time::PrimitiveDateTime {
    let now = jiff::Timestamp::now();
    let z = now.in_tz(time_zone).unwrap_or_else(|_| now.to_zoned(jiff::tz::TimeZone::UTC));
    let date = time::Month::try_from(z.month() as u8).ok().and_then(|m| time::Date::from_calendar_date(i32::from(z.year()), m, z.day() as u8).ok());
    let clock = time::Time::from_hms(z.hour() as u8, z.minute() as u8, z.second() as u8).ok();
    match (date, clock) {
        (Some(d), Some(t)) => time::PrimitiveDateTime::new(d, t),
        _ => {
            let utc = OffsetDateTime::now_utc();
            time::PrimitiveDateTime::new(utc.date(), utc.time())
        }
    }
}

/// Now, as fixed-width UTC text that sorts in time order on both databases.
pub fn now_text() -> String {
    timestamp_text(OffsetDateTime::now_utc())
}

pub fn timestamp_text(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.format(time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(super::redact("postgres://u:secret@h:5432/d"), "postgres://u:***@h:5432/d");
        assert_eq!(super::redact("postgres://u@h/d"), "postgres://u@h/d");
        assert_eq!(super::redact("sqlite://a.db"), "sqlite://a.db");
    }

    #[test]
    fn the_state_clock_follows_its_time_zone() {
        let utc = time::OffsetDateTime::now_utc();
        let utc = time::PrimitiveDateTime::new(utc.date(), utc.time());
        // Boston is four hours behind UTC in summer and five in winter.
        let behind = (utc - super::local_now("America/New_York")).whole_minutes();
        assert!((239..=301).contains(&behind), "{behind} minutes");
        // Tokyo keeps no daylight saving: nine hours ahead all year.
        let ahead = (super::local_now("Asia/Tokyo") - utc).whole_minutes();
        assert!((539..=541).contains(&ahead), "{ahead} minutes");
        // An unknown zone is UTC rather than an error.
        assert!((super::local_now("Nowhere/Atlantis") - utc).whole_minutes().abs() <= 1);
    }
}
