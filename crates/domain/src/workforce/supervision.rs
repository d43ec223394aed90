//! Supervision: sessions, supervisor qualification and cadence.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use time::Date;

use super::credentials::{expiry, Credential};
use super::wf_date;
use crate::catalog::Role;
use crate::error::{FieldError, Invalid};
use crate::limits::text;
use crate::records::{parse_date, Id};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = SupervisionSessionInput))]
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SessionInput {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::past_day))]
    pub held_on: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::session_minutes))]
    pub minutes: String,
    #[cfg_attr(feature = "openapi", schema(value_type = SessionFormat))]
    pub format: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::title))]
    pub topics: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::name))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
