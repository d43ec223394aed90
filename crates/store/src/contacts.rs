//! A peer's contacts with a member, counted as the payer counts them: the
//! log with each contact's billing units, the units used against the
//! authorization and the engagement rule, corrections that keep every
//! version, and the history of one contact. Every method asks the policy
//! first and leaves an audit event.

use crate::ids::new_id;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use accompany_domain::activity::{peer_month, peer_month_since, PeerMonth};
use accompany_domain::billing::{self, rule_on, AuthorizationStatus, ContactFacts, Pricing, PricingInput};
use accompany_domain::contacts::{caseload, standing, Caseload, CaseloadRow, Counted, CurrentAuthorization, LoggedContact, Standing};
use accompany_domain::coverage::AuthorizationRecord;
use accompany_domain::notes::{ContactNote, ContactNoteInput, Modality, Setting};
use accompany_domain::policy::{may_write_contact_note, sees_worker_development, Action, Decision};
use accompany_domain::privacy::{Categories, Category};
use accompany_domain::records::Persona;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::access::{Access, Checked};
use crate::privacy::insert_contact_note;
use crate::rows::VersionEntry;
use crate::rows::{date_text, stored_date};
use crate::today_date as today;
use crate::writes::record_version;
use crate::{now_text, Result, StoreError};

/// One member's contacts as one reader may have them, and where they stand.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct ContactLog {
    pub member_id: String,
    /// Newest first.
    pub contacts: Vec<LoggedContact>,
    /// The catalog role the standing is counted under: the reader's own when
    /// they are the member's peer, otherwise the member's current peer's.
    pub role_id: Option<String>,
    /// None when that role bills no units.
    pub standing: Option<Standing>,
    /// Whether the reader may log a contact with this member.
    pub can_log: bool,
}

/// The contacts across one peer's caseload, as one reader may have them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct CaseloadContacts {
    pub worker_id: String,
    pub worker_name: String,
    pub role_id: String,
    #[serde(flatten)]
    pub caseload: Caseload,
    /// The contacts the worker logged this month and week by week.
    pub month: PeerMonth,
}

/// The columns a contact is read from; `role_id` falls back to the author's
/// role for contacts recorded without one.
const CONTACT_SELECT: &str = "SELECT n.id, n.member_id, n.author_id, u.display_name, n.contact_date, n.start_time, n.duration_minutes, \
     n.modality, n.setting, n.note, n.version, \
     COALESCE(n.role_id, (SELECT w.role_id FROM workers w WHERE w.user_id = n.author_id ORDER BY w.created_at LIMIT 1)) AS billed_role, \
     (SELECT COUNT(*) FROM group_attendance ga WHERE ga.contact_note_id = n.id) AS in_group \
     FROM contact_notes n JOIN users u ON u.id = n.author_id";

pub(crate) fn contact_note(r: &AnyRow) -> Result<ContactNote> {
    let date: String = r.try_get("contact_date")?;
    let start: Option<String> = r.try_get("start_time")?;
    let modality: String = r.try_get("modality")?;
    let setting: String = r.try_get("setting")?;
    Ok(ContactNote {
        id: r.try_get("id")?,
        member_id: r.try_get("member_id")?,
        author_id: r.try_get("author_id")?,
        author_name: r.try_get("display_name")?,
        date: stored_date(&date)?,
        start_time: start.as_deref().and_then(accompany_domain::notes::parse_start_time),
        duration_minutes: u32::try_from(r.try_get::<i64, _>("duration_minutes")?).unwrap_or(0),
        modality: Modality::parse(&modality).ok_or_else(|| StoreError::Corrupt(format!("modality {modality}")))?,
        setting: Setting::parse(&setting).ok_or_else(|| StoreError::Corrupt(format!("setting {setting}")))?,
        note: r.try_get("note")?,
        version: r.try_get("version")?,
    })
}

/// Every contact of one member priced under its payer's rule, by contact id,
/// with the facts the standing is worked out from.
pub(crate) struct Priced {
    pub by_contact: BTreeMap<String, Pricing>,
    /// Each role's contact ids: the units waiting are the role's own.
    pub role_contacts: HashMap<String, Vec<String>>,
    /// Each role's contacts as counted, for engagement rules.
    pub counted: HashMap<String, Vec<Counted>>,
    pub coverage: Vec<billing::CoverageSpan>,
    pub authorizations: Vec<AuthorizationRecord>,
    /// Each priced contact's day.
    pub dates: HashMap<String, time::Date>,
}

/// What pricing one member's contacts reads.
struct MemberFacts<'a> {
    rows: Vec<&'a AnyRow>,
    coverage: Vec<billing::CoverageSpan>,
    authorizations: Vec<AuthorizationRecord>,
    diagnosis_groups: &'a [(accompany_domain::billing::DiagnosisGroup, time::Date, Option<time::Date>)],
    creds: &'a HashMap<String, (String, Vec<accompany_domain::workforce::Credential>)>,
    date_of_birth: time::Date,
}

impl Priced {
    fn units_used(&self, authorization_id: &str) -> u32 {
        billing::units_used(&self.by_contact, authorization_id)
    }

    fn waiting(&self, role_contacts: &[String], payer: &str) -> u32 {
        role_contacts
            .iter()
            .filter_map(|id| match self.by_contact.get(id) {
                Some(Pricing::NeedsAuthorization { payer: p, units, .. }) if p == payer => Some(*units),
                _ => None,
            })
            .sum()
    }
}

impl Access {
    fn logged(&self, r: &AnyRow, priced: &Priced) -> Result<LoggedContact> {
        let note = contact_note(r)?;
        let role_id: Option<String> = r.try_get("billed_role")?;
        let pricing = priced.by_contact.get(&note.id).cloned();
        Ok(LoggedContact { units: pricing.as_ref().and_then(Pricing::units), pricing, note, role_id })
    }

    /// Price every contact of the member under the payer that covered its
    /// day: all contacts, whoever logged them, since they share the payer's
    /// authorization. The caller has already passed the gate for the member.
    pub(crate) async fn price_member(&self, member_id: &str, date_of_birth: time::Date) -> Result<Priced> {
        let mut all = self.price_members(&[(member_id.to_string(), date_of_birth)]).await?;
        all.remove(member_id).ok_or_else(|| StoreError::Corrupt(format!("member {member_id} was not priced")))
    }

    /// [`Self::price_member`] for many members at once: the same facts,
    /// read in a few queries per 500 members rather than a few per member.
    pub(crate) async fn price_members(&self, members: &[(String, time::Date)]) -> Result<HashMap<String, Priced>> {
        let mut out = HashMap::new();
        for chunk in members.chunks(500) {
            let ids: Vec<String> = chunk.iter().map(|(id, _)| id.clone()).collect();
            let rows = crate::rows::rows_for_ids(&self.store.pool, &format!("{CONTACT_SELECT} WHERE n.member_id IN ({{ids}})"), &ids).await?;
            let mut coverage = self.store.coverage_for(&ids).await?;
            let mut authorizations = self.store.authorizations_for(&ids).await?;
            let diagnosis_groups = self.store.diagnosis_groups_for(&ids).await?;
            let mut by_member: HashMap<String, Vec<&AnyRow>> = HashMap::new();
            let mut authors = BTreeSet::new();
            for r in &rows {
                by_member.entry(r.try_get("member_id")?).or_default().push(r);
                authors.insert(r.try_get::<String, _>("author_id")?);
            }
            let creds = self.store.credentials_of_users(&authors.into_iter().collect::<Vec<_>>()).await?;
            for (member_id, date_of_birth) in chunk {
                let facts = MemberFacts {
                    rows: by_member.remove(member_id).unwrap_or_default(),
                    coverage: coverage.remove(member_id).unwrap_or_default().iter().map(accompany_domain::coverage::Coverage::span).collect(),
                    authorizations: authorizations.remove(member_id).unwrap_or_default(),
                    diagnosis_groups: diagnosis_groups.get(member_id).map(Vec::as_slice).unwrap_or(&[]),
                    creds: &creds,
                    date_of_birth: *date_of_birth,
                };
                out.insert(member_id.clone(), self.price_facts(facts)?);
            }
        }
        Ok(out)
    }

    /// Price one member's contacts from the facts read for them.
    fn price_facts(&self, f: MemberFacts<'_>) -> Result<Priced> {
        let catalog = self.store.catalog();
        let mut by_role: BTreeMap<String, Vec<ContactFacts>> = BTreeMap::new();
        let mut counted: HashMap<String, Vec<Counted>> = HashMap::new();
        let mut dates = HashMap::new();
        for r in &f.rows {
            let note = contact_note(r)?;
            let Some(role) = r.try_get::<Option<String>, _>("billed_role")? else { continue };
            dates.insert(note.id.clone(), note.date);
            by_role.entry(role).or_default().push(ContactFacts {
                id: note.id,
                author: note.author_id,
                date: note.date,
                minutes: note.duration_minutes,
                // A group meeting's attendance is billed with the payer's group modifier (HQ).
                group: r.try_get::<i64, _>("in_group")? > 0,
                telehealth: note.modality != Modality::InPerson,
                place_of_service: catalog.places_of_service.get(note.setting.as_str()).cloned(),
            });
        }
        let mut by_contact = BTreeMap::new();
        let mut role_contacts = HashMap::new();
        for (role_id, facts) in &by_role {
            let rules = catalog.role(role_id).map(|r| r.billing.as_slice()).unwrap_or(&[]);
            let spans: Vec<_> = f
                .authorizations
                .iter()
                .filter(|a| &a.role_id == role_id && a.status == AuthorizationStatus::Approved)
                .map(AuthorizationRecord::span)
                .collect();
            let blocked = |c: &ContactFacts, payer: &str| self.store.blocked(f.creds, &c.author, role_id, payer, c.date);
            let age = |d: time::Date| Some(billing::age_on(f.date_of_birth, d));
            let diagnoses = |d: time::Date| {
                f.diagnosis_groups
                    .iter()
                    .filter(|(_, start, end)| *start <= d && end.is_none_or(|e| d <= e))
                    .map(|(g, _, _)| *g)
                    .collect::<BTreeSet<_>>()
            };
            let input =
                PricingInput { rules, coverage: &f.coverage, authorizations: &spans, blocked: &blocked, age_on: &age, diagnoses_on: &diagnoses };
            let priced = billing::price(facts, &input);
            counted.insert(
                role_id.clone(),
                facts
                    .iter()
                    .map(|c| Counted { date: c.date, minutes: c.minutes, units: priced.get(&c.id).and_then(Pricing::units).unwrap_or(0) })
                    .collect(),
            );
            role_contacts.insert(role_id.clone(), facts.iter().map(|c| c.id.clone()).collect());
            by_contact.extend(priced);
        }
        Ok(Priced { by_contact, role_contacts, counted, coverage: f.coverage, authorizations: f.authorizations, dates })
    }

    /// Authorizations with the units billable contacts used under each.
    pub(crate) async fn with_units_used(
        &self,
        member_id: &str,
        date_of_birth: time::Date,
        mut list: Vec<AuthorizationRecord>,
    ) -> Result<Vec<AuthorizationRecord>> {
        let priced = self.price_member(member_id, date_of_birth).await?;
        for a in &mut list {
            a.units_used = Some(priced.units_used(&a.id));
        }
        Ok(list)
    }

    /// Where the member's contacts in `role_id` stand today.
    fn standing_of(&self, priced: &Priced, role_id: &str, today: time::Date) -> Option<Standing> {
        let rules = &self.store.catalog().role(role_id)?.billing;
        let (rule, covered) = match rule_on(rules, &priced.coverage, today) {
            Some((r, _)) => (r, true),
            None => (rules.first()?, false),
        };
        let current = priced
            .authorizations
            .iter()
            .filter(|a| a.role_id == role_id && a.payer_id == rule.payer && a.status == AuthorizationStatus::Approved)
            .find(|a| a.start <= today && today <= a.end);
        let spans: Vec<_> = current.map(AuthorizationRecord::span).into_iter().collect();
        let current =
            current.zip(spans.first()).map(|(a, span)| CurrentAuthorization { span, number: a.number.clone(), units_used: priced.units_used(&a.id) });
        let counted = priced.counted.get(role_id).cloned().unwrap_or_default();
        let waiting = priced.waiting(priced.role_contacts.get(role_id).map(Vec::as_slice).unwrap_or(&[]), &rule.payer);
        Some(standing(rule, covered, &counted, current, waiting, today))
    }

    /// The catalog role of the actor's worker record, if they have one.
    pub(crate) async fn own_role(&self) -> Result<Option<String>> {
        Ok(sqlx::query("SELECT role_id FROM workers WHERE user_id = $1 ORDER BY created_at LIMIT 1")
            .bind(&self.actor().user_id)
            .fetch_optional(&self.store.pool)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?)
    }

    /// The contacts the reader may see: all of them with the peer-notes
    /// label in view (the member, their supervisor by default), otherwise
    /// only the reader's own.
    pub(crate) async fn visible_contacts(&self, c: &Checked, member_id: &str) -> Result<Vec<LoggedContact>> {
        let priced = self.price_member(member_id, c.member.date_of_birth).await?;
        self.visible_priced(c, member_id, &priced).await
    }

    async fn visible_priced(&self, c: &Checked, member_id: &str, priced: &Priced) -> Result<Vec<LoggedContact>> {
        let all = c.visible.contains(Category::PeerNotes);
        let rows = sqlx::query(&format!(
            "{CONTACT_SELECT} WHERE n.member_id = $1 AND ($2 = 'all' OR n.author_id = $3) \
             ORDER BY n.contact_date DESC, COALESCE(n.start_time, '') DESC, n.id DESC"
        ))
        .bind(member_id)
        .bind(if all { "all" } else { "own" })
        .bind(&self.actor().user_id)
        .fetch_all(&self.store.pool)
        .await?;
        rows.iter().map(|r| self.logged(r, priced)).collect()
    }

    /// The contact log of one member, with the standing under the billing
    /// rule of the member's peer.
    pub async fn contact_log(&self, member_id: &str) -> Result<ContactLog> {
        Ok(self.checked_contact_log(member_id).await?.1)
    }

    /// The contact log with the decision it was read under.
    async fn checked_contact_log(&self, member_id: &str) -> Result<(Checked, ContactLog)> {
        let c = self.checked_member_for(member_id, Action::Read, "contact-note", None).await?;
        let priced = self.price_member(member_id, c.member.date_of_birth).await?;
        let contacts = self.visible_priced(&c, member_id, &priced).await?;
        let can_log = may_write_contact_note(self.actor(), &c.rel).is_permit();
        let role_id = if can_log {
            self.own_role().await?
        } else {
            sqlx::query(
                "SELECT w.role_id FROM team_members tm JOIN workers w ON w.user_id = tm.user_id \
                 WHERE tm.member_id = $1 AND tm.team_role = 'peer' AND tm.until IS NULL ORDER BY tm.created_at DESC, w.created_at LIMIT 1",
            )
            .bind(member_id)
            .fetch_optional(&self.store.pool)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?
        };
        let standing = role_id.as_deref().and_then(|r| self.standing_of(&priced, r, today()));
        Ok((c, ContactLog { member_id: member_id.to_string(), contacts, role_id, standing, can_log }))
    }

    /// The contacts across one peer's active caseload, for the peer, their
    /// supervisor, their organization's admin and state admins; anyone else
    /// is told there is no such worker. Each member's contacts are read
    /// through [`Self::contact_log`]'s decision, so a member who does not
    /// share their contacts with the reader is only counted.
    pub async fn caseload_contacts(&self, worker_id: &str) -> Result<CaseloadContacts> {
        let worker = match self.actor().persona {
            Persona::Member => None,
            _ => self.store.worker_row(worker_id).await?,
        };
        let Some(worker) = worker else {
            self.audit("read", "caseload", Some(worker_id), &Decision::Deny("no such worker")).await?;
            return Err(StoreError::NotFound);
        };
        let supervisor = match &worker.supervisor_id {
            Some(s) => self.store.worker_row(s).await?,
            None => None,
        };
        let sup_user = supervisor.as_ref().and_then(|s| s.user_id.as_deref());
        if !sees_worker_development(self.actor(), &worker.employer_id, worker.user_id.as_deref(), sup_user) {
            let why = "only the worker, their supervisor and their organization's or the state's admins see a caseload";
            self.audit("read", "caseload", Some(worker_id), &Decision::Deny(why)).await?;
            return Err(StoreError::NotFound);
        }
        self.audit("read", "caseload", Some(worker_id), &Decision::Permit).await?;
        let member_ids: Vec<String> = match &worker.user_id {
            Some(user_id) => sqlx::query(
                "SELECT DISTINCT member_id FROM team_members WHERE user_id = $1 AND team_role = 'peer' AND until IS NULL ORDER BY member_id",
            )
            .bind(user_id)
            .fetch_all(&self.store.pool)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<std::result::Result<_, _>>()?,
            None => vec![],
        };
        let today = today();
        let mut rows = Vec::new();
        let mut not_shared = 0;
        for member_id in member_ids {
            let (c, log) = match self.checked_contact_log(&member_id).await {
                Ok(x) => x,
                Err(StoreError::NotFound | StoreError::Denied(_)) => {
                    not_shared += 1;
                    continue;
                }
                Err(e) => return Err(e),
            };
            // The member's own peer always has their own contacts; anyone else
            // needs the peer-notes label, or the log would look empty.
            if !(log.can_log || c.visible.contains(Category::PeerNotes)) {
                not_shared += 1;
                continue;
            }
            let counted: Vec<Counted> = log
                .contacts
                .iter()
                .filter(|x| x.role_id == log.role_id)
                .map(|x| Counted { date: x.note.date, minutes: x.note.duration_minutes, units: x.units.unwrap_or(0) })
                .collect();
            let name = c.visible.contains(Category::Demographics).then(|| format!("{} {}", c.member.given_name, c.member.family_name));
            rows.push(CaseloadRow::of(member_id, name, log.standing.as_ref(), &counted, today));
        }
        let dates = match &worker.user_id {
            Some(user_id) => self.store.contact_dates(user_id, peer_month_since(today), today).await?,
            None => vec![],
        };
        Ok(CaseloadContacts {
            worker_id: worker.id,
            worker_name: format!("{} {}", worker.given_name, worker.family_name),
            role_id: worker.role_id,
            caseload: caseload(rows, not_shared),
            month: peer_month(&dates, today),
        })
    }

    /// The member's peer logs a contact; its units count under the peer's role.
    pub async fn log_contact(&self, member_id: &str, input: &ContactNoteInput) -> Result<LoggedContact> {
        let c = self.checked_member_for(member_id, Action::Read, "contact-note", None).await?;
        let decision = may_write_contact_note(self.actor(), &c.rel);
        if let Decision::Deny(why) = decision {
            self.audit_member("create", "contact-note", None, Some(member_id), &decision, Categories::NONE, Some(c.purpose)).await?;
            return Err(StoreError::Denied(why));
        }
        let v = input.validate_contact(today())?;
        let role_id = self.own_role().await?;
        let id = new_id();
        let note = ContactNote {
            id: id.clone(),
            member_id: member_id.to_string(),
            author_id: self.actor().user_id.clone(),
            author_name: self.actor().username.clone(),
            date: v.date,
            start_time: v.start_time,
            duration_minutes: v.duration_minutes,
            modality: v.modality,
            setting: v.setting,
            note: v.note,
            version: 1,
        };
        let mut tx = self.store.begin().await?;
        insert_contact_note(&mut tx, &note, role_id.as_deref(), "contact logged").await?;
        let logged = self.contact_in(&mut tx, member_id, &id).await?;
        tx.commit().await?;
        self.audit_member("create", "contact-note", Some(&id), Some(member_id), &Decision::Permit, peer_notes(), Some(c.purpose)).await?;
        self.with_pricing(member_id, c.member.date_of_birth, logged).await
    }

    /// A contact just written, priced with the member's other contacts.
    async fn with_pricing(&self, member_id: &str, date_of_birth: time::Date, mut logged: LoggedContact) -> Result<LoggedContact> {
        let priced = self.price_member(member_id, date_of_birth).await?;
        logged.pricing = priced.by_contact.get(&logged.note.id).cloned();
        logged.units = logged.pricing.as_ref().and_then(Pricing::units);
        Ok(logged)
    }

    async fn contact_in(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>, member_id: &str, id: &str) -> Result<LoggedContact> {
        let row = sqlx::query(&format!("{CONTACT_SELECT} WHERE n.id = $1 AND n.member_id = $2"))
            .bind(id)
            .bind(member_id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let note = contact_note(&row)?;
        Ok(LoggedContact { note, role_id: row.try_get("billed_role")?, units: None, pricing: None })
    }

    /// Correct a contact. Only the peer who logged it, while still the
    /// member's peer, corrects it; the version read must still be current,
    /// and the previous version stays in the history.
    pub async fn update_contact(
        &self,
        member_id: &str,
        contact_id: &str,
        expected_version: i64,
        input: &ContactNoteInput,
        reason: &str,
    ) -> Result<LoggedContact> {
        let c = self.checked_member_for(member_id, Action::Read, "contact-note", Some(contact_id)).await?;
        let mut tx = self.store.begin().await?;
        let current = self.contact_in(&mut tx, member_id, contact_id).await;
        let current = match current {
            Ok(x) if x.note.author_id == self.actor().user_id || c.visible.contains(Category::PeerNotes) => x,
            Ok(_) | Err(StoreError::NotFound) => return Err(StoreError::NotFound),
            Err(e) => return Err(e),
        };
        let mut decision = may_write_contact_note(self.actor(), &c.rel);
        if decision.is_permit() && current.note.author_id != self.actor().user_id {
            decision = Decision::Deny("only the peer who logged a contact corrects it");
        }
        if let Decision::Deny(why) = decision {
            drop(tx);
            self.audit_member("update", "contact-note", Some(contact_id), Some(member_id), &decision, Categories::NONE, Some(c.purpose)).await?;
            return Err(StoreError::Denied(why));
        }
        let v = input.validate_contact(today())?;
        if current.note.version != expected_version {
            return Err(StoreError::Conflict { current: current.note.version });
        }
        let version = current.note.version + 1;
        let changed = sqlx::query(
            "UPDATE contact_notes SET contact_date = $1, start_time = $2, duration_minutes = $3, modality = $4, setting = $5, note = $6, \
             version = $7, updated_at = $8 WHERE id = $9 AND version = $10",
        )
        .bind(date_text(v.date))
        .bind(v.start_time.map(accompany_domain::notes::format_start_time))
        .bind(i64::from(v.duration_minutes))
        .bind(v.modality.as_str())
        .bind(v.setting.as_str())
        .bind(&v.note)
        .bind(version)
        .bind(now_text())
        .bind(contact_id)
        .bind(current.note.version)
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() != 1 {
            return Err(StoreError::Conflict { current: version });
        }
        let logged = self.contact_in(&mut tx, member_id, contact_id).await?;
        let reason = if reason.trim().is_empty() { "contact corrected" } else { reason };
        record_version(&mut tx, "contact-note", contact_id, version, &logged.note, Some(&self.actor().user_id), reason).await?;
        tx.commit().await?;
        self.audit_member("update", "contact-note", Some(contact_id), Some(member_id), &Decision::Permit, peer_notes(), Some(c.purpose)).await?;
        self.with_pricing(member_id, c.member.date_of_birth, logged).await
    }

    /// One contact as the reader may see it.
    pub async fn contact(&self, member_id: &str, contact_id: &str) -> Result<LoggedContact> {
        let c = self.checked_member_for(member_id, Action::Read, "contact-note", Some(contact_id)).await?;
        self.visible_contacts(&c, member_id).await?.into_iter().find(|x| x.note.id == contact_id).ok_or(StoreError::NotFound)
    }

    /// Every version of one contact, newest first, for a reader who may see it.
    pub async fn contact_history(&self, member_id: &str, contact_id: &str) -> Result<Vec<VersionEntry>> {
        let c = self.checked_member_for(member_id, Action::Read, "contact-note", Some(contact_id)).await?;
        if !self.visible_contacts(&c, member_id).await?.iter().any(|x| x.note.id == contact_id) {
            return Err(StoreError::NotFound);
        }
        self.store.versions("contact-note", contact_id).await
    }
}

fn peer_notes() -> Categories {
    Categories::of(&[Category::Demographics, Category::PeerNotes])
}

/// One member's units waiting for an authorization, for the billing office.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct QueueRow {
    pub member_id: String,
    pub member_name: String,
    pub role_id: String,
    pub payer_id: String,
    /// Units no approved authorization covers; kept, never dropped.
    pub units_waiting: u32,
    pub contacts_waiting: u32,
    pub first_contact: String,
    /// An authorization already requested for this role and payer, not yet decided.
    pub requested: bool,
}

/// How far back the queue looks for contacts, in days: the longest
/// authorization window the catalog ships (90 days) twice over.
const QUEUE_DAYS: i64 = 180;

/// The most members one read of the queue prices.
const QUEUE_MEMBERS: usize = 200;

impl Access {
    /// Members whose recent contacts have units no approved authorization
    /// covers, in the caller's organization (all for a state admin). Each
    /// member is read through the gate and the list is audited.
    pub async fn needs_authorization(&self) -> Result<Vec<QueueRow>> {
        if !accompany_domain::policy::keeps_billing(self.actor().persona) {
            self.audit("read", "authorization-queue", None, &Decision::Deny("the billing office works the authorization queue")).await?;
            return Err(StoreError::Denied("the billing office works the authorization queue"));
        }
        let catalog = self.store.catalog();
        let prior: Vec<&str> = catalog.roles.iter().filter(|r| r.billing.iter().any(|b| b.prior_authorization)).map(|r| r.id.as_str()).collect();
        if prior.is_empty() {
            return Ok(vec![]);
        }
        let since = date_text(today() - time::Duration::days(QUEUE_DAYS));
        let roles = prior.iter().map(|r| format!("'{}'", r.replace('\'', ""))).collect::<Vec<_>>().join(", ");
        let org = self.actor().organization_id.clone().unwrap_or_default();
        // Members with a recent contact in a role that needs authorization:
        // the state's, or those of the organization (its plan's members and
        // the members its people serve), each found by the contacts index.
        let scope = if self.actor().persona == Persona::StateAdmin {
            "SELECT m.id AS member_id FROM members m".to_string()
        } else {
            "SELECT m.id AS member_id FROM members m WHERE m.plan_id = $2 UNION \
             SELECT tm.member_id FROM team_members tm JOIN users u ON u.id = tm.user_id WHERE tm.until IS NULL AND u.organization_id = $2"
                .to_string()
        };
        let ids: Vec<String> = sqlx::query(&format!(
            "SELECT c.member_id FROM ({scope}) c WHERE EXISTS (SELECT 1 FROM contact_notes n WHERE n.member_id = c.member_id \
             AND n.contact_date >= $1 \
             AND COALESCE(n.role_id, (SELECT w.role_id FROM workers w WHERE w.user_id = n.author_id ORDER BY w.created_at LIMIT 1)) IN ({roles})) \
             ORDER BY c.member_id LIMIT {QUEUE_MEMBERS}"
        ))
        .bind(&since)
        .bind(&org)
        .fetch_all(&self.store.pool)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<std::result::Result<_, _>>()?;
        let mut out = Vec::new();
        let mut listed: Vec<String> = Vec::new();
        for id in ids {
            // Checked as a list is: each member by the policy, the list audited once below.
            let Some(c) = self.checked_for_list(&id).await? else { continue };
            if !c.visible.contains(Category::Billing) {
                continue;
            }
            let priced = self.price_member(&id, c.member.date_of_birth).await?;
            let mut waiting: BTreeMap<(String, String), (u32, u32, String)> = BTreeMap::new();
            for (role, contacts) in &priced.role_contacts {
                for note_id in contacts {
                    if let (Some(Pricing::NeedsAuthorization { payer, units, .. }), Some(date)) =
                        (priced.by_contact.get(note_id), priced.dates.get(note_id))
                    {
                        let e = waiting.entry((role.clone(), payer.clone())).or_insert((0, 0, date_text(*date)));
                        e.0 += units;
                        e.1 += 1;
                        e.2 = e.2.clone().min(date_text(*date));
                    }
                }
            }
            if !waiting.is_empty() {
                listed.push(id.clone());
            }
            for ((role_id, payer_id), (units, contacts, first)) in waiting {
                let requested = priced
                    .authorizations
                    .iter()
                    .any(|a| a.role_id == role_id && a.payer_id == payer_id && a.status == AuthorizationStatus::Requested);
                out.push(QueueRow {
                    member_id: id.clone(),
                    member_name: format!("{} {}", c.member.given_name, c.member.family_name),
                    role_id,
                    payer_id,
                    units_waiting: units,
                    contacts_waiting: contacts,
                    first_contact: first,
                    requested,
                });
            }
        }
        let listed: Vec<&str> = listed.iter().map(String::as_str).collect();
        self.audit_list("list", "authorization-queue", &Decision::Permit, Categories::of(&[Category::Billing]), None, &listed).await?;
        out.sort_by(|a, b| (&a.first_contact, &a.member_id).cmp(&(&b.first_contact, &b.member_id)));
        Ok(out)
    }
}
