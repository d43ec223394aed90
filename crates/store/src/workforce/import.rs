//! Bulk loads of the workforce tables, for synthetic data.
//!
//! May import: `bulk` and `rows`.

use accompany_domain::workforce::{CeEntry, Credential, Enrolment, Position, SupervisionSession};

use crate::bulk::{Import, Val};
use crate::rows::{date_text, to_json};
use crate::{now_text, Result};

/// Synthetic workforce rows, loaded in bulk by `seed`.
impl Import<'_> {
    pub async fn credentials(&self, rows: &[Credential]) -> Result<()> {
        let now = now_text();
        let rows = rows
            .iter()
            .map(|c| {
                vec![
                    Val::from(c.id.clone()),
                    c.worker_id.clone().into(),
                    c.kind.clone().into(),
                    c.issuer.clone().into(),
                    date_text(c.issued_on).into(),
                    c.expires_on.map(date_text).into(),
                    c.evidence.clone().into(),
                    c.version.into(),
                    now.as_str().into(),
                    now.as_str().into(),
                ]
            })
            .collect();
        self.run(
            "credentials",
            &["id", "worker_id", "kind", "issuer", "issued_on", "expires_on", "evidence", "version", "created_at", "updated_at"],
            rows,
        )
        .await
    }

    pub async fn supervision_sessions(&self, rows: &[SupervisionSession]) -> Result<()> {
        let now = now_text();
        let rows = rows
            .iter()
            .map(|s| {
                vec![
                    Val::from(s.id.clone()),
                    s.worker_id.clone().into(),
                    s.supervisor_id.clone().into(),
                    date_text(s.held_on).into(),
                    s.minutes.into(),
                    s.format.as_str().into(),
                    s.topics.clone().into(),
                    s.signature.clone().into(),
                    to_json(&s.supervisor_credentials).into(),
                    Val::from(None::<String>),
                    now.as_str().into(),
                ]
            })
            .collect();
        self.run(
            "supervision_sessions",
            &[
                "id",
                "worker_id",
                "supervisor_id",
                "held_on",
                "minutes",
                "format",
                "topics",
                "signature",
                "supervisor_credentials",
                "recorded_by",
                "created_at",
            ],
            rows,
        )
        .await
    }

    pub async fn positions(&self, rows: &[Position]) -> Result<()> {
        let now = now_text();
        let rows = rows
            .iter()
            .map(|p| {
                vec![
                    Val::from(p.id.clone()),
                    p.organization_id.clone().into(),
                    p.title.clone().into(),
                    p.role_id.clone().into(),
                    p.program.clone().into(),
                    p.setting.as_str().into(),
                    p.education.clone().into(),
                    to_json(&p.tasks).into(),
                    p.pay_min_cents.into(),
                    p.pay_max_cents.into(),
                    i64::from(p.leadership).into(),
                    p.worker_id.clone().into(),
                    p.version.into(),
                    now.as_str().into(),
                    now.as_str().into(),
                ]
            })
            .collect();
        self.run(
            "positions",
            &[
                "id",
                "organization_id",
                "title",
                "role_id",
                "program",
                "setting",
                "education",
                "tasks",
                "pay_min_cents",
                "pay_max_cents",
                "leadership",
                "worker_id",
                "version",
                "created_at",
                "updated_at",
            ],
            rows,
        )
        .await
    }

    pub async fn ce_entries(&self, rows: &[CeEntry]) -> Result<()> {
        let now = now_text();
        let rows = rows
            .iter()
            .map(|e| {
                vec![
                    Val::from(e.id.clone()),
                    e.worker_id.clone().into(),
                    e.title.clone().into(),
                    e.tenths.into(),
                    date_text(e.completed_on).into(),
                    e.program_id.clone().into(),
                    now.as_str().into(),
                ]
            })
            .collect();
        self.run("ce_entries", &["id", "worker_id", "title", "tenths", "completed_on", "program_id", "created_at"], rows).await
    }

    pub async fn enrolments(&self, rows: &[Enrolment]) -> Result<()> {
        let now = now_text();
        let rows = rows
            .iter()
            .map(|e| {
                vec![
                    Val::from(e.id.clone()),
                    e.worker_id.clone().into(),
                    e.program_id.clone().into(),
                    e.cohort.clone().into(),
                    e.status.as_str().into(),
                    e.attended_tenths.into(),
                    e.exam.map(|x| x.as_str().to_string()).into(),
                    e.completed_on.map(date_text).into(),
                    e.certificate_id.clone().into(),
                    e.version.into(),
                    now.as_str().into(),
                    now.as_str().into(),
                ]
            })
            .collect();
        self.run(
            "training_enrolments",
            &[
                "id",
                "worker_id",
                "program_id",
                "cohort",
                "status",
                "attended_tenths",
                "exam",
                "completed_on",
                "certificate_id",
                "version",
                "created_at",
                "updated_at",
            ],
            rows,
        )
        .await
    }
}
