//! What payers send back: 999 acknowledgements (the batch as a file),
//! 277CA acknowledgements (each claim accepted or rejected) and 835
//! remittance (each claim paid or denied, with its adjustments), told apart
//! by their content and matched to claims by number (CLP01 = CLM01). Only
//! claims of the organizations the importer bills for are touched; the rest
//! are reported unmatched. And the reconciliation of paid against billed.

use accompany_domain::claims::remit::{self, Adjustment, Response};
use accompany_domain::policy::Decision;
use accompany_domain::privacy::{Categories, Category, Purpose};
use accompany_domain::Invalid;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::access::Access;
use crate::ids::new_id;
use crate::{now_text, Result};

type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// What one imported file did.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    /// 999, 277CA or 835.
    pub kind: String,
    /// Claims the file named that the importer bills for, and changed.
    pub matched: usize,
    /// Claim numbers (or a 999's group control number) the file names that
    /// are not among the importer's claims.
    pub unmatched: Vec<String>,
    pub accepted: usize,
    pub rejected: usize,
    pub paid: usize,
    pub denied: usize,
    /// An 835's total payment, in cents.
    pub payment_cents: Option<i64>,
}

/// Paid against billed for one payer and month.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct ReconciliationRow {
    pub payer_id: String,
    /// "YYYY-MM", the month of service.
    pub period: String,
    pub claims: i64,
    pub billed_cents: i64,
    pub paid_cents: i64,
    pub denied: i64,
    /// Billed on claims still waiting for the payer's answer.
    pub outstanding_cents: i64,
}

/// The reconciliation of one organization's claims (or every one's).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Reconciliation {
    pub rows: Vec<ReconciliationRow>,
}

/// "CO-45 $12.00; PR-1 $5.00": the adjustments as the claim page shows them.
fn adjustment_text(list: &[Adjustment]) -> String {
    list.iter().map(|a| format!("{}-{} {}", a.group, a.reason, accompany_domain::claims::dollars(a.cents))).collect::<Vec<_>>().join("; ")
}

impl Access {
    /// A claim of the importer's scope by its number: (id, member).
    async fn claim_by_number(&self, tx: &mut Tx, number: &str, org: Option<&str>) -> Result<Option<(String, String)>> {
        let row = sqlx::query("SELECT id, member_id FROM claims WHERE number = $1 AND ($2 = '' OR organization_id = $2)")
            .bind(number)
            .bind(org.unwrap_or(""))
            .fetch_optional(&mut **tx)
            .await?;
        Ok(row.map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?))).transpose()?)
    }

    /// Read a payer's 999, 277CA or 835 and mark the claims it names. The
    /// same file twice is refused; one transaction, one audit event naming
    /// every member whose claim changed.
    pub async fn import_claim_response(&self, text: &str) -> Result<ImportReport> {
        let org = self.billing_scope(None, "import").await?;
        let parsed = remit::parse(text).map_err(|e| Invalid::one("file", "x12", e.to_string()))?;
        let sha = hex::encode(Sha256::digest(text.as_bytes()));
        let mut tx = self.store.begin().await?;
        let seen = sqlx::query("SELECT imported_at FROM claim_responses WHERE file_sha256 = $1").bind(&sha).fetch_optional(&mut *tx).await?;
        if let Some(r) = seen {
            let at: String = r.try_get(0)?;
            return Err(Invalid::one("file", "already-imported", format!("this file was imported on {at}; nothing was changed")).into());
        }
        let now = now_text();
        let mut report = ImportReport::default();
        let mut members: Vec<String> = Vec::new();
        match &parsed {
            Response::Acknowledgement999(ack) => {
                report.kind = "999".into();
                let batch = sqlx::query("SELECT id FROM claim_batches WHERE group_control = $1 AND ($2 = '' OR organization_id = $2)")
                    .bind(i64::from(ack.group_control))
                    .bind(org.as_deref().unwrap_or(""))
                    .fetch_optional(&mut *tx)
                    .await?;
                match batch {
                    None => report.unmatched.push(format!("group {}", ack.group_control)),
                    Some(b) => {
                        let batch_id: String = b.try_get(0)?;
                        let verdict = if ack.accepted { "accepted" } else { "rejected" };
                        sqlx::query("UPDATE claim_batches SET acknowledgement = $1 WHERE id = $2")
                            .bind(verdict)
                            .bind(&batch_id)
                            .execute(&mut *tx)
                            .await?;
                        let rows = sqlx::query("SELECT member_id FROM claims WHERE batch_id = $1").bind(&batch_id).fetch_all(&mut *tx).await?;
                        for r in &rows {
                            members.push(r.try_get(0)?);
                        }
                        report.matched = rows.len();
                        if ack.accepted {
                            report.accepted = rows.len();
                        } else {
                            let why: Vec<String> = ack.sets.iter().flat_map(|s| s.errors.iter().cloned()).collect();
                            let detail =
                                format!("the payer rejected the file: {}", if why.is_empty() { "no reason given".into() } else { why.join("; ") });
                            sqlx::query(
                                "UPDATE claims SET status = 'rejected', status_detail = $1, updated_at = $2 WHERE batch_id = $3 AND status IN ('written', 'submitted')",
                            )
                            .bind(&detail)
                            .bind(&now)
                            .bind(&batch_id)
                            .execute(&mut *tx)
                            .await?;
                            report.rejected = rows.len();
                        }
                    }
                }
            }
            Response::ClaimAcknowledgement(ack) => {
                report.kind = "277CA".into();
                for c in &ack.claims {
                    let Some((id, member)) = self.claim_by_number(&mut tx, &c.claim_id, org.as_deref()).await? else {
                        report.unmatched.push(c.claim_id.clone());
                        continue;
                    };
                    let (status, detail) = if c.accepted {
                        report.accepted += 1;
                        ("accepted", None)
                    } else {
                        report.rejected += 1;
                        let words = c.message.as_deref().map(|m| format!(" {m}")).unwrap_or_default();
                        ("rejected", Some(format!("{}:{}{words}", c.category, c.status_code)))
                    };
                    // A claim already paid or denied keeps that answer.
                    sqlx::query(
                        "UPDATE claims SET status = $1, status_detail = $2, payer_claim_number = COALESCE($3, payer_claim_number), updated_at = $4 \
                         WHERE id = $5 AND status IN ('written', 'submitted', 'accepted', 'rejected')",
                    )
                    .bind(status)
                    .bind(detail)
                    .bind(&c.payer_claim_number)
                    .bind(&now)
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                    report.matched += 1;
                    members.push(member);
                }
            }
            Response::Remittance(r) => {
                report.kind = "835".into();
                report.payment_cents = Some(r.payment_cents);
                for c in &r.claims {
                    let Some((id, member)) = self.claim_by_number(&mut tx, &c.claim_id, org.as_deref()).await? else {
                        report.unmatched.push(c.claim_id.clone());
                        continue;
                    };
                    let status = if c.denied {
                        report.denied += 1;
                        "denied"
                    } else {
                        report.paid += 1;
                        "paid"
                    };
                    let mut all: Vec<Adjustment> = c.adjustments.clone();
                    all.extend(c.lines.iter().flat_map(|l| l.adjustments.iter().cloned()));
                    let detail = (!all.is_empty()).then(|| adjustment_text(&all));
                    let json = serde_json::to_string(
                        &all.iter().map(|a| serde_json::json!({"group": a.group, "reason": a.reason, "cents": a.cents})).collect::<Vec<_>>(),
                    )
                    .unwrap_or_else(|_| "[]".into());
                    sqlx::query(
                        "UPDATE claims SET status = $1, status_detail = $2, paid_cents = $3, payer_claim_number = COALESCE($4, payer_claim_number), \
                         adjustments = $5, updated_at = $6 WHERE id = $7",
                    )
                    .bind(status)
                    .bind(detail)
                    .bind(c.paid_cents)
                    .bind(&c.payer_claim_number)
                    .bind(json)
                    .bind(&now)
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                    report.matched += 1;
                    members.push(member);
                }
            }
        }
        sqlx::query(
            "INSERT INTO claim_responses (id, kind, file_sha256, matched, unmatched, payment_cents, imported_by, imported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new_id())
        .bind(&report.kind)
        .bind(&sha)
        .bind(report.matched as i64)
        .bind(report.unmatched.len() as i64)
        .bind(report.payment_cents)
        .bind(&self.actor().user_id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        members.sort();
        members.dedup();
        let entity_id = format!("{} sha256:{sha}", report.kind);
        let labels = Categories::of(&[Category::Demographics, Category::Billing]);
        self.audit_list_in(&mut tx, "import", "claim-response", Some(&entity_id), labels, Purpose::Payment, &members).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Paid against billed by payer and month of service, for the claims
    /// the actor may read one by one (so no count here discloses more than
    /// the claims list does). Replaced and voided claims count through the
    /// claims that took their place.
    pub async fn reconciliation(&self, organization: Option<&str>) -> Result<Reconciliation> {
        let org = self.billing_scope(organization, "read").await?;
        let rows = sqlx::query(
            // PostgreSQL sums BIGINT as NUMERIC: each sum is cast back.
            "SELECT payer_id, period, COUNT(*) AS claims, CAST(SUM(total_cents) AS BIGINT) AS billed, \
             CAST(SUM(COALESCE(paid_cents, 0)) AS BIGINT) AS paid, CAST(SUM(CASE WHEN status = 'denied' THEN 1 ELSE 0 END) AS BIGINT) AS denied, \
             CAST(SUM(CASE WHEN status IN ('written', 'submitted', 'accepted') THEN total_cents ELSE 0 END) AS BIGINT) AS outstanding \
             FROM claims WHERE ($1 = '' OR organization_id = $1) AND status NOT IN ('replaced', 'voided') AND frequency <> '8' \
             GROUP BY payer_id, period ORDER BY period DESC, payer_id",
        )
        .bind(org.as_deref().unwrap_or(""))
        .fetch_all(&self.store.pool)
        .await?;
        self.audit("read", "claims-reconciliation", org.as_deref(), &Decision::Permit).await?;
        let rows = rows
            .iter()
            .map(|r| {
                Ok(ReconciliationRow {
                    payer_id: r.try_get("payer_id")?,
                    period: r.try_get("period")?,
                    claims: r.try_get("claims")?,
                    billed_cents: r.try_get("billed")?,
                    paid_cents: r.try_get("paid")?,
                    denied: r.try_get("denied")?,
                    outstanding_cents: r.try_get("outstanding")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Reconciliation { rows })
    }
}
