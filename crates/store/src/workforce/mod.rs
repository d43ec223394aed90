//! Workforce records: credentials, continuing education, training,
//! supervision notes and positions. Access is decided by the policy
//! (`decide_workforce`, `sees_worker_development`, `may_record_supervision`);
//! the rules themselves live in `accompany_domain::workforce`.
//!
//! The folder holds: `tables` (row mappings and inserts of the workforce
//! tables), `queries` (store-level reads behind the reports), `development`
//! (a worker's credentials, education, enrolments and supervision, through
//! the gate), `reports` (compliance, positions and the workforce picture,
//! through the gate) and `import` (bulk loads). This file holds the views
//! they answer with and the gate helpers they share.
//!
//! May import: `access`, `bulk`, `rows`, `writes`.

mod development;
mod import;
mod queries;
mod reports;
mod tables;

use std::collections::BTreeMap;

use accompany_domain::activity::Glance;
use accompany_domain::policy::Action;
use accompany_domain::records::{Persona, Worker};
use accompany_domain::workforce::{
    BillingBlock, Cadence, CeEntry, CeProgress, ComplianceProblem, Credential, Eligibility, Enrolment, Expiry, LonePeer, PayComparison, Position,
    Qualification, SupervisionSession, TaskFlag,
};
use serde::Serialize;
use time::Date;

use crate::access::Access;
use crate::{Result, StoreError};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CredentialView {
    #[serde(flatten)]
    pub credential: Credential,
    pub expiry: Expiry,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SupervisorView {
    pub id: String,
    pub name: String,
    pub role_id: String,
    pub qualification: Option<Qualification>,
}

/// Everything about one worker's development and compliance.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct WorkerDevelopment {
    pub worker: Worker,
    pub eligibility: Option<Eligibility>,
    pub billing_block: Option<BillingBlock>,
    pub credentials: Vec<CredentialView>,
    pub ce_entries: Vec<CeEntry>,
    pub ce_progress: Vec<CeProgress>,
    pub enrolments: Vec<Enrolment>,
    pub sessions: Vec<SupervisionSession>,
    pub supervisor: Option<SupervisorView>,
    pub cadence: Option<Cadence>,
    pub problems: Vec<ComplianceProblem>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SuperviseeRow {
    pub worker_id: String,
    pub name: String,
    pub role_id: String,
    #[serde(with = "opt_date")]
    pub last_session: Option<Date>,
    pub cadence: Option<Cadence>,
    pub qualification: Qualification,
    pub problems: Vec<ComplianceProblem>,
    /// Caseload, recent contacts and the flags a supervisor's glance raises.
    pub activity: Glance,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OrganizationCompliance {
    pub organization_id: String,
    pub name: String,
    pub counts: BTreeMap<String, usize>,
    pub total: usize,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PositionView {
    #[serde(flatten)]
    pub position: Position,
    pub worker_name: Option<String>,
    pub flags: Vec<TaskFlag>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PositionReport {
    pub positions: Vec<PositionView>,
    pub single_peer_programs: Vec<LonePeer>,
    pub pay: Vec<PayComparison>,
}

mod opt_date {
    pub fn serialize<S: serde::Serializer>(d: &Option<time::Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&accompany_domain::records::format_date(*d)),
            None => s.serialize_none(),
        }
    }
}

impl Access {
    fn decide(&self, action: Action, org: Option<&str>) -> Result<()> {
        self.workforce(action, org)
    }

    /// The organization an actor's workforce views are limited to: None for
    /// a state admin (who may pick one), their own for everyone else.
    fn organization_scope(&self, requested: Option<&str>) -> Result<Option<String>> {
        match self.actor().persona {
            Persona::StateAdmin => Ok(requested.map(str::to_string)),
            Persona::Member => Err(StoreError::Denied("members see workers through the pages made for choosing a peer")),
            _ => match (&self.actor().organization_id, requested) {
                (Some(own), Some(r)) if r != own => Err(StoreError::Denied("you see only your own organization's workforce")),
                (Some(own), _) => Ok(Some(own.clone())),
                (None, _) => Err(StoreError::Denied("this account belongs to no organization")),
            },
        }
    }
}
