//! Accounts, passwords (argon2id), sessions, API tokens and login throttling.
//! Session ids and tokens are stored only as SHA-256 hashes, so a copy of
//! the database does not let anyone sign in.

use crate::ids::new_id;
use accompany_domain::policy::Actor;
use accompany_domain::records::Persona;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;
use time::{Duration, OffsetDateTime};

use crate::{now_text, timestamp_text, Result, Store, StoreError};

/// How long a browser session lasts without signing in again (the default;
/// the store's [`SignInLimits`] decide).
pub const SESSION_HOURS: i64 = 12;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub persona: Persona,
    pub organization_id: Option<String>,
    pub member_id: Option<String>,
    pub locale: Option<String>,
}

impl User {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.id.clone(),
            username: self.username.clone(),
            persona: self.persona,
            organization_id: self.organization_id.clone(),
            member_id: self.member_id.clone(),
        }
    }
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    pub persona: Persona,
    pub organization_id: Option<&'a str>,
    pub member_id: Option<&'a str>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LoginError {
    #[error("the username or password is wrong")]
    BadCredentials,
    #[error("too many failed sign-ins; wait {seconds} seconds and try again")]
    Throttled { seconds: i64 },
}

/// Why a password change was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PasswordError {
    #[error("the current password is wrong")]
    WrongCurrent,
    #[error("too many failed attempts; wait {seconds} seconds and try again")]
    Throttled { seconds: i64 },
}

#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub user: User,
    pub csrf_token: String,
}

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Corrupt(format!("password hashing failed: {e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash that matches no password, checked when the username is unknown so
/// that timing does not tell which usernames exist.
fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a password of anyone").unwrap_or_default()).clone()
}

/// The two subjects failures are counted for: the username (folded, and cut
/// to a bounded length) and the client address.
fn subjects(username: &str, client_addr: &str) -> [(&'static str, String); 2] {
    let name: String = username.trim().to_lowercase().chars().take(64).collect();
    [("username", name), ("address", client_addr.chars().take(64).collect::<String>())]
}

fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

/// What a sign-in attempt was allowed: to go ahead, or to wait.
enum Claim {
    Go,
    Wait { seconds: i64 },
}

pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub(crate) fn sha256(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

const USER_COLUMNS: &str = "id, username, display_name, persona, organization_id, member_id, locale";
/// The same columns, for queries that join `users u`.
pub(crate) const USER_COLUMNS_U: &str = "u.id, u.username, u.display_name, u.persona, u.organization_id, u.member_id, u.locale";

pub(crate) fn user_from_row(r: &sqlx::any::AnyRow) -> Result<User> {
    let persona: String = r.try_get("persona")?;
    Ok(User {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        persona: Persona::parse(&persona).ok_or_else(|| StoreError::Corrupt(format!("unknown persona {persona}")))?,
        organization_id: r.try_get("organization_id")?,
        member_id: r.try_get("member_id")?,
        locale: r.try_get("locale")?,
    })
}

impl Store {
    pub async fn create_user(&self, u: NewUser<'_>) -> Result<User> {
        check_new_user(u.username, u.password, u.display_name)?;
        let hash = hash_password(u.password)?;
        self.insert_user_hashed(u.username.trim(), u.display_name.trim(), &hash, u.persona, u.organization_id, u.member_id).await
    }

    /// Insert a user whose password is already hashed (bulk seeding reuses one hash).
    pub(crate) async fn insert_user_hashed(
        &self,
        username: &str,
        display_name: &str,
        hash: &str,
        persona: Persona,
        organization_id: Option<&str>,
        member_id: Option<&str>,
    ) -> Result<User> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO users (id, username, display_name, password_hash, persona, organization_id, member_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(username)
        .bind(display_name)
        .bind(hash)
        .bind(persona.as_str())
        .bind(organization_id)
        .bind(member_id)
        .bind(now_text())
        .execute(&self.pool)
        .await
        .map_err(|e| StoreError::from_write(e, "username"))?;
        self.user_by_username(username).await?.ok_or(StoreError::NotFound)
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1")).bind(username).fetch_optional(&self.pool).await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn user_by_id(&self, id: &str) -> Result<Option<User>> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn set_user_locale(&self, user_id: &str, locale: &str) -> Result<()> {
        sqlx::query("UPDATE users SET locale = $1 WHERE id = $2").bind(locale).bind(user_id).execute(&self.pool).await?;
        Ok(())
    }

    /// Check a password off the async workers, at most a few at a time, so
    /// that a burst of sign-ins cannot starve other requests.
    async fn check_password(&self, password: &str, hash: String) -> Result<bool> {
        let _slot = self.hashing.acquire().await.map_err(|_| StoreError::Corrupt("password checks were shut down".into()))?;
        let password = password.to_string();
        tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .map_err(|e| StoreError::Corrupt(format!("a password check failed: {e}")))
    }

    /// Hash a new password off the async workers.
    pub(crate) async fn hash_new_password(&self, password: &str) -> Result<String> {
        let _slot = self.hashing.acquire().await.map_err(|_| StoreError::Corrupt("password checks were shut down".into()))?;
        let password = password.to_string();
        tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| StoreError::Corrupt(format!("password hashing failed: {e}")))?
    }

    /// Take the right to one sign-in attempt for a username and an address.
    /// Under a row lock on both counters, either one still has to wait, or
    /// the attempt is counted as a failure in advance (and its delay set),
    /// so that parallel guesses are counted one after another; a success
    /// takes the failure back.
    async fn claim_attempt(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>, username: &str, client_addr: &str) -> Result<Claim> {
        let limits = self.limits;
        let mut locked = Vec::new();
        for (kind, subject) in subjects(username, client_addr) {
            sqlx::query(
                "INSERT INTO sign_in_failures (kind, subject, failures, last_at, not_before) VALUES ($1, $2, 0, '', '') \
                 ON CONFLICT (kind, subject) DO NOTHING",
            )
            .bind(kind)
            .bind(&subject)
            .execute(&mut **tx)
            .await?;
            let r = sqlx::query(
                "UPDATE sign_in_failures SET failures = failures WHERE kind = $1 AND subject = $2 RETURNING failures, last_at, not_before",
            )
            .bind(kind)
            .bind(&subject)
            .fetch_one(&mut **tx)
            .await?;
            let failures: i64 = r.try_get("failures")?;
            let last_at = parse_time(&r.try_get::<String, _>("last_at")?);
            let not_before = parse_time(&r.try_get::<String, _>("not_before")?);
            locked.push((kind, subject, failures, last_at, not_before));
        }
        // The clock is read once both counters are locked, so that no attempt
        // that waited for the lock judges by a time older than the last write.
        let now = OffsetDateTime::now_utc();
        let forget = Duration::minutes(i64::from(limits.forget_after_minutes));
        let rows: Vec<_> = locked
            .into_iter()
            .map(|(kind, subject, failures, last_at, not_before)| {
                let forgotten = last_at.is_none_or(|t| now - t > forget);
                (kind, subject, if forgotten { 0 } else { failures }, not_before)
            })
            .collect();
        let wait = rows.iter().filter_map(|r| r.3).map(|t| (t - now).whole_milliseconds()).max().unwrap_or(0);
        if wait > 0 {
            return Ok(Claim::Wait { seconds: i64::try_from((wait + 999) / 1000).unwrap_or(i64::MAX) });
        }
        for (kind, subject, failures, _) in rows {
            let failures = failures.saturating_add(1);
            let delay = limits.delay_after(u32::try_from(failures).unwrap_or(u32::MAX));
            sqlx::query("UPDATE sign_in_failures SET failures = $1, last_at = $2, not_before = $3 WHERE kind = $4 AND subject = $5")
                .bind(failures)
                .bind(timestamp_text(now))
                .bind(timestamp_text(now + Duration::seconds(i64::from(delay))))
                .bind(kind)
                .bind(&subject)
                .execute(&mut **tx)
                .await?;
        }
        Ok(Claim::Go)
    }

    /// A sign-in that succeeded: the username's failures are forgotten, and
    /// the failure counted in advance for the address is taken back.
    async fn release_attempt(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>, username: &str, client_addr: &str) -> Result<()> {
        let [(user_kind, user_subject), (addr_kind, addr_subject)] = subjects(username, client_addr);
        sqlx::query("UPDATE sign_in_failures SET failures = 0, not_before = '' WHERE kind = $1 AND subject = $2")
            .bind(user_kind)
            .bind(&user_subject)
            .execute(&mut **tx)
            .await?;
        let r = sqlx::query("UPDATE sign_in_failures SET failures = failures WHERE kind = $1 AND subject = $2 RETURNING failures, last_at")
            .bind(addr_kind)
            .bind(&addr_subject)
            .fetch_optional(&mut **tx)
            .await?;
        if let Some(r) = r {
            let failures = (r.try_get::<i64, _>("failures")? - 1).max(0);
            let last_at = parse_time(&r.try_get::<String, _>("last_at")?).unwrap_or_else(OffsetDateTime::now_utc);
            let delay = self.limits.delay_after(u32::try_from(failures).unwrap_or(u32::MAX));
            sqlx::query("UPDATE sign_in_failures SET failures = $1, not_before = $2 WHERE kind = $3 AND subject = $4")
                .bind(failures)
                .bind(timestamp_text(last_at + Duration::seconds(i64::from(delay))))
                .bind(addr_kind)
                .bind(&addr_subject)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// One audit event about an account: signing in and out, tokens, passwords.
    #[allow(clippy::too_many_arguments)]
    async fn audit_account(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        user_id: Option<&str>,
        username: &str,
        action: &str,
        decision: &str,
        reason: &str,
        client_addr: &str,
    ) -> Result<()> {
        let username: String = username.chars().filter(|c| !c.is_control()).take(64).collect();
        self.append_audit_in(
            tx,
            crate::audit::NewEvent {
                actor_user_id: user_id,
                actor_username: &username,
                action,
                entity: "account",
                entity_id: user_id,
                decision,
                reason,
                client_addr,
                member_id: None,
                categories: "",
                purpose: "",
            },
        )
        .await?;
        Ok(())
    }

    /// Check a password. Failures are counted per username and per client
    /// address and answered with growing delays (see `accompany_domain::limits::SignInLimits`);
    /// every attempt, failure and delay is audited.
    pub async fn authenticate(&self, username: &str, password: &str, client_addr: &str) -> Result<Result<User, LoginError>> {
        let mut tx = self.begin().await?;
        if let Claim::Wait { seconds } = self.claim_attempt(&mut tx, username, client_addr).await? {
            let reason = format!("delayed {seconds} s after repeated failures");
            self.audit_account(&mut tx, None, username, "sign-in", "delay", &reason, client_addr).await?;
            tx.commit().await?;
            return Ok(Err(LoginError::Throttled { seconds }));
        }
        tx.commit().await?;
        let row = if username.chars().count() <= 64 {
            sqlx::query(&format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = $1"))
                .bind(username)
                .fetch_optional(&self.pool)
                .await?
        } else {
            None
        };
        let (user, hash) = match &row {
            Some(r) => (Some(user_from_row(r)?), r.try_get::<String, _>("password_hash")?),
            None => (None, dummy_hash()),
        };
        let ok = self.check_password(password, hash).await? && user.is_some();
        let mut tx = self.begin().await?;
        let user_id = user.as_ref().map(|u| u.id.clone());
        match (ok, user) {
            (true, Some(user)) => {
                self.release_attempt(&mut tx, username, client_addr).await?;
                self.audit_account(&mut tx, Some(&user.id), &user.username, "sign-in", "permit", "", client_addr).await?;
                tx.commit().await?;
                Ok(Ok(user))
            }
            _ => {
                let reason = "wrong username or password";
                self.audit_account(&mut tx, user_id.as_deref(), username, "sign-in", "deny", reason, client_addr).await?;
                tx.commit().await?;
                Ok(Err(LoginError::BadCredentials))
            }
        }
    }

    /// Start a session; returns the secret id for the cookie. Expired
    /// sessions and tokens are cleared on the way.
    pub async fn create_session(&self, user_id: &str) -> Result<String> {
        let now = now_text();
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(&now).execute(&self.pool).await?;
        sqlx::query("DELETE FROM api_tokens WHERE expires_at < $1").bind(&now).execute(&self.pool).await?;
        let id = random_token();
        let expires = timestamp_text(OffsetDateTime::now_utc() + Duration::hours(i64::from(self.limits.session_hours)));
        sqlx::query("INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(sha256(&id))
            .bind(user_id)
            .bind(random_token())
            .bind(&now)
            .bind(expires)
            .bind(&now)
            .execute(&self.pool)
            .await?;
        Ok(id)
    }

    /// The session behind a cookie, while it is neither expired nor idle for
    /// longer than the limit; using it keeps it alive.
    pub async fn session(&self, id: &str) -> Result<Option<SessionInfo>> {
        let now = OffsetDateTime::now_utc();
        let idle_since = timestamp_text(now - Duration::minutes(i64::from(self.limits.session_idle_minutes)));
        let row = sqlx::query(&format!(
            "SELECT s.csrf_token, s.last_seen_at, {} FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3",
            USER_COLUMNS_U
        ))
        .bind(sha256(id))
        .bind(timestamp_text(now))
        .bind(&idle_since)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        // Note the use at most once a minute, to spare the database a write per request.
        let seen: String = r.try_get("last_seen_at")?;
        if parse_time(&seen).is_none_or(|t| now - t > Duration::minutes(1)) {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
                .bind(timestamp_text(now))
                .bind(sha256(id))
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(SessionInfo { csrf_token: r.try_get("csrf_token")?, user: user_from_row(&r)? }))
    }

    /// Sign out of a cookie session: the session ends, with the token made
    /// when signing in to the API, and the sign-out is audited.
    pub async fn end_session(&self, id: &str) -> Result<()> {
        self.end_sign_in(&sha256(id), None, "").await
    }

    /// Sign out, audited with the client address.
    pub async fn sign_out(&self, session_id: &str, client_addr: &str) -> Result<()> {
        self.end_sign_in(&sha256(session_id), None, client_addr).await
    }

    /// Sign out with a bearer token: the token ends, and with it the
    /// session of the sign-in that made it.
    pub async fn sign_out_token(&self, token: &str, client_addr: &str) -> Result<()> {
        let token_hash = sha256(token);
        let session: Option<String> = sqlx::query("SELECT session_hash FROM api_tokens WHERE token_hash = $1")
            .bind(&token_hash)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get::<Option<String>, _>(0))
            .transpose()?
            .flatten();
        match session {
            Some(s) => self.end_sign_in(&s, Some(&token_hash), client_addr).await,
            None => self.end_sign_in("", Some(&token_hash), client_addr).await,
        }
    }

    async fn end_sign_in(&self, session_hash: &str, token_hash: Option<&str>, client_addr: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        let owner = sqlx::query(&format!(
            "SELECT {USER_COLUMNS_U} FROM users u WHERE u.id IN (SELECT user_id FROM sessions WHERE id_hash = $1 \
             UNION SELECT user_id FROM api_tokens WHERE token_hash = $2)"
        ))
        .bind(session_hash)
        .bind(token_hash.unwrap_or(""))
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(session_hash).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM api_tokens WHERE session_hash = $1 OR token_hash = $2")
            .bind(session_hash)
            .bind(token_hash.unwrap_or(""))
            .execute(&mut *tx)
            .await?;
        if let Some(r) = owner {
            let u = user_from_row(&r)?;
            self.audit_account(&mut tx, Some(&u.id), &u.username, "sign-out", "permit", "", client_addr).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A bearer token for API clients; the secret is returned once and only
    /// its hash is kept. Its creation is audited.
    pub async fn create_token(&self, user_id: &str, label: &str, days: Option<i64>) -> Result<String> {
        self.insert_token(user_id, label, days, None, "command line").await
    }

    /// The bearer token of an API sign-in, ended with that sign-in's session.
    pub async fn create_sign_in_token(&self, user_id: &str, session_id: &str, client_addr: &str) -> Result<String> {
        self.insert_token(user_id, "api sign-in", Some(1), Some(&sha256(session_id)), client_addr).await
    }

    async fn insert_token(&self, user_id: &str, label: &str, days: Option<i64>, session_hash: Option<&str>, client_addr: &str) -> Result<String> {
        let token = format!("acc_{}", random_token());
        let expires =
            match days {
                Some(d) => Some(
                    OffsetDateTime::now_utc().checked_add(Duration::days(d)).filter(|_| (1..=3660).contains(&d)).map(timestamp_text).ok_or_else(
                        || accompany_domain::Invalid::one("days", "range", "a token lasts 1 to 3,660 days; leave it out for no expiry"),
                    )?,
                ),
                None => None,
            };
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO api_tokens (token_hash, user_id, label, created_at, expires_at, session_hash) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(sha256(&token))
            .bind(user_id)
            .bind(label)
            .bind(now_text())
            .bind(expires)
            .bind(session_hash)
            .execute(&mut *tx)
            .await?;
        let username: Option<String> = sqlx::query("SELECT username FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        let reason = format!("token {label:?} made");
        self.audit_account(&mut tx, Some(user_id), username.as_deref().unwrap_or(""), "create-token", "permit", &reason, client_addr).await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Change one's own password, knowing the current one: every session and
    /// token of the account ends, this one included.
    pub async fn change_password(&self, user: &User, current: &str, new: &str, client_addr: &str) -> Result<Result<(), PasswordError>> {
        check_new_user(&user.username, new, &user.display_name)?;
        let mut tx = self.begin().await?;
        if let Claim::Wait { seconds } = self.claim_attempt(&mut tx, &user.username, client_addr).await? {
            tx.commit().await?;
            return Ok(Err(PasswordError::Throttled { seconds }));
        }
        tx.commit().await?;
        let hash: String = sqlx::query("SELECT password_hash FROM users WHERE id = $1").bind(&user.id).fetch_one(&self.pool).await?.try_get(0)?;
        if !self.check_password(current, hash).await? {
            let mut tx = self.begin().await?;
            self.audit_account(&mut tx, Some(&user.id), &user.username, "change-password", "deny", "wrong current password", client_addr).await?;
            tx.commit().await?;
            return Ok(Err(PasswordError::WrongCurrent));
        }
        let hash = self.hash_new_password(new).await?;
        let mut tx = self.begin().await?;
        self.release_attempt(&mut tx, &user.username, client_addr).await?;
        self.replace_password(&mut tx, &user.id, &user.username, &hash, client_addr).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Set the new hash and end every session and token of the account, audited.
    async fn replace_password(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        user_id: &str,
        username: &str,
        hash: &str,
        client_addr: &str,
    ) -> Result<()> {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(hash).bind(user_id).execute(&mut **tx).await?;
        let sessions = sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut **tx).await?.rows_affected();
        let tokens = sqlx::query("DELETE FROM api_tokens WHERE user_id = $1").bind(user_id).execute(&mut **tx).await?.rows_affected();
        let reason = format!("{sessions} sessions and {tokens} tokens ended");
        self.audit_account(tx, Some(user_id), username, "change-password", "permit", &reason, client_addr).await
    }

    /// An administrator sets a user's password on the command line: every
    /// session and token of the account ends.
    pub async fn reset_password(&self, username: &str, password: &str) -> Result<()> {
        let user = self.user_by_username(username).await?.ok_or(StoreError::NotFound)?;
        check_new_user(&user.username, password, &user.display_name)?;
        let hash = self.hash_new_password(password).await?;
        let mut tx = self.begin().await?;
        self.replace_password(&mut tx, &user.id, &user.username, &hash, "command line").await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn user_by_token(&self, token: &str) -> Result<Option<User>> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND (t.expires_at IS NULL OR t.expires_at > $2)",
            USER_COLUMNS_U
        ))
        .bind(sha256(token))
        .bind(now_text())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }
}

impl Store {
    /// Set a user's password (demo accounts, and an administrator's reset).
    pub async fn set_password(&self, username: &str, password: &str) -> Result<()> {
        let hash = hash_password(password)?;
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE username = $2").bind(hash).bind(username).execute(&self.pool).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Change a user's persona and organization (demo accounts).
    pub async fn set_persona(&self, username: &str, persona: Persona, organization_id: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE users SET persona = $1, organization_id = $2 WHERE username = $3")
            .bind(persona.as_str())
            .bind(organization_id)
            .bind(username)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Whether the database already holds members (guards `seed` from overwriting).
    pub async fn has_members(&self) -> Result<bool> {
        Ok(sqlx::query("SELECT id FROM members LIMIT 1").fetch_optional(&self.pool).await?.is_some())
    }
}

/// The rules for a new account's name, password and display name.
/// Compare secrets without leaking where they differ through timing.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) fn check_new_user(username: &str, password: &str, display_name: &str) -> Result<()> {
    let mut errs = accompany_domain::Invalid::default();
    let username = username.trim();
    if username.len() < 3 || username.len() > 64 || !username.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
        errs.push(accompany_domain::FieldError::new("username", "username", "use 3 to 64 letters, digits, dots, hyphens or underscores"));
    }
    if password.chars().count() < 10 {
        errs.push(accompany_domain::FieldError::new("password", "password-length", "use at least 10 characters"));
    }
    errs.required("display_name", display_name, accompany_domain::limits::text::TITLE);
    errs.finish()?;
    Ok(())
}
