//! Organization records through the workforce gate: the directory, one
//! organization, creating and updating a record.
//!
//! May import: `access`, `lists`, `rows` and `writes`.

use crate::ids::new_id;
use accompany_domain::claim_data::parse_ein;
use accompany_domain::policy::Action;
use accompany_domain::records::{Organization, OrganizationInput};

use crate::access::Access;
use crate::lists::{page_limit, Page, Sql};
use crate::rows::{self, ORGANIZATION_COLUMNS};
use crate::writes::{insert_organization, record_version};
use crate::{now_text, Result, StoreError};

impl Access {
    /// The directory of organizations: open to everyone signed in, members
    /// included (they choose among plans, RLCs and vendors).
    pub async fn organizations(&self, kind: Option<&str>, after: Option<&str>, limit: u32) -> Result<Page<Organization>> {
        let limit = page_limit(limit);
        let mut sql = Sql::new(&format!("SELECT {ORGANIZATION_COLUMNS} FROM organizations o WHERE 1 = 1"));
        if let Some(k) = kind {
            sql.push(" AND o.kind = ?", k.to_string());
        }
        if let Some(a) = after {
            sql.push(" AND o.id > ?", a.to_string());
        }
        sql.text(&format!(" ORDER BY o.id LIMIT {}", limit + 1));
        let items = sql.query().fetch_all(&self.store.pool).await?.iter().map(rows::organization).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_one_extra(items, limit, |o| o.id.clone()))
    }

    pub async fn organization(&self, id: &str) -> Result<Organization> {
        self.store.organization_row(id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn create_organization(&self, input: &OrganizationInput, reason: &str) -> Result<Organization> {
        self.workforce(Action::Create, None)?;
        let (name, kind, agency, city, provider) = input.validate(self.store.catalog())?;
        let org = Organization { id: new_id(), name, kind, agency, city, version: 1, provider };
        let mut tx = self.store.begin().await?;
        insert_organization(&mut tx, &org).await?;
        record_version(&mut tx, "organization", &org.id, 1, &org, Some(&self.actor().user_id), reason).await?;
        tx.commit().await?;
        Ok(org)
    }

    pub async fn update_organization(
        &self,
        id: &str,
        input: &OrganizationInput,
        expected_version: Option<i64>,
        reason: &str,
    ) -> Result<Organization> {
        self.workforce(Action::Update, Some(id))?;
        let current = self.store.organization_row(id).await?.ok_or(StoreError::NotFound)?;
        let (name, kind, agency, city, provider) = input.validate(self.store.catalog())?;
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(StoreError::Conflict { current: current.version });
        }
        let org = Organization { id: id.to_string(), name, kind, agency, city, version: current.version + 1, provider };
        let mut tx = self.store.begin().await?;
        let done = sqlx::query(
            "UPDATE organizations SET name = $1, kind = $2, agency = $3, city = $4, version = $5, updated_at = $6, \
             npi = $9, tax_id = $10, taxonomy = $11, billing_address = $12 WHERE id = $7 AND version = $8",
        )
        .bind(&org.name)
        .bind(org.kind.as_str())
        .bind(&org.agency)
        .bind(&org.city)
        .bind(org.version)
        .bind(now_text())
        .bind(id)
        .bind(current.version)
        .bind(&org.provider.npi)
        .bind(org.provider.tax_id.as_deref().and_then(parse_ein))
        .bind(&org.provider.taxonomy)
        .bind(org.provider.billing_address.as_ref().map(crate::rows::to_json))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict { current: current.version + 1 });
        }
        record_version(&mut tx, "organization", id, org.version, &org, Some(&self.actor().user_id), reason).await?;
        tx.commit().await?;
        Ok(org)
    }
}
