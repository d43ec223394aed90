//! Claims: the billable contacts of the organizations an actor bills for,
//! gathered into claims (ready, or held with the reason), written in
//! batches as X12 837P or CSV, then followed through the payer's
//! acknowledgements and remittance to paid or denied. Every member on a
//! claim passes the policy; every diagnosis on one is a disclosure for
//! payment, decided by the policy and audited with the file's hash.

mod batches;
mod gather;
mod responses;

use accompany_domain::claims::build::Hold;
use accompany_domain::policy::{may_bill_for, Decision};
use accompany_domain::records::Persona;
use serde::Serialize;
use time::Date;

use crate::access::Access;
use crate::{Result, StoreError};

pub use batches::{BatchFormat, BatchSummary, ClaimDetail, ClaimLineView, ClaimSummary, ExportedBatch, Frequency};
pub use responses::{ImportReport, Reconciliation, ReconciliationRow};

/// A claim's statuses, in the order a claim moves through them.
pub const CLAIM_STATUSES: [&str; 8] = ["written", "submitted", "accepted", "rejected", "paid", "denied", "replaced", "voided"];

/// Which billable contacts to gather: one payer or all, the days of service
/// (from one year back to today when left out), one organization (state
/// admins; everyone else bills for their own).
#[derive(Debug, Clone, Default)]
pub struct ClaimScope {
    pub payer: Option<String>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub organization: Option<String>,
}

/// A claim not yet written: ready, or held with what would release it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct PendingClaim {
    pub member_id: String,
    pub member_name: String,
    pub organization_id: String,
    pub payer_id: String,
    /// "YYYY-MM".
    pub period: String,
    pub lines: usize,
    pub units: u32,
    pub total_cents: i64,
    /// Reported as an encounter (the organization is paid by case rate or per member per month).
    pub encounters: bool,
    pub hold: Option<Hold>,
}

/// What the scope holds before an export.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct PendingClaims {
    pub from: String,
    pub to: String,
    pub ready: Vec<PendingClaim>,
    pub held: Vec<PendingClaim>,
}

impl Access {
    /// The organization the actor bills for: their own, or for a state
    /// admin the one asked for (None: every organization). A refusal is
    /// audited.
    pub(crate) async fn billing_scope(&self, asked: Option<&str>, action: &str) -> Result<Option<String>> {
        let actor = self.actor();
        let org = match (actor.persona, asked, actor.organization_id.as_deref()) {
            (Persona::StateAdmin, asked, _) => return Ok(asked.map(String::from)),
            (_, Some(a), Some(own)) if a != own => a.to_string(),
            (_, _, Some(own)) => own.to_string(),
            (_, _, None) => String::new(),
        };
        match may_bill_for(actor, &org) {
            Decision::Permit => Ok(Some(org)),
            d @ Decision::Deny(why) => {
                self.audit(action, "claims", asked, &d).await?;
                Err(StoreError::Denied(why))
            }
        }
    }
}
