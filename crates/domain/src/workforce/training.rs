//! Training enrolment: status, exam results, certificates and whether a program counts as CE.

use serde::{Deserialize, Serialize};
use time::Date;

use super::credentials::parse_tenths;
use super::{text, wf_date};
use crate::catalog::{Catalog, ProgramKind};
use crate::error::{FieldError, Invalid};
use crate::limits::text;
use crate::records::{parse_date, Id};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum EnrolmentStatus {
    Enrolled,
    Attending,
    Completed,
    Withdrawn,
}

impl EnrolmentStatus {
    pub const ALL: [EnrolmentStatus; 4] = [Self::Enrolled, Self::Attending, Self::Completed, Self::Withdrawn];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enrolled => "enrolled",
            Self::Attending => "attending",
            Self::Completed => "completed",
            Self::Withdrawn => "withdrawn",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ExamResult {
    Passed,
    Failed,
}

impl ExamResult {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "passed" => Some(Self::Passed),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// A worker's place in one run of a training program.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TrainingEnrolment))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Enrolment {
    pub id: Id,
    pub worker_id: Id,
    pub program_id: String,
    /// The cohort: the program's run, e.g. "Spring 2026, Worcester".
    pub cohort: String,
    pub status: EnrolmentStatus,
    pub attended_tenths: i64,
    pub exam: Option<ExamResult>,
    #[serde(with = "wf_date::option")]
    pub completed_on: Option<Date>,
    /// The credential issued on completion, when the program awards one.
    pub certificate_id: Option<Id>,
    pub version: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EnrolmentInput {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::training_program))]
    pub program_id: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::title))]
    pub cohort: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::enrolment_status_or_blank))]
    pub status: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::hours_or_blank))]
    pub attended_hours: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::exam_or_blank))]
    pub exam: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::day_or_blank))]
    pub completed_on: Option<String>,
}

impl EnrolmentInput {
    pub fn validate(&self, id: Id, worker_id: Id, catalog: &Catalog, today: Date) -> Result<Enrolment, Invalid> {
        let mut errs = Invalid::default();
        let program = catalog.training_program(self.program_id.trim());
        if program.is_none() {
            let ids: Vec<_> = catalog.training_programs.iter().map(|p| p.id.as_str()).collect();
            errs.push(
                FieldError::new(
                    "program_id",
                    "unknown-choice",
                    format!("unknown training program {:?}; use one of: {}", self.program_id, ids.join(", ")),
                )
                .arg("value", self.program_id.clone())
                .arg("choices", ids.join(", ")),
            );
        }
        let cohort = errs.required("cohort", &self.cohort, text::TITLE);
        let status_text = text(&self.status).unwrap_or_else(|| "enrolled".into());
        let status = EnrolmentStatus::parse(&status_text);
        if status.is_none() {
            let choices = EnrolmentStatus::ALL.map(|s| s.as_str()).join(", ");
            errs.push(
                FieldError::new("status", "unknown-choice", format!("unknown status {status_text:?}; use one of: {choices}"))
                    .arg("value", status_text.clone())
                    .arg("choices", choices),
            );
        }
        let attended = match text(&self.attended_hours) {
            None => 0,
            Some(h) => parse_tenths(&h).unwrap_or_else(|| {
                errs.push(FieldError::new("attended_hours", "hours", "give the hours as a number between 0.1 and 100, e.g. 1.5"));
                0
            }),
        };
        let exam = match text(&self.exam) {
            None => None,
            Some(e) => ExamResult::parse(&e).or_else(|| {
                errs.push(
                    FieldError::new("exam", "unknown-choice", "use passed or failed, or leave it empty")
                        .arg("value", e.clone())
                        .arg("choices", "passed, failed"),
                );
                None
            }),
        };
        let completed_on = match text(&self.completed_on) {
            None => None,
            Some(s) => match parse_date(&s) {
                Some(d) if d > today => {
                    errs.push(FieldError::new("completed_on", "date-future", "is in the future; write the date as YYYY-MM-DD"));
                    None
                }
                Some(d) => Some(d),
                None => {
                    errs.push(FieldError::new("completed_on", "date-format", "write the date as YYYY-MM-DD"));
                    None
                }
            },
        };
        if status == Some(EnrolmentStatus::Completed) && completed_on.is_none() && !errs.0.iter().any(|e| e.field == "completed_on") {
            errs.push(FieldError::new("completed_on", "required", "a completed training needs the date it was completed"));
        }
        if exam.is_some() && program.is_some_and(|p| !p.exam) {
            errs.push(FieldError::new("exam", "no-exam", "this program has no exam; leave the exam result empty"));
        }
        errs.finish()?;
        Ok(Enrolment {
            id,
            worker_id,
            program_id: self.program_id.trim().to_string(),
            cohort,
            status: status.unwrap_or(EnrolmentStatus::Enrolled),
            attended_tenths: attended,
            exam,
            completed_on,
            certificate_id: None,
            version: 1,
        })
    }
}

/// The credential a completed enrolment earns: the program's award, once
/// the exam (when there is one) is passed.
pub fn certificate_due(catalog: &Catalog, e: &Enrolment) -> Option<String> {
    let p = catalog.training_program(&e.program_id)?;
    let done = e.status == EnrolmentStatus::Completed && e.completed_on.is_some();
    let exam_ok = !p.exam || e.exam == Some(ExamResult::Passed);
    (done && exam_ok && e.certificate_id.is_none()).then(|| p.awards.clone()).flatten()
}

/// Whether hours from a completed program count as continuing education:
/// the initial certification course does not; the rest do.
pub fn counts_as_ce(catalog: &Catalog, program_id: &str) -> bool {
    catalog.training_program(program_id).is_some_and(|p| p.kind != ProgramKind::Certification)
}
