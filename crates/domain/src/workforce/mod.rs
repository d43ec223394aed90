//! Keeping the workforce whole: credentials and eligibility, continuing
//! education, supervision cadence and supervisor qualification, fidelity of
//! job descriptions, pay parity and the workforce picture. Pure functions
//! over records and the catalog; the store gathers the facts.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use time::Date;

use crate::catalog::{Catalog, CredentialKind, ProgramKind, Role, SupervisionRequirement};
use crate::error::{FieldError, Invalid};
use crate::limits::text;
use crate::records::{format_date, parse_date, Id, Visibility, Worker};
use crate::stats::{self, per_mille, CellId, Suppressed, Table};

/// Days before expiry at which a credential is flagged, most urgent last.
pub const WARNING_DAYS: [i64; 3] = [90, 30, 7];

/// Counts below this are not shown (the usual small-cell rule).
pub use crate::stats::SMALL_CELL;

time::serde::format_description!(wf_date, Date, "[year]-[month]-[day]");

// ---------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Credential {
    pub id: Id,
    pub worker_id: Id,
    /// A credential kind of the catalog.
    pub kind: String,
    pub issuer: Option<String>,
    #[serde(with = "wf_date")]
    pub issued_on: Date,
    #[serde(with = "wf_date::option")]
    pub expires_on: Option<Date>,
    /// Where the proof is: a certificate number, a file reference, a note.
    pub evidence: Option<String>,
    pub version: i64,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CredentialInput {
    pub kind: String,
    #[serde(default)]
    pub issuer: Option<String>,
    pub issued_on: String,
    #[serde(default)]
    pub expires_on: Option<String>,
    #[serde(default)]
    pub evidence: Option<String>,
}

impl CredentialInput {
    pub fn validate(&self, id: Id, worker_id: Id, catalog: &Catalog, today: Date) -> Result<Credential, Invalid> {
        let mut errs = Invalid::default();
        let kind = catalog.credential_kind(self.kind.trim());
        if kind.is_none() {
            let ids: Vec<_> = catalog.credential_kinds.iter().map(|k| k.id.as_str()).collect();
            errs.push(
                FieldError::new("kind", "unknown-choice", format!("unknown credential {:?}; use one of: {}", self.kind, ids.join(", ")))
                    .arg("value", self.kind.clone())
                    .arg("choices", ids.join(", ")),
            );
        }
        let issued = parse_date(&self.issued_on);
        match issued {
            None => errs.push(FieldError::new("issued_on", "date-format", "write the date it was issued as YYYY-MM-DD")),
            Some(d) if d > today => {
                errs.push(FieldError::new("issued_on", "date-future", "is in the future; write the date it was issued as YYYY-MM-DD"))
            }
            _ => {}
        }
        let expires = match text(&self.expires_on) {
            None => {
                if kind.is_some_and(|k| k.expires) {
                    errs.push(FieldError::new("expires_on", "expiry-required", "this credential lapses: give its expiry date as YYYY-MM-DD"));
                }
                None
            }
            Some(s) => match parse_date(&s) {
                None => {
                    errs.push(FieldError::new("expires_on", "date-format", "write the expiry date as YYYY-MM-DD, or leave it empty"));
                    None
                }
                Some(d) if issued.is_some_and(|i| d < i) => {
                    errs.push(FieldError::new("expires_on", "end-before-start", "is before the date it was issued"));
                    None
                }
                Some(d) => Some(d),
            },
        };
        for (field, value, limit) in [("issuer", &self.issuer, text::TITLE), ("evidence", &self.evidence, text::REASON)] {
            if let Some(v) = value {
                crate::limits::check_text(&mut errs, field, v.trim(), limit);
            }
        }
        errs.finish()?;
        Ok(Credential {
            id,
            worker_id,
            kind: self.kind.trim().to_string(),
            issuer: text(&self.issuer),
            issued_on: issued.unwrap_or(today),
            expires_on: expires,
            evidence: text(&self.evidence),
            version: 1,
        })
    }
}

/// Where a credential stands on a day.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Expiry {
    /// Does not lapse, or lapses more than 90 days from now.
    Current,
    /// Lapses within `threshold` days (90, 30 or 7): `days_left` to go.
    Expiring { days_left: i64, threshold: i64 },
    /// Lapsed `days_ago` days ago.
    Expired { days_ago: i64 },
}

impl Expiry {
    pub fn is_valid(self) -> bool {
        !matches!(self, Expiry::Expired { .. })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Expiry::Current => "current",
            Expiry::Expiring { .. } => "expiring",
            Expiry::Expired { .. } => "expired",
        }
    }
}

/// A credential is valid through its expiry date and lapses the day after.
pub fn expiry(expires_on: Option<Date>, today: Date) -> Expiry {
    let Some(end) = expires_on else {
        return Expiry::Current;
    };
    let days_left = (end - today).whole_days();
    if days_left < 0 {
        return Expiry::Expired { days_ago: -days_left };
    }
    match WARNING_DAYS.iter().rev().find(|t| days_left <= **t) {
        Some(t) => Expiry::Expiring { days_left, threshold: *t },
        None => Expiry::Current,
    }
}

/// One line of a role's eligibility checklist.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChecklistItem {
    pub requirement_id: String,
    pub met: bool,
    /// The credential that meets it, when one does.
    pub met_by: Option<Id>,
    /// The newest credential that would meet it but has lapsed.
    #[serde(with = "wf_date::option")]
    pub expired_on: Option<Date>,
    pub blocks_billing: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Eligibility {
    pub role_id: String,
    pub eligible: bool,
    pub items: Vec<ChecklistItem>,
}

/// The role's checklist against a worker's credentials on `today`.
pub fn eligibility(role: &Role, credentials: &[Credential], today: Date) -> Eligibility {
    let items: Vec<ChecklistItem> = role
        .requirements
        .iter()
        .map(|r| {
            let matching = credentials.iter().filter(|c| r.any_of.contains(&c.kind));
            let mut met_by = None;
            let mut expired_on: Option<Date> = None;
            for c in matching {
                if expiry(c.expires_on, today).is_valid() && c.issued_on <= today {
                    met_by = Some(c.id.clone());
                } else if let Some(e) = c.expires_on {
                    expired_on = Some(expired_on.map_or(e, |x: Date| x.max(e)));
                }
            }
            ChecklistItem {
                requirement_id: r.id.clone(),
                met: met_by.is_some(),
                expired_on: if met_by.is_some() { None } else { expired_on },
                met_by,
                blocks_billing: r.blocks_billing,
            }
        })
        .collect();
    Eligibility { role_id: role.id.clone(), eligible: items.iter().all(|i| i.met), items }
}

/// Why services in a role may not be billed for this worker today, if so.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BillingBlock {
    pub requirement_id: String,
    #[serde(with = "wf_date::option")]
    pub expired_on: Option<Date>,
    /// In plain English, for logs and API clients.
    pub reason: String,
}

/// The first unmet billing requirement of `role`, or None when the worker
/// may bill for it. A later billing step calls this before each claim.
pub fn billing_blocked(role: &Role, credentials: &[Credential], today: Date) -> Option<BillingBlock> {
    let e = eligibility(role, credentials, today);
    let item = e.items.into_iter().find(|i| i.blocks_billing && !i.met)?;
    let name = role.requirements.iter().find(|r| r.id == item.requirement_id).map(|r| r.name.get("en").to_string());
    let name = name.unwrap_or_else(|| item.requirement_id.clone());
    let reason = match item.expired_on {
        Some(d) => format!("{name} expired on {}; renew it before billing for {} services", format_date(d), role.abbreviation),
        None => format!("{name} is missing; record it before billing for {} services", role.abbreviation),
    };
    Some(BillingBlock { requirement_id: item.requirement_id, expired_on: item.expired_on, reason })
}

// ---------------------------------------------------------------------------
// Continuing education
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CeEntry {
    pub id: Id,
    pub worker_id: Id,
    pub title: String,
    /// Hours in tenths, so that 1.5 hours is 15.
    pub tenths: i64,
    #[serde(with = "wf_date")]
    pub completed_on: Date,
    /// The training program it came from, when it did.
    pub program_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CeInput {
    pub title: String,
    /// Hours, e.g. "1.5".
    pub hours: String,
    pub completed_on: String,
    #[serde(default)]
    pub program_id: Option<String>,
}

impl CeInput {
    pub fn validate(&self, id: Id, worker_id: Id, catalog: &Catalog, today: Date) -> Result<CeEntry, Invalid> {
        let mut errs = Invalid::default();
        let title = errs.required("title", &self.title, text::TITLE);
        let tenths = parse_tenths(&self.hours);
        if tenths.is_none() {
            errs.push(FieldError::new("hours", "hours", "give the hours as a number between 0.1 and 100, e.g. 1.5"));
        }
        let completed = parse_date(&self.completed_on);
        match completed {
            None => errs.push(FieldError::new("completed_on", "date-format", "write the date as YYYY-MM-DD")),
            Some(d) if d > today => errs.push(FieldError::new("completed_on", "date-future", "is in the future; write the date as YYYY-MM-DD")),
            _ => {}
        }
        let program_id = text(&self.program_id);
        if let Some(p) = &program_id {
            if catalog.training_program(p).is_none() {
                errs.push(
                    FieldError::new("program_id", "unknown-choice", format!("unknown training program {p:?}"))
                        .arg("value", p.clone())
                        .arg("choices", catalog.training_programs.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ")),
                );
            }
        }
        errs.finish()?;
        Ok(CeEntry { id, worker_id, title, tenths: tenths.unwrap_or(0), completed_on: completed.unwrap_or(today), program_id })
    }
}

/// "1.5" → 15 tenths; between 0.1 and 100 hours.
pub fn parse_tenths(s: &str) -> Option<i64> {
    let s = s.trim().replace(',', ".");
    let (whole, frac) = s.split_once('.').unwrap_or((&s, "0"));
    if whole.is_empty() && frac.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 1 && frac[1..].chars().any(|c| c != '0') {
        return None;
    }
    let w: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let f: i64 = frac.chars().next().map_or(0, |c| i64::from(c as u8 - b'0'));
    let t = w.checked_mul(10)?.checked_add(f)?;
    (1..=1000).contains(&t).then_some(t)
}

pub fn tenths_text(t: i64) -> String {
    if t % 10 == 0 {
        format!("{}", t / 10)
    } else {
        format!("{}.{}", t / 10, t % 10)
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CeProgress {
    pub credential_kind: String,
    pub required_tenths: i64,
    pub earned_tenths: i64,
    #[serde(with = "wf_date")]
    pub window_start: Date,
    #[serde(with = "wf_date")]
    pub window_end: Date,
    pub complete: bool,
}

/// Progress toward renewing each held credential that needs continuing
/// education: hours earned in the window that ends at its expiry (or today).
pub fn ce_progress(catalog: &Catalog, credentials: &[Credential], entries: &[CeEntry], today: Date) -> Vec<CeProgress> {
    let mut out: Vec<CeProgress> = Vec::new();
    for c in credentials {
        let Some(kind) = catalog.credential_kind(&c.kind) else {
            continue;
        };
        let Some(ce) = &kind.continuing_education else {
            continue;
        };
        if out.iter().any(|p| p.credential_kind == c.kind) {
            continue;
        }
        // The newest credential of this kind decides the window.
        let newest = credentials.iter().filter(|x| x.kind == c.kind).max_by_key(|x| (x.expires_on, x.issued_on)).unwrap_or(c);
        let end = newest.expires_on.unwrap_or(today);
        let start = months_before(end, ce.months);
        let earned = entries.iter().filter(|e| e.completed_on > start && e.completed_on <= end).map(|e| e.tenths).sum();
        let required = i64::from(ce.hours) * 10;
        out.push(CeProgress {
            credential_kind: c.kind.clone(),
            required_tenths: required,
            earned_tenths: earned,
            window_start: start,
            window_end: end,
            complete: earned >= required,
        });
    }
    out
}

/// The same day `months` earlier (clamped to the month's last day).
pub fn months_before(d: Date, months: u32) -> Date {
    let total = d.year() * 12 + i32::from(u8::from(d.month())) - 1 - months as i32;
    let (y, m) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u8);
    let month = time::Month::try_from(m).unwrap_or(time::Month::January);
    let last = month.length(y);
    Date::from_calendar_date(y, month, d.day().min(last)).unwrap_or(d)
}

// ---------------------------------------------------------------------------
// Training
// ---------------------------------------------------------------------------

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

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EnrolmentInput {
    pub program_id: String,
    pub cohort: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub attended_hours: Option<String>,
    #[serde(default)]
    pub exam: Option<String>,
    #[serde(default)]
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

// ---------------------------------------------------------------------------
// Supervision
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SessionFormat {
    Individual,
    Group,
    Phone,
    Video,
}

impl SessionFormat {
    pub const ALL: [SessionFormat; 4] = [Self::Individual, Self::Group, Self::Phone, Self::Video];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Individual => "individual",
            Self::Group => "group",
            Self::Phone => "phone",
            Self::Video => "video",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A supervision note as 130 CMR 418.410 asks: when, how long, the format,
/// the general content, and the supervisor's signature and credentials.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SupervisionSession {
    pub id: Id,
    pub worker_id: Id,
    pub supervisor_id: Id,
    #[serde(with = "wf_date")]
    pub held_on: Date,
    pub minutes: i64,
    pub format: SessionFormat,
    /// The general content, in a few words.
    pub topics: String,
    /// The supervisor's name as signed.
    pub signature: String,
    /// The supervisor's credentials on the day, as recorded.
    pub supervisor_credentials: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SessionInput {
    pub held_on: String,
    pub minutes: String,
    pub format: String,
    pub topics: String,
    pub signature: String,
    /// Defaults to the worker's supervisor.
    #[serde(default)]
    pub supervisor_id: Option<String>,
}

impl SessionInput {
    pub fn validate(&self, id: Id, worker_id: Id, supervisor_id: Id, today: Date) -> Result<SupervisionSession, Invalid> {
        let mut errs = Invalid::default();
        let held = parse_date(&self.held_on);
        match held {
            None => errs.push(FieldError::new("held_on", "date-format", "write the date of the session as YYYY-MM-DD")),
            Some(d) if d > today => errs.push(FieldError::new("held_on", "date-future", "is in the future; record a session after it is held")),
            _ => {}
        }
        let minutes = self.minutes.trim().parse::<i64>().ok().filter(|m| (5..=480).contains(m));
        if minutes.is_none() {
            errs.push(FieldError::new("minutes", "minutes", "give the length in whole minutes, between 5 and 480").arg("min", "5").arg("max", "480"));
        }
        let format = SessionFormat::parse(self.format.trim());
        if format.is_none() {
            let choices = SessionFormat::ALL.map(|f| f.as_str()).join(", ");
            errs.push(
                FieldError::new("format", "unknown-choice", format!("unknown format {:?}; use one of: {choices}", self.format))
                    .arg("value", self.format.clone())
                    .arg("choices", choices),
            );
        }
        let topics = errs.required("topics", &self.topics, text::TITLE);
        let signature = errs.required("signature", &self.signature, text::NAME);
        errs.finish()?;
        Ok(SupervisionSession {
            id,
            worker_id,
            supervisor_id,
            held_on: held.unwrap_or(today),
            minutes: minutes.unwrap_or(0),
            format: format.unwrap_or(SessionFormat::Individual),
            topics,
            signature,
            supervisor_credentials: vec![],
        })
    }
}

/// Whether a supervisor meets a role's qualification rules.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Qualification {
    pub qualifies: bool,
    /// Rules the supervisor does not meet.
    pub missing: Vec<String>,
    /// The role prefers a supervisor in the same role, and this one is not.
    pub not_same_role: bool,
}

/// Check `supervisor` (their role and current credentials) against the
/// rules of the supervisee's `role`.
pub fn supervisor_qualifies(role: &Role, supervisor_role: &str, supervisor_credentials: &[Credential], today: Date) -> Qualification {
    let held: HashSet<&str> = supervisor_credentials.iter().filter(|c| expiry(c.expires_on, today).is_valid()).map(|c| c.kind.as_str()).collect();
    let missing: Vec<String> = role
        .supervision
        .qualification_rules
        .iter()
        .filter(|r| !(r.credentials.iter().any(|c| held.contains(c.as_str())) || r.roles.iter().any(|x| x == supervisor_role)))
        .map(|r| r.id.clone())
        .collect();
    Qualification { qualifies: missing.is_empty(), missing, not_same_role: role.supervision.peer_supervisor_preferred && supervisor_role != role.id }
}

/// Supervision cadence on a day: None when the role sets no cadence.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Cadence {
    pub max_days: i64,
    pub days_since: i64,
    pub overdue: bool,
}

/// Days since the last session (or since the worker started, when there
/// has been none) against the role's longest allowed gap.
pub fn cadence(role: &Role, last_session: Option<Date>, employment_start: Date, today: Date) -> Option<Cadence> {
    let max = i64::from(role.supervision.max_days_between_sessions?);
    let since = last_session.unwrap_or(employment_start);
    let days_since = (today - since).whole_days().max(0);
    Some(Cadence { max_days: max, days_since, overdue: days_since > max })
}

// ---------------------------------------------------------------------------
// Fidelity: job descriptions, single-peer programs, pay
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Task {
    /// A task kind of the catalog, when the task is one.
    pub task_id: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum ProgramSetting {
    Community,
    Outpatient,
    Inpatient,
    Pact,
    Residential,
    EmergencyDepartment,
}

impl ProgramSetting {
    pub const ALL: [ProgramSetting; 6] =
        [Self::Community, Self::Outpatient, Self::Inpatient, Self::Pact, Self::Residential, Self::EmergencyDepartment];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Community => "community",
            Self::Outpatient => "outpatient",
            Self::Inpatient => "inpatient",
            Self::Pact => "pact",
            Self::Residential => "residential",
            Self::EmergencyDepartment => "emergency-department",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// Settings where a lone peer is most at risk (Transcom Roadmap, Domain 4).
    pub fn lone_peer_critical(self) -> bool {
        matches!(self, Self::Inpatient | Self::Pact)
    }
}

/// A position in an organization: its job description, pay band and who holds it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Position {
    pub id: Id,
    pub organization_id: Id,
    pub title: String,
    /// A catalog role, or None for other staff (care coordinators, clinicians).
    pub role_id: Option<String>,
    /// The program or team the position belongs to, e.g. "Inpatient unit 4 West".
    pub program: String,
    pub setting: ProgramSetting,
    /// Minimum education for a comparison of pay among similarly qualified roles.
    pub education: String,
    pub tasks: Vec<Task>,
    /// Pay band in cents per hour.
    pub pay_min_cents: i64,
    pub pay_max_cents: i64,
    pub leadership: bool,
    /// The worker in the position; None for a vacancy.
    pub worker_id: Option<Id>,
    pub version: i64,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PositionInput {
    pub organization_id: String,
    pub title: String,
    #[serde(default)]
    pub role_id: Option<String>,
    pub program: String,
    pub setting: String,
    #[serde(default)]
    pub education: Option<String>,
    /// One task per entry, in the organization's words.
    #[serde(default)]
    pub tasks: Vec<String>,
    /// Dollars per hour, e.g. "21.50".
    pub pay_min: String,
    pub pay_max: String,
    #[serde(default)]
    pub leadership: bool,
    #[serde(default)]
    pub worker_id: Option<String>,
}

pub const EDUCATION_LEVELS: [&str; 4] = ["none", "high-school", "bachelor", "master"];

impl PositionInput {
    pub fn validate(&self, id: Id, version: i64, catalog: &Catalog) -> Result<Position, Invalid> {
        let mut errs = Invalid::default();
        let organization_id = errs.required("organization_id", &self.organization_id, text::IDENTIFIER);
        let title = errs.required("title", &self.title, text::TITLE);
        let program = errs.required("program", &self.program, text::TITLE);
        let role_id = text(&self.role_id);
        let role = role_id.as_deref().and_then(|r| catalog.role(r));
        if let (Some(r), None) = (&role_id, role) {
            let ids: Vec<_> = catalog.roles.iter().map(|r| r.id.as_str()).collect();
            errs.push(
                FieldError::new("role_id", "unknown-choice", format!("unknown role {r:?}; use one of: {}, or leave it empty", ids.join(", ")))
                    .arg("value", r.clone())
                    .arg("choices", ids.join(", ")),
            );
        }
        let setting = ProgramSetting::parse(self.setting.trim());
        if setting.is_none() {
            let choices = ProgramSetting::ALL.map(|s| s.as_str()).join(", ");
            errs.push(
                FieldError::new("setting", "unknown-choice", format!("unknown setting {:?}; use one of: {choices}", self.setting))
                    .arg("value", self.setting.clone())
                    .arg("choices", choices),
            );
        }
        let education = text(&self.education).unwrap_or_else(|| match role.map(|r| r.education.minimum_education) {
            Some(crate::catalog::MinimumEducation::Bachelor) => "bachelor".into(),
            Some(crate::catalog::MinimumEducation::HighSchool) => "high-school".into(),
            _ => "none".into(),
        });
        if !EDUCATION_LEVELS.contains(&education.as_str()) {
            errs.push(
                FieldError::new("education", "unknown-choice", format!("use one of: {}", EDUCATION_LEVELS.join(", ")))
                    .arg("value", education.clone())
                    .arg("choices", EDUCATION_LEVELS.join(", ")),
            );
        }
        let mut tasks = Vec::new();
        for (i, t) in self.tasks.iter().enumerate() {
            let t = t.trim();
            if t.is_empty() {
                continue;
            }
            crate::limits::check_text(&mut errs, &format!("tasks[{i}]"), t, text::PLACE);
            tasks.push(Task { task_id: classify_task(catalog, t), text: t.to_string() });
        }
        if tasks.len() > 50 {
            errs.push(FieldError::new("tasks", "too-many", "list at most 50 tasks").arg("max", "50"));
        }
        let min = parse_cents(&self.pay_min);
        let max = parse_cents(&self.pay_max);
        if min.is_none() {
            errs.push(FieldError::new("pay_min", "pay", "give the lowest hourly pay in dollars, e.g. 21.50"));
        }
        if max.is_none() {
            errs.push(FieldError::new("pay_max", "pay", "give the highest hourly pay in dollars, e.g. 27.00"));
        }
        if let (Some(a), Some(b)) = (min, max) {
            if b < a {
                errs.push(FieldError::new("pay_max", "pay-band", "is below the lowest pay; the band runs from the lowest to the highest"));
            }
        }
        errs.finish()?;
        Ok(Position {
            id,
            organization_id,
            title,
            role_id,
            program,
            setting: setting.unwrap_or(ProgramSetting::Community),
            education,
            tasks,
            pay_min_cents: min.unwrap_or(0),
            pay_max_cents: max.unwrap_or(0),
            leadership: self.leadership,
            worker_id: text(&self.worker_id),
            version,
        })
    }
}

/// "21.50" or "$21.5" → 2150 cents; between $1 and $1,000 an hour.
pub fn parse_cents(s: &str) -> Option<i64> {
    let s = s.trim().trim_start_matches('$').replace(',', "");
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || frac.len() > 2 || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let w: i64 = whole.parse().ok()?;
    let f: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().ok()? };
    let c = w.checked_mul(100)?.checked_add(f)?;
    (100..=100_000).contains(&c).then_some(c)
}

pub fn cents_text(c: i64) -> String {
    format!("${}.{:02}", c / 100, c % 100)
}

/// The task kind whose keywords the text contains, first in catalog order.
pub fn classify_task(catalog: &Catalog, text: &str) -> Option<String> {
    let words = normalize(text);
    catalog.task_kinds.iter().find(|k| k.keywords.iter().any(|kw| words.contains(&normalize(kw)))).map(|k| k.id.clone())
}

fn normalize(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() || c == '\'' { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A task a role must not do, found in a job description.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TaskFlag {
    pub task_index: usize,
    pub text: String,
    pub task_id: String,
    pub reason: String,
}

/// The tasks of a position its role prohibits, with the catalog's reason.
pub fn prohibited_tasks(catalog: &Catalog, p: &Position) -> Vec<TaskFlag> {
    let Some(role) = p.role_id.as_deref().and_then(|r| catalog.role(r)) else {
        return vec![];
    };
    p.tasks
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            // A stored id may predate a catalog change: classify the words again too.
            let ids = [t.task_id.clone(), classify_task(catalog, &t.text)];
            role.prohibited_tasks.iter().find_map(|pt| {
                let id = pt.task_id.as_ref()?;
                ids.iter().flatten().any(|x| x == id).then(|| TaskFlag {
                    task_index: i,
                    text: t.text.clone(),
                    task_id: id.clone(),
                    reason: pt.reason.clone(),
                })
            })
        })
        .collect()
}

/// A program or team with exactly one peer worker.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LonePeer {
    pub organization_id: Id,
    pub program: String,
    pub setting: ProgramSetting,
    pub critical: bool,
}

/// Programs whose filled peer positions number exactly one (peer roles are
/// those that require lived experience).
pub fn single_peer_programs(catalog: &Catalog, positions: &[Position]) -> Vec<LonePeer> {
    let mut count: BTreeMap<(&str, &str), (usize, ProgramSetting)> = BTreeMap::new();
    for p in positions {
        let peer = p.role_id.as_deref().and_then(|r| catalog.role(r)).is_some_and(|r| r.requires_lived_experience());
        if peer && p.worker_id.is_some() {
            let e = count.entry((p.organization_id.as_str(), p.program.as_str())).or_insert((0, p.setting));
            e.0 += 1;
        }
    }
    count
        .into_iter()
        .filter(|(_, (n, _))| *n == 1)
        .map(|((o, prog), (_, setting))| LonePeer {
            organization_id: o.to_string(),
            program: prog.to_string(),
            setting,
            critical: setting.lone_peer_critical(),
        })
        .collect()
}

/// A peer position's pay against similarly qualified positions in the same organization.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PayComparison {
    pub position_id: Id,
    pub organization_id: Id,
    pub title: String,
    pub education: String,
    pub midpoint_cents: i64,
    /// Median midpoint of the organization's other positions with the same education, if any.
    pub comparable_median_cents: Option<i64>,
    pub comparable_count: usize,
    /// Peer midpoint as a percentage of the comparable median.
    pub percent: Option<i64>,
    /// Below `threshold_percent` of the comparable median.
    pub below: bool,
}

/// Compare each peer-role position with the organization's non-peer
/// positions that ask the same education. Peer pay under
/// `threshold_percent` of their median is flagged.
pub fn pay_parity(catalog: &Catalog, positions: &[Position], threshold_percent: i64) -> Vec<PayComparison> {
    let is_peer = |p: &Position| p.role_id.as_deref().and_then(|r| catalog.role(r)).is_some_and(|r| r.requires_lived_experience());
    let mid = |p: &Position| (p.pay_min_cents + p.pay_max_cents) / 2;
    positions
        .iter()
        .filter(|p| is_peer(p))
        .map(|p| {
            let mut others: Vec<i64> =
                positions.iter().filter(|o| o.organization_id == p.organization_id && !is_peer(o) && o.education == p.education).map(mid).collect();
            others.sort_unstable();
            let median = (!others.is_empty()).then(|| {
                let n = others.len();
                if n % 2 == 1 {
                    others[n / 2]
                } else {
                    (others[n / 2 - 1] + others[n / 2]) / 2
                }
            });
            let percent = median.filter(|m| *m > 0).map(|m| mid(p) * 100 / m);
            PayComparison {
                position_id: p.id.clone(),
                organization_id: p.organization_id.clone(),
                title: p.title.clone(),
                education: p.education.clone(),
                midpoint_cents: mid(p),
                comparable_median_cents: median,
                comparable_count: others.len(),
                percent,
                below: percent.is_some_and(|x| x < threshold_percent),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Compliance: every problem, in one list
// ---------------------------------------------------------------------------

/// What the compliance check needs to know of a worker.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerFacts {
    pub id: Id,
    pub name: String,
    pub role_id: String,
    pub employer_id: Id,
    pub employment_start: Date,
    pub employment_end: Option<Date>,
    pub supervisor_id: Option<Id>,
}

impl WorkerFacts {
    pub fn of(w: &Worker) -> WorkerFacts {
        WorkerFacts {
            id: w.id.clone(),
            name: format!("{} {}", w.given_name, w.family_name),
            role_id: w.role_id.clone(),
            employer_id: w.employer_id.clone(),
            employment_start: w.employment_start,
            employment_end: w.employment_end,
            supervisor_id: w.supervisor_id.clone(),
        }
    }
    pub fn active(&self, today: Date) -> bool {
        self.employment_end.is_none_or(|e| e >= today)
    }
}

/// Everything the check looks at, gathered by the store.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub workers: Vec<WorkerFacts>,
    /// Credentials by worker id.
    pub credentials: HashMap<Id, Vec<Credential>>,
    /// Date of the latest supervision session by worker id.
    pub last_session: HashMap<Id, Date>,
    pub positions: Vec<Position>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum ComplianceKind {
    CredentialExpired,
    RequirementMissing,
    CredentialExpiring,
    SupervisionOverdue,
    NoSupervisor,
    SupervisorUnqualified,
    ProhibitedTask,
    SinglePeerProgram,
}

impl ComplianceKind {
    pub const ALL: [ComplianceKind; 8] = [
        Self::CredentialExpired,
        Self::RequirementMissing,
        Self::CredentialExpiring,
        Self::SupervisionOverdue,
        Self::NoSupervisor,
        Self::SupervisorUnqualified,
        Self::ProhibitedTask,
        Self::SinglePeerProgram,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CredentialExpired => "credential-expired",
            Self::RequirementMissing => "requirement-missing",
            Self::CredentialExpiring => "credential-expiring",
            Self::SupervisionOverdue => "supervision-overdue",
            Self::NoSupervisor => "no-supervisor",
            Self::SupervisorUnqualified => "supervisor-unqualified",
            Self::ProhibitedTask => "prohibited-task",
            Self::SinglePeerProgram => "single-peer-program",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One compliance problem. `args` carry the values a translated message needs.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ComplianceProblem {
    pub kind: ComplianceKind,
    pub organization_id: Id,
    pub worker_id: Option<Id>,
    pub position_id: Option<Id>,
    /// Who or what it is about: a worker's name or a program.
    pub subject: String,
    /// Plain English, for the command line, logs and API clients.
    pub message: String,
    pub args: BTreeMap<String, String>,
}

fn problem(kind: ComplianceKind, org: &str, subject: &str, message: String, args: &[(&str, String)]) -> ComplianceProblem {
    ComplianceProblem {
        kind,
        organization_id: org.to_string(),
        worker_id: None,
        position_id: None,
        subject: subject.to_string(),
        message,
        args: args.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
    }
}

/// Every compliance problem in `snap` on `today`, ordered by kind, then organization and subject.
pub fn check(catalog: &Catalog, snap: &Snapshot, today: Date) -> Vec<ComplianceProblem> {
    let mut out = Vec::new();
    let none: Vec<Credential> = vec![];
    let by_id: HashMap<&str, &WorkerFacts> = snap.workers.iter().map(|w| (w.id.as_str(), w)).collect();
    let supervisors: HashSet<&str> = snap.workers.iter().filter_map(|w| w.supervisor_id.as_deref()).collect();
    let kind_name = |k: &str| catalog.credential_kind(k).map_or_else(|| k.to_string(), |c: &CredentialKind| c.name.get("en").to_string());
    for w in snap.workers.iter().filter(|w| w.active(today)) {
        let Some(role) = catalog.role(&w.role_id) else {
            continue;
        };
        let creds = snap.credentials.get(&w.id).unwrap_or(&none);
        let mut with = |kind, message: String, args: &[(&str, String)]| {
            let mut p = problem(kind, &w.employer_id, &w.name, message, args);
            p.worker_id = Some(w.id.clone());
            out.push(p);
        };
        // Expiring: the newest credential of each kind that is not yet replaced.
        let mut newest: BTreeMap<&str, &Credential> = BTreeMap::new();
        for c in creds {
            let e = newest.entry(c.kind.as_str()).or_insert(c);
            if (c.expires_on.is_none(), c.expires_on) > (e.expires_on.is_none(), e.expires_on) {
                *e = c;
            }
        }
        for c in newest.values() {
            if let (Expiry::Expiring { days_left, threshold }, Some(end)) = (expiry(c.expires_on, today), c.expires_on) {
                with(
                    ComplianceKind::CredentialExpiring,
                    format!("{}: {} expires on {} ({days_left} days; {threshold}-day warning)", w.name, kind_name(&c.kind), format_date(end)),
                    &[
                        ("credential", c.kind.clone()),
                        ("date", format_date(end)),
                        ("days", days_left.to_string()),
                        ("threshold", threshold.to_string()),
                    ],
                );
            }
        }
        for item in eligibility(role, creds, today).items.iter().filter(|i| !i.met) {
            let req = role.requirements.iter().find(|r| r.id == item.requirement_id);
            let name = req.map_or_else(|| item.requirement_id.clone(), |r| r.name.get("en").to_string());
            let billing = if item.blocks_billing { format!("; billing for {} is blocked", role.abbreviation) } else { String::new() };
            let args = [
                ("requirement", item.requirement_id.clone()),
                ("role", role.id.clone()),
                ("blocks", if item.blocks_billing { "yes" } else { "no" }.to_string()),
            ];
            match item.expired_on {
                Some(d) => with(
                    ComplianceKind::CredentialExpired,
                    format!("{}: {name} expired on {}{billing}", w.name, format_date(d)),
                    &[args[0].clone(), args[1].clone(), args[2].clone(), ("date", format_date(d))],
                ),
                None => with(ComplianceKind::RequirementMissing, format!("{}: {name} is missing{billing}", w.name), &args),
            }
        }
        // Supervisors themselves are not checked for supervision here: the
        // catalog's cadence is for the peer workforce they lead.
        let supervisor = w.supervisor_id.as_deref().and_then(|s| by_id.get(s));
        match supervisor {
            None if w.supervisor_id.is_none() && supervisors.contains(w.id.as_str()) => {}
            None if role.supervision.requirement == SupervisionRequirement::Required => with(
                ComplianceKind::NoSupervisor,
                format!("{}: no supervisor is assigned; {} supervision is required", w.name, role.abbreviation),
                &[("role", role.id.clone())],
            ),
            None => {}
            Some(s) => {
                if let Some(c) = cadence(role, snap.last_session.get(&w.id).copied(), w.employment_start, today) {
                    if c.overdue {
                        with(
                            ComplianceKind::SupervisionOverdue,
                            format!(
                                "{}: {} days since the last supervision session; {} allows at most {}",
                                w.name, c.days_since, role.abbreviation, c.max_days
                            ),
                            &[("days", c.days_since.to_string()), ("max", c.max_days.to_string()), ("role", role.id.clone())],
                        );
                    }
                }
                let q = supervisor_qualifies(role, &s.role_id, snap.credentials.get(&s.id).unwrap_or(&none), today);
                if !q.qualifies {
                    let names: Vec<String> = q
                        .missing
                        .iter()
                        .map(|m| role.supervision.qualification_rules.iter().find(|r| &r.id == m).map_or(m.clone(), |r| r.name.get("en").to_string()))
                        .collect();
                    with(
                        ComplianceKind::SupervisorUnqualified,
                        format!(
                            "{}: supervisor {} does not qualify to supervise a {}: missing {}",
                            w.name,
                            s.name,
                            role.abbreviation,
                            names.join("; ")
                        ),
                        &[("supervisor", s.name.clone()), ("role", role.id.clone()), ("missing", q.missing.join(", "))],
                    );
                }
            }
        }
    }
    for p in &snap.positions {
        for f in prohibited_tasks(catalog, p) {
            let mut x = problem(
                ComplianceKind::ProhibitedTask,
                &p.organization_id,
                &p.title,
                format!("{} ({}): task \"{}\" is not for this role. {}", p.title, p.program, f.text, f.reason),
                &[("task", f.text.clone()), ("task_id", f.task_id.clone()), ("reason", f.reason.clone())],
            );
            x.position_id = Some(p.id.clone());
            out.push(x);
        }
    }
    for lone in single_peer_programs(catalog, &snap.positions) {
        out.push(problem(
            ComplianceKind::SinglePeerProgram,
            &lone.organization_id,
            &lone.program,
            format!(
                "{} ({}) has a single peer worker; programs need more than one{}",
                lone.program,
                lone.setting.as_str(),
                if lone.critical { ", especially inpatient units and PACT teams" } else { "" }
            ),
            &[("setting", lone.setting.as_str().to_string()), ("critical", if lone.critical { "yes" } else { "no" }.to_string())],
        ));
    }
    out.sort_by(|a, b| (a.kind, &a.organization_id, &a.subject).cmp(&(b.kind, &b.organization_id, &b.subject)));
    out
}

// ---------------------------------------------------------------------------
// The workforce picture
// ---------------------------------------------------------------------------

/// A count as the picture shows it: withheld under the small-cell rule
/// ([`crate::stats`]) when it is 1 to 10 or could be worked out from the rest.
pub type Cell = Suppressed<u64>;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Picture {
    #[serde(with = "wf_date")]
    pub from: Date,
    #[serde(with = "wf_date")]
    pub to: Date,
    pub headcount: Cell,
    pub by_role: Vec<(String, Cell)>,
    pub by_language: Vec<(String, Cell)>,
    /// (dimension, the worker's own words, count), from statements not kept private.
    pub by_identity: Vec<(String, String, Cell)>,
    pub vacancies: Cell,
    pub hires: Cell,
    pub departures: Cell,
    /// Departures per 100 average headcount over the period, one decimal
    /// (×10); withheld when departures or the average headcount is small.
    pub turnover_per_mille: Suppressed<u64>,
    /// Distinct supervisors of active workers, by the supervisees' role.
    pub supervisors_by_role: Vec<(String, Cell)>,
    /// Active workers in peer roles who lead: supervise others or hold a leadership position.
    pub peers_in_leadership: Cell,
}

/// Identity dimensions a worker may describe (statement topics).
pub const IDENTITY_TOPICS: [&str; 6] = ["gender", "race", "ethnicity", "sexual-orientation", "faith", "age-band"];

/// The picture of `workers` (all, active or not) and `positions` over `from..=to`.
pub fn picture(catalog: &Catalog, workers: &[Worker], positions: &[Position], from: Date, to: Date) -> Picture {
    let active_on = |w: &Worker, d: Date| w.employment_start <= d && w.employment_end.is_none_or(|e| e >= d);
    let active: Vec<&Worker> = workers.iter().filter(|w| active_on(w, to)).collect();
    let tally = |it: &mut dyn Iterator<Item = String>| {
        let mut m: BTreeMap<String, u64> = BTreeMap::new();
        for k in it {
            *m.entry(k).or_default() += 1;
        }
        m
    };
    let roles = tally(&mut active.iter().map(|w| w.role_id.clone()));
    let languages = tally(&mut active.iter().flat_map(|w| w.languages.clone()));
    let mut ident: BTreeMap<(String, String), u64> = BTreeMap::new();
    for w in &active {
        for s in w.statements.iter().filter(|s| s.visibility != Visibility::Private && IDENTITY_TOPICS.contains(&s.topic.as_str())) {
            *ident.entry((s.topic.clone(), s.text.trim().to_string())).or_default() += 1;
        }
    }
    let hires = workers.iter().filter(|w| w.employment_start >= from && w.employment_start <= to).count() as u64;
    let departures = workers.iter().filter(|w| w.employment_end.is_some_and(|e| e >= from && e <= to)).count() as u64;
    let at_start = workers.iter().filter(|w| active_on(w, from)).count() as u64;
    let active_ids: HashSet<&str> = active.iter().map(|w| w.id.as_str()).collect();
    let mut sup: BTreeMap<String, HashSet<&str>> = BTreeMap::new();
    for w in &active {
        if let Some(s) = w.supervisor_id.as_deref().filter(|s| active_ids.contains(s)) {
            sup.entry(w.role_id.clone()).or_default().insert(s);
        }
    }
    let leaders: HashSet<&str> = active
        .iter()
        .filter_map(|w| w.supervisor_id.as_deref())
        .chain(positions.iter().filter(|p| p.leadership).filter_map(|p| p.worker_id.as_deref()))
        .collect();
    let peers_in_leadership = active
        .iter()
        .filter(|w| leaders.contains(w.id.as_str()))
        .filter(|w| catalog.role(&w.role_id).is_some_and(|r| r.requires_lived_experience()))
        .count() as u64;

    // Every count goes through one table. Roles partition the headcount, so
    // they are a sum; languages, identities and supervisors overlap and are not.
    let mut t = Table::new();
    let headcount = t.cell(active.len() as u64);
    let role_cells: Vec<(String, CellId)> = roles.into_iter().map(|(r, n)| (r, t.cell(n))).collect();
    t.sum(&role_cells.iter().map(|(_, c)| *c).collect::<Vec<_>>(), headcount);
    let language_cells: Vec<(String, CellId)> = languages.into_iter().map(|(l, n)| (l, t.cell(n))).collect();
    let identity_cells: Vec<(String, String, CellId)> = ident.into_iter().map(|((d, x), n)| (d, x, t.cell(n))).collect();
    let supervisor_cells: Vec<(String, CellId)> = sup.into_iter().map(|(r, s)| (r, t.cell(s.len() as u64))).collect();
    let vacancies = t.cell(positions.iter().filter(|p| p.worker_id.is_none()).count() as u64);
    let hires = t.cell(hires);
    let departures_cell = t.cell(departures);
    let leaders = t.cell(peers_in_leadership);
    let t = t.suppress();
    // Turnover over the average headcount; its numerator must be shown too.
    let turnover = match t.get(departures_cell) {
        Suppressed::Shown(d) => stats::rate(d, (at_start + active.len() as u64) / 2, |_, _| per_mille(2 * d, at_start + active.len() as u64)),
        Suppressed::Hidden => Suppressed::Hidden,
    };
    Picture {
        from,
        to,
        headcount: t.get(headcount),
        by_role: role_cells.into_iter().map(|(r, c)| (r, t.get(c))).collect(),
        by_language: language_cells.into_iter().map(|(l, c)| (l, t.get(c))).collect(),
        by_identity: identity_cells.into_iter().map(|(d, x, c)| (d, x, t.get(c))).collect(),
        vacancies: t.get(vacancies),
        hires: t.get(hires),
        departures: t.get(departures_cell),
        turnover_per_mille: turnover,
        supervisors_by_role: supervisor_cells.into_iter().map(|(r, c)| (r, t.get(c))).collect(),
        peers_in_leadership: t.get(leaders),
    }
}

fn text(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn cat() -> Catalog {
        Catalog::massachusetts().unwrap()
    }

    fn cred(kind: &str, expires: Option<Date>) -> Credential {
        Credential {
            id: format!("c-{kind}"),
            worker_id: "w".into(),
            kind: kind.into(),
            issuer: None,
            issued_on: date!(2020 - 01 - 01),
            expires_on: expires,
            evidence: None,
            version: 1,
        }
    }

    const TODAY: Date = date!(2026 - 06 - 15);

    #[test]
    fn warnings_at_90_30_and_7_days() {
        let at = |d: i64| expiry(Some(TODAY + time::Duration::days(d)), TODAY);
        assert_eq!(at(91), Expiry::Current);
        assert_eq!(at(90), Expiry::Expiring { days_left: 90, threshold: 90 });
        assert_eq!(at(31), Expiry::Expiring { days_left: 31, threshold: 90 });
        assert_eq!(at(30), Expiry::Expiring { days_left: 30, threshold: 30 });
        assert_eq!(at(8), Expiry::Expiring { days_left: 8, threshold: 30 });
        assert_eq!(at(7), Expiry::Expiring { days_left: 7, threshold: 7 });
        assert_eq!(at(0), Expiry::Expiring { days_left: 0, threshold: 7 });
        assert_eq!(at(-1), Expiry::Expired { days_ago: 1 });
        assert_eq!(expiry(None, TODAY), Expiry::Current);
    }

    proptest! {
        /// Valid on and before the expiry date, never after it.
        #[test]
        fn expiry_is_monotonic(days in -2000i64..2000) {
            let e = expiry(Some(TODAY + time::Duration::days(days)), TODAY);
            prop_assert_eq!(e.is_valid(), days >= 0);
            if let Expiry::Expiring { threshold, days_left } = e {
                prop_assert!(days_left <= threshold && WARNING_DAYS.contains(&threshold));
            }
        }

        /// Hours text never panics and round-trips when accepted.
        #[test]
        fn hours_parse_round_trips(s in "[0-9.,]{0,6}") {
            if let Some(t) = parse_tenths(&s) {
                prop_assert_eq!(parse_tenths(&tenths_text(t)), Some(t));
            }
        }

        #[test]
        fn pay_parse_round_trips(c in 100i64..100_000) {
            prop_assert_eq!(parse_cents(&cents_text(c)), Some(c));
        }
    }

    #[test]
    fn cps_checklist_and_billing() {
        let c = cat();
        let cps = c.role("certified-peer-specialist").unwrap();
        let e = eligibility(cps, &[cred("high-school", None)], TODAY);
        assert!(!e.eligible);
        let missing: Vec<_> = e.items.iter().filter(|i| !i.met).map(|i| i.requirement_id.as_str()).collect();
        assert_eq!(missing, ["cps-certificate", "code-of-ethics", "background-check"]);
        let b = billing_blocked(cps, &[cred("high-school", None)], TODAY).unwrap();
        assert_eq!(b.requirement_id, "cps-certificate");
        assert!(b.reason.contains("missing"), "{}", b.reason);
        let all = [cred("high-school", None), cred("cps-certificate", None), cred("code-of-ethics", None)];
        // The background check is on the checklist but does not block billing.
        assert!(!eligibility(cps, &all, TODAY).eligible);
        assert_eq!(billing_blocked(cps, &all, TODAY), None);
    }

    #[test]
    fn an_expired_license_blocks_billing_and_says_when() {
        let c = cat();
        let rs = c.role("recovery-specialist").unwrap();
        let creds = [cred("high-school", None), cred("experience-one-year", None), cred("ladc-ii", Some(date!(2026 - 06 - 01)))];
        let b = billing_blocked(rs, &creds, TODAY).expect("blocked");
        assert_eq!(b.requirement_id, "ladc");
        assert_eq!(b.expired_on, Some(date!(2026 - 06 - 01)));
        assert!(b.reason.contains("expired on 2026-06-01"), "{}", b.reason);
        // A waiver, one of the alternatives, lifts the block.
        let mut more = creds.to_vec();
        more.push(cred("bsas-waiver", Some(date!(2027 - 01 - 01))));
        assert_eq!(billing_blocked(rs, &more, TODAY), None);
        // The last valid day still counts.
        assert_eq!(billing_blocked(rs, &creds, date!(2026 - 06 - 01)), None);
    }

    #[test]
    fn credential_input_names_fields() {
        let c = cat();
        let bad = CredentialInput { kind: "chw-certification".into(), issued_on: "2027-01-01".into(), ..Default::default() };
        let e = bad.validate("x".into(), "w".into(), &c, TODAY).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert_eq!(fields, [("issued_on", "date-future"), ("expires_on", "expiry-required")]);
        let unknown = CredentialInput { kind: "wizard".into(), issued_on: "2020-01-01".into(), ..Default::default() };
        assert_eq!(unknown.validate("x".into(), "w".into(), &c, TODAY).unwrap_err().0[0].field, "kind");
        let ok = CredentialInput {
            kind: "chw-certification".into(),
            issued_on: "2025-07-31".into(),
            expires_on: Some("2027-07-31".into()),
            ..Default::default()
        };
        assert!(ok.validate("x".into(), "w".into(), &c, TODAY).is_ok());
    }

    #[test]
    fn ce_counts_the_window_before_expiry() {
        let c = cat();
        let chw = cred("chw-certification", Some(date!(2027 - 07 - 31)));
        let entry =
            |d: Date, t: i64| CeEntry { id: "e".into(), worker_id: "w".into(), title: "x".into(), tenths: t, completed_on: d, program_id: None };
        let entries = [entry(date!(2025 - 07 - 31), 100), entry(date!(2025 - 08 - 01), 60), entry(date!(2026 - 01 - 10), 95)];
        let p = ce_progress(&c, &[chw], &entries, TODAY);
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].required_tenths, p[0].earned_tenths), (150, 155));
        assert_eq!(p[0].window_start, date!(2025 - 07 - 31));
        assert!(p[0].complete);
        // Credentials without a CE rule show no progress line.
        assert!(ce_progress(&c, &[cred("high-school", None)], &entries, TODAY).is_empty());
        assert_eq!(months_before(date!(2026 - 03 - 31), 1), date!(2026 - 02 - 28));
    }

    #[test]
    fn supervisor_qualification_is_computed_from_credentials() {
        let c = cat();
        let rc = c.role("peer-recovery-coach").unwrap();
        let q = supervisor_qualifies(rc, "peer-recovery-coach", &[], TODAY);
        assert!(!q.qualifies);
        assert_eq!(q.missing, ["rc-supervisor-training"]);
        assert!(supervisor_qualifies(rc, "peer-recovery-coach", &[cred("rc-supervisor-training", None)], TODAY).qualifies);
        let cps = c.role("certified-peer-specialist").unwrap();
        // A CPS with the certificate meets both of Transcom's conditions through role and training.
        let q = supervisor_qualifies(cps, "certified-peer-specialist", &[cred("cps-certificate", None)], TODAY);
        assert!(q.qualifies && !q.not_same_role);
        // A CHW supervisor without peer training does not.
        let q = supervisor_qualifies(cps, "community-health-worker", &[cred("chw-supervisor-training", None)], TODAY);
        assert_eq!(q.missing, ["peer-ethics", "peer-experience"]);
        // An expired license does not qualify a clinician.
        let rsn = c.role("recovery-support-navigator").unwrap();
        let lapsed = cred("masters-clinical-license", Some(date!(2026 - 01 - 01)));
        assert!(!supervisor_qualifies(rsn, "recovery-specialist", &[lapsed], TODAY).qualifies);
    }

    #[test]
    fn recovery_coach_cadence_is_fourteen_days() {
        let c = cat();
        let rc = c.role("peer-recovery-coach").unwrap();
        let start = date!(2025 - 01 - 01);
        assert!(!cadence(rc, Some(date!(2026 - 06 - 01)), start, TODAY).unwrap().overdue);
        let late = cadence(rc, Some(date!(2026 - 05 - 31)), start, TODAY).unwrap();
        assert_eq!((late.days_since, late.max_days, late.overdue), (15, 14, true));
        // Never supervised counts from the first day of work.
        assert!(cadence(rc, None, date!(2026 - 06 - 10), TODAY).is_some_and(|c| !c.overdue));
        assert_eq!(cadence(c.role("certified-peer-specialist").unwrap(), None, start, TODAY), None);
    }

    fn position(role: &str, program: &str, setting: ProgramSetting, tasks: &[&str], worker: Option<&str>) -> Position {
        let c = cat();
        let input = PositionInput {
            organization_id: "o".into(),
            title: format!("{role} at {program}"),
            role_id: Some(role.into()).filter(|r: &String| !r.is_empty()),
            program: program.into(),
            setting: setting.as_str().into(),
            tasks: tasks.iter().map(|t| t.to_string()).collect(),
            pay_min: "20".into(),
            pay_max: "24.50".into(),
            worker_id: worker.map(str::to_string),
            ..Default::default()
        };
        input.validate(format!("p-{program}-{role}"), 1, &c).unwrap()
    }

    #[test]
    fn medication_administration_is_flagged_for_a_cps_with_the_reason() {
        let c = cat();
        let p = position(
            "certified-peer-specialist",
            "Unit",
            ProgramSetting::Inpatient,
            &["Share lived experience", "Medication  Administration on the unit", "Facilitate groups"],
            Some("w"),
        );
        assert_eq!(p.tasks[1].task_id.as_deref(), Some("medication-administration"));
        let flags = prohibited_tasks(&c, &p);
        assert_eq!(flags.len(), 1);
        assert_eq!(flags[0].task_index, 1);
        assert!(flags[0].reason.contains("power imbalance"), "{}", flags[0].reason);
        // The same task is not flagged for a role that does not prohibit it.
        let rs = position("recovery-specialist", "Unit", ProgramSetting::Inpatient, &["Medication administration"], None);
        assert!(prohibited_tasks(&c, &rs).is_empty());
        // Care coordination: prohibited for a CPS, part of a CHW's work.
        let cps = position("certified-peer-specialist", "T", ProgramSetting::Community, &["Care coordination for members"], None);
        assert_eq!(prohibited_tasks(&c, &cps)[0].task_id, "care-coordination");
        let chw = position("community-health-worker", "T", ProgramSetting::Community, &["Care coordination for members"], None);
        assert!(prohibited_tasks(&c, &chw).is_empty());
    }

    #[test]
    fn lone_peers_are_found_and_inpatient_is_critical() {
        let c = cat();
        let ps = [
            position("certified-peer-specialist", "4 West", ProgramSetting::Inpatient, &[], Some("a")),
            position("recovery-specialist", "4 West", ProgramSetting::Inpatient, &[], Some("b")),
            position("certified-peer-specialist", "RLC", ProgramSetting::Community, &[], Some("c")),
            position("peer-recovery-coach", "RLC", ProgramSetting::Community, &[], Some("d")),
            position("peer-recovery-coach", "PACT", ProgramSetting::Pact, &[], None),
        ];
        let lone = single_peer_programs(&c, &ps);
        assert_eq!(lone.len(), 1, "{lone:?}");
        assert_eq!((lone[0].program.as_str(), lone[0].critical), ("4 West", true));
    }

    #[test]
    fn pay_is_compared_with_the_same_education_in_the_same_organization() {
        let c = cat();
        let mut peer = position("certified-peer-specialist", "A", ProgramSetting::Community, &[], None);
        peer.pay_min_cents = 1800;
        peer.pay_max_cents = 2000;
        let mut other = position("", "A", ProgramSetting::Community, &[], None);
        other.education = "high-school".into();
        other.pay_min_cents = 2200;
        other.pay_max_cents = 2600;
        let r = pay_parity(&c, &[peer, other], 90);
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].midpoint_cents, r[0].comparable_median_cents, r[0].percent, r[0].below), (1900, Some(2400), Some(79), true));
    }

    #[test]
    fn check_lists_every_kind_of_problem() {
        let c = cat();
        let facts = |id: &str, role: &str, sup: Option<&str>| WorkerFacts {
            id: id.into(),
            name: id.to_uppercase(),
            role_id: role.into(),
            employer_id: "o".into(),
            employment_start: date!(2024 - 01 - 01),
            employment_end: None,
            supervisor_id: sup.map(str::to_string),
        };
        let mut snap = Snapshot {
            workers: vec![facts("s", "community-health-worker", None), facts("rc", "peer-recovery-coach", Some("s"))],
            ..Default::default()
        };
        snap.credentials
            .insert("rc".into(), vec![cred("high-school", None), cred("recovery-coach-academy", None), cred("carc", Some(date!(2026 - 06 - 20)))]);
        snap.credentials.insert("s".into(), vec![cred("chw-certification", Some(date!(2026 - 05 - 01)))]);
        snap.last_session.insert("rc".into(), date!(2026 - 05 - 01));
        snap.positions = vec![position("certified-peer-specialist", "4 West", ProgramSetting::Inpatient, &["Medication administration"], Some("x"))];
        let kinds: Vec<_> = check(&c, &snap, TODAY).iter().map(|p| (p.kind, p.subject.clone())).collect();
        assert_eq!(
            kinds,
            [
                (ComplianceKind::CredentialExpired, "S".to_string()),
                (ComplianceKind::RequirementMissing, "S".to_string()),
                (ComplianceKind::CredentialExpiring, "RC".to_string()),
                (ComplianceKind::SupervisionOverdue, "RC".to_string()),
                (ComplianceKind::SupervisorUnqualified, "RC".to_string()),
                (ComplianceKind::ProhibitedTask, "certified-peer-specialist at 4 West".to_string()),
                (ComplianceKind::SinglePeerProgram, "4 West".to_string()),
            ]
        );
    }
}
