//! Referrals: every door leads to the same request for peer support, and
//! the same person arriving twice is one request. Staff refer and work the
//! queue through `Access`; the public self-referral page arrives here
//! anonymously and is audited as such.

use crate::ids::new_id;
use accompany_domain::matching::SupportKind;
use accompany_domain::policy::{decide_referrals, Action, Decision};
use accompany_domain::privacy::{Categories, Category, Purpose};
use accompany_domain::records::{MemberInput, OrganizationKind, Persona, TeamRole};
use accompany_domain::referral::{matches_record, name_key, Arrival, Door, Referral, ReferralInput, ReferralStatus};
use accompany_domain::Invalid;
use sqlx::{Any, Row, Transaction};

use crate::access::Access;
use crate::enrolment::Limit;
use crate::lists::Page;
use crate::rows::{date_text, stored_date};
use crate::today_date as today;
use crate::writes::{insert_member, insert_team_member, record_version};
use crate::{now_text, Result, Store, StoreError};

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

/// What a request discloses: who the person is and how to reach them, and
/// substance use when the kind of support says so (42 CFR Part 2).
pub(crate) fn referral_categories(r: &Referral) -> Categories {
    let base = Categories::of(&[Category::Demographics, Category::Contact, Category::CarePlan]);
    if r.support.involves_substance_use() {
        base.with(Category::SubstanceUse)
    } else {
        base
    }
}

fn person_key(given: &str, family: &str) -> String {
    format!("{}|{}", name_key(given), name_key(family))
}

fn doors_text(doors: &[Door]) -> String {
    doors.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(",")
}

/// Self-referrals one client address may make in an hour: enough for a
/// family at one computer, too few to flood the queue.
const BY_ADDRESS: Limit = Limit { kind: "address", per_hour: PUBLIC_ARRIVALS_PER_HOUR };
/// Arrivals naming one MassHealth ID in an hour: a person asks again, nobody
/// probes an ID.
const BY_MASSHEALTH_ID: Limit = Limit { kind: "masshealth-id", per_hour: 5 };

/// What enrolling a referral did.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, serde::Serialize)]
pub struct Enrolment {
    pub member_id: String,
    /// Whether the enrolling coordinator joined the team: only for a record
    /// made from the request. For a record that already existed, the
    /// coordinator asks to join and the member or their plan answers.
    pub joined_team: bool,
}

impl Store {
    /// Record one arrival: merged into the same person's request when there
    /// is one, a new request otherwise. One transaction, serialized with
    /// every other arrival.
    async fn arrive(&self, a: &Arrival, organization_id: Option<&str>, referred_by: Option<&str>) -> Result<Referral> {
        let now = now_text();
        let mut tx = self.begin().await?;
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

    /// A person refers themselves on the public page. The request is
    /// recorded and routed to the deployment's intake organization; nothing
    /// else happens, so the answer is the same whoever is named. Accounts
    /// come later, through an enrolment code.
    pub async fn self_refer(&self, input: &ReferralInput, client_addr: &str) -> Result<Referral> {
        let masshealth = input.masshealth_id.as_deref().unwrap_or("").trim().to_string();
        let mut keys = vec![(BY_ADDRESS, client_addr)];
        if !masshealth.is_empty() {
            keys.push((BY_MASSHEALTH_ID, masshealth.as_str()));
        }
        self.public_try("referral", &keys, client_addr).await?;
        let arrival = input.validate(self.catalog(), today())?;
        let referral = self.arrive(&arrival, self.intake_organization(), None).await?;
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
            categories: &referral_categories(&referral).to_text(),
            purpose: Purpose::InternalCommunication.as_str(),
        })
        .await?;
        Ok(referral)
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

    /// Audit an access to one request: a permitted one discloses what the
    /// request holds, substance use included when it says so, as
    /// communication inside the intake program.
    async fn audit_referral(&self, action: &str, r: Option<&Referral>, id: Option<&str>, d: &Decision) -> Result<()> {
        let cats = match r {
            Some(r) if d.is_permit() => referral_categories(r),
            _ => Categories::NONE,
        };
        let member_id = r.and_then(|r| r.member_id.as_deref());
        self.audit_member(action, "referral", id, member_id, d, cats, Some(Purpose::InternalCommunication)).await
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
        // plan, an ACO or a community partner; from anywhere else, to the
        // deployment's intake organization.
        let mut routed_to = self.store.intake_organization();
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
        self.audit_referral("create", Some(&r), Some(&r.id), &d).await?;
        Ok(r)
    }

    /// The queue: open requests the actor's organization takes (and those
    /// no organization has taken yet), oldest first.
    pub async fn referral_queue(&self, status: Option<ReferralStatus>, after: Option<&str>, limit: u32) -> Result<Page<Referral>> {
        let d = self.referrals_allowed(Action::Read);
        if let Decision::Deny(why) = d {
            self.audit_referral("list", None, None, &d).await?;
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
             AND ($2 = '*' OR organization_id = $2) AND (first_arrived_at || id) > $3 \
             ORDER BY first_arrived_at, id LIMIT {}",
            limit + 1
        ))
        .bind(status)
        .bind(org.unwrap_or_else(|| "*".into()))
        .bind(after.unwrap_or(""))
        .fetch_all(&self.store.pool)
        .await?;
        let items = rows.iter().map(referral_from_row).collect::<Result<Vec<_>>>()?;
        let page = Page::from_one_extra(items, limit, |r| format!("{}{}", r.first_arrived_at, r.id));
        // One event for the list, naming the members it showed and every
        // category any request on it disclosed.
        let cats = page.items.iter().fold(Categories::NONE, |acc, r| acc.union(referral_categories(r)));
        let members: Vec<&str> = page.items.iter().filter_map(|r| r.member_id.as_deref()).collect();
        self.audit_list("list", "referral", &d, cats, Some(Purpose::InternalCommunication), &members).await?;
        Ok(page)
    }

    async fn checked_referral(&self, id: &str, action: Action) -> Result<Referral> {
        let d = self.referrals_allowed(action);
        let found = self.store.referral_row(id).await?;
        let visible = found.as_ref().is_some_and(|r| {
            self.actor().persona == Persona::StateAdmin || (r.organization_id.is_some() && r.organization_id == self.actor().organization_id)
        });
        let d = match (d, visible) {
            (Decision::Permit, false) => Decision::Deny("no such referral in your organization's queue"),
            (d, _) => d,
        };
        self.audit_referral(action.as_str(), found.as_ref(), Some(id), &d).await?;
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

    /// Enrol the person. A new MassHealth ID makes a new member record from
    /// the request, with the enrolling coordinator on the team (audited).
    /// An ID already on a record enrols onto it only when the request's name
    /// and date of birth match it, and adds nobody to the team: the
    /// coordinator asks to join. One transaction.
    pub async fn enrol_referral(&self, id: &str, masshealth_id: Option<&str>) -> Result<Enrolment> {
        let r = self.checked_referral(id, Action::Update).await?;
        if let Some(m) = &r.member_id {
            return Ok(Enrolment { member_id: m.clone(), joined_team: false });
        }
        let masshealth_id = masshealth_id.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).or(r.masshealth_id.clone());
        let Some(masshealth_id) = masshealth_id else {
            return Err(Invalid::one("masshealth_id", "masshealth-for-enrolment", "add the person's MassHealth ID to enrol them").into());
        };
        let existing = sqlx::query(&format!("SELECT {} FROM members m WHERE m.masshealth_id = $1", crate::rows::MEMBER_COLUMNS))
            .bind(&masshealth_id)
            .fetch_optional(&self.store.pool)
            .await?
            .as_ref()
            .map(crate::rows::member)
            .transpose()?;
        let mut tx = self.store.begin().await?;
        let (member_id, joined_team) = match existing {
            Some(m) if matches_record(&m, &r) => (m.id, false),
            Some(m) => {
                drop(tx);
                self.audit_member(
                    "enrol",
                    "referral",
                    Some(id),
                    Some(&m.id),
                    &Decision::Deny("the request does not match the record"),
                    Categories::NONE,
                    Some(Purpose::Treatment),
                )
                .await?;
                return Err(Invalid::one(
                    "masshealth_id",
                    "details-differ",
                    "the record with this MassHealth ID has another name or date of birth; check the ID and the person's details",
                )
                .into());
            }
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
                let joins = self.actor().persona == Persona::CareCoordinator;
                if joins {
                    insert_team_member(&mut tx, &m.id, &self.actor().user_id, TeamRole::CareCoordinator, Some(&self.actor().user_id), "enrolled")
                        .await?;
                }
                (m.id, joins)
            }
        };
        link_member(&mut tx, id, &member_id, ReferralStatus::Enrolled).await?;
        tx.commit().await?;
        if joined_team {
            self.audit_member("join", "care-team", None, Some(&member_id), &Decision::Permit, Categories::NONE, Some(Purpose::Treatment)).await?;
        }
        Ok(Enrolment { member_id, joined_team })
    }
}
