//! Messages beyond the app: each change that tells someone something (a
//! session booked, moved or cancelled, a member joining a group) writes an
//! in-app notification (see `notifications`) and, when the person chose
//! email or text, an outbox row in the same transaction. A background
//! worker delivers due rows through a pluggable [`Sender`], retrying with
//! backoff, and marks each delivered or failed.

use std::future::Future;
use std::pin::Pin;

use crate::ids::new_id;
use accompany_domain::booking::{retry_delay, Channel, Reach, MAX_DELIVERY_ATTEMPTS};
use accompany_domain::records::Persona;
use serde::Serialize;
use sqlx::{Any, Row, Transaction};
use time::OffsetDateTime;

use crate::access::Access;
use crate::{now_text, timestamp_text, Result, Store, StoreError};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct OutboxMessage {
    pub id: String,
    /// None for a message to someone with no account yet (an enrolment code).
    pub user_id: Option<String>,
    pub channel: Channel,
    pub address: String,
    pub lang: String,
    pub text_key: String,
    pub args: serde_json::Map<String, serde_json::Value>,
    /// pending, delivered or failed
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub created_at: String,
    pub delivered_at: Option<String>,
}

/// A message ready to go: where, and the words in the person's language.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: String,
    pub channel: Channel,
    pub address: String,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later (the server did not answer, a 4xx reply).
    #[error("temporary: {0}")]
    Temporary(String),
    /// Will never work (a malformed address, a channel with no gateway).
    #[error("permanent: {0}")]
    Permanent(String),
}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SendError>> + Send + 'a>>;

/// Delivers one message. Implementations: [`LogSender`] (the default),
/// [`SmtpSender`], and whatever a test or a text-message gateway needs.
pub trait Sender: Send + Sync {
    fn send<'a>(&'a self, message: &'a Outgoing) -> SendFuture<'a>;
}

/// Writes each message to the log instead of sending it.
pub struct LogSender;

impl Sender for LogSender {
    fn send<'a>(&'a self, m: &'a Outgoing) -> SendFuture<'a> {
        Box::pin(async move {
            tracing::info!(target: "accompany::outbox", id = %m.id, channel = m.channel.as_str(), to = %m.address, subject = %m.subject, body = %m.body, "message");
            Ok(())
        })
    }
}

/// How to reach an SMTP server.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: Option<u16>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: String,
    /// starttls (default), tls, or none (a relay on the same machine).
    pub tls: String,
}

/// Sends email over SMTP with lettre; text messages need a gateway of their
/// own, so they fail at once with a message saying so.
pub struct SmtpSender {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl SmtpSender {
    pub fn new(s: &SmtpSettings) -> std::result::Result<SmtpSender, String> {
        use lettre::transport::smtp::authentication::Credentials;
        use lettre::{AsyncSmtpTransport, Tokio1Executor};
        let from = s.from.parse().map_err(|e| format!("--smtp-from {:?} is not an email address: {e}", s.from))?;
        let mut b = match s.tls.as_str() {
            "starttls" | "" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host).map_err(|e| e.to_string())?,
            "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host).map_err(|e| e.to_string())?,
            "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host),
            other => return Err(format!("--smtp-tls {other:?}: use starttls, tls or none")),
        };
        if let Some(p) = s.port {
            b = b.port(p);
        }
        if let (Some(u), Some(p)) = (&s.username, &s.password) {
            b = b.credentials(Credentials::new(u.clone(), p.clone()));
        }
        Ok(SmtpSender { transport: b.build(), from })
    }
}

impl Sender for SmtpSender {
    fn send<'a>(&'a self, m: &'a Outgoing) -> SendFuture<'a> {
        Box::pin(async move {
            use lettre::AsyncTransport;
            if m.channel != Channel::Email {
                return Err(SendError::Permanent("no text-message gateway is configured; only email goes over SMTP".into()));
            }
            let to = m.address.parse().map_err(|e| SendError::Permanent(format!("address: {e}")))?;
            let email = lettre::Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(m.subject.clone())
                .body(m.body.clone())
                .map_err(|e| SendError::Permanent(e.to_string()))?;
            match self.transport.send(email).await {
                Ok(_) => Ok(()),
                Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
                Err(e) => Err(SendError::Temporary(e.to_string())),
            }
        })
    }
}

/// What one pass over the outbox did.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    pub delivered: u32,
    pub retried: u32,
    pub failed: u32,
}

/// Queue one message for delivery, inside the caller's transaction.
pub(crate) async fn queue_message(
    tx: &mut Transaction<'_, Any>,
    user_id: Option<&str>,
    channel: Channel,
    address: &str,
    lang: &str,
    text_key: &str,
    args: &serde_json::Value,
) -> Result<()> {
    let now = now_text();
    sqlx::query(
        "INSERT INTO outbox (id, user_id, channel, address, lang, text_key, args, status, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8)",
    )
    .bind(new_id())
    .bind(user_id)
    .bind(channel.as_str())
    .bind(address)
    .bind(lang)
    .bind(text_key)
    .bind(args.to_string())
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) fn reach_from(channel: Option<String>, email: Option<String>, phone: Option<String>) -> Reach {
    Reach { channel: channel.as_deref().and_then(Channel::parse).unwrap_or(Channel::InApp), email, phone }
}

const OUTBOX_COLUMNS: &str =
    "id, user_id, channel, address, lang, text_key, args, status, attempts, next_attempt_at, last_error, created_at, delivered_at";

fn message_from(r: &sqlx::any::AnyRow) -> Result<OutboxMessage> {
    let channel: String = r.try_get("channel")?;
    let args: String = r.try_get("args")?;
    Ok(OutboxMessage {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        channel: Channel::parse(&channel).ok_or_else(|| StoreError::Corrupt(format!("outbox channel {channel}")))?,
        address: r.try_get("address")?,
        lang: r.try_get("lang")?,
        text_key: r.try_get("text_key")?,
        args: serde_json::from_str(&args).map_err(|e| StoreError::Corrupt(format!("outbox args: {e}")))?,
        status: r.try_get("status")?,
        attempts: r.try_get("attempts")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        last_error: r.try_get("last_error")?,
        created_at: r.try_get("created_at")?,
        delivered_at: r.try_get("delivered_at")?,
    })
}

impl Store {
    /// Deliver the messages that are due, at most `limit`. `render` puts a
    /// message in its reader's language: (subject, body). A row is claimed
    /// by moving its next attempt a few minutes ahead first, so a second
    /// worker (a `drain` run beside `serve`) never sends it twice.
    pub async fn deliver_due(
        &self,
        sender: &dyn Sender,
        render: &(dyn Fn(&OutboxMessage) -> (String, String) + Send + Sync),
        limit: u32,
    ) -> Result<DeliveryReport> {
        let now = OffsetDateTime::now_utc();
        let rows = sqlx::query(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT {}",
            limit.clamp(1, 1000)
        ))
        .bind(timestamp_text(now))
        .fetch_all(&self.pool)
        .await?;
        let mut report = DeliveryReport::default();
        for r in &rows {
            let m = message_from(r)?;
            let lease = timestamp_text(now + time::Duration::minutes(5));
            let claimed = sqlx::query("UPDATE outbox SET next_attempt_at = $1 WHERE id = $2 AND status = 'pending' AND next_attempt_at = $3")
                .bind(&lease)
                .bind(&m.id)
                .bind(&m.next_attempt_at)
                .execute(&self.pool)
                .await?;
            if claimed.rows_affected() != 1 {
                continue;
            }
            let (subject, body) = render(&m);
            let out = Outgoing { id: m.id.clone(), channel: m.channel, address: m.address.clone(), subject, body };
            let attempts = m.attempts + 1;
            match sender.send(&out).await {
                Ok(()) => {
                    sqlx::query("UPDATE outbox SET status = 'delivered', attempts = $1, delivered_at = $2, last_error = NULL WHERE id = $3")
                        .bind(attempts)
                        .bind(now_text())
                        .bind(&m.id)
                        .execute(&self.pool)
                        .await?;
                    report.delivered += 1;
                }
                Err(e) => {
                    let give_up = matches!(e, SendError::Permanent(_)) || attempts >= i64::from(MAX_DELIVERY_ATTEMPTS);
                    let next = timestamp_text(OffsetDateTime::now_utc() + retry_delay(attempts as u32 - 1));
                    tracing::warn!(target: "accompany::outbox", id = %m.id, attempts, error = %e, give_up, "delivery failed");
                    sqlx::query("UPDATE outbox SET status = $1, attempts = $2, next_attempt_at = $3, last_error = $4 WHERE id = $5")
                        .bind(if give_up { "failed" } else { "pending" })
                        .bind(attempts)
                        .bind(next)
                        .bind(e.to_string())
                        .bind(&m.id)
                        .execute(&self.pool)
                        .await?;
                    if give_up {
                        report.failed += 1;
                    } else {
                        report.retried += 1;
                    }
                }
            }
        }
        Ok(report)
    }

    /// The outbox, newest first, for the command line and admins.
    pub async fn outbox_messages(&self, status: Option<&str>, limit: u32) -> Result<Vec<OutboxMessage>> {
        let rows = sqlx::query(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE ($1 = '' OR status = $1) ORDER BY created_at DESC, id DESC LIMIT {}",
            limit.clamp(1, 10_000)
        ))
        .bind(status.unwrap_or(""))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(message_from).collect()
    }
}

impl Access {
    /// The outbox with each message's status: state admins only. The
    /// addresses are people's contact details, so the look is audited.
    pub async fn outbox(&self, status: Option<&str>, limit: u32) -> Result<Vec<OutboxMessage>> {
        let decision = if self.actor().persona == Persona::StateAdmin {
            accompany_domain::policy::Decision::Permit
        } else {
            accompany_domain::policy::Decision::Deny("only state admins see the outbox")
        };
        self.audit("read", "outbox", None, &decision).await?;
        if let accompany_domain::policy::Decision::Deny(why) = decision {
            return Err(StoreError::Denied(why));
        }
        self.store().outbox_messages(status, limit).await
    }

    /// How the signed-in person wants to be reached, and the version of
    /// that choice (0 before it was first saved).
    pub async fn reach(&self) -> Result<(Reach, i64)> {
        let row = sqlx::query("SELECT channel, email, phone, version FROM reach_preferences WHERE user_id = $1")
            .bind(&self.actor().user_id)
            .fetch_optional(&self.store().pool)
            .await?;
        Ok(match row {
            Some(r) => (reach_from(r.try_get("channel")?, r.try_get("email")?, r.try_get("phone")?), r.try_get("version")?),
            None => (Reach::default(), 0),
        })
    }

    /// Save how the signed-in person wants to be reached, from the version
    /// they read (another tab or device may have changed it since).
    pub async fn set_reach(&self, input: &accompany_domain::booking::ReachInput, expected_version: i64) -> Result<Reach> {
        let reach = input.validate()?;
        let mut tx = self.store().begin().await?;
        let written = if expected_version == 0 {
            sqlx::query(
                "INSERT INTO reach_preferences (user_id, channel, email, phone, updated_at, version) VALUES ($1, $2, $3, $4, $5, 1) \
                 ON CONFLICT (user_id) DO NOTHING",
            )
            .bind(&self.actor().user_id)
            .bind(reach.channel.as_str())
            .bind(&reach.email)
            .bind(&reach.phone)
            .bind(now_text())
            .execute(&mut *tx)
            .await?
        } else {
            sqlx::query(
                "UPDATE reach_preferences SET channel = $1, email = $2, phone = $3, updated_at = $4, version = version + 1 \
                 WHERE user_id = $5 AND version = $6",
            )
            .bind(reach.channel.as_str())
            .bind(&reach.email)
            .bind(&reach.phone)
            .bind(now_text())
            .bind(&self.actor().user_id)
            .bind(expected_version)
            .execute(&mut *tx)
            .await?
        };
        if written.rows_affected() != 1 {
            drop(tx);
            let (_, current) = self.reach().await?;
            return Err(StoreError::Conflict { current });
        }
        tx.commit().await?;
        Ok(reach)
    }
}
