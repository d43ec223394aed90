//! Linking an account to an existing member record: only with a one-time
//! code the member's care coordinator issues (shown once, or sent to the
//! contact details already on the record), redeemed on the public claim
//! door. The public doors are throttled by hashed key, counting every try.

use crate::ids::new_id;
use accompany_domain::booking::Channel;
use accompany_domain::enrolment::{delivery_address, Delivery, EnrolmentCode, MAX_WRONG_TRIES};
use accompany_domain::policy::{may_issue_enrolment_code, Action, Decision};
use accompany_domain::privacy::{Categories, Category, Purpose};
use accompany_domain::records::Persona;
use accompany_domain::{FieldError, Invalid};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;
use time::{Duration, OffsetDateTime};

use crate::access::Access;
use crate::{now_text, timestamp_text, Result, Store, StoreError, User};

fn sha256_hex(kind: &str, value: &str) -> String {
    let mut h = Sha256::new();
    h.update(kind.as_bytes());
    h.update([0]);
    h.update(value.as_bytes());
    hex::encode(h.finalize())
}

/// A code just issued: the code itself only when it is to be shown.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct IssuedCode {
    pub delivery: Delivery,
    /// Only when `delivery` is `show`: read it out or print it; it is not
    /// shown again. Left out otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub code: Option<String>,
    pub expires_at: String,
}

/// What a person gives to claim their record.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimInput {
    #[cfg_attr(feature = "openapi", schema(schema_with = accompany_domain::limits::schema::enrolment_code))]
    pub code: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = accompany_domain::limits::schema::new_username))]
    pub username: String,
    /// At least 10 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 10))]
    pub password: String,
}

/// One refusal for every code that does not open a record (mistyped,
/// unknown, used, void or out of date), so trying tells nothing.
fn code_refused() -> StoreError {
    Invalid::one("code", "code-invalid", "this code does not open an account: check it, or ask your care coordinator for a new one").into()
}

/// How many tries one key may make at a public door in an hour.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limit {
    pub kind: &'static str,
    pub per_hour: i64,
}

impl Store {
    /// Count one try at a public door under each key, and refuse it (audited)
    /// when any key has already used its hour's tries. Failures count as
    /// much as successes, so guessing is as slow as asking.
    pub(crate) async fn public_try(&self, door: &str, keys: &[(Limit, &str)], client_addr: &str) -> Result<()> {
        let since = timestamp_text(OffsetDateTime::now_utc() - Duration::hours(1));
        let now = now_text();
        let mut over = None;
        let mut tx = self.begin().await?;
        for (limit, value) in keys {
            let key = sha256_hex(&format!("{door}|{}", limit.kind), value.trim());
            let used: i64 = sqlx::query("SELECT COUNT(*) FROM public_attempts WHERE key_hash = $1 AND at > $2")
                .bind(&key)
                .bind(&since)
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
            if used >= limit.per_hour && over.is_none() {
                over = Some(limit.kind);
            }
            sqlx::query("INSERT INTO public_attempts (key_hash, at) VALUES ($1, $2)").bind(&key).bind(&now).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        if let Some(kind) = over {
            self.public_audit("throttled", door, None, None, &Decision::Deny("too many tries in an hour"), kind, client_addr).await?;
            return Err(StoreError::Throttled);
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn public_audit(
        &self,
        action: &str,
        entity: &str,
        entity_id: Option<&str>,
        member_id: Option<&str>,
        decision: &Decision,
        detail: &str,
        client_addr: &str,
    ) -> Result<()> {
        let (d, why) = crate::audit::decision_text(decision);
        let reason = [why, detail].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(": ");
        self.append_audit(crate::audit::NewEvent {
            actor_user_id: None,
            actor_username: "public",
            action,
            entity,
            entity_id,
            decision: d,
            reason: &reason,
            client_addr,
            member_id,
            categories: "",
            purpose: "",
        })
        .await
    }

    /// Redeem an enrolment code: a new member account linked to the record
    /// the code was issued for. Every refusal about the code is the same.
    pub async fn claim_enrolment(&self, input: &ClaimInput, client_addr: &str) -> Result<User> {
        const BY_ADDRESS: Limit = Limit { kind: "address", per_hour: 20 };
        const BY_USERNAME: Limit = Limit { kind: "username", per_hour: 10 };
        self.public_try("claim", &[(BY_ADDRESS, client_addr), (BY_USERNAME, &input.username.to_lowercase())], client_addr).await?;
        let code = EnrolmentCode::parse(&input.code);
        let mut errs = Invalid::default();
        if let Err(StoreError::Invalid(e)) = crate::auth::check_new_user(&input.username, &input.password, "-") {
            errs.0.extend(e.0);
        }
        let code = match code {
            Ok(c) => c,
            Err(e) => {
                errs.0.extend(e.0);
                return Err(errs.into());
            }
        };
        errs.finish()?;
        let now = OffsetDateTime::now_utc();
        let row = sqlx::query(
            "SELECT c.id, c.member_id, c.verifier_hash, c.expires_at, c.used_at, c.void_at, c.wrong_tries, m.given_name, m.family_name, \
             (SELECT COUNT(*) FROM users u WHERE u.member_id = c.member_id) AS accounts \
             FROM enrolment_codes c JOIN members m ON m.id = c.member_id WHERE c.selector_hash = $1",
        )
        .bind(sha256_hex("selector", &code.selector))
        .fetch_optional(&self.pool)
        .await?;
        let refuse = |why: &'static str, code_id: Option<String>, member: Option<String>| async move {
            self.public_audit("claim", "enrolment-code", code_id.as_deref(), member.as_deref(), &Decision::Deny(why), "", client_addr).await?;
            Err::<User, _>(code_refused())
        };
        let Some(row) = row else {
            return refuse("no such code", None, None).await;
        };
        let id: String = row.try_get("id")?;
        let member_id: String = row.try_get("member_id")?;
        let live = row.try_get::<Option<String>, _>("used_at")?.is_none()
            && row.try_get::<Option<String>, _>("void_at")?.is_none()
            && row.try_get::<String, _>("expires_at")? > timestamp_text(now)
            && row.try_get::<i64, _>("accounts")? == 0;
        if !live {
            return refuse("the code is used, void or out of date", Some(id), Some(member_id)).await;
        }
        let stored: String = row.try_get("verifier_hash")?;
        if !crate::auth::constant_time_eq(stored.as_bytes(), sha256_hex("verifier", &code.verifier).as_bytes()) {
            let tries = row.try_get::<i64, _>("wrong_tries")? + 1;
            let void = tries >= i64::from(MAX_WRONG_TRIES);
            sqlx::query("UPDATE enrolment_codes SET wrong_tries = $1, void_at = $2 WHERE id = $3")
                .bind(tries)
                .bind(void.then(now_text))
                .bind(&id)
                .execute(&self.pool)
                .await?;
            return refuse(if void { "wrong code; the code is now void" } else { "wrong code" }, Some(id), Some(member_id)).await;
        }
        if self.user_by_username(input.username.trim()).await?.is_some() {
            return Err(Invalid::one("username", "username-taken", "is taken; choose another username").into());
        }
        let display = format!("{} {}", row.try_get::<String, _>("given_name")?, row.try_get::<String, _>("family_name")?);
        let hash = self.hash_new_password(&input.password).await?;
        let user_id = new_id();
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO users (id, username, display_name, password_hash, persona, organization_id, member_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, NULL, $6, $7)",
        )
        .bind(&user_id)
        .bind(input.username.trim())
        .bind(&display)
        .bind(&hash)
        .bind(Persona::Member.as_str())
        .bind(&member_id)
        .bind(now_text())
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::from_write(e, "username"))?;
        // Taking the code is the guard: two claims racing for it, one wins;
        // the loser's account is rolled back with its transaction.
        let taken = sqlx::query("UPDATE enrolment_codes SET used_at = $1, used_by = $2 WHERE id = $3 AND used_at IS NULL AND void_at IS NULL")
            .bind(now_text())
            .bind(&user_id)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        if taken.rows_affected() != 1 {
            drop(tx);
            return refuse("the code was used by another claim", Some(id), Some(member_id)).await;
        }
        sqlx::query("UPDATE enrolment_codes SET void_at = $1 WHERE member_id = $2 AND used_at IS NULL AND void_at IS NULL")
            .bind(now_text())
            .bind(&member_id)
            .execute(&mut *tx)
            .await?;
        // The account and its audit event are written together or not at all.
        self.append_audit_in(
            &mut tx,
            crate::audit::NewEvent {
                actor_user_id: None,
                actor_username: "public",
                action: "claim",
                entity: "enrolment-code",
                entity_id: Some(&id),
                decision: "permit",
                reason: input.username.trim(),
                client_addr,
                member_id: Some(&member_id),
                categories: "",
                purpose: "",
            },
        )
        .await?;
        tx.commit().await?;
        self.user_by_id(&user_id).await?.ok_or(StoreError::NotFound)
    }
}

impl Access {
    /// Issue a one-time enrolment code for a member who has no account yet:
    /// shown once, or sent to the contact details on their record. A new
    /// code voids the member's earlier ones.
    pub async fn issue_enrolment_code(&self, member_id: &str, delivery: Delivery) -> Result<IssuedCode> {
        let c = self.checked_member_for(member_id, Action::Read, "enrolment-code", None).await?;
        let d = may_issue_enrolment_code(self.actor(), &c.rel);
        let cats = if d.is_permit() { Categories::of(&[Category::Demographics, Category::Contact]) } else { Categories::NONE };
        self.audit_member("create", "enrolment-code", None, Some(member_id), &d, cats, Some(Purpose::Treatment)).await?;
        if let Decision::Deny(why) = d {
            return Err(StoreError::Denied(why));
        }
        let store = self.store();
        let accounts: i64 =
            sqlx::query("SELECT COUNT(*) FROM users WHERE member_id = $1").bind(member_id).fetch_one(&store.pool).await?.try_get(0)?;
        if accounts > 0 {
            return Err(Invalid(vec![FieldError::new("member", "has-account", "already has an account; the member signs in with it")]).into());
        }
        let m = &c.member;
        let address = delivery_address(delivery, m.email.as_deref(), m.phone.as_deref())?;
        let code = EnrolmentCode::generate(&mut rand::random::<u32>);
        let now = OffsetDateTime::now_utc();
        let hours = store.catalog().privacy.enrolment_code_hours;
        let expires_at = timestamp_text(now + Duration::hours(i64::from(hours)));
        let mut tx = store.begin().await?;
        sqlx::query("UPDATE enrolment_codes SET void_at = $1 WHERE member_id = $2 AND used_at IS NULL AND void_at IS NULL")
            .bind(now_text())
            .bind(member_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO enrolment_codes (id, member_id, selector_hash, verifier_hash, issued_by, delivery, issued_at, expires_at, wrong_tries) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0)",
        )
        .bind(new_id())
        .bind(member_id)
        .bind(sha256_hex("selector", &code.selector))
        .bind(sha256_hex("verifier", &code.verifier))
        .bind(&self.actor().user_id)
        .bind(delivery.as_str())
        .bind(timestamp_text(now))
        .bind(&expires_at)
        .execute(&mut *tx)
        .await?;
        if let Some(address) = &address {
            let channel = if delivery == Delivery::Email { Channel::Email } else { Channel::Text };
            let lang = m.preferred_languages.first().map_or("en", String::as_str);
            let args = serde_json::json!({ "code": code.display(), "hours": hours });
            crate::outbox::queue_message(&mut tx, None, channel, address, lang, "notice-enrolment-code", &args).await?;
        }
        tx.commit().await?;
        Ok(IssuedCode { delivery, code: (delivery == Delivery::Show).then(|| code.display()), expires_at })
    }
}
