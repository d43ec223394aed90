//! The audit trail: append-only and hash-chained. Every event's hash covers
//! its own fields and the hash of the event before it; `audit_head` keeps the
//! newest link, so that changing, deleting or reordering any event, the last
//! one included, is found by [`Store::verify_audit`].

use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::{now_text, Result, Store, StoreError};

/// One event to append.
pub(crate) struct NewEvent<'a> {
    pub actor_user_id: Option<&'a str>,
    pub actor_username: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<&'a str>,
    pub decision: &'a str,
    pub reason: &'a str,
    pub client_addr: &'a str,
    /// The member the event is about, when it is about one.
    pub member_id: Option<&'a str>,
    /// The categories disclosed (comma-separated), and why.
    pub categories: &'a str,
    pub purpose: &'a str,
}

/// The hash of one event: SHA-256 over the previous hash and every field,
/// each prefixed by its length so that no two field lists run together alike.
/// The privacy fields (member, categories, purpose) were added later; they
/// join the hash when any is set, so events written before still verify.
fn link_hash(prev: &str, seq: i64, id: &str, at: &str, fields: [&str; 8], privacy: [&str; 3]) -> String {
    let mut h = Sha256::new();
    let seq = seq.to_string();
    let extra = if privacy.iter().any(|f| !f.is_empty()) { &privacy[..] } else { &[] };
    for part in [prev, seq.as_str(), id, at].into_iter().chain(fields).chain(extra.iter().copied()) {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// A decision as the trail stores it: "permit" or "deny", and the reason.
pub(crate) fn decision_text(d: &accompany_domain::policy::Decision) -> (&'static str, &'static str) {
    match d {
        accompany_domain::policy::Decision::Permit => ("permit", ""),
        accompany_domain::policy::Decision::Deny(r) => ("deny", r),
    }
}

/// What `accompany audit verify` found.
#[derive(Debug, Clone, PartialEq)]
pub enum AuditCheck {
    Intact {
        events: i64,
    },
    /// The first event (by sequence number) whose link does not hold, and why.
    Broken {
        seq: i64,
        problem: String,
    },
}

impl Store {
    /// Append one event in its own transaction. Taking the head row first
    /// serializes writers on both databases, so the chain never forks.
    pub(crate) async fn append_audit(&self, e: NewEvent<'_>) -> Result<()> {
        self.append_audit_listing(e, &[]).await
    }

    /// Append one event for a list, with the members it disclosed kept
    /// beside it (outside the hashed fields, which stay one row each), so
    /// each member's "who looked" page shows the list too.
    pub(crate) async fn append_audit_listing(&self, e: NewEvent<'_>, listed: &[&str]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash").fetch_one(&mut *tx).await?;
        let seq: i64 = head.try_get("seq")?;
        let prev: String = head.try_get("hash")?;
        let id = accompany_domain::records::new_id();
        let at = now_text();
        let hash = link_hash(
            &prev,
            seq,
            &id,
            &at,
            [e.actor_user_id.unwrap_or(""), e.actor_username, e.action, e.entity, e.entity_id.unwrap_or(""), e.decision, e.reason, e.client_addr],
            [e.member_id.unwrap_or(""), e.categories, e.purpose],
        );
        sqlx::query(
            "INSERT INTO audit_events (seq, id, at, actor_user_id, actor_username, action, entity, entity_id, decision, reason, client_addr, prev_hash, hash, \
             member_id, categories, purpose) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(seq)
        .bind(&id)
        .bind(&at)
        .bind(e.actor_user_id)
        .bind(e.actor_username)
        .bind(e.action)
        .bind(e.entity)
        .bind(e.entity_id)
        .bind(e.decision)
        .bind(e.reason)
        .bind(e.client_addr)
        .bind(&prev)
        .bind(&hash)
        .bind(e.member_id)
        .bind(e.categories)
        .bind(e.purpose)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&hash).execute(&mut *tx).await?;
        // One statement for the whole list: a page of 500 is one round trip.
        for chunk in listed.chunks(500) {
            let values: Vec<String> = (0..chunk.len()).map(|i| format!("($1, ${})", i + 2)).collect();
            let sql = format!("INSERT INTO audit_listed_members (seq, member_id) VALUES {}", values.join(", "));
            let mut q = sqlx::query(&sql).bind(seq);
            for member_id in chunk {
                q = q.bind(*member_id);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Walk the whole chain in order and name the first broken link.
    pub async fn verify_audit(&self) -> Result<AuditCheck> {
        const BATCH: i64 = 10_000;
        let mut expected_seq = 1;
        let mut prev = String::new();
        loop {
            let rows = sqlx::query(
                "SELECT seq, id, at, actor_user_id, actor_username, action, entity, entity_id, decision, reason, client_addr, prev_hash, hash, \
                 member_id, categories, purpose FROM audit_events WHERE seq >= $1 ORDER BY seq LIMIT $2",
            )
            .bind(expected_seq)
            .bind(BATCH)
            .fetch_all(&self.pool)
            .await?;
            let count = rows.len() as i64;
            for r in &rows {
                let seq: i64 = r.try_get("seq")?;
                if seq != expected_seq {
                    return Ok(AuditCheck::Broken { seq: expected_seq, problem: "this event is missing".into() });
                }
                let text = |c: &str| -> Result<String> { Ok(r.try_get::<Option<String>, _>(c)?.unwrap_or_default()) };
                let (stored_prev, stored_hash) = (text("prev_hash")?, text("hash")?);
                if stored_prev != prev {
                    return Ok(AuditCheck::Broken {
                        seq,
                        problem: "it does not follow the event before it (an event was removed, added or moved)".into(),
                    });
                }
                let fields = [
                    text("actor_user_id")?,
                    text("actor_username")?,
                    text("action")?,
                    text("entity")?,
                    text("entity_id")?,
                    text("decision")?,
                    text("reason")?,
                    text("client_addr")?,
                ];
                let privacy = [text("member_id")?, text("categories")?, text("purpose")?];
                let computed =
                    link_hash(&prev, seq, &text("id")?, &text("at")?, fields.each_ref().map(String::as_str), privacy.each_ref().map(String::as_str));
                if computed != stored_hash {
                    return Ok(AuditCheck::Broken { seq, problem: "its contents were changed after it was written".into() });
                }
                prev = stored_hash;
                expected_seq += 1;
            }
            if count < BATCH {
                break;
            }
        }
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_optional(&self.pool).await?;
        let Some(head) = head else {
            return Err(StoreError::Corrupt("the audit head row is missing".into()));
        };
        let (head_seq, head_hash): (i64, String) = (head.try_get("seq")?, head.try_get("hash")?);
        let last = expected_seq - 1;
        if head_seq != last || head_hash != prev {
            return Ok(AuditCheck::Broken {
                seq: last + 1,
                problem: format!("the trail ends at event {last} but {head_seq} events were written: the newest were removed"),
            });
        }
        Ok(AuditCheck::Intact { events: last })
    }
}
