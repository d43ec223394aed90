//! Accounts, passwords (argon2id), sessions, API tokens and login throttling.
//! Session ids and tokens are stored only as SHA-256 hashes, so a copy of
//! the database does not let anyone sign in.

use accompany_domain::policy::Actor;
use accompany_domain::records::{new_id, Persona};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;
use time::{Duration, OffsetDateTime};

use crate::{now_text, timestamp_text, Result, Store, StoreError};

/// How long a browser session lasts without signing in again.
pub const SESSION_HOURS: i64 = 12;
/// Failed sign-ins allowed per username, and per client address, in the window.
pub const MAX_FAILURES: i64 = 5;
pub const FAILURE_WINDOW_MINUTES: i64 = 15;

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
    #[error("too many failed sign-ins; wait {minutes} minutes and try again")]
    Throttled { minutes: i64 },
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

    /// Check a password, counting failures per username and per client
    /// address so that guessing is throttled.
    pub async fn authenticate(&self, username: &str, password: &str, client_addr: &str) -> Result<Result<User, LoginError>> {
        let since = timestamp_text(OffsetDateTime::now_utc() - Duration::minutes(FAILURE_WINDOW_MINUTES));
        let failures: i64 = sqlx::query("SELECT COUNT(*) FROM login_failures WHERE at > $1 AND (username = $2 OR client_addr = $3)")
            .bind(&since)
            .bind(username)
            .bind(client_addr)
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        if failures >= MAX_FAILURES {
            return Ok(Err(LoginError::Throttled { minutes: FAILURE_WINDOW_MINUTES }));
        }
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = $1"))
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        let ok = match &row {
            Some(r) => verify_password(password, &r.try_get::<String, _>("password_hash")?),
            None => {
                // Spend the same time as a real check so timing does not reveal usernames.
                static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
                let dummy = DUMMY.get_or_init(|| hash_password("not a password of anyone").unwrap_or_default());
                verify_password(password, dummy);
                false
            }
        };
        if !ok {
            sqlx::query("INSERT INTO login_failures (id, username, client_addr, at) VALUES ($1, $2, $3, $4)")
                .bind(new_id())
                .bind(username)
                .bind(client_addr)
                .bind(now_text())
                .execute(&self.pool)
                .await?;
            return Ok(Err(LoginError::BadCredentials));
        }
        Ok(Ok(user_from_row(row.as_ref().expect("checked"))?))
    }

    /// Start a session; returns the secret id for the cookie. Expired
    /// sessions, tokens and old failed sign-ins are cleared on the way.
    pub async fn create_session(&self, user_id: &str) -> Result<String> {
        let now = now_text();
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(&now).execute(&self.pool).await?;
        sqlx::query("DELETE FROM api_tokens WHERE expires_at < $1").bind(&now).execute(&self.pool).await?;
        let window_start = timestamp_text(OffsetDateTime::now_utc() - Duration::minutes(FAILURE_WINDOW_MINUTES));
        sqlx::query("DELETE FROM login_failures WHERE at < $1").bind(window_start).execute(&self.pool).await?;
        let id = random_token();
        let expires = timestamp_text(OffsetDateTime::now_utc() + Duration::hours(SESSION_HOURS));
        sqlx::query("INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(sha256(&id))
            .bind(user_id)
            .bind(random_token())
            .bind(now_text())
            .bind(expires)
            .execute(&self.pool)
            .await?;
        Ok(id)
    }

    pub async fn session(&self, id: &str) -> Result<Option<SessionInfo>> {
        let row = sqlx::query(&format!(
            "SELECT s.csrf_token, {} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1 AND s.expires_at > $2",
            USER_COLUMNS_U
        ))
        .bind(sha256(id))
        .bind(now_text())
        .fetch_optional(&self.pool)
        .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(SessionInfo { csrf_token: r.try_get("csrf_token")?, user: user_from_row(&r)? })),
        }
    }

    pub async fn end_session(&self, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(sha256(id)).execute(&self.pool).await?;
        Ok(())
    }

    /// A bearer token for API clients; the secret is returned once and only
    /// its hash is kept.
    pub async fn create_token(&self, user_id: &str, label: &str, days: Option<i64>) -> Result<String> {
        let token = format!("acc_{}", random_token());
        let expires = days.map(|d| timestamp_text(OffsetDateTime::now_utc() + Duration::days(d)));
        sqlx::query("INSERT INTO api_tokens (token_hash, user_id, label, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(sha256(&token))
            .bind(user_id)
            .bind(label)
            .bind(now_text())
            .bind(expires)
            .execute(&self.pool)
            .await?;
        Ok(token)
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
    errs.required("display_name", display_name, 200);
    errs.finish()?;
    Ok(())
}
