//! Contracts between funders and the organizations they pay, through the
//! policy point: kept by state admins and the funder's admins, read by the
//! admins and billing office of either party, every change and refusal
//! audited. Members see only the services promised, on their team page.
//!
//! May import: `access`, `rows` and `writes`.

use accompany_domain::contracts::{check_parties, Contract, ContractInput, PaymentModel, ValidContract};
use accompany_domain::policy::{may_keep_contract, sees_contract, Decision};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::access::Access;
use crate::ids::new_id;
use crate::rows::{date_text, to_json};
use crate::writes::record_version;
use crate::{now_text, Result, Store, StoreError};

const CONTRACT_COLUMNS: &str =
    "c.id, c.funder_id, c.organization_id, c.payer_id, c.payment_model, c.start_date, c.end_date, c.budget_cents, c.services, c.version";

/// The services column: catalog role ids as a JSON list.
fn services_of(text: &str) -> Result<Vec<String>> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("contract services: {e}")))
}

fn contract_row(r: &AnyRow) -> Result<Contract> {
    let model: String = r.try_get("payment_model")?;
    let day = |column: &str| -> Result<Option<time::Date>> {
        let text: Option<String> = r.try_get(column)?;
        text.map(|t| accompany_domain::records::parse_date(&t).ok_or_else(|| StoreError::Corrupt(format!("contract {column} {t}")))).transpose()
    };
    let services: String = r.try_get("services")?;
    Ok(Contract {
        id: r.try_get("id")?,
        funder_id: r.try_get("funder_id")?,
        organization_id: r.try_get("organization_id")?,
        payer_id: r.try_get("payer_id")?,
        payment_model: PaymentModel::parse(&model).ok_or_else(|| StoreError::Corrupt(format!("payment model {model}")))?,
        start: day("start_date")?.ok_or_else(|| StoreError::Corrupt("contract without a start".into()))?,
        end: day("end_date")?,
        budget_cents: r.try_get("budget_cents")?,
        services: services_of(&services)?,
        version: r.try_get("version")?,
    })
}

/// The services one organization on a member's team is paid to give.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PromisedServices {
    pub organization: String,
    /// Who pays for them: the plan or agency's name.
    pub funder: String,
    /// Catalog role ids.
    pub services: Vec<String>,
}

impl Store {
    pub(crate) async fn contract_row(&self, id: &str) -> Result<Option<Contract>> {
        let row = sqlx::query(&format!("SELECT {CONTRACT_COLUMNS} FROM contracts c WHERE c.id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(contract_row).transpose()
    }

    /// What the contracts in force on `day` promise, for each of these organizations.
    pub(crate) async fn services_promised(&self, organization_ids: &[String], day: time::Date) -> Result<Vec<PromisedServices>> {
        let mut out = Vec::new();
        for id in organization_ids {
            let rows = sqlx::query(
                "SELECT o.name AS organization, f.name AS funder, c.services FROM contracts c \
                 JOIN organizations o ON o.id = c.organization_id JOIN organizations f ON f.id = c.funder_id \
                 WHERE c.organization_id = $1 AND c.start_date <= $2 AND (c.end_date IS NULL OR c.end_date >= $2) ORDER BY c.start_date, c.id",
            )
            .bind(id)
            .bind(date_text(day))
            .fetch_all(&self.pool)
            .await?;
            for r in &rows {
                let services: String = r.try_get("services")?;
                let services = services_of(&services)?;
                if !services.is_empty() {
                    out.push(PromisedServices { organization: r.try_get("organization")?, funder: r.try_get("funder")?, services });
                }
            }
        }
        Ok(out)
    }

    /// Load contracts in bulk (the seed), each checked as a form would be.
    pub async fn import_contracts(&self, contracts: &[Contract]) -> Result<()> {
        let now = now_text();
        let mut tx = self.begin().await?;
        for c in contracts {
            insert(&mut tx, c, &now).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

async fn insert(tx: &mut sqlx::Transaction<'_, sqlx::Any>, c: &Contract, now: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO contracts (id, funder_id, organization_id, payer_id, payment_model, start_date, end_date, budget_cents, services, \
         version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
    )
    .bind(&c.id)
    .bind(&c.funder_id)
    .bind(&c.organization_id)
    .bind(&c.payer_id)
    .bind(c.payment_model.as_str())
    .bind(date_text(c.start))
    .bind(c.end.map(date_text))
    .bind(c.budget_cents)
    .bind(to_json(&c.services))
    .bind(c.version)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Access {
    /// The contracts the reader may see, those of `organization_id` (as
    /// funder or as the paid party) when given, oldest first.
    pub async fn contracts(&self, organization_id: Option<&str>) -> Result<Vec<Contract>> {
        let rows = match organization_id {
            Some(o) => {
                sqlx::query(&format!(
                    "SELECT {CONTRACT_COLUMNS} FROM contracts c WHERE c.funder_id = $1 OR c.organization_id = $1 ORDER BY c.start_date, c.id"
                ))
                .bind(o)
                .fetch_all(&self.store.pool)
                .await?
            }
            None => {
                sqlx::query(&format!("SELECT {CONTRACT_COLUMNS} FROM contracts c ORDER BY c.start_date, c.id")).fetch_all(&self.store.pool).await?
            }
        };
        let all = rows.iter().map(contract_row).collect::<Result<Vec<_>>>()?;
        let seen: Vec<Contract> = all.into_iter().filter(|c| sees_contract(self.actor(), &c.funder_id, &c.organization_id)).collect();
        self.audit("list", "contract", organization_id, &Decision::Permit).await?;
        Ok(seen)
    }

    /// One contract; not found for a reader who may not see it, and the refusal is audited.
    pub async fn contract(&self, id: &str) -> Result<Contract> {
        let c = self.store.contract_row(id).await?.ok_or(StoreError::NotFound)?;
        if !sees_contract(self.actor(), &c.funder_id, &c.organization_id) {
            self.audit("read", "contract", Some(id), &Decision::Deny("not a party to the contract")).await?;
            return Err(StoreError::NotFound);
        }
        self.audit("read", "contract", Some(id), &Decision::Permit).await?;
        Ok(c)
    }

    /// Check the input and both parties, and that the writer keeps the funder's contracts.
    async fn checked_contract(&self, input: &ContractInput, action: &str, id: Option<&str>) -> Result<ValidContract> {
        let v = input.validate(self.store.catalog())?;
        let decision = may_keep_contract(self.actor(), &v.funder_id);
        if let Decision::Deny(why) = decision {
            self.audit(action, "contract", id, &decision).await?;
            return Err(StoreError::Denied(why));
        }
        let no_such = |field: &str| accompany_domain::Invalid::one(field, "no-such-organization", "no such organization");
        let funder = self.store.organization_row(&v.funder_id).await?.ok_or_else(|| no_such("funder_id"))?;
        let organization = self.store.organization_row(&v.organization_id).await?.ok_or_else(|| no_such("organization_id"))?;
        check_parties(&v, &funder, &organization)?;
        Ok(v)
    }

    pub async fn create_contract(&self, input: &ContractInput, reason: &str) -> Result<Contract> {
        let v = self.checked_contract(input, "create", None).await?;
        let c = v.into_contract(new_id(), 1);
        let mut tx = self.store.begin().await?;
        insert(&mut tx, &c, &now_text()).await?;
        record_version(&mut tx, "contract", &c.id, 1, &c, Some(&self.actor().user_id), reason).await?;
        tx.commit().await?;
        self.audit("create", "contract", Some(&c.id), &Decision::Permit).await?;
        Ok(c)
    }

    /// Change a contract; the writer must keep both the old funder's and the new one's contracts.
    pub async fn update_contract(&self, id: &str, input: &ContractInput, expected_version: Option<i64>, reason: &str) -> Result<Contract> {
        let current = self.store.contract_row(id).await?.ok_or(StoreError::NotFound)?;
        let decision = may_keep_contract(self.actor(), &current.funder_id);
        if let Decision::Deny(why) = decision {
            self.audit("update", "contract", Some(id), &decision).await?;
            return Err(StoreError::Denied(why));
        }
        let v = self.checked_contract(input, "update", Some(id)).await?;
        if expected_version.is_some_and(|e| e != current.version) {
            return Err(StoreError::Conflict { current: current.version });
        }
        let c = v.into_contract(id.to_string(), current.version + 1);
        let mut tx = self.store.begin().await?;
        let done = sqlx::query(
            "UPDATE contracts SET funder_id = $1, organization_id = $2, payer_id = $3, payment_model = $4, start_date = $5, end_date = $6, \
             budget_cents = $7, services = $8, version = $9, updated_at = $10 WHERE id = $11 AND version = $12",
        )
        .bind(&c.funder_id)
        .bind(&c.organization_id)
        .bind(&c.payer_id)
        .bind(c.payment_model.as_str())
        .bind(date_text(c.start))
        .bind(c.end.map(date_text))
        .bind(c.budget_cents)
        .bind(to_json(&c.services))
        .bind(c.version)
        .bind(now_text())
        .bind(id)
        .bind(current.version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict { current: current.version + 1 });
        }
        record_version(&mut tx, "contract", id, c.version, &c, Some(&self.actor().user_id), reason).await?;
        tx.commit().await?;
        self.audit("update", "contract", Some(id), &Decision::Permit).await?;
        Ok(c)
    }
}
