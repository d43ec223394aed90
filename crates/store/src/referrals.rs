//! Referrals: every door leads to the same request for peer support, and
//! the same person arriving twice is one request. Staff refer and work the
//! queue through `Access`; the public self-referral page arrives here
//! anonymously and is audited as such.

use accompany_domain::matching::SupportKind;
use accompany_domain::policy::{decide_referrals, Action, Decision};
use accompany_domain::privacy::{Categories, Category};
use accompany_domain::records::{new_id, Member, MemberInput, OrganizationKind, Persona, TeamRole};
use accompany_domain::referral::{may_claim, name_key, Arrival, Door, Referral, ReferralInput, ReferralStatus};
use accompany_domain::{FieldError, Invalid};
use sqlx::{Any, Row, Transaction};
use time::{Duration, OffsetDateTime};

use crate::access::{insert_member, insert_team_member, record_version, Access, Page};
use crate::rows::{date_text, stored_date};
use crate::today_date as today;
use crate::{now_text, timestamp_text, Result, Store, StoreError, User};

const REFERRAL_COLUMNS: &str = "id, member_id, organization_id, doors, given_name, family_name, date_of_birth, masshealth_id, \
     phone, email, language, support, status, arrivals, first_arrived_at, last_arrived_at";

/// Self-referrals one client address may make in an hour: enough for a
/// family at one computer, too few to flood the queue.
const PUBLIC_ARRIVALS_PER_HOUR: i64 = 10;

fn referral_from_row(r: &sqlx::any::AnyRow) -> Result<Referral> {
    let doors: String = r.try_get("doors")?;
    let support: String = r.try_get("support")?;
    let status: String = r.try_get("status")?;
    let dob: String = r.try_get("date_of_birth")?;
    Ok(Referral {
        id: r.try_get("id")?,
        member_id: r.try_get("member_id")?,
        organization_id: r.try_get("organization_id")?,
        doors: doors.split(',').filter_map(Door::parse).collect(),
        given_name: r.try_get("given_name")?,
        family_name: r.try_get("family_name")?,
        date_of_birth: stored_date(&dob)?,
        masshealth_id: r.try_get("masshealth_id")?,
        phone: r.try_get("phone")?,
        email: r.try_get("email")?,
        language: r.try_get("language")?,
        support: SupportKind::ALL.into_iter().find(|k| k.as_str() == support).ok_or_else(|| StoreError::Corrupt(format!("support {support}")))?,
        status: ReferralStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("status {status}")))?,
        arrivals: u32::try_from(r.try_get::<i64, _>("arrivals")?).unwrap_or(u32::MAX),
        first_arrived_at: r.try_get("first_arrived_at")?,
        last_arrived_at: r.try_get("last_arrived_at")?,
    })
}

fn person_key(given: &str, family: &str) -> String {
    format!("{}|{}", name_key(given), name_key(family))
}

fn doors_text(doors: &[Door]) -> String {
    doors.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(",")
}

/// What a person who refers themselves may also ask for: an account, to
/// choose their peer at once.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub password: String,
}

/// The outcome of a self-referral.
#[derive(Debug, Clone)]
pub struct SelfReferral {
    pub referral: Referral,
    /// The new account, signed in by the caller.
    pub user: Option<User>,
}

impl Store {
    /// Record one arrival: merged into the same person's request when there
    /// is one, a new request otherwise. One transaction, serialized with
    /// every other arrival.
    async fn arrive(&self, a: &Arrival, organization_id: Option<&str>, referred_by: Option<&str>) -> Result<Referral> {
        let now = now_text();
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE referral_lock SET arrivals = arrivals + 1 WHERE id = 1").execute(&mut *tx).await?;
        let candidates = sqlx::query(&format!(
            "SELECT {REFERRAL_COLUMNS} FROM referrals WHERE (masshealth_id = $1) OR (person_key = $2 AND date_of_birth = $3) ORDER BY first_arrived_at, id"
        ))
        .bind(a.masshealth_id.as_deref().unwrap_or("-"))
        .bind(person_key(&a.given_name, &a.family_name))
        .bind(date_text(a.date_of_birth))
        .fetch_all(&mut *tx)
        .await?;
        let existing = candidates.iter().map(referral_from_row).collect::<Result<Vec<_>>>()?.into_iter().find(|r| r.same_person(a));
        let referral = match existing {
            Some(mut r) => {
                r.merge(a, &now);
                sqlx::query(
                    "UPDATE referrals SET doors = $1, masshealth_id = $2, phone = $3, email = $4, status = $5, arrivals = $6, last_arrived_at = $7, \
                     organization_id = COALESCE(organization_id, $8) WHERE id = $9",
                )
                .bind(doors_text(&r.doors))
                .bind(&r.masshealth_id)
                .bind(&r.phone)
                .bind(&r.email)
                .bind(r.status.as_str())
                .bind(i64::from(r.arrivals))
                .bind(&now)
                .bind(organization_id)
                .bind(&r.id)
                .execute(&mut *tx)
                .await?;
                r
            }
            None => {
                let r = Referral::first(new_id(), organization_id.map(str::to_string), a, &now);
                sqlx::query(&format!(
                    "INSERT INTO referrals ({REFERRAL_COLUMNS}, person_key, referred_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
                ))
                .bind(&r.id)
                .bind(&r.member_id)
                .bind(&r.organization_id)
                .bind(doors_text(&r.doors))
                .bind(&r.given_name)
                .bind(&r.family_name)
                .bind(date_text(r.date_of_birth))
                .bind(&r.masshealth_id)
                .bind(&r.phone)
                .bind(&r.email)
                .bind(&r.language)
                .bind(r.support.as_str())
                .bind(r.status.as_str())
                .bind(1_i64)
                .bind(&now)
                .bind(&now)
                .bind(person_key(&r.given_name, &r.family_name))
                .bind(referred_by)
                .execute(&mut *tx)
                .await?;
                r
            }
        };
        record_version(&mut tx, "referral", &referral.id, i64::from(referral.arrivals), &referral, referred_by, "arrived").await?;
        tx.commit().await?;
        Ok(referral)
    }

    /// A person refers themselves on the public page, and may open an
    /// account at once to choose their peer. The request is recorded even
    /// when the account cannot be made; the account is made whole or not at all.
    pub async fn self_refer(&self, input: &ReferralInput, account: Option<&NewAccount>, client_addr: &str) -> Result<SelfReferral> {
        let since = timestamp_text(OffsetDateTime::now_utc() - Duration::hours(1));
        let recent: i64 = sqlx::query(
            "SELECT COUNT(*) FROM audit_events WHERE actor_user_id IS NULL AND action = 'create' AND entity = 'referral' AND client_addr = $1 AND at > $2",
        )
        .bind(client_addr)
        .bind(since)
        .fetch_one(&self.pool)
        .await?
        .try_get(0)?;
        if recent >= PUBLIC_ARRIVALS_PER_HOUR {
            return Err(StoreError::Throttled);
        }
        let arrival = input.validate(self.catalog(), today())?;
        // Check the account before anything is written, so that a refusal
        // names every problem at once.
        let claim = match account {
            None => None,
            Some(acc) => Some(self.check_account(&arrival, acc).await?),
        };
        let referral = self.arrive(&arrival, None, None).await?;
        self.append_audit(crate::audit::NewEvent {
            actor_user_id: None,
            actor_username: "public",
            action: "create",
            entity: "referral",
            entity_id: Some(&referral.id),
            decision: "permit",
            reason: "",
            client_addr,
            member_id: referral.member_id.as_deref(),
            categories: &Categories::of(&[Category::Demographics, Category::Contact, Category::CarePlan]).to_text(),
            purpose: "treatment",
        })
        .await?;
        let (Some(acc), Some(claim)) = (account, claim) else {
            return Ok(SelfReferral { referral, user: None });
        };
        let user = self.open_member_account(&arrival, &referral, acc, claim).await?;
        let referral = self.referral_row(&referral.id).await?.unwrap_or(referral);
        Ok(SelfReferral { referral, user: Some(user) })
    }

    /// Whether the arrival may open an account: a free username, a good
    /// password, a MassHealth ID, and either no member with that ID or one
    /// with the same name and date of birth and no account yet.
    async fn check_account(&self, a: &Arrival, acc: &NewAccount) -> Result<Option<Member>> {
        let display = format!("{} {}", a.given_name, a.family_name);
        let mut errs = Invalid::default();
        if let Err(StoreError::Invalid(e)) = crate::auth::check_new_user(&acc.username, &acc.password, &display) {
            errs.0.extend(e.0);
        }
        if self.user_by_username(acc.username.trim()).await?.is_some() {
            errs.push(FieldError::new("username", "username-taken", "is taken; choose another username"));
        }
        let Some(masshealth_id) = &a.masshealth_id else {
            errs.push(FieldError::new("masshealth_id", "masshealth-for-account", "give your MassHealth ID to open an account"));
            return Err(errs.into());
        };
        let existing = sqlx::query(&format!("SELECT {} FROM members m WHERE m.masshealth_id = $1", crate::rows::MEMBER_COLUMNS))
            .bind(masshealth_id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(crate::rows::member)
            .transpose()?;
        if let Some(m) = &existing {
            let has_account: i64 =
                sqlx::query("SELECT COUNT(*) FROM users WHERE member_id = $1").bind(&m.id).fetch_one(&self.pool).await?.try_get(0)?;
            if has_account > 0 {
                errs.push(FieldError::new("masshealth_id", "account-exists", "already has an account: sign in instead"));
            } else if !may_claim(m, a) {
                // Say no more than that the details differ: anything else
                // would tell a stranger about someone's record.
                errs.push(FieldError::new(
                    "masshealth_id",
                    "details-differ",
                    "does not match the name and date of birth we have; ask your care coordinator",
                ));
            }
        }
        errs.finish()?;
        Ok(existing)
    }

    async fn open_member_account(&self, a: &Arrival, r: &Referral, acc: &NewAccount, existing: Option<Member>) -> Result<User> {
        let hash = crate::auth::hash_password(&acc.password)?;
        let mut tx = self.pool.begin().await?;
        let member_id = match existing {
            Some(m) => m.id,
            None => {
                let input = MemberInput {
                    masshealth_id: a.masshealth_id.clone().unwrap_or_default(),
                    given_name: a.given_name.clone(),
                    family_name: a.family_name.clone(),
                    date_of_birth: date_text(a.date_of_birth),
                    phone: a.phone.clone(),
                    email: a.email.clone(),
                    preferred_languages: vec![a.language.clone()],
                    ..MemberInput::default()
                };
                let m = input.validate(new_id(), 1, self.catalog(), today())?;
                insert_member(&mut tx, &m).await?;
                record_version(&mut tx, "member", &m.id, 1, &m, None, "self-referral").await?;
                m.id
            }
        };
        let user_id = new_id();
        sqlx::query(
            "INSERT INTO users (id, username, display_name, password_hash, persona, organization_id, member_id, created_at, locale) \
             VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8)",
        )
        .bind(&user_id)
        .bind(acc.username.trim())
        .bind(format!("{} {}", a.given_name, a.family_name))
        .bind(&hash)
        .bind(Persona::Member.as_str())
        .bind(&member_id)
        .bind(now_text())
        .bind(&a.language)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::from_write(e, "username"))?;
        link_member(&mut tx, &r.id, &member_id, ReferralStatus::New).await?;
        tx.commit().await?;
        self.user_by_id(&user_id).await?.ok_or(StoreError::NotFound)
    }

    async fn referral_row(&self, id: &str) -> Result<Option<Referral>> {
        sqlx::query(&format!("SELECT {REFERRAL_COLUMNS} FROM referrals WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(referral_from_row)
            .transpose()
    }
}

async fn link_member(tx: &mut Transaction<'_, Any>, referral_id: &str, member_id: &str, status: ReferralStatus) -> Result<()> {
    sqlx::query("UPDATE referrals SET member_id = $1, status = $2 WHERE id = $3")
        .bind(member_id)
        .bind(status.as_str())
        .bind(referral_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Access {
    fn referrals_allowed(&self, action: Action) -> Decision {
        decide_referrals(self.actor(), action)
    }

    async fn audit_referral(&self, action: &str, id: Option<&str>, member_id: Option<&str>, d: &Decision) -> Result<()> {
        let cats = if d.is_permit() { Categories::of(&[Category::Demographics, Category::Contact, Category::CarePlan]) } else { Categories::NONE };
        self.audit_member(action, "referral", id, member_id, d, cats, Some(accompany_domain::privacy::Purpose::Treatment)).await
    }

    /// Refer someone to peer support, from whichever door the staff member stands at.
    pub async fn refer(&self, input: &ReferralInput) -> Result<Referral> {
        let d = self.referrals_allowed(Action::Create);
        if let Decision::Deny(why) = d {
            self.audit_referral("create", None, None, &d).await?;
            return Err(StoreError::Denied(why));
        }
        let arrival = input.validate(self.store.catalog(), today())?;
        // Requests go to the referrer's own coordinators when they work for a
        // plan, an ACO or a community partner; from anywhere else, to anyone's queue.
        let mut routed_to = None;
        if let Some(org) = &self.actor().organization_id {
            if self
                .store
                .organization_row(org)
                .await?
                .is_some_and(|o| matches!(o.kind, OrganizationKind::HealthPlan | OrganizationKind::Aco | OrganizationKind::CommunityPartner))
            {
                routed_to = Some(org.as_str());
            }
        }
        let r = self.store.arrive(&arrival, routed_to, Some(&self.actor().user_id)).await?;
        self.audit_referral("create", Some(&r.id), r.member_id.as_deref(), &d).await?;
        Ok(r)
    }

    /// The queue: open requests the actor's organization takes (and those
    /// no organization has taken yet), oldest first.
    pub async fn referral_queue(&self, status: Option<ReferralStatus>, after: Option<&str>, limit: u32) -> Result<Page<Referral>> {
        let d = self.referrals_allowed(Action::Read);
        self.audit_referral("list", None, None, &d).await?;
        if let Decision::Deny(why) = d {
            return Err(StoreError::Denied(why));
        }
        let limit = limit.clamp(1, 500);
        let status = status.map_or("open".to_string(), |s| s.as_str().to_string());
        let org = match self.actor().persona {
            Persona::StateAdmin => None,
            _ => Some(self.actor().organization_id.clone().unwrap_or_default()),
        };
        let rows = sqlx::query(&format!(
            "SELECT {REFERRAL_COLUMNS} FROM referrals WHERE (status = $1 OR ($1 = 'open' AND status IN ('new', 'contacted'))) \
             AND ($2 = '*' OR organization_id IS NULL OR organization_id = $2) AND (first_arrived_at || id) > $3 \
             ORDER BY first_arrived_at, id LIMIT {}",
            limit + 1
        ))
        .bind(status)
        .bind(org.unwrap_or_else(|| "*".into()))
        .bind(after.unwrap_or(""))
        .fetch_all(&self.store.pool)
        .await?;
        let items = rows.iter().map(referral_from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_one_extra(items, limit, |r| format!("{}{}", r.first_arrived_at, r.id)))
    }

    async fn checked_referral(&self, id: &str, action: Action) -> Result<Referral> {
        let d = self.referrals_allowed(action);
        let found = self.store.referral_row(id).await?;
        let visible = found.as_ref().is_some_and(|r| {
            self.actor().persona == Persona::StateAdmin || r.organization_id.is_none() || r.organization_id == self.actor().organization_id
        });
        let d = match (d, visible) {
            (Decision::Permit, false) => Decision::Deny("no such referral in your organization's queue"),
            (d, _) => d,
        };
        self.audit_referral(action.as_str(), Some(id), found.as_ref().and_then(|r| r.member_id.as_deref()), &d).await?;
        match (d, found) {
            (Decision::Permit, Some(r)) => Ok(r),
            _ => Err(StoreError::NotFound),
        }
    }

    pub async fn referral(&self, id: &str) -> Result<Referral> {
        self.checked_referral(id, Action::Read).await
    }

    /// Mark a request contacted or closed.
    pub async fn set_referral_status(&self, id: &str, status: ReferralStatus) -> Result<Referral> {
        let r = self.checked_referral(id, Action::Update).await?;
        if status == ReferralStatus::Enrolled {
            return Err(Invalid::one("status", "enrol-instead", "enrol the person to mark them enrolled").into());
        }
        sqlx::query("UPDATE referrals SET status = $1 WHERE id = $2").bind(status.as_str()).bind(id).execute(&self.store.pool).await?;
        Ok(Referral { status, ..r })
    }

    /// Enrol the person: their member record (made from the request, or the
    /// one that already holds their MassHealth ID) with the enrolling
    /// coordinator on their team. One transaction; returns the member id.
    pub async fn enrol_referral(&self, id: &str, masshealth_id: Option<&str>) -> Result<String> {
        let r = self.checked_referral(id, Action::Update).await?;
        if let Some(m) = &r.member_id {
            return Ok(m.clone());
        }
        let masshealth_id = masshealth_id.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).or(r.masshealth_id.clone());
        let Some(masshealth_id) = masshealth_id else {
            return Err(Invalid::one("masshealth_id", "masshealth-for-enrolment", "add the person's MassHealth ID to enrol them").into());
        };
        let existing: Option<String> = sqlx::query("SELECT id FROM members WHERE masshealth_id = $1")
            .bind(&masshealth_id)
            .fetch_optional(&self.store.pool)
            .await?
            .map(|row| row.try_get(0))
            .transpose()?;
        let mut tx = self.store.pool.begin().await?;
        let member_id = match existing {
            Some(id) => id,
            None => {
                let input = MemberInput {
                    masshealth_id,
                    given_name: r.given_name.clone(),
                    family_name: r.family_name.clone(),
                    date_of_birth: date_text(r.date_of_birth),
                    phone: r.phone.clone(),
                    email: r.email.clone(),
                    preferred_languages: vec![r.language.clone()],
                    plan_id: None,
                    ..MemberInput::default()
                };
                let m = input.validate(new_id(), 1, self.store.catalog(), today())?;
                insert_member(&mut tx, &m).await?;
                record_version(&mut tx, "member", &m.id, 1, &m, Some(&self.actor().user_id), "enrolled from a referral").await?;
                m.id
            }
        };
        let on_team: i64 = sqlx::query("SELECT COUNT(*) FROM team_members WHERE member_id = $1 AND user_id = $2 AND until IS NULL")
            .bind(&member_id)
            .bind(&self.actor().user_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        if on_team == 0 && self.actor().persona == Persona::CareCoordinator {
            insert_team_member(&mut tx, &member_id, &self.actor().user_id, TeamRole::CareCoordinator).await?;
        }
        link_member(&mut tx, id, &member_id, ReferralStatus::Enrolled).await?;
        tx.commit().await?;
        Ok(member_id)
    }
}
