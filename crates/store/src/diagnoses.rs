//! A member's diagnoses, the ICD-10-CM codes a claim carries. Each is
//! labelled by its code range (substance use, mental health, HIV or care
//! plan) and shown only to readers who see that label; the care team's
//! coordinators and clinicians and the admins record and end them. Every
//! access is decided by the gate and audited; every change is versioned.

use crate::ids::new_id;
use std::collections::HashMap;

use accompany_domain::billing::DiagnosisGroup;
use accompany_domain::claim_data::{Diagnosis, DiagnosisInput, EndDiagnosisInput, Icd10};
use accompany_domain::policy::{may_record_diagnosis, Action, Decision};
use accompany_domain::privacy::{Categories, Category};
use accompany_domain::Invalid;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::access::{Access, Checked, Seen};
use crate::rows::{date_text, stored_date};
use crate::writes::record_version;
use crate::{now_text, Result, StoreError};

/// The diagnoses one reader may see.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Diagnoses {
    /// Current ones first, then ended ones; newest start first within each.
    /// Diagnoses whose label the reader does not see are left out.
    pub diagnoses: Vec<Diagnosis>,
    /// The reader may record and end diagnoses.
    pub can_write: bool,
}

const COLUMNS: &str = "d.id, d.member_id, d.code, d.category, d.description, d.start_date, d.end_date, d.version, u.display_name, d.recorded_at";

fn from_row(r: &AnyRow) -> Result<Diagnosis> {
    let code: String = r.try_get("code")?;
    let code = Icd10::from_stored(&code).ok_or_else(|| StoreError::Corrupt(format!("diagnosis code {code:?}")))?;
    let category: String = r.try_get("category")?;
    let category = Category::parse(&category).ok_or_else(|| StoreError::Corrupt(format!("diagnosis category {category}")))?;
    let start: String = r.try_get("start_date")?;
    let end: Option<String> = r.try_get("end_date")?;
    Ok(Diagnosis {
        id: r.try_get("id")?,
        member_id: r.try_get("member_id")?,
        code: code.display(),
        category,
        description: r.try_get("description")?,
        start_date: stored_date(&start)?,
        end_date: end.as_deref().map(stored_date).transpose()?,
        recorded_by: r.try_get("display_name")?,
        recorded_at: r.try_get("recorded_at")?,
        version: r.try_get("version")?,
    })
}

fn labels(category: Category) -> Categories {
    Categories::of(&[Category::Demographics, category])
}

impl crate::Store {
    /// The diagnoses of these members in the groups a payer's rule may
    /// require, with their days, for pricing; read only by a caller already
    /// past the gate.
    pub(crate) async fn diagnosis_groups_for(
        &self,
        member_ids: &[String],
    ) -> Result<HashMap<String, Vec<(DiagnosisGroup, time::Date, Option<time::Date>)>>> {
        let sql = "SELECT member_id, category, start_date, end_date FROM diagnoses WHERE member_id IN ({ids})";
        let mut out: HashMap<String, Vec<_>> = HashMap::new();
        for r in &crate::rows::rows_for_ids(&self.pool, sql, member_ids).await? {
            let category: String = r.try_get("category")?;
            let group = match Category::parse(&category) {
                Some(Category::MentalHealth) => DiagnosisGroup::MentalHealth,
                Some(Category::SubstanceUse) => DiagnosisGroup::SubstanceUse,
                Some(Category::Hiv) => DiagnosisGroup::Hiv,
                _ => continue,
            };
            let start: String = r.try_get("start_date")?;
            let end: Option<String> = r.try_get("end_date")?;
            out.entry(r.try_get("member_id")?).or_default().push((group, stored_date(&start)?, end.as_deref().map(stored_date).transpose()?));
        }
        Ok(out)
    }
}

impl Access {
    async fn diagnosis_rows(&self, member_id: &str, id: Option<&str>) -> Result<Vec<Diagnosis>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM diagnoses d JOIN users u ON u.id = d.recorded_by \
             WHERE d.member_id = $1 AND ($2 = '' OR d.id = $2) ORDER BY d.start_date DESC, d.recorded_at DESC, d.id"
        ))
        .bind(member_id)
        .bind(id.unwrap_or(""))
        .fetch_all(&self.store.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Refuse a write the diagnosis rule denies, with an audit event saying so.
    async fn refuse_diagnosis(&self, c: &Checked, action: &str, id: Option<&str>, member_id: &str) -> Result<()> {
        let d = may_record_diagnosis(self.actor(), &c.rel);
        if let Decision::Deny(why) = d {
            self.audit_member(action, "diagnosis", id, Some(member_id), &d, Categories::NONE, Some(c.purpose)).await?;
            return Err(StoreError::Denied(why));
        }
        Ok(())
    }

    /// The member's diagnoses whose label the reader sees.
    pub async fn diagnoses(&self, member_id: &str) -> Result<Seen<Diagnoses>> {
        let c = self.checked_member_for(member_id, Action::Read, "diagnosis", None).await?;
        let mut diagnoses: Vec<Diagnosis> =
            self.diagnosis_rows(member_id, None).await?.into_iter().filter(|d| c.visible.contains(d.category)).collect();
        diagnoses.sort_by_key(|d| d.end_date.is_some());
        let discloses_part2 = diagnoses.iter().any(|d| d.category == Category::SubstanceUse);
        let can_write = may_record_diagnosis(self.actor(), &c.rel).is_permit();
        let mut seen = Seen::new(Diagnoses { diagnoses, can_write }, &c);
        if !discloses_part2 {
            seen.part2_notice = None;
        }
        Ok(seen)
    }

    /// Record a diagnosis, in one transaction with its first version.
    pub async fn add_diagnosis(&self, member_id: &str, input: &DiagnosisInput) -> Result<Diagnosis> {
        let c = self.checked_member_for(member_id, Action::Update, "diagnosis", None).await?;
        self.refuse_diagnosis(&c, "create", None, member_id).await?;
        let v = input.validate()?;
        let now = now_text();
        let recorded_by = match self.store.user_by_id(&self.actor().user_id).await? {
            Some(u) => u.display_name,
            None => self.actor().username.clone(),
        };
        let d = Diagnosis {
            id: new_id(),
            member_id: member_id.to_string(),
            code: v.code.display(),
            category: v.code.category(),
            description: v.description,
            start_date: v.start_date,
            end_date: v.end_date,
            recorded_by,
            recorded_at: now.clone(),
            version: 1,
        };
        let mut tx = self.store.begin().await?;
        sqlx::query(
            "INSERT INTO diagnoses (id, member_id, code, category, description, start_date, end_date, version, recorded_by, recorded_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $9)",
        )
        .bind(&d.id)
        .bind(member_id)
        .bind(v.code.claim_form())
        .bind(d.category.as_str())
        .bind(&d.description)
        .bind(date_text(d.start_date))
        .bind(d.end_date.map(date_text))
        .bind(&self.actor().user_id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        record_version(&mut tx, "diagnosis", &d.id, 1, &d, Some(&self.actor().user_id), "diagnosis recorded").await?;
        tx.commit().await?;
        self.audit_member("create", "diagnosis", Some(&d.id), Some(member_id), &Decision::Permit, labels(d.category), Some(c.purpose)).await?;
        Ok(d)
    }

    /// End a current diagnosis, from the version that was read; `reason` is
    /// kept in its history.
    pub async fn end_diagnosis(
        &self,
        member_id: &str,
        id: &str,
        expected_version: i64,
        input: &EndDiagnosisInput,
        reason: &str,
    ) -> Result<Diagnosis> {
        let c = self.checked_member_for(member_id, Action::Update, "diagnosis", Some(id)).await?;
        self.refuse_diagnosis(&c, "update", Some(id), member_id).await?;
        let current = self.diagnosis_rows(member_id, Some(id)).await?.pop().filter(|d| c.visible.contains(d.category)).ok_or(StoreError::NotFound)?;
        let end = input.validate(current.start_date)?;
        if current.version != expected_version {
            return Err(StoreError::Conflict { current: current.version });
        }
        if current.end_date.is_some() {
            return Err(Invalid::one("end_date", "already-ended", "this diagnosis has already ended").into());
        }
        let d = Diagnosis { end_date: Some(end), version: current.version + 1, ..current.clone() };
        let mut tx = self.store.begin().await?;
        let changed =
            sqlx::query("UPDATE diagnoses SET end_date = $1, version = $2, updated_at = $3 WHERE id = $4 AND member_id = $5 AND version = $6")
                .bind(date_text(end))
                .bind(d.version)
                .bind(now_text())
                .bind(id)
                .bind(member_id)
                .bind(current.version)
                .execute(&mut *tx)
                .await?;
        if changed.rows_affected() != 1 {
            return Err(StoreError::Conflict { current: d.version });
        }
        record_version(
            &mut tx,
            "diagnosis",
            id,
            d.version,
            &d,
            Some(&self.actor().user_id),
            if reason.trim().is_empty() { "diagnosis ended" } else { reason },
        )
        .await?;
        tx.commit().await?;
        self.audit_member("update", "diagnosis", Some(id), Some(member_id), &Decision::Permit, labels(d.category), Some(c.purpose)).await?;
        Ok(d)
    }
}
