//! Gathering billable contacts into claims: each member passes the policy,
//! is priced as the contact log prices them, and each claim learns the
//! diagnoses it may carry or the hold that keeps it back.

use std::collections::{BTreeMap, HashMap};

use accompany_domain::billing::Pricing;
use accompany_domain::claim_data::{is_zip_plus4, Icd10};
use accompany_domain::claims::build::{claim_diagnoses, group_lines, period_of, reports_encounters, BillableLine, ClaimKey, DatedDiagnosis, Hold};
use accompany_domain::contracts::PaymentModel;
use accompany_domain::policy::{may_disclose_for_payment, Decision};
use accompany_domain::privacy::{part2_consent_for_payment, Categories, Category, Purpose};
use accompany_domain::records::{Member, Organization};
use accompany_domain::Invalid;
use sqlx::Row;
use time::{Date, Duration};

use super::{ClaimScope, PendingClaim, PendingClaims};
use crate::access::Access;
use crate::lists::Sql;
use crate::members::scope_members;
use crate::rows::MEMBER_COLUMNS;
use crate::rows::{date_text, stored_date};
use crate::today_date as today;
use crate::Result;

/// One claim before it is written.
pub(crate) struct Draft {
    pub key: ClaimKey,
    pub lines: Vec<BillableLine>,
    pub member: Member,
    /// The diagnoses the claim carries, or why it is held.
    pub outcome: std::result::Result<Vec<Icd10>, Hold>,
    pub encounters: bool,
}

impl Draft {
    pub fn total_cents(&self) -> i64 {
        self.lines.iter().map(|l| l.charge_cents).sum()
    }
}

/// What a member's claims are made of.
struct MemberClaims {
    member: Member,
    contacts: Vec<Unbilled>,
    priced: crate::contacts::Priced,
    diagnoses: Vec<DatedDiagnosis>,
    choices: Vec<accompany_domain::privacy::SharingChoice>,
}

/// What one gathering looks up once: whether each organization can be
/// named on a claim, and the payment model of its contract with each payer.
#[derive(Default)]
struct Cache {
    orgs: HashMap<String, bool>,
    models: HashMap<(String, String, String), Option<PaymentModel>>,
}

/// A contact not yet billed, with who gave it and for which organization.
struct Unbilled {
    contact_id: String,
    author_id: String,
    organization_id: String,
}

/// Whether the organization can be named on a claim: NPI, tax id,
/// taxonomy and a billing address with ZIP+4.
fn names_on_claims(org: &Organization) -> bool {
    let p = &org.provider;
    p.npi.is_some() && p.tax_id.is_some() && p.taxonomy.is_some() && p.billing_address.as_ref().is_some_and(|a| is_zip_plus4(&a.zip))
}

impl Access {
    /// The days a scope covers: up to today, from a year back, unless given.
    pub(crate) fn scope_days(scope: &ClaimScope) -> Result<(Date, Date)> {
        let to = scope.to.unwrap_or_else(today);
        let from = scope.from.unwrap_or(to - Duration::days(365));
        if from > to {
            return Err(Invalid::one("from", "end-before-start", "the first day of service comes on or before the last").into());
        }
        Ok((from, to))
    }

    /// Every claim the scope holds that is not yet written, ready or held.
    /// `org` is the organization billed for (None: all).
    pub(crate) async fn gather(&self, scope: &ClaimScope, org: Option<&str>) -> Result<Vec<Draft>> {
        let (from, to) = Self::scope_days(scope)?;
        let rows = sqlx::query(
            "SELECT n.id, n.member_id, n.author_id, u.organization_id FROM contact_notes n JOIN users u ON u.id = n.author_id \
             WHERE n.contact_date >= $1 AND n.contact_date <= $2 AND u.organization_id IS NOT NULL AND ($3 = '' OR u.organization_id = $3) \
             AND NOT EXISTS (SELECT 1 FROM billed_contacts b WHERE b.contact_id = n.id) ORDER BY n.member_id, n.id",
        )
        .bind(date_text(from))
        .bind(date_text(to))
        .bind(org.unwrap_or(""))
        .fetch_all(&self.store.pool)
        .await?;
        let mut by_member: BTreeMap<String, Vec<Unbilled>> = BTreeMap::new();
        for r in &rows {
            by_member.entry(r.try_get("member_id")?).or_default().push(Unbilled {
                contact_id: r.try_get("id")?,
                author_id: r.try_get("author_id")?,
                organization_id: r.try_get("organization_id")?,
            });
        }
        let ids: Vec<String> = by_member.keys().cloned().collect();
        let mut drafts = Vec::new();
        let mut cache = Cache::default();
        for chunk in ids.chunks(500) {
            // A member the actor may not read is not billed by them.
            let members = self.readable_members(chunk).await?;
            let dob: Vec<(String, Date)> = members.iter().map(|m| (m.id.clone(), m.date_of_birth)).collect();
            let mut priced = self.price_members(&dob).await?;
            let mut diagnoses = self.dated_diagnoses_for(chunk).await?;
            let mut choices = self.store.payer_choices_for(chunk).await?;
            for member in members {
                let (Some(contacts), Some(priced)) = (by_member.remove(&member.id), priced.remove(&member.id)) else { continue };
                let facts = MemberClaims {
                    contacts,
                    priced,
                    diagnoses: diagnoses.remove(&member.id).unwrap_or_default(),
                    choices: choices.remove(&member.id).unwrap_or_default(),
                    member,
                };
                self.member_drafts(scope, facts, &mut cache, &mut drafts).await?;
            }
        }
        Ok(drafts)
    }

    /// The members among `ids` the actor may read, by the list rule the gate applies.
    async fn readable_members(&self, ids: &[String]) -> Result<Vec<Member>> {
        let mut sql = Sql::new(&format!("SELECT {MEMBER_COLUMNS} FROM members m WHERE m.id IN ("));
        for (i, id) in ids.iter().enumerate() {
            sql.push(if i == 0 { "?" } else { ", ?" }, id.clone());
        }
        sql.text(")");
        scope_members(&mut sql, self.actor());
        sql.query().fetch_all(&self.store.pool).await?.iter().map(crate::rows::member).collect()
    }

    /// One member's unbilled contacts as claims, ready or held.
    async fn member_drafts(&self, scope: &ClaimScope, f: MemberClaims, cache: &mut Cache, drafts: &mut Vec<Draft>) -> Result<()> {
        let catalog = self.store.catalog();
        let priced = &f.priced;
        let role_of: HashMap<&str, &str> =
            priced.role_contacts.iter().flat_map(|(role, ids)| ids.iter().map(move |id| (id.as_str(), role.as_str()))).collect();
        let mut ready = Vec::new();
        let mut held: BTreeMap<Hold, Vec<(ClaimKey, BillableLine)>> = BTreeMap::new();
        for u in &f.contacts {
            let (Some(pricing), Some(date)) = (priced.by_contact.get(&u.contact_id), priced.dates.get(&u.contact_id)) else { continue };
            let (payer, code, modifiers, place, units, authorization, hold) = match pricing {
                Pricing::Billable { payer, code, modifiers, place_of_service, units, authorization_id } if *units > 0 => {
                    let number =
                        authorization_id.as_ref().and_then(|id| priced.authorizations.iter().find(|a| &a.id == id)).and_then(|a| a.number.clone());
                    (payer, code.clone(), modifiers.clone(), place_of_service.clone(), *units, number, None)
                }
                Pricing::NeedsAuthorization { payer, code, units } => {
                    (payer, code.clone(), vec![], None, *units, None, Some(Hold::NeedsAuthorization))
                }
                Pricing::NotBillable {
                    payer: Some(payer),
                    reason: accompany_domain::billing::NotBillableReason::CredentialBlocks { requirement_id, .. },
                } => (payer, String::new(), vec![], None, 0, None, Some(Hold::CredentialBlocks { requirement_id: requirement_id.clone() })),
                _ => continue,
            };
            if scope.payer.as_ref().is_some_and(|p| p != payer) || !catalog.payer(payer).is_some_and(|p| p.kind.takes_claims()) {
                continue;
            }
            let rule =
                role_of.get(u.contact_id.as_str()).and_then(|role| catalog.role(role)).and_then(|r| r.billing.iter().find(|b| &b.payer == payer));
            let unit_charge = rule.and_then(|r| r.unit_charge_cents).map_or(0, i64::from);
            let key = ClaimKey {
                member_id: f.member.id.clone(),
                organization_id: u.organization_id.clone(),
                rendering_user_id: u.author_id.clone(),
                payer_id: payer.clone(),
                authorization,
                period: period_of(*date),
            };
            let line = BillableLine {
                contact_id: u.contact_id.clone(),
                date: *date,
                code: if code.is_empty() { rule.and_then(|r| r.code.clone()).unwrap_or_default() } else { code },
                modifiers,
                units,
                charge_cents: unit_charge * i64::from(units),
                place_of_service: place,
            };
            match hold {
                Some(h) => held.entry(h).or_default().push((key, line)),
                None => ready.push((key, line)),
            }
        }
        for (key, lines) in group_lines(ready) {
            let names_on_claims = match cache.orgs.get(&key.organization_id) {
                Some(ok) => *ok,
                None => {
                    let ok = self.store.organization_row(&key.organization_id).await?.is_some_and(|o| names_on_claims(&o));
                    cache.orgs.insert(key.organization_id.clone(), ok);
                    ok
                }
            };
            let dates: Vec<Date> = lines.iter().map(|l| l.date).collect();
            let consent = part2_consent_for_payment(&f.choices, &key.payer_id, today());
            let outcome = if names_on_claims {
                claim_diagnoses(&f.diagnoses, &dates, &|category| may_disclose_for_payment(category, consent))
            } else {
                Err(Hold::NeedsProviderIds)
            };
            let encounters = self.encounters(&mut cache.models, &key, lines[0].date).await?;
            drafts.push(Draft { key, lines, member: f.member.clone(), outcome, encounters });
        }
        for (hold, lines) in held {
            for (key, lines) in group_lines(lines) {
                let encounters = self.encounters(&mut cache.models, &key, lines[0].date).await?;
                drafts.push(Draft { key, lines, member: f.member.clone(), outcome: Err(hold.clone()), encounters });
            }
        }
        Ok(())
    }

    /// Whether the organization reports this payer's services as encounters
    /// on `day`, by the payment model of its contract then in force.
    async fn encounters(&self, cache: &mut HashMap<(String, String, String), Option<PaymentModel>>, key: &ClaimKey, day: Date) -> Result<bool> {
        let k = (key.organization_id.clone(), key.payer_id.clone(), key.period.clone());
        if !cache.contains_key(&k) {
            let row = sqlx::query(
                "SELECT payment_model FROM contracts WHERE organization_id = $1 AND payer_id = $2 AND start_date <= $3 \
                 AND (end_date IS NULL OR end_date >= $3) ORDER BY start_date DESC LIMIT 1",
            )
            .bind(&key.organization_id)
            .bind(&key.payer_id)
            .bind(date_text(day))
            .fetch_optional(&self.store.pool)
            .await?;
            let model = row.map(|r| r.try_get::<String, _>(0)).transpose()?.and_then(|m| PaymentModel::parse(&m));
            cache.insert(k.clone(), model);
        }
        Ok(reports_encounters(cache[&k]))
    }

    /// These members' diagnoses with their days, for claims; the caller has
    /// passed the gate and the policy decides, by label, which may go.
    pub(crate) async fn dated_diagnoses_for(&self, member_ids: &[String]) -> Result<HashMap<String, Vec<DatedDiagnosis>>> {
        let sql =
            "SELECT member_id, code, start_date, end_date FROM diagnoses WHERE member_id IN ({ids}) ORDER BY member_id, start_date, recorded_at, id";
        let mut out: HashMap<String, Vec<DatedDiagnosis>> = HashMap::new();
        for r in &crate::rows::rows_for_ids(&self.store.pool, sql, member_ids).await? {
            let code: String = r.try_get("code")?;
            let Some(code) = Icd10::from_stored(&code) else { continue };
            let start: String = r.try_get("start_date")?;
            let end: Option<String> = r.try_get("end_date")?;
            let d = DatedDiagnosis { code, start: stored_date(&start)?, end: end.as_deref().map(stored_date).transpose()? };
            out.entry(r.try_get("member_id")?).or_default().push(d);
        }
        Ok(out)
    }

    /// The claims not yet written in the scope: ready, and held with why.
    /// One audit event names every member listed.
    pub async fn pending_claims(&self, scope: &ClaimScope) -> Result<PendingClaims> {
        let org = self.billing_scope(scope.organization.as_deref(), "list").await?;
        let (from, to) = Self::scope_days(scope)?;
        let drafts = self.gather(scope, org.as_deref()).await?;
        let listed: Vec<&str> = {
            let mut ids: Vec<&str> = drafts.iter().map(|d| d.member.id.as_str()).collect();
            ids.dedup();
            ids
        };
        let labels = Categories::of(&[Category::Demographics, Category::Billing]);
        self.audit_list("list", "claims-pending", &Decision::Permit, labels, Some(Purpose::Payment), &listed).await?;
        let mut out = PendingClaims { from: date_text(from), to: date_text(to), ready: vec![], held: vec![] };
        for d in drafts {
            let view = PendingClaim {
                member_id: d.member.id.clone(),
                member_name: format!("{} {}", d.member.given_name, d.member.family_name),
                organization_id: d.key.organization_id.clone(),
                payer_id: d.key.payer_id.clone(),
                period: d.key.period.clone(),
                lines: d.lines.len(),
                units: d.lines.iter().map(|l| l.units).sum(),
                total_cents: d.total_cents(),
                encounters: d.encounters,
                hold: d.outcome.as_ref().err().cloned(),
            };
            match view.hold {
                None => out.ready.push(view),
                Some(_) => out.held.push(view),
            }
        }
        Ok(out)
    }
}
