//! Fidelity: job descriptions, prohibited tasks, single-peer programs and pay parity.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::text;
use crate::catalog::Catalog;
use crate::error::{FieldError, Invalid};
use crate::limits::text;
use crate::records::Id;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Task {
    /// A task kind of the catalog, when the task is one.
    pub task_id: Option<String>,
    pub text: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PositionInput {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::identifier))]
    pub organization_id: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::title))]
    pub title: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::role_id_or_blank))]
    pub role_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::title))]
    pub program: String,
    #[cfg_attr(feature = "openapi", schema(value_type = ProgramSetting))]
    pub setting: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::education_or_blank))]
    pub education: Option<String>,
    /// One task per entry, in the organization's words.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::tasks))]
    pub tasks: Vec<String>,
    /// Dollars per hour, e.g. "21.50".
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::pay))]
    pub pay_min: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::pay))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
