//! Notifications: the in-app notices people read in the app, and the
//! single place they are written. [`tell`] adds a message by email or text
//! for those who chose one (queued in the outbox); [`in_app`] and
//! [`in_app_many`] write the in-app notice alone. All run inside the
//! caller's transaction, so a notice exists exactly when the change does.
//!
//! May import: `access` (for the reader's own list), `bulk` (for a batch's
//! notices) and `outbox` (to queue messages).

use crate::ids::new_id;
use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use crate::access::Access;
use crate::bulk::{insert_rows, Val};
use crate::outbox::{queue_message, reach_from};
use crate::{now_text, Backend, Result, StoreError};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub id: String,
    pub text_key: String,
    pub args: serde_json::Map<String, serde_json::Value>,
    pub created_at: String,
    pub read_at: Option<String>,
}

/// Tell `user_id` something: an in-app notification always, and a message
/// by email or text when they chose one. Runs inside the caller's
/// transaction, so the message exists exactly when the change does.
pub(crate) async fn tell(tx: &mut Transaction<'_, Any>, user_id: &str, text_key: &str, args: &serde_json::Value) -> Result<()> {
    in_app(tx, user_id, text_key, args).await?;
    let row =
        sqlx::query("SELECT u.locale, r.channel, r.email, r.phone FROM users u LEFT JOIN reach_preferences r ON r.user_id = u.id WHERE u.id = $1")
            .bind(user_id)
            .fetch_optional(&mut **tx)
            .await?;
    let Some(row) = row else { return Ok(()) };
    let reach = reach_from(row.try_get("channel")?, row.try_get("email")?, row.try_get("phone")?);
    if let Some((channel, address)) = reach.address() {
        let lang: Option<String> = row.try_get("locale")?;
        queue_message(tx, Some(user_id), channel, &address, lang.as_deref().unwrap_or("en"), text_key, args).await?;
    }
    Ok(())
}

/// Write one in-app notification for `user_id`, and no message beyond the app.
pub(crate) async fn in_app(tx: &mut Transaction<'_, Any>, user_id: &str, text_key: &str, args: &serde_json::Value) -> Result<()> {
    sqlx::query("INSERT INTO notifications (id, user_id, text_key, args, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(new_id())
        .bind(user_id)
        .bind(text_key)
        .bind(args.to_string())
        .bind(now_text())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Write many in-app notifications at once, each (user id, text key,
/// arguments), all created at `created_at`; for batches.
pub(crate) async fn in_app_many(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    notices: Vec<(String, &str, serde_json::Value)>,
    created_at: &str,
) -> Result<()> {
    let rows = notices
        .into_iter()
        .map(|(user_id, text_key, args)| {
            vec![Val::from(new_id()), Val::from(user_id), Val::from(text_key), Val::from(args.to_string()), Val::from(created_at)]
        })
        .collect();
    insert_rows(tx, backend, "notifications", &["id", "user_id", "text_key", "args", "created_at"], rows).await
}

impl Access {
    /// The signed-in person's newest notifications.
    pub async fn notifications(&self, limit: u32) -> Result<Vec<Notification>> {
        let rows = sqlx::query(&format!(
            "SELECT id, text_key, args, created_at, read_at FROM notifications WHERE user_id = $1 ORDER BY created_at DESC, id LIMIT {}",
            limit.clamp(1, 200)
        ))
        .bind(&self.actor().user_id)
        .fetch_all(&self.store.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let args: String = r.try_get("args")?;
                Ok(Notification {
                    id: r.try_get("id")?,
                    text_key: r.try_get("text_key")?,
                    args: serde_json::from_str(&args).map_err(|e| StoreError::Corrupt(format!("notifications.args: {e}")))?,
                    created_at: r.try_get("created_at")?,
                    read_at: r.try_get("read_at")?,
                })
            })
            .collect()
    }
}
