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
use accompany_domain::privacy::{Categories, Purpose};
use accompany_domain::records::Persona;
use serde::Serialize;
use time::Date;

use crate::access::Access;
use crate::{Result, StoreError};

pub use batches::{BatchFormat, BatchSummary, ClaimDetail, ClaimLineView, ClaimSummary, ExportedBatch, Frequency};
pub use responses::{ImportReport, Reconciliation, ReconciliationRow};

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
    /// One event inside the change's transaction for a file going out to or
    /// coming in from a payer (its kind and hash in `entity_id`), for
    /// payment, naming every member on it.
    pub(crate) async fn audit_file_in(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        (action, entity, entity_id): (&str, &str, &str),
        categories: Categories,
        members: &[String],
    ) -> Result<()> {
        let listed: Vec<&str> = members.iter().map(String::as_str).collect();
        let event = crate::audit::NewEvent {
            actor_user_id: Some(&self.actor().user_id),
            actor_username: &self.actor().username,
            action,
            entity,
            entity_id: Some(entity_id),
            decision: "permit",
            reason: "",
            client_addr: self.client_addr(),
            member_id: None,
            categories: &categories.to_text(),
            purpose: Purpose::Payment.as_str(),
        };
        self.store.append_audit_listing_in(tx, event, &listed).await
    }

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
