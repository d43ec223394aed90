//! Workforce reports through the gate: compliance problems, compliance by
//! organization, positions and pay parity, and the workforce picture.
//!
//! May import: `access`, `queries`, `tables`, `rows` and `writes`.

use std::collections::BTreeMap;

use crate::ids::new_id;
use accompany_domain::policy::Action;
use accompany_domain::records::Persona;
use accompany_domain::workforce::{self, ComplianceProblem, Picture, Position, PositionInput};
use accompany_domain::{FieldError, Invalid};
use time::Date;

use super::tables::insert_position;
use super::{OrganizationCompliance, PositionReport, PositionView};
use crate::access::Access;
use crate::rows::{self, WORKER_COLUMNS};
use crate::today_date as today;
use crate::writes::record_version;
use crate::{Result, StoreError};

impl Access {
    /// Compliance problems the actor may see: a state admin's statewide or
    /// one organization's; an organization admin's own; a supervisor's
    /// supervisees'; a worker's own.
    pub async fn workforce_problems(&self, organization_id: Option<&str>) -> Result<Vec<ComplianceProblem>> {
        match self.actor().persona {
            Persona::StateAdmin | Persona::OrganizationAdmin => {
                let org = self.organization_scope(organization_id)?;
                self.store().workforce_problems(org.as_deref(), today()).await
            }
            Persona::Supervisor => {
                let mut out: Vec<ComplianceProblem> = self.supervisees().await?.into_iter().flat_map(|s| s.problems).collect();
                if let Some(me) = self.my_worker().await? {
                    out.extend(self.worker_development(&me.id).await?.problems);
                }
                out.sort_by(|a, b| (a.kind, &a.subject).cmp(&(b.kind, &b.subject)));
                Ok(out)
            }
            Persona::PeerWorker | Persona::CareCoordinator | Persona::Clinician => match self.my_worker().await? {
                Some(me) => Ok(self.worker_development(&me.id).await?.problems),
                None => Ok(vec![]),
            },
            Persona::Member => Err(StoreError::Denied("members see workers through the pages made for choosing a peer")),
            Persona::PrivacyOfficer => Err(StoreError::Denied("privacy officers review the audit trail, not workforce compliance")),
            Persona::BillingOffice => Err(StoreError::Denied("the billing office keeps coverage and authorizations, not workforce compliance")),
        }
    }

    /// Problems counted by organization and kind, for the statewide picture.
    pub async fn compliance_by_organization(&self) -> Result<Vec<OrganizationCompliance>> {
        let scope = self.organization_scope(None)?;
        if !matches!(self.actor().persona, Persona::StateAdmin | Persona::OrganizationAdmin) {
            return Err(StoreError::Denied("the compliance picture is for organization and state admins"));
        }
        let problems = self.store().workforce_problems(scope.as_deref(), today()).await?;
        let names = self.store().organization_names().await?;
        let mut by: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
        for p in &problems {
            *by.entry(p.organization_id.clone()).or_default().entry(p.kind.as_str().to_string()).or_default() += 1;
        }
        let mut out: Vec<OrganizationCompliance> = by
            .into_iter()
            .map(|(id, counts)| OrganizationCompliance {
                name: names.get(&id).cloned().unwrap_or_else(|| id.clone()),
                total: counts.values().sum(),
                organization_id: id,
                counts,
            })
            .collect();
        out.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.name.cmp(&b.name)));
        Ok(out)
    }

    /// Job descriptions with their flags, single-peer programs and pay parity.
    pub async fn positions(&self, organization_id: Option<&str>) -> Result<PositionReport> {
        self.decide(Action::Read, organization_id)?;
        let org = self.organization_scope(organization_id)?;
        let store = self.store();
        let positions = store.positions_of(org.as_deref()).await?;
        let catalog = store.catalog();
        let worker_ids: Vec<String> = positions.iter().filter_map(|p| p.worker_id.clone()).collect();
        let names = store.worker_names(&worker_ids).await?;
        Ok(PositionReport {
            single_peer_programs: workforce::single_peer_programs(catalog, &positions),
            pay: workforce::pay_parity(catalog, &positions, i64::from(catalog.workforce.pay_parity_percent)),
            positions: positions
                .into_iter()
                .map(|p| PositionView {
                    flags: workforce::prohibited_tasks(catalog, &p),
                    worker_name: p.worker_id.as_ref().and_then(|w| names.get(w).cloned()),
                    position: p,
                })
                .collect(),
        })
    }

    pub async fn create_position(&self, input: &PositionInput, reason: &str) -> Result<Position> {
        self.decide(Action::Create, Some(input.organization_id.trim()))?;
        let p = input.validate(new_id(), 1, self.store().catalog())?;
        let mut errs = Invalid::default();
        if self.store().organization_row(&p.organization_id).await?.is_none() {
            errs.push(FieldError::new("organization_id", "no-such-organization", "no such organization; give the id of the employer"));
        }
        if let Some(w) = &p.worker_id {
            match self.store().worker_row(w).await? {
                Some(x) if x.employer_id == p.organization_id => {}
                _ => errs.push(FieldError::new(
                    "worker_id",
                    "no-such-worker",
                    "give the id of a worker of this organization, or leave it empty for a vacancy",
                )),
            }
        }
        errs.finish()?;
        let mut tx = self.store().begin().await?;
        insert_position(&mut tx, &p).await?;
        record_version(&mut tx, "position", &p.id, 1, &p, Some(&self.actor().user_id), reason).await?;
        tx.commit().await?;
        Ok(p)
    }

    /// The workforce picture of one organization or the state, over `from..=to`.
    pub async fn workforce_picture(&self, organization_id: Option<&str>, from: Date, to: Date) -> Result<Picture> {
        if !matches!(self.actor().persona, Persona::StateAdmin | Persona::OrganizationAdmin) {
            return Err(StoreError::Denied("the workforce picture is for organization and state admins"));
        }
        let org = self.organization_scope(organization_id)?;
        let store = self.store();
        let rows = match &org {
            Some(o) => {
                sqlx::query(&format!("SELECT {WORKER_COLUMNS} FROM workers w WHERE w.employer_id = $1")).bind(o).fetch_all(&store.pool).await?
            }
            None => sqlx::query(&format!("SELECT {WORKER_COLUMNS} FROM workers w")).fetch_all(&store.pool).await?,
        };
        let workers = rows.iter().map(rows::worker).collect::<Result<Vec<_>>>()?;
        let positions = store.positions_of(org.as_deref()).await?;
        Ok(workforce::picture(store.catalog(), &workers, &positions, from, to))
    }
}
