//! The audit trail: append-only and chained. Every event's link is an HMAC,
//! under a key kept outside the database, over its own fields and the link
//! of the event before it; `audit_head` keeps the newest link, so that
//! changing, deleting or reordering any event, the last one included, is
//! found by [`Store::verify_audit`], even by someone who can write to the
//! database and recompute hashes, as long as they do not hold the key.
//!
//! A [`Checkpoint`] signs the head with a second, asymmetric key kept
//! elsewhere still: whoever holds the audit key can rewrite the chain, but
//! not reach a checkpoint signed before without the signing key.

use std::path::Path;
use std::sync::Arc;

use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::{now_text, Result, Store, StoreError};

/// The secret the chain's links are keyed with: 32 random bytes, kept in a
/// file (hex) outside the database.
#[derive(Clone)]
pub struct AuditKey(Arc<[u8; 32]>);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(..)")
    }
}

/// 32 bytes from hex text, for the key files.
fn key_bytes(text: &str) -> Option<[u8; 32]> {
    hex::decode(text.trim()).ok()?.try_into().ok()
}

fn random_32() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

/// Write a new secret file that only its owner can read; refuses to
/// overwrite one that exists.
fn write_secret(path: &Path, text: &str) -> std::result::Result<(), String> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| format!("cannot create the key file {}: {e}", path.display()))?;
    file.write_all(text.as_bytes()).map_err(|e| format!("cannot write the key file {}: {e}", path.display()))
}

fn read_key_file(path: &Path, what: &str) -> std::result::Result<[u8; 32], String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read the {what} file {}: {e}", path.display()))?;
    key_bytes(&text).ok_or_else(|| format!("the {what} file {} does not hold 64 hexadecimal digits", path.display()))
}

impl AuditKey {
    /// A new random key.
    pub fn generate() -> AuditKey {
        AuditKey(Arc::new(random_32()))
    }

    pub fn read(path: &Path) -> std::result::Result<AuditKey, String> {
        Ok(AuditKey(Arc::new(read_key_file(path, "audit key")?)))
    }

    /// Write the key to a new file that only its owner can read.
    pub fn save(&self, path: &Path) -> std::result::Result<(), String> {
        write_secret(path, &format!("{}\n", hex::encode(*self.0)))
    }
}

/// The key that signs checkpoints (Ed25519): its secret stays with whoever
/// keeps the checkpoints, away from the server and the database.
pub struct CheckpointKey(SigningKey);

impl CheckpointKey {
    pub fn read(path: &Path) -> std::result::Result<CheckpointKey, String> {
        Ok(CheckpointKey(SigningKey::from_bytes(&read_key_file(path, "checkpoint key")?)))
    }

    pub fn create(path: &Path) -> std::result::Result<CheckpointKey, String> {
        let secret = random_32();
        write_secret(path, &format!("{}\n", hex::encode(secret)))?;
        Ok(CheckpointKey(SigningKey::from_bytes(&secret)))
    }

    /// The public half, in hex: enough to check checkpoints, never to make them.
    pub fn public_hex(&self) -> String {
        hex::encode(self.0.verifying_key().as_bytes())
    }
}

/// The head of the trail at one moment, signed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub at: String,
    pub public_key: String,
    pub signature: String,
}

impl Checkpoint {
    fn message(seq: i64, hash: &str, at: &str) -> String {
        format!("accompany audit checkpoint\nseq {seq}\nhash {hash}\nat {at}\n")
    }

    pub fn sign(seq: i64, hash: &str, at: &str, key: &CheckpointKey) -> Checkpoint {
        let signature = key.0.sign(Checkpoint::message(seq, hash, at).as_bytes());
        Checkpoint { seq, hash: hash.to_string(), at: at.to_string(), public_key: key.public_hex(), signature: hex::encode(signature.to_bytes()) }
    }

    /// Check the signature against the public key expected (hex); a
    /// checkpoint signed by any other key is refused.
    pub fn check(&self, public_key_hex: &str) -> std::result::Result<(), String> {
        let key = key_bytes(public_key_hex)
            .and_then(|b| VerifyingKey::from_bytes(&b).ok())
            .ok_or("the checkpoint public key is not a valid Ed25519 key")?;
        if !self.public_key.eq_ignore_ascii_case(public_key_hex.trim()) {
            return Err("the checkpoint was signed by another key than the checkpoint key given".into());
        }
        let signature: [u8; 64] =
            hex::decode(&self.signature).ok().and_then(|b| b.try_into().ok()).ok_or("the checkpoint signature is not 128 hexadecimal digits")?;
        let signature = ed25519_dalek::Signature::from_bytes(&signature);
        key.verify(Checkpoint::message(self.seq, &self.hash, &self.at).as_bytes(), &signature)
            .map_err(|_| "the checkpoint's signature does not match its contents: it was altered or forged".to_string())
    }
}

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

/// The link of one event: HMAC-SHA-256 under the audit key (plain SHA-256
/// for events written before the chain was keyed) over the previous link and
/// every field, each prefixed by its length so that no two field lists run
/// together alike. The privacy fields (member, categories, purpose) were
/// added later; they join the link when any is set, so events written
/// before still verify.
fn link_hash(key: Option<&AuditKey>, prev: &str, seq: i64, id: &str, at: &str, fields: [&str; 8], privacy: [&str; 3]) -> String {
    let seq = seq.to_string();
    let extra = if privacy.iter().any(|f| !f.is_empty()) { &privacy[..] } else { &[] };
    let parts = [prev, seq.as_str(), id, at].into_iter().chain(fields).chain(extra.iter().copied());
    match key {
        Some(key) => {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key.0[..]).expect("HMAC takes a key of any length");
            for part in parts {
                mac.update(&(part.len() as u64).to_be_bytes());
                mac.update(part.as_bytes());
            }
            hex::encode(mac.finalize().into_bytes())
        }
        None => {
            let mut h = Sha256::new();
            for part in parts {
                h.update((part.len() as u64).to_be_bytes());
                h.update(part.as_bytes());
            }
            hex::encode(h.finalize())
        }
    }
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
        let mut tx = self.begin().await?;
        self.append_audit_listing_in(&mut tx, e, listed).await?;
        tx.commit().await?;
        Ok(())
    }

    /// As [`Self::append_audit_listing`], inside the caller's transaction.
    pub(crate) async fn append_audit_listing_in(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>, e: NewEvent<'_>, listed: &[&str]) -> Result<()> {
        let seq = self.append_audit_in(tx, e).await?;
        // One statement for the whole list: a page of 500 is one round trip.
        for chunk in listed.chunks(500) {
            let values: Vec<String> = (0..chunk.len()).map(|i| format!("($1, ${})", i + 2)).collect();
            let sql = format!("INSERT INTO audit_listed_members (seq, member_id) VALUES {}", values.join(", "));
            let mut q = sqlx::query(&sql).bind(seq);
            for member_id in chunk {
                q = q.bind(*member_id);
            }
            q.execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Append one event inside the caller's transaction, so that the event
    /// and the change it records are written together or not at all.
    /// Returns the event's sequence number.
    pub(crate) async fn append_audit_in(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>, e: NewEvent<'_>) -> Result<i64> {
        let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash").fetch_one(&mut **tx).await?;
        let seq: i64 = head.try_get("seq")?;
        let prev: String = head.try_get("hash")?;
        let id = crate::ids::new_id();
        let at = now_text();
        let hash = link_hash(
            Some(&self.audit_key),
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
        .execute(&mut **tx)
        .await?;
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&hash).execute(&mut **tx).await?;
        Ok(seq)
    }

    /// Walk the whole chain in order and name the first broken link.
    pub async fn verify_audit(&self) -> Result<AuditCheck> {
        self.verify_audit_against(None).await
    }

    /// How many events the trail holds.
    pub async fn audit_event_count(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) FROM audit_events").fetch_one(&self.pool).await?.try_get(0)?)
    }

    /// How many events were chained before the chain was keyed (databases
    /// older than the key); their links are plain SHA-256.
    pub async fn audit_unkeyed_events(&self) -> Result<i64> {
        let row = sqlx::query("SELECT from_seq FROM audit_keyed WHERE id = 1").fetch_optional(&self.pool).await?;
        Ok(match row {
            Some(r) => r.try_get::<i64, _>(0)? - 1,
            None => 0,
        })
    }

    /// The head of an intact trail, signed with the checkpoint key; or what
    /// broke, when the trail is not intact.
    pub async fn audit_checkpoint(&self, key: &CheckpointKey) -> Result<std::result::Result<Checkpoint, AuditCheck>> {
        match self.verify_audit().await? {
            AuditCheck::Intact { .. } => {}
            broken => return Ok(Err(broken)),
        }
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(&self.pool).await?;
        Ok(Ok(Checkpoint::sign(head.try_get("seq")?, &head.try_get::<String, _>("hash")?, &now_text(), key)))
    }

    /// Walk the whole chain in order and name the first broken link; with a
    /// checkpoint (its signature already checked), the chain must also pass
    /// through the head it recorded.
    pub async fn verify_audit_against(&self, checkpoint: Option<&Checkpoint>) -> Result<AuditCheck> {
        const BATCH: i64 = 10_000;
        let keyed_from = match sqlx::query("SELECT from_seq FROM audit_keyed WHERE id = 1").fetch_optional(&self.pool).await? {
            Some(r) => r.try_get::<i64, _>(0)?,
            None => return Ok(AuditCheck::Broken { seq: 1, problem: "the record of where the keyed chain starts was removed".into() }),
        };
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
                let key = (seq >= keyed_from).then_some(&self.audit_key);
                let computed = link_hash(
                    key,
                    &prev,
                    seq,
                    &text("id")?,
                    &text("at")?,
                    fields.each_ref().map(String::as_str),
                    privacy.each_ref().map(String::as_str),
                );
                if computed != stored_hash {
                    return Ok(AuditCheck::Broken { seq, problem: "its contents were changed after it was written".into() });
                }
                if let Some(c) = checkpoint.filter(|c| c.seq == seq && c.hash != stored_hash) {
                    return Ok(AuditCheck::Broken {
                        seq,
                        problem: format!("it differs from the checkpoint signed at {}: the trail was rewritten", c.at),
                    });
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
        if let Some(c) = checkpoint.filter(|c| c.seq > last) {
            return Ok(AuditCheck::Broken {
                seq: last + 1,
                problem: format!("the trail ends at event {last} but the checkpoint signed at {} saw event {}: events were removed", c.at, c.seq),
            });
        }
        Ok(AuditCheck::Intact { events: last })
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AuditEvent {
    pub seq: i64,
    pub at: String,
    pub actor_username: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub member_id: Option<String>,
    pub decision: String,
    pub reason: String,
    pub client_addr: String,
    /// Comma-separated categories disclosed.
    pub categories: String,
    pub purpose: String,
}

pub(crate) const AUDIT_COLUMNS: &str =
    "seq, at, actor_username, action, entity, entity_id, member_id, decision, reason, client_addr, categories, purpose";

pub(crate) fn audit_event(r: &sqlx::any::AnyRow) -> Result<AuditEvent> {
    Ok(AuditEvent {
        seq: r.try_get("seq")?,
        at: r.try_get("at")?,
        actor_username: r.try_get("actor_username")?,
        action: r.try_get("action")?,
        entity: r.try_get("entity")?,
        entity_id: r.try_get("entity_id")?,
        member_id: r.try_get("member_id")?,
        decision: r.try_get("decision")?,
        reason: r.try_get("reason")?,
        client_addr: r.try_get("client_addr")?,
        categories: r.try_get("categories")?,
        purpose: r.try_get("purpose")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_are_signed_over_every_field() {
        let file = std::env::temp_dir().join(format!("accompany-checkpoint-{:016x}", rand::rngs::OsRng.next_u64()));
        let key = CheckpointKey::create(&file).unwrap();
        let c = Checkpoint::sign(7, "abc", "2026-01-01T00:00:00.000000Z", &key);
        assert_eq!(c.check(&key.public_hex()), Ok(()));
        for altered in [
            Checkpoint { seq: 6, ..c.clone() },
            Checkpoint { hash: "abd".into(), ..c.clone() },
            Checkpoint { at: "2027-01-01T00:00:00.000000Z".into(), ..c.clone() },
        ] {
            assert!(altered.check(&key.public_hex()).is_err(), "{altered:?}");
        }
        assert!(CheckpointKey::create(&file).is_err(), "an existing key file is never overwritten");
        assert_eq!(CheckpointKey::read(&file).unwrap().public_hex(), key.public_hex());
        std::fs::remove_file(&file).unwrap();
    }

    #[test]
    fn the_key_changes_every_link() {
        let fields = ["u", "name", "read", "member", "m1", "permit", "", "127.0.0.1"];
        let (a, b) = (AuditKey::generate(), AuditKey::generate());
        let plain = link_hash(None, "", 1, "id", "at", fields, ["", "", ""]);
        let keyed = link_hash(Some(&a), "", 1, "id", "at", fields, ["", "", ""]);
        assert_ne!(plain, keyed);
        assert_ne!(keyed, link_hash(Some(&b), "", 1, "id", "at", fields, ["", "", ""]));
        assert_eq!(keyed, link_hash(Some(&a), "", 1, "id", "at", fields, ["", "", ""]));
    }
}
