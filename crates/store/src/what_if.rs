//! What if we hired: the batch solved on the current waiting list with the
//! pool as it is and with described hires added, compared through the
//! small-cell rule. Nothing is written: the waiting list is read (and that
//! read audited) exactly as a batch reads it.

use std::collections::BTreeMap;

use accompany_domain::equity::what_if::{hypothetical_peers, suppress_what_if, validate_hires, what_if, HireInput, ShownWhatIf};
use accompany_domain::matching::SourceKind;
use accompany_domain::policy::{may_run_batch, Decision};
use accompany_domain::privacy::{Categories, Category, Purpose};
use accompany_domain::records::{OrganizationKind, Persona};
use accompany_domain::{FieldError, Invalid};
use serde::Serialize;
use sqlx::Row;

use crate::access::Access;
use crate::{Result, StoreError};

/// The comparison, with what was added.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct WhatIfReport {
    /// Peers in the pool now (with room or not).
    pub peers_now: usize,
    /// Peers the hires add, and the places on their caseloads.
    pub peers_added: u64,
    pub places_added: u64,
    #[serde(flatten)]
    pub shown: ShownWhatIf,
}

impl Access {
    /// Solve the batch on the waiting list without and with `hires`. For
    /// program admins (as the batch is); an organization admin hires only
    /// for their own organization.
    pub async fn what_if(&self, hires: &[HireInput]) -> Result<WhatIfReport> {
        // Who may ask comes first: nobody else learns what the catalog or the records hold.
        if let refused @ Decision::Deny(why) = may_run_batch(self.actor()) {
            self.audit_member("compute", "what-if", None, None, &refused, Categories::of(&[Category::Demographics]), Some(Purpose::Operations))
                .await?;
            return Err(StoreError::Denied(why));
        }
        let catalog = self.store.catalog();
        let hires = validate_hires(hires, catalog)?;
        let own = self.actor().organization_id.clone();
        if self.actor().persona == Persona::OrganizationAdmin && hires.iter().any(|h| Some(&h.organization) != own.as_ref()) {
            let decision = Decision::Deny("an organization's admins plan hires for their own organization");
            self.audit_member("compute", "what-if", None, None, &decision, Categories::of(&[Category::Demographics]), Some(Purpose::Operations))
                .await?;
            return Err(StoreError::Denied("an organization's admins plan hires for their own organization"));
        }
        let mut ids: Vec<String> = hires.iter().map(|h| h.organization.clone()).collect();
        ids.sort();
        ids.dedup();
        let mut sources = BTreeMap::new();
        for r in crate::rows::rows_for_ids(&self.store.pool, "SELECT id, kind FROM organizations WHERE id IN ({ids})", &ids).await? {
            let kind = OrganizationKind::parse(&r.try_get::<String, _>("kind")?).unwrap_or(OrganizationKind::Cbo);
            sources.insert(r.try_get::<String, _>("id")?, SourceKind::of_organization(kind));
        }
        let mut errs = Invalid::default();
        for (i, h) in hires.iter().enumerate() {
            if !sources.contains_key(&h.organization) {
                errs.push(FieldError::new(
                    format!("hires[{i}].organization"),
                    "no-such-organization",
                    "no organization has this id; list them with GET /api/v1/organizations",
                ));
            }
        }
        errs.finish()?;
        // Reads the waiting list as a batch does: audited, refused for anyone else.
        let waiting = self.waiting_list(None).await?;
        let peers = hypothetical_peers(&hires, &sources, catalog)?;
        let members = waiting.members;
        let pool = waiting.pool.profiles;
        // Solving is CPU work of seconds at state scale: off the async workers.
        let catalog = self.store.catalog_arc();
        let added: u64 = hires.iter().map(|h| u64::from(h.count) * u64::from(h.caseload)).sum();
        let peers_added = peers.len() as u64;
        let peers_now = pool.len();
        let (before, after) = tokio::task::spawn_blocking(move || what_if(&members, &pool, &peers, &catalog))
            .await
            .map_err(|e| StoreError::Corrupt(format!("the what-if batch stopped: {e}")))?;
        Ok(WhatIfReport { peers_now, peers_added, places_added: added, shown: suppress_what_if(&before, &after) })
    }
}
