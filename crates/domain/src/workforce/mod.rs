//! Keeping the workforce whole: credentials and eligibility, continuing
//! education, supervision cadence and supervisor qualification, fidelity of
//! job descriptions, pay parity and the workforce picture. Pure functions
//! over records and the catalog; the store gathers the facts.

mod compliance;
mod credentials;
mod picture;
mod positions;
mod supervision;
mod training;

#[cfg(test)]
mod tests;

pub use compliance::{check, ComplianceKind, ComplianceProblem, Snapshot, WorkerFacts};
pub use credentials::{
    billing_blocked, billing_blocked_for, ce_progress, eligibility, expiry, months_before, parse_tenths, tenths_text, BillingBlock, CeEntry, CeInput,
    CeProgress, ChecklistItem, Credential, CredentialInput, Eligibility, Expiry,
};
pub use picture::{picture, Cell, Picture, IDENTITY_TOPICS};
pub use positions::{
    cents_text, classify_task, parse_cents, pay_parity, prohibited_tasks, single_peer_programs, LonePeer, PayComparison, Position, PositionInput,
    ProgramSetting, Task, TaskFlag, EDUCATION_LEVELS,
};
pub use supervision::{cadence, supervisor_qualifies, Cadence, Qualification, SessionFormat, SessionInput, SupervisionSession};
pub use training::{certificate_due, counts_as_ce, Enrolment, EnrolmentInput, EnrolmentStatus, ExamResult};

/// Days before expiry at which a credential is flagged, most urgent last.
pub const WARNING_DAYS: [i64; 3] = [90, 30, 7];

/// Counts below this are not shown (the usual small-cell rule).
pub use crate::stats::SMALL_CELL;

time::serde::format_description!(wf_date, Date, "[year]-[month]-[day]");

fn text(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}
