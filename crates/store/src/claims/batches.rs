//! Writing claims: an export takes the ready claims, gives each batch its
//! control numbers and each claim its number, records which contacts it
//! bills (once: `billed_contacts` refuses a second time), and writes the
//! file from what it stored, so that rewriting a batch later gives the same
//! file. Also the lists and the claim page's corrections and voids.

use std::collections::{BTreeMap, HashMap};

use accompany_domain::claim_data::{AdministrativeSex, Icd10};
use accompany_domain::claims::build::{claim_place_of_service, pointers, BillableLine};
use accompany_domain::claims::{write_csv, x12, Authorized, Batch, BillingProvider, Claim, Envelope, PayerParty, Rendering, ServiceLine, Subscriber};
use accompany_domain::policy::{may_bill_for, Decision};
use accompany_domain::privacy::{Categories, Category, Purpose};
use accompany_domain::Invalid;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::Row;
use time::Date;

pub use accompany_domain::claims::Frequency;

use super::gather::Draft;
use super::ClaimScope;
use crate::access::Access;
use crate::bulk::{insert_rows, Val};
use crate::ids::new_id;
use crate::rows::{self, date_text, stored_date, MEMBER_COLUMNS, WORKER_COLUMNS};
use crate::{now_text, Result, StoreError};

type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// How a batch is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchFormat {
    X12,
    Csv,
}

impl BatchFormat {
    pub fn parse(s: &str) -> Option<BatchFormat> {
        match s {
            "x12" => Some(BatchFormat::X12),
            "csv" => Some(BatchFormat::Csv),
            _ => None,
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            BatchFormat::X12 => "x12",
            BatchFormat::Csv => "csv",
        }
    }
}

/// One batch as the billing pages list it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct BatchSummary {
    pub id: String,
    pub organization_id: String,
    pub organization_name: String,
    pub payer_id: String,
    /// An encounter report (BHT06 = RP) rather than a claim for payment.
    pub encounters: bool,
    /// ISA13.
    pub interchange_control: i64,
    /// GS06: a 999 names the batch by it.
    pub group_control: i64,
    pub period_from: String,
    pub period_to: String,
    pub claim_count: i64,
    pub total_cents: i64,
    /// SHA-256 of the 837P file as first written.
    pub file_sha256: String,
    /// written or submitted.
    pub status: String,
    /// accepted or rejected, once the payer's 999 is imported.
    pub acknowledgement: Option<String>,
    pub created_at: String,
    pub submitted_at: Option<String>,
}

/// A batch just written, with its file.
#[derive(Debug, Clone)]
pub struct ExportedBatch {
    pub batch: BatchSummary,
    pub file: String,
    pub sha256: String,
}

/// One claim as the billing pages list it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct ClaimSummary {
    pub id: String,
    /// CLM01: what the payer's acknowledgements and remittance name it by.
    pub number: String,
    pub batch_id: String,
    pub member_id: String,
    pub member_name: String,
    pub organization_id: String,
    pub payer_id: String,
    /// "YYYY-MM".
    pub period: String,
    /// original, replacement or void.
    pub frequency: String,
    /// written, submitted, accepted, rejected, paid, denied, replaced or voided.
    pub status: String,
    /// Why, in the payer's words and codes, when rejected or denied.
    pub status_detail: Option<String>,
    pub total_cents: i64,
    pub paid_cents: Option<i64>,
    pub payer_claim_number: Option<String>,
    pub replaces_claim_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct ClaimLineView {
    pub line_number: i64,
    pub contact_id: String,
    pub service_date: String,
    pub code: String,
    pub modifiers: Vec<String>,
    pub units: i64,
    pub charge_cents: i64,
    pub place_of_service: Option<String>,
}

/// One claim with its lines, diagnoses and the payer's adjustments.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct ClaimDetail {
    #[serde(flatten)]
    pub claim: ClaimSummary,
    pub place_of_service: String,
    pub authorization_number: Option<String>,
    /// ICD-10-CM with the dot, as sent.
    pub diagnoses: Vec<String>,
    pub lines: Vec<ClaimLineView>,
    /// The payer's adjustments: group, reason code and amount in cents.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub adjustments: serde_json::Value,
    /// Whether a replacement (7) or void (8) may be written now.
    pub can_correct: bool,
}

const BATCH_COLUMNS: &str = "b.id, b.organization_id, o.name AS organization_name, b.payer_id, b.encounters, b.interchange_control, \
     b.group_control, b.period_from, b.period_to, b.claim_count, b.total_cents, b.file_sha256, b.status, b.acknowledgement, b.created_at, b.submitted_at";
pub(super) const CLAIM_COLUMNS: &str = "c.id, c.number, c.batch_id, c.member_id, m.given_name, m.family_name, c.organization_id, c.payer_id, \
     c.period, c.frequency, c.status, c.status_detail, c.total_cents, c.paid_cents, c.payer_claim_number, c.replaces_claim_id, \
     c.created_at, c.updated_at, c.place_of_service, c.authorization_number, c.diagnoses, c.adjustments, c.rendering_user_id";

fn batch_row(r: &AnyRow) -> Result<BatchSummary> {
    Ok(BatchSummary {
        id: r.try_get("id")?,
        organization_id: r.try_get("organization_id")?,
        organization_name: r.try_get("organization_name")?,
        payer_id: r.try_get("payer_id")?,
        encounters: r.try_get::<i64, _>("encounters")? != 0,
        interchange_control: r.try_get("interchange_control")?,
        group_control: r.try_get("group_control")?,
        period_from: r.try_get("period_from")?,
        period_to: r.try_get("period_to")?,
        claim_count: r.try_get("claim_count")?,
        total_cents: r.try_get("total_cents")?,
        file_sha256: r.try_get("file_sha256")?,
        status: r.try_get("status")?,
        acknowledgement: r.try_get("acknowledgement")?,
        created_at: r.try_get("created_at")?,
        submitted_at: r.try_get("submitted_at")?,
    })
}

fn frequency_name(code: &str) -> &'static str {
    match code {
        "7" => "replacement",
        "8" => "void",
        _ => "original",
    }
}

fn frequency_of(code: &str) -> Frequency {
    match code {
        "7" => Frequency::Replacement,
        "8" => Frequency::Void,
        _ => Frequency::Original,
    }
}

pub(super) fn claim_row(r: &AnyRow) -> Result<ClaimSummary> {
    let given: String = r.try_get("given_name")?;
    let family: String = r.try_get("family_name")?;
    let frequency: String = r.try_get("frequency")?;
    Ok(ClaimSummary {
        id: r.try_get("id")?,
        number: r.try_get("number")?,
        batch_id: r.try_get("batch_id")?,
        member_id: r.try_get("member_id")?,
        member_name: format!("{given} {family}"),
        organization_id: r.try_get("organization_id")?,
        payer_id: r.try_get("payer_id")?,
        period: r.try_get("period")?,
        frequency: frequency_name(&frequency).to_string(),
        status: r.try_get("status")?,
        status_detail: r.try_get("status_detail")?,
        total_cents: r.try_get("total_cents")?,
        paid_cents: r.try_get("paid_cents")?,
        payer_claim_number: r.try_get("payer_claim_number")?,
        replaces_claim_id: r.try_get("replaces_claim_id")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn stored_codes(text: &str) -> Result<Vec<Icd10>> {
    let codes: Vec<String> = serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("claim diagnoses: {e}")))?;
    codes.iter().map(|c| Icd10::from_stored(c).ok_or_else(|| StoreError::Corrupt(format!("claim diagnosis {c}")))).collect()
}

/// The next `n` values of a counter, as its last value: numbers last-n+1..=last are the caller's.
async fn take(tx: &mut Tx, counter: &str, n: i64) -> Result<i64> {
    let row = sqlx::query("UPDATE claim_counters SET value = value + $1 WHERE name = $2 RETURNING value")
        .bind(n)
        .bind(counter)
        .fetch_one(&mut **tx)
        .await?;
    Ok(row.try_get(0)?)
}

/// The file's wall-clock time, as stored when the batch was made.
fn created_time(stored: &str) -> Result<time::PrimitiveDateTime> {
    let day = stored.get(..10).and_then(accompany_domain::records::parse_date);
    let hour = stored.get(11..13).and_then(|h| h.parse::<u8>().ok());
    let minute = stored.get(14..16).and_then(|m| m.parse::<u8>().ok());
    match (day, hour, minute) {
        (Some(d), Some(h), Some(m)) => {
            let t = time::Time::from_hms(h, m, 0).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            Ok(time::PrimitiveDateTime::new(d, t))
        }
        _ => Err(StoreError::Corrupt(format!("batch time {stored}"))),
    }
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The labels a batch discloses: who the members are, what pays, and the
/// labels of the diagnoses on its claims.
fn disclosed(batch: &Batch) -> Categories {
    batch
        .claims
        .iter()
        .flat_map(|c| c.diagnoses.iter().map(Icd10::category))
        .fold(Categories::of(&[Category::Demographics, Category::Billing]), Categories::with)
}

impl Access {
    /// Write every ready claim in the scope, one batch per billing
    /// organization, payer and kind (claims or encounters). Nothing ready:
    /// no batch. Each batch is one transaction.
    pub async fn export_claims(&self, scope: &ClaimScope, format: BatchFormat) -> Result<Vec<ExportedBatch>> {
        let org = self.billing_scope(scope.organization.as_deref(), "export").await?;
        let (from, to) = Self::scope_days(scope)?;
        let drafts = self.gather(scope, org.as_deref()).await?;
        let mut batches: BTreeMap<(String, String, bool), Vec<Draft>> = BTreeMap::new();
        for d in drafts.into_iter().filter(|d| d.outcome.is_ok()) {
            batches.entry((d.key.organization_id.clone(), d.key.payer_id.clone(), d.encounters)).or_default().push(d);
        }
        let mut out = Vec::new();
        for ((organization_id, payer_id, encounters), drafts) in batches {
            out.push(self.write_new_batch(&organization_id, &payer_id, encounters, (from, to), drafts, format).await?);
        }
        Ok(out)
    }

    async fn write_new_batch(
        &self,
        organization_id: &str,
        payer_id: &str,
        encounters: bool,
        (from, to): (Date, Date),
        drafts: Vec<Draft>,
        format: BatchFormat,
    ) -> Result<ExportedBatch> {
        let mut tx = self.store.begin().await?;
        let interchange = take(&mut tx, "interchange", 1).await?;
        let group = take(&mut tx, "group", 1).await?;
        let last_claim = take(&mut tx, "claim", drafts.len() as i64).await?;
        let first_claim = last_claim - drafts.len() as i64 + 1;
        let batch_id = new_id();
        let now = now_text();
        let total: i64 = drafts.iter().map(Draft::total_cents).sum();
        sqlx::query(
            "INSERT INTO claim_batches (id, organization_id, payer_id, encounters, interchange_control, group_control, period_from, period_to, \
             claim_count, total_cents, file_sha256, status, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '', 'written', $11, $12)",
        )
        .bind(&batch_id)
        .bind(organization_id)
        .bind(payer_id)
        .bind(i64::from(encounters))
        .bind(interchange)
        .bind(group)
        .bind(date_text(from))
        .bind(date_text(to))
        .bind(drafts.len() as i64)
        .bind(total)
        .bind(&self.actor().user_id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let mut written = ClaimRows::default();
        for (i, d) in drafts.iter().enumerate() {
            let Ok(diagnoses) = &d.outcome else { continue };
            let number = format!("AC{:010}", first_claim + i as i64);
            let codes: Vec<&str> = diagnoses.iter().map(Icd10::claim_form).collect();
            written.add(&batch_id, &number, d, &rows::to_json(&codes), "1", None, &now);
        }
        insert_claims(&mut tx, self.store.backend, written).await?;
        let (batch, envelope, members) = self.batch_document(&mut tx, &batch_id).await?;
        let x12 = x12::write_837p(&envelope, &batch)?;
        let sha = sha256_hex(&x12);
        sqlx::query("UPDATE claim_batches SET file_sha256 = $1 WHERE id = $2").bind(&sha).bind(&batch_id).execute(&mut *tx).await?;
        let (file, file_sha) = match format {
            BatchFormat::X12 => (x12, sha),
            BatchFormat::Csv => {
                let csv = write_csv(&batch);
                let h = sha256_hex(&csv);
                (csv, h)
            }
        };
        self.audit_file(&mut tx, &batch_id, &file_sha, disclosed(&batch), &members).await?;
        tx.commit().await?;
        let summary = self.batch_summary(&batch_id).await?;
        Ok(ExportedBatch { batch: summary, file, sha256: file_sha })
    }

    /// The disclosure of one file to the payer, with its hash, naming every member on it.
    async fn audit_file(&self, tx: &mut Tx, batch_id: &str, sha: &str, categories: Categories, members: &[String]) -> Result<()> {
        let entity_id = format!("{batch_id} sha256:{sha}");
        self.audit_list_in(tx, "disclose", "claim-file", Some(&entity_id), categories, Purpose::Payment, members).await
    }

    /// Write an existing batch again, from what was stored when it was
    /// made: the same claims, numbers and control numbers.
    pub async fn rewrite_batch(&self, batch_id: &str, format: BatchFormat) -> Result<ExportedBatch> {
        let summary = self.batch_in_scope(batch_id, "rewrite").await?;
        let mut tx = self.store.begin().await?;
        let (batch, envelope, members) = self.batch_document(&mut tx, batch_id).await?;
        let file = match format {
            BatchFormat::X12 => x12::write_837p(&envelope, &batch)?,
            BatchFormat::Csv => write_csv(&batch),
        };
        let sha = sha256_hex(&file);
        self.audit_file(&mut tx, batch_id, &sha, disclosed(&batch), &members).await?;
        tx.commit().await?;
        Ok(ExportedBatch { batch: summary, file, sha256: sha })
    }

    /// A batch the actor bills for; otherwise not found, audited.
    async fn batch_in_scope(&self, batch_id: &str, action: &str) -> Result<BatchSummary> {
        let found = self.store_batch(batch_id).await?;
        let decision = match &found {
            Some(b) => may_bill_for(self.actor(), &b.organization_id),
            None => Decision::Deny("no such batch"),
        };
        self.audit(action, "claim-batch", Some(batch_id), &decision).await?;
        match (found, decision) {
            (Some(b), Decision::Permit) => Ok(b),
            _ => Err(StoreError::NotFound),
        }
    }

    async fn store_batch(&self, batch_id: &str) -> Result<Option<BatchSummary>> {
        let row =
            sqlx::query(&format!("SELECT {BATCH_COLUMNS} FROM claim_batches b JOIN organizations o ON o.id = b.organization_id WHERE b.id = $1"))
                .bind(batch_id)
                .fetch_optional(&self.store.pool)
                .await?;
        row.as_ref().map(batch_row).transpose()
    }

    async fn batch_summary(&self, batch_id: &str) -> Result<BatchSummary> {
        self.store_batch(batch_id).await?.ok_or(StoreError::NotFound)
    }

    /// The batch as the payer will read it, built from the stored claims and
    /// the current member, worker and organization records; and the members on it.
    async fn batch_document(&self, tx: &mut Tx, batch_id: &str) -> Result<(Batch, Envelope, Vec<String>)> {
        let catalog = self.store.catalog();
        let b = sqlx::query(&format!("SELECT {BATCH_COLUMNS} FROM claim_batches b JOIN organizations o ON o.id = b.organization_id WHERE b.id = $1"))
            .bind(batch_id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let summary = batch_row(&b)?;
        let created: String = b.try_get("created_at")?;
        let org_row = sqlx::query(&format!("SELECT {} FROM organizations o WHERE o.id = $1", rows::ORGANIZATION_COLUMNS))
            .bind(&summary.organization_id)
            .fetch_one(&mut **tx)
            .await?;
        let org = rows::organization(&org_row)?;
        let missing = || {
            Invalid::one(
                "organization",
                "needs-provider-ids",
                "the billing organization needs an NPI, tax id, taxonomy and a billing address with ZIP+4",
            )
        };
        let address = org.provider.billing_address.clone().ok_or_else(missing)?;
        let billing = BillingProvider {
            name: org.name.clone(),
            npi: org.provider.npi.clone().ok_or_else(missing)?,
            tax_id: org.provider.tax_id.as_deref().map(|t| t.chars().filter(char::is_ascii_digit).collect()).ok_or_else(missing)?,
            taxonomy: org.provider.taxonomy.clone().ok_or_else(missing)?,
            city: org.city.clone().unwrap_or_default(),
            address,
        };
        let payer = catalog.payer(&summary.payer_id).ok_or_else(|| StoreError::Corrupt(format!("payer {}", summary.payer_id)))?;
        let party = PayerParty {
            name: payer.name.get("en").to_string(),
            id: payer.x12_payer_id.clone().unwrap_or_else(|| payer.id.to_ascii_uppercase()),
            kind: payer.kind,
        };
        let claim_rows = sqlx::query(&format!(
            "SELECT {CLAIM_COLUMNS} FROM claims c JOIN members m ON m.id = c.member_id WHERE c.batch_id = $1 ORDER BY c.number"
        ))
        .bind(batch_id)
        .fetch_all(&mut **tx)
        .await?;
        let line_rows = sqlx::query(
            "SELECT l.claim_id, l.line_number, l.contact_id, l.service_date, l.code, l.modifiers, l.units, l.charge_cents, l.place_of_service \
             FROM claim_lines l JOIN claims c ON c.id = l.claim_id WHERE c.batch_id = $1 ORDER BY l.claim_id, l.line_number",
        )
        .bind(batch_id)
        .fetch_all(&mut **tx)
        .await?;
        let mut lines: HashMap<String, Vec<ClaimLineView>> = HashMap::new();
        for r in &line_rows {
            lines.entry(r.try_get("claim_id")?).or_default().push(line_row(r)?);
        }
        let members: HashMap<String, accompany_domain::records::Member> =
            sqlx::query(&format!("SELECT {MEMBER_COLUMNS} FROM members m WHERE m.id IN (SELECT member_id FROM claims WHERE batch_id = $1)"))
                .bind(batch_id)
                .fetch_all(&mut **tx)
                .await?
                .iter()
                .map(|r| rows::member(r).map(|m| (m.id.clone(), m)))
                .collect::<Result<_>>()?;
        let workers: HashMap<String, accompany_domain::records::Worker> = sqlx::query(&format!(
            "SELECT {WORKER_COLUMNS} FROM workers w WHERE w.user_id IN (SELECT rendering_user_id FROM claims WHERE batch_id = $1)"
        ))
        .bind(batch_id)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .filter_map(|r| rows::worker(r).ok())
        .filter_map(|w| w.user_id.clone().map(|u| (u, w)))
        .collect();
        let subscriber_ids: HashMap<String, String> = sqlx::query(
            "SELECT member_id, subscriber_id FROM coverage WHERE payer_id = $1 AND subscriber_id IS NOT NULL \
             AND member_id IN (SELECT member_id FROM claims WHERE batch_id = $2) ORDER BY priority DESC",
        )
        .bind(&summary.payer_id)
        .bind(batch_id)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("member_id")?, r.try_get("subscriber_id")?)))
        .collect::<Result<_>>()?;
        // The windows and units the claims' authorization numbers stand for.
        let mut authorized: HashMap<(String, String), Authorized> = HashMap::new();
        for r in sqlx::query(
            "SELECT member_id, number, start_date, end_date, units FROM authorizations WHERE payer_id = $1 AND number IS NOT NULL \
             AND status IN ('approved', 'expired') AND member_id IN (SELECT member_id FROM claims WHERE batch_id = $2) ORDER BY start_date",
        )
        .bind(&summary.payer_id)
        .bind(batch_id)
        .fetch_all(&mut **tx)
        .await?
        {
            let (start, end): (String, String) = (r.try_get("start_date")?, r.try_get("end_date")?);
            let units = u32::try_from(r.try_get::<i64, _>("units")?).unwrap_or(0);
            authorized
                .insert((r.try_get("member_id")?, r.try_get("number")?), Authorized { start: stored_date(&start)?, end: stored_date(&end)?, units });
        }
        let mut claims = Vec::new();
        for r in &claim_rows {
            let id: String = r.try_get("id")?;
            let member_id: String = r.try_get("member_id")?;
            let m = members.get(&member_id).ok_or_else(|| StoreError::Corrupt(format!("claim member {member_id}")))?;
            let diagnoses = stored_codes(&r.try_get::<String, _>("diagnoses")?)?;
            let place: String = r.try_get("place_of_service")?;
            let frequency = frequency_of(&r.try_get::<String, _>("frequency")?);
            let replaces: Option<String> = r.try_get("replaces_claim_id")?;
            let original_reference = match &replaces {
                Some(rid) => sqlx::query("SELECT payer_claim_number FROM claims WHERE id = $1")
                    .bind(rid)
                    .fetch_optional(&mut **tx)
                    .await?
                    .map(|r| r.try_get::<Option<String>, _>(0))
                    .transpose()?
                    .flatten(),
                None => None,
            };
            let rendering_user: String = r.try_get("rendering_user_id")?;
            let authorization: Option<String> = r.try_get("authorization_number")?;
            let rendering = workers.get(&rendering_user).and_then(|w| {
                w.npi.clone().map(|npi| Rendering {
                    family_name: w.family_name.clone(),
                    given_name: w.given_name.clone(),
                    npi,
                    taxonomy: billing.taxonomy.clone(),
                })
            });
            let service_lines = lines
                .remove(&id)
                .unwrap_or_default()
                .into_iter()
                .map(|l| {
                    Ok(ServiceLine {
                        code: l.code,
                        modifiers: l.modifiers,
                        charge_cents: l.charge_cents,
                        units: u32::try_from(l.units).unwrap_or(0),
                        date: stored_date(&l.service_date)?,
                        place_of_service: l.place_of_service.filter(|p| *p != place),
                        pointers: pointers(diagnoses.len()),
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            claims.push(Claim {
                id: r.try_get("number")?,
                frequency,
                original_reference,
                place_of_service: place,
                subscriber: Subscriber {
                    family_name: m.family_name.clone(),
                    given_name: m.given_name.clone(),
                    member_id: subscriber_ids.get(&member_id).cloned().unwrap_or_else(|| m.masshealth_id.clone()),
                    address: m.address.clone().zip(m.city.clone()).map(|(a, c)| (c, a)),
                    date_of_birth: m.date_of_birth,
                    sex: m.administrative_sex.unwrap_or(AdministrativeSex::Unknown),
                },
                payer: party.clone(),
                diagnoses,
                rendering,
                authorized: authorization.as_ref().and_then(|n| authorized.get(&(member_id.clone(), n.clone())).copied()),
                authorization,
                lines: service_lines,
            });
        }
        let settings = &catalog.claims;
        let envelope = Envelope {
            sender_id: settings.submitter_id.clone(),
            sender_name: settings.submitter_name.clone(),
            contact_name: settings.contact_name.clone(),
            contact_phone: settings.contact_phone.clone(),
            receiver_id: party.id.clone(),
            receiver_name: party.name.clone(),
            interchange_control: u32::try_from(summary.interchange_control).unwrap_or(0),
            group_control: u32::try_from(summary.group_control).unwrap_or(0),
            created: created_time(&created)?,
            production: settings.production,
        };
        let mut member_ids: Vec<String> = members.into_keys().collect();
        member_ids.sort();
        Ok((Batch { id: format!("B{:09}", summary.interchange_control), encounters: summary.encounters, billing, claims }, envelope, member_ids))
    }

    /// Batches of the organizations the actor bills for, newest first.
    pub async fn claim_batches(&self, organization: Option<&str>) -> Result<Vec<BatchSummary>> {
        let org = self.billing_scope(organization, "list").await?;
        let rows = sqlx::query(&format!(
            "SELECT {BATCH_COLUMNS} FROM claim_batches b JOIN organizations o ON o.id = b.organization_id \
             WHERE ($1 = '' OR b.organization_id = $1) ORDER BY b.created_at DESC, b.interchange_control DESC LIMIT 500"
        ))
        .bind(org.as_deref().unwrap_or(""))
        .fetch_all(&self.store.pool)
        .await?;
        self.audit("list", "claim-batches", None, &Decision::Permit).await?;
        rows.iter().map(batch_row).collect()
    }

    /// The claims of the organizations the actor bills for, newest first,
    /// by status when given. One audit event names every member listed.
    pub async fn claims(&self, organization: Option<&str>, status: Option<&str>, batch: Option<&str>) -> Result<Vec<ClaimSummary>> {
        let org = self.billing_scope(organization, "list").await?;
        let rows = sqlx::query(&format!(
            "SELECT {CLAIM_COLUMNS} FROM claims c JOIN members m ON m.id = c.member_id \
             WHERE ($1 = '' OR c.organization_id = $1) AND ($2 = '' OR c.status = $2) AND ($3 = '' OR c.batch_id = $3) \
             ORDER BY c.created_at DESC, c.number DESC LIMIT 500"
        ))
        .bind(org.as_deref().unwrap_or(""))
        .bind(status.unwrap_or(""))
        .bind(batch.unwrap_or(""))
        .fetch_all(&self.store.pool)
        .await?;
        let list = rows.iter().map(claim_row).collect::<Result<Vec<_>>>()?;
        let listed: Vec<&str> = list.iter().map(|c| c.member_id.as_str()).collect();
        let labels = Categories::of(&[Category::Demographics, Category::Billing]);
        self.audit_list("list", "claims", &Decision::Permit, labels, Some(Purpose::Payment), &listed).await?;
        Ok(list)
    }

    /// One claim with its lines, for the billing office of its organization.
    pub async fn claim(&self, id: &str) -> Result<ClaimDetail> {
        let row = sqlx::query(&format!("SELECT {CLAIM_COLUMNS} FROM claims c JOIN members m ON m.id = c.member_id WHERE c.id = $1"))
            .bind(id)
            .fetch_optional(&self.store.pool)
            .await?;
        let decision = match &row {
            Some(r) => may_bill_for(self.actor(), &r.try_get::<String, _>("organization_id")?),
            None => Decision::Deny("no such claim"),
        };
        let Some(r) = row.filter(|_| decision.is_permit()) else {
            self.audit("read", "claim", Some(id), &decision).await?;
            return Err(StoreError::NotFound);
        };
        let claim = claim_row(&r)?;
        let diagnoses = stored_codes(&r.try_get::<String, _>("diagnoses")?)?;
        let labels = diagnoses.iter().map(Icd10::category).fold(Categories::of(&[Category::Demographics, Category::Billing]), Categories::with);
        self.audit_member("read", "claim", Some(id), Some(&claim.member_id), &Decision::Permit, labels, Some(Purpose::Payment)).await?;
        let lines = sqlx::query(
            "SELECT claim_id, line_number, contact_id, service_date, code, modifiers, units, charge_cents, place_of_service \
             FROM claim_lines WHERE claim_id = $1 ORDER BY line_number",
        )
        .bind(id)
        .fetch_all(&self.store.pool)
        .await?
        .iter()
        .map(line_row)
        .collect::<Result<Vec<_>>>()?;
        let adjustments: Option<String> = r.try_get("adjustments")?;
        let adjustments = adjustments.and_then(|a| serde_json::from_str(&a).ok()).unwrap_or(serde_json::Value::Array(vec![]));
        Ok(ClaimDetail {
            can_correct: correctable(&claim),
            place_of_service: r.try_get("place_of_service")?,
            authorization_number: r.try_get("authorization_number")?,
            diagnoses: diagnoses.iter().map(Icd10::display).collect(),
            lines,
            adjustments,
            claim,
        })
    }

    /// The batch has been sent to the payer: it and its written claims are submitted.
    pub async fn mark_submitted(&self, batch_id: &str) -> Result<BatchSummary> {
        let b = self.batch_in_scope(batch_id, "submit").await?;
        if b.status != "written" {
            return Err(
                Invalid::one("status", "already-submitted", format!("this batch was submitted on {}", b.submitted_at.unwrap_or_default())).into()
            );
        }
        let mut tx = self.store.begin().await?;
        let now = now_text();
        sqlx::query("UPDATE claim_batches SET status = 'submitted', submitted_at = $1, submitted_by = $2 WHERE id = $3 AND status = 'written'")
            .bind(&now)
            .bind(&self.actor().user_id)
            .bind(batch_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE claims SET status = 'submitted', updated_at = $1 WHERE batch_id = $2 AND status = 'written'")
            .bind(&now)
            .bind(batch_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.batch_summary(batch_id).await
    }

    /// Write a replacement (frequency 7) or void (8) of a claim the payer
    /// has numbered, in a batch of its own; the claim it replaces is marked so.
    pub async fn correct_claim(&self, id: &str, frequency: Frequency) -> Result<ExportedBatch> {
        if frequency == Frequency::Original {
            return Err(Invalid::one("frequency", "one-of", "a correction is a replacement or a void").into());
        }
        let detail = self.claim(id).await?;
        if !correctable(&detail.claim) {
            return Err(Invalid::one(
                "frequency",
                "not-correctable",
                format!(
                    "a claim is corrected or voided once the payer has numbered it (accepted, paid or denied); this one is {}",
                    detail.claim.status
                ),
            )
            .into());
        }
        let c = &detail.claim;
        let member =
            sqlx::query(&format!("SELECT {MEMBER_COLUMNS} FROM members m WHERE m.id = $1")).bind(&c.member_id).fetch_one(&self.store.pool).await?;
        let rendering: String =
            sqlx::query("SELECT rendering_user_id FROM claims WHERE id = $1").bind(id).fetch_one(&self.store.pool).await?.try_get(0)?;
        let draft = Draft {
            key: accompany_domain::claims::build::ClaimKey {
                member_id: c.member_id.clone(),
                organization_id: c.organization_id.clone(),
                rendering_user_id: rendering,
                payer_id: c.payer_id.clone(),
                authorization: detail.authorization_number.clone(),
                period: c.period.clone(),
            },
            lines: detail
                .lines
                .iter()
                .map(|l| {
                    Ok(BillableLine {
                        contact_id: l.contact_id.clone(),
                        date: stored_date(&l.service_date)?,
                        code: l.code.clone(),
                        modifiers: l.modifiers.clone(),
                        units: u32::try_from(l.units).unwrap_or(0),
                        charge_cents: l.charge_cents,
                        place_of_service: l.place_of_service.clone(),
                    })
                })
                .collect::<Result<_>>()?,
            member: rows::member(&member)?,
            outcome: Ok(vec![]),
            encounters: false,
        };
        let batch = self.store_batch(&c.batch_id).await?.ok_or(StoreError::NotFound)?;
        let mut tx = self.store.begin().await?;
        let interchange = take(&mut tx, "interchange", 1).await?;
        let group = take(&mut tx, "group", 1).await?;
        let number = format!("AC{:010}", take(&mut tx, "claim", 1).await?);
        let batch_id = new_id();
        let now = now_text();
        sqlx::query(
            "INSERT INTO claim_batches (id, organization_id, payer_id, encounters, interchange_control, group_control, period_from, period_to, \
             claim_count, total_cents, file_sha256, status, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, '', 'written', $10, $11)",
        )
        .bind(&batch_id)
        .bind(&c.organization_id)
        .bind(&c.payer_id)
        .bind(i64::from(batch.encounters))
        .bind(interchange)
        .bind(group)
        .bind(&batch.period_from)
        .bind(&batch.period_to)
        .bind(draft.total_cents())
        .bind(&self.actor().user_id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let codes: Vec<String> = detail.diagnoses.iter().filter_map(|d| Icd10::parse(d)).map(|d| d.claim_form().to_string()).collect();
        let mut written = ClaimRows::default();
        written.add(&batch_id, &number, &draft, &rows::to_json(&codes), frequency.code(), Some(id), &now);
        insert_claims(&mut tx, self.store.backend, written).await?;
        let status = if frequency == Frequency::Void { "voided" } else { "replaced" };
        sqlx::query("UPDATE claims SET status = $1, updated_at = $2 WHERE id = $3").bind(status).bind(&now).bind(id).execute(&mut *tx).await?;
        let (doc, envelope, members) = self.batch_document(&mut tx, &batch_id).await?;
        let file = x12::write_837p(&envelope, &doc)?;
        let sha = sha256_hex(&file);
        sqlx::query("UPDATE claim_batches SET file_sha256 = $1 WHERE id = $2").bind(&sha).bind(&batch_id).execute(&mut *tx).await?;
        self.audit_file(&mut tx, &batch_id, &sha, disclosed(&doc), &members).await?;
        tx.commit().await?;
        Ok(ExportedBatch { batch: self.batch_summary(&batch_id).await?, file, sha256: sha })
    }
}

/// A claim may be replaced or voided once the payer has numbered it and
/// while it is the latest word on its services.
fn correctable(c: &ClaimSummary) -> bool {
    c.payer_claim_number.is_some() && matches!(c.status.as_str(), "accepted" | "paid" | "denied")
}

fn line_row(r: &AnyRow) -> Result<ClaimLineView> {
    let modifiers: String = r.try_get("modifiers")?;
    Ok(ClaimLineView {
        line_number: r.try_get("line_number")?,
        contact_id: r.try_get("contact_id")?,
        service_date: r.try_get("service_date")?,
        code: r.try_get("code")?,
        modifiers: serde_json::from_str(&modifiers).map_err(|e| StoreError::Corrupt(format!("claim line modifiers: {e}")))?,
        units: r.try_get("units")?,
        charge_cents: r.try_get("charge_cents")?,
        place_of_service: r.try_get("place_of_service")?,
    })
}

/// Claims, their lines and (for first claims) the contacts they bill, as
/// rows written a few hundred per statement.
#[derive(Default)]
struct ClaimRows {
    claims: Vec<Vec<Val>>,
    lines: Vec<Vec<Val>>,
    billed: Vec<Vec<Val>>,
}

impl ClaimRows {
    #[allow(clippy::too_many_arguments)]
    fn add(&mut self, batch_id: &str, number: &str, d: &Draft, diagnoses: &str, frequency: &str, replaces: Option<&str>, now: &str) {
        let claim_id = new_id();
        self.claims.push(vec![
            claim_id.clone().into(),
            number.into(),
            batch_id.into(),
            d.key.member_id.clone().into(),
            d.key.organization_id.clone().into(),
            d.key.rendering_user_id.clone().into(),
            d.key.payer_id.clone().into(),
            d.key.authorization.clone().into(),
            d.key.period.clone().into(),
            frequency.into(),
            replaces.map(String::from).into(),
            "written".into(),
            claim_place_of_service(&d.lines).into(),
            diagnoses.into(),
            d.total_cents().into(),
            now.into(),
            now.into(),
        ]);
        for (n, l) in d.lines.iter().enumerate() {
            self.lines.push(vec![
                claim_id.clone().into(),
                (n as i64 + 1).into(),
                l.contact_id.clone().into(),
                date_text(l.date).into(),
                l.code.clone().into(),
                rows::to_json(&l.modifiers).into(),
                i64::from(l.units).into(),
                l.charge_cents.into(),
                l.place_of_service.clone().into(),
            ]);
            if replaces.is_none() {
                self.billed.push(vec![l.contact_id.clone().into(), claim_id.clone().into()]);
            }
        }
    }
}

/// Write the rows; a contact another export billed first refuses the whole batch.
async fn insert_claims(tx: &mut Tx, backend: crate::Backend, r: ClaimRows) -> Result<()> {
    const CLAIM: [&str; 17] = [
        "id",
        "number",
        "batch_id",
        "member_id",
        "organization_id",
        "rendering_user_id",
        "payer_id",
        "authorization_number",
        "period",
        "frequency",
        "replaces_claim_id",
        "status",
        "place_of_service",
        "diagnoses",
        "total_cents",
        "created_at",
        "updated_at",
    ];
    const LINE: [&str; 9] =
        ["claim_id", "line_number", "contact_id", "service_date", "code", "modifiers", "units", "charge_cents", "place_of_service"];
    insert_rows(tx, backend, "claims", &CLAIM, r.claims).await?;
    insert_rows(tx, backend, "claim_lines", &LINE, r.lines).await?;
    insert_rows(tx, backend, "billed_contacts", &["contact_id", "claim_id"], r.billed).await.map_err(|e| match e {
        StoreError::Database(sqlx::Error::Database(d)) if d.is_unique_violation() => Invalid::one(
            "contacts",
            "already-billed",
            "another export billed some of these contacts a moment ago; run the export again to write what is left",
        )
        .into(),
        other => other,
    })
}
