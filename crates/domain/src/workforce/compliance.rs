//! Compliance: every workforce problem, in one list.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use time::Date;

use super::credentials::{eligibility, expiry, Credential, Expiry};
use super::positions::{prohibited_tasks, single_peer_programs, Position};
use super::supervision::{cadence, supervisor_qualifies};
use crate::catalog::{Catalog, CredentialKind, SupervisionRequirement};
use crate::records::{format_date, Id, Worker};

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

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
            let billing = if item.blocks_billing {
                format!("; billing for {} is blocked", role.abbreviation)
            } else if !item.blocks_billing_for.is_empty() {
                format!("; billing {} for {} is blocked", item.blocks_billing_for.join(", "), role.abbreviation)
            } else {
                String::new()
            };
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
