//! The member's care team in plain words: who each person is, their role
//! from the catalog, where they work and where that organization comes from
//! (the plan, a peer-run RLC, a community vendor), when and how they meet
//! members, and, for the member, what each of them sees of the record.

use std::collections::HashMap;

use accompany_domain::matching::{Modality, SourceKind};
use accompany_domain::policy::Action;
use accompany_domain::privacy::Categories;
use accompany_domain::records::{OrganizationKind, Persona, TeamRole, TimeOfDay};
use serde::Serialize;
use sqlx::Row;

use crate::access::Access;
use crate::matching::WorkerMatching;
use crate::{Result, StoreError};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct TeamCard {
    pub user_id: String,
    pub display_name: String,
    pub persona: Persona,
    pub team_role: TeamRole,
    pub since: String,
    /// The catalog role, for workers.
    pub role_id: Option<String>,
    pub organization: Option<String>,
    pub organization_kind: Option<OrganizationKind>,
    /// Where the organization comes from, as members are told when choosing.
    pub source: Option<SourceKind>,
    /// When the worker meets members, from their record.
    pub availability: Vec<TimeOfDay>,
    /// How the worker meets members.
    pub ways_to_meet: Vec<Modality>,
    /// What this person sees of the record today; only the member is told:
    /// left out for every other reader.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Categories))]
    pub sees: Option<Categories>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct TeamOverview {
    pub member_id: String,
    pub team: Vec<TeamCard>,
    /// What the team's organizations are paid to give, from their contracts
    /// in force today (003: members had "never seen a list of services").
    pub services: Vec<crate::PromisedServices>,
}

impl Access {
    /// The care team of a member, for anyone who may read the record; what
    /// each person sees comes from the member's sharing overview and is
    /// shown only to the member.
    pub async fn team_overview(&self, member_id: &str) -> Result<TeamOverview> {
        let c = self.checked_member_for(member_id, Action::Read, "care-team", Some(member_id)).await?;
        let rows = sqlx::query(
            "SELECT tm.user_id, tm.team_role, tm.since, u.display_name, u.persona, o.id AS organization_id, o.name AS organization, o.kind AS org_kind, \
             (SELECT w.id FROM workers w WHERE w.user_id = u.id ORDER BY w.created_at LIMIT 1) AS worker_id \
             FROM team_members tm JOIN users u ON u.id = tm.user_id LEFT JOIN organizations o ON o.id = u.organization_id \
             WHERE tm.member_id = $1 AND tm.until IS NULL ORDER BY tm.created_at, tm.id",
        )
        .bind(member_id)
        .fetch_all(&self.store.pool)
        .await?;
        let sees: HashMap<String, Categories> =
            if c.rel.is_self { self.sharing(member_id).await?.team.into_iter().map(|t| (t.user_id, t.sees)).collect() } else { HashMap::new() };
        let mut team = Vec::with_capacity(rows.len());
        let mut organizations: Vec<String> = Vec::new();
        for r in &rows {
            if let Some(o) = r.try_get::<Option<String>, _>("organization_id")? {
                if !organizations.contains(&o) {
                    organizations.push(o);
                }
            }
            let user_id: String = r.try_get("user_id")?;
            let role: String = r.try_get("team_role")?;
            let persona: String = r.try_get("persona")?;
            let kind: Option<String> = r.try_get("org_kind")?;
            let worker_id: Option<String> = r.try_get("worker_id")?;
            let organization_kind = kind.as_deref().and_then(OrganizationKind::parse);
            let worker = match &worker_id {
                Some(id) => self.store.worker_row(id).await?,
                None => None,
            };
            let ways_to_meet = match &worker_id {
                Some(id) => {
                    let data: Option<String> = sqlx::query("SELECT data FROM worker_matching WHERE worker_id = $1")
                        .bind(id)
                        .fetch_optional(&self.store.pool)
                        .await?
                        .map(|r| r.try_get(0))
                        .transpose()?;
                    match data {
                        Some(d) => serde_json::from_str::<WorkerMatching>(&d).map_err(|e| StoreError::Corrupt(e.to_string()))?.modalities,
                        None => WorkerMatching::default().modalities,
                    }
                }
                None => vec![],
            };
            team.push(TeamCard {
                sees: sees.get(&user_id).copied(),
                display_name: r.try_get("display_name")?,
                persona: Persona::parse(&persona).ok_or_else(|| StoreError::Corrupt(format!("persona {persona}")))?,
                team_role: crate::rows::team_role(&role)?,
                since: r.try_get("since")?,
                role_id: worker.as_ref().map(|w| w.role_id.clone()),
                organization: r.try_get("organization")?,
                organization_kind,
                source: worker.as_ref().and(organization_kind).map(SourceKind::of_organization),
                availability: worker.map(|w| w.availability).unwrap_or_default(),
                ways_to_meet,
                user_id,
            });
        }
        let services = self.store.services_promised(&organizations, crate::today_date()).await?;
        Ok(TeamOverview { member_id: member_id.to_string(), team, services })
    }
}
