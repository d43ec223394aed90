//! Synthetic workforce records for `accompany demo` and `seed`: credentials
//! (some expiring soon, one lapsed per batch), supervision notes (some
//! overdue), continuing education, training, and positions with pay bands
//! (one CPS job description per batch lists medication administration), so
//! that every compliance check has something real to find. Rows scale with
//! workers only.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::{Date, Duration};

use accompany_domain::catalog::{Catalog, MinimumEducation};
use accompany_domain::records::{Organization, OrganizationKind, Worker};
use accompany_domain::workforce::{
    classify_task, CeEntry, Credential, Enrolment, EnrolmentStatus, ExamResult, Position, ProgramSetting, SessionFormat, SupervisionSession, Task,
};

/// Ids of generated workforce records, in the store's format.
fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[derive(Debug, Default)]
pub struct DemoRecords {
    pub credentials: Vec<Credential>,
    pub sessions: Vec<SupervisionSession>,
    pub ce_entries: Vec<CeEntry>,
    pub enrolments: Vec<Enrolment>,
    pub positions: Vec<Position>,
}

const PROGRAMS: [(&str, ProgramSetting, u32); 6] = [
    ("Community team", ProgramSetting::Community, 40),
    ("Outpatient clinic", ProgramSetting::Outpatient, 20),
    ("Inpatient unit", ProgramSetting::Inpatient, 12),
    ("PACT team", ProgramSetting::Pact, 10),
    ("Emergency department", ProgramSetting::EmergencyDepartment, 8),
    ("Residential program", ProgramSetting::Residential, 10),
];

const TOPICS: [&str; 8] = [
    "Boundaries and self-disclosure",
    "Caseload review",
    "Ethics: dual relationships",
    "Self-care after a crisis",
    "Advocacy with the care team",
    "Documentation, as little as needed",
    "Recovery goals in the care plan",
    "Group facilitation",
];

const SUPERVISOR_TRAININGS: [&str; 4] = ["rc-supervisor-training", "peer-supervisor-training", "peer-ethics-training", "chw-supervisor-training"];

/// Pay bands in cents per hour, by role.
fn pay_band(role_id: &str) -> (i64, i64) {
    match role_id {
        "peer-recovery-coach" => (2000, 2400),
        "certified-peer-specialist" => (2000, 2500),
        "community-health-worker" => (2100, 2500),
        "recovery-support-navigator" => (2600, 3000),
        "recovery-specialist" => (1900, 2300),
        _ => (1800, 2200),
    }
}

fn tasks_for(role_id: &str) -> Vec<&'static str> {
    match role_id {
        "community-health-worker" => {
            vec!["Outreach and health education", "Care coordination with primary care", "Accompany members to appointments"]
        }
        "recovery-support-navigator" => {
            vec!["Clarify recovery goals with the member", "Connect members to treatment and recovery supports", "Participate in care team meetings"]
        }
        "recovery-specialist" => vec!["Keep the program milieu safe and structured", "Facilitate groups", "Assist with personal needs"],
        _ => vec!["One-to-one peer support, sharing lived experience", "Facilitate groups", "Accompany members to community resources"],
    }
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

/// Records for workers with indexes `first_index..` (supervisors and their
/// teams in the same batch, as the synthetic generator makes them).
pub fn for_workers(catalog: &Catalog, workers: &[Worker], first_index: u64, seed: u64, today: Date) -> DemoRecords {
    let mut out = DemoRecords::default();
    let mut lapsed_one = false;
    let mut flagged_cps = false;
    for (offset, w) in workers.iter().enumerate() {
        let index = first_index + offset as u64;
        let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03) ^ 0x5EED_F0CE);
        let Some(role) = catalog.role(&w.role_id) else {
            continue;
        };
        let active = w.employment_end.is_none_or(|e| e >= today);
        let start = w.employment_start;
        let issued = |rng: &mut ChaCha8Rng| (start - days(rng.gen_range(30..400))).min(today);
        let mut held: Vec<Credential> = Vec::new();
        for req in &role.requirements {
            if req.id == "background-check" && rng.gen_bool(0.03) {
                continue;
            }
            let kind = if req.id == "high-school" && rng.gen_bool(0.2) {
                "bachelor-degree".to_string()
            } else {
                req.any_of[rng.gen_range(0..req.any_of.len())].clone()
            };
            let expires = catalog.credential_kind(&kind).is_some_and(|k| k.expires);
            let mut expires_on = expires.then(|| today + days(rng.gen_range(1..=730)));
            if expires && active && !lapsed_one && req.blocks_billing {
                // One lapsed credential per batch: billing in this role is blocked.
                expires_on = Some(today - days(12));
                lapsed_one = true;
            }
            held.push(Credential {
                id: new_id(),
                worker_id: w.id.clone(),
                issuer: catalog.credential_kind(&kind).map(|k| k.issuer.clone()).filter(|i| !i.is_empty()),
                evidence: Some(format!("certificate no. {}-{:05}", kind.to_uppercase(), rng.gen_range(0..100_000))),
                kind,
                issued_on: issued(&mut rng),
                expires_on,
                version: 1,
            });
        }
        let supervisor = w.supervisor_id.is_none();
        if supervisor && rng.gen_bool(0.85) {
            for kind in SUPERVISOR_TRAININGS {
                held.push(Credential {
                    id: new_id(),
                    worker_id: w.id.clone(),
                    kind: kind.to_string(),
                    issuer: None,
                    issued_on: issued(&mut rng),
                    expires_on: None,
                    evidence: Some("training roster".into()),
                    version: 1,
                });
            }
            held.push(Credential {
                id: new_id(),
                worker_id: w.id.clone(),
                kind: "masters-clinical-license".into(),
                issuer: Some("Massachusetts Division of Occupational Licensure".into()),
                issued_on: issued(&mut rng),
                expires_on: Some(today + days(rng.gen_range(120..700))),
                evidence: Some(format!("license no. {}", rng.gen_range(10_000..99_999))),
                version: 1,
            });
        }
        // Continuing education toward the credentials that need it.
        if held.iter().any(|c| catalog.credential_kind(&c.kind).is_some_and(|k| k.continuing_education.is_some())) {
            for _ in 0..rng.gen_range(2..=4) {
                let program = &catalog.training_programs[rng.gen_range(0..catalog.training_programs.len())];
                out.ce_entries.push(CeEntry {
                    id: new_id(),
                    worker_id: w.id.clone(),
                    title: program.name.get("en").to_string(),
                    tenths: rng.gen_range(2..=8) * 10,
                    completed_on: (today - days(rng.gen_range(5..700))).max(start),
                    program_id: Some(program.id.clone()),
                });
            }
        }
        let specialised: Vec<_> = catalog.training_programs.iter().filter(|p| p.awards.is_none()).collect();
        if !specialised.is_empty() && rng.gen_bool(0.3) {
            let p = specialised[rng.gen_range(0..specialised.len())];
            let attending = rng.gen_bool(0.3);
            let year = today.year();
            out.enrolments.push(Enrolment {
                id: new_id(),
                worker_id: w.id.clone(),
                program_id: p.id.clone(),
                cohort: if attending { format!("Spring {year}") } else { format!("Fall {}", year - 1) },
                status: if attending { EnrolmentStatus::Attending } else { EnrolmentStatus::Completed },
                attended_tenths: rng.gen_range(6..=12) * 10,
                exam: None::<ExamResult>,
                completed_on: (!attending).then(|| (today - days(rng.gen_range(30..300))).max(start)),
                certificate_id: None,
                version: 1,
            });
        }
        if let (Some(sup), true) = (&w.supervisor_id, active) {
            let lag = if rng.gen_bool(0.8) { rng.gen_range(0..=12) } else { rng.gen_range(16..=60) };
            let sup_worker = workers.iter().find(|x| &x.id == sup);
            let signature = sup_worker.map(|s| format!("{} {}", s.given_name, s.family_name)).unwrap_or_default();
            for k in 0..3 {
                let held_on = today - days(lag + 14 * k);
                if held_on < start {
                    break;
                }
                out.sessions.push(SupervisionSession {
                    id: new_id(),
                    worker_id: w.id.clone(),
                    supervisor_id: sup.clone(),
                    held_on,
                    minutes: [30, 45, 60][rng.gen_range(0..3)],
                    format: SessionFormat::ALL[rng.gen_range(0..SessionFormat::ALL.len())],
                    topics: TOPICS[rng.gen_range(0..TOPICS.len())].to_string(),
                    signature: signature.clone(),
                    supervisor_credentials: vec![],
                });
            }
        }
        if active {
            let total: u32 = PROGRAMS.iter().map(|p| p.2).sum();
            let mut x = rng.gen_range(0..total);
            let mut program = PROGRAMS[0];
            for p in PROGRAMS {
                if x < p.2 {
                    program = p;
                    break;
                }
                x -= p.2;
            }
            let mut tasks: Vec<Task> = tasks_for(&role.id).into_iter().map(|t| Task { task_id: classify_task(catalog, t), text: t.into() }).collect();
            if role.id == "certified-peer-specialist" && !supervisor && !flagged_cps {
                flagged_cps = true;
                let t = "Medication administration during evening shifts";
                tasks.push(Task { task_id: classify_task(catalog, t), text: t.into() });
            }
            let (lo, hi) = pay_band(&role.id);
            let bump = rng.gen_range(0..=4) * 25;
            out.positions.push(Position {
                id: new_id(),
                organization_id: w.employer_id.clone(),
                title: if supervisor { format!("{} Supervisor", role.abbreviation) } else { role.name.get("en").to_string() },
                role_id: Some(role.id.clone()),
                program: program.0.to_string(),
                setting: program.1,
                education: match role.education.minimum_education {
                    MinimumEducation::Bachelor => "bachelor",
                    MinimumEducation::HighSchool => "high-school",
                    MinimumEducation::None => "none",
                }
                .to_string(),
                tasks,
                pay_min_cents: lo + bump + if supervisor { 400 } else { 0 },
                pay_max_cents: hi + bump + if supervisor { 500 } else { 0 },
                leadership: supervisor,
                worker_id: Some(w.id.clone()),
                version: 1,
            });
        }
        out.credentials.extend(held);
    }
    // Supervision notes keep the supervisor's credentials of the day.
    for s in &mut out.sessions {
        s.supervisor_credentials = out.credentials.iter().filter(|c| c.worker_id == s.supervisor_id).map(|c| c.kind.clone()).collect();
    }
    out
}

/// Positions that belong to organizations rather than to workers: a vacant
/// peer position and two similarly qualified non-peer roles to compare pay with.
pub fn for_organizations(organizations: &[Organization]) -> Vec<Position> {
    let mut out = Vec::new();
    for o in organizations.iter().filter(|o| !matches!(o.kind, OrganizationKind::StateAgency)) {
        let p = |title: &str, role: Option<&str>, education: &str, lo: i64, hi: i64, tasks: &[&str]| Position {
            id: new_id(),
            organization_id: o.id.clone(),
            title: title.into(),
            role_id: role.map(str::to_string),
            program: "Community team".into(),
            setting: ProgramSetting::Community,
            education: education.into(),
            tasks: tasks.iter().map(|t| Task { task_id: None, text: t.to_string() }).collect(),
            pay_min_cents: lo,
            pay_max_cents: hi,
            leadership: false,
            worker_id: None,
            version: 1,
        };
        out.push(p(
            "Certified Peer Specialist (open)",
            Some("certified-peer-specialist"),
            "high-school",
            2000,
            2500,
            &["One-to-one peer support, sharing lived experience"],
        ));
        out.push(p("Case manager", None, "high-school", 2300, 2800, &["Case management"]));
        out.push(p("Care coordinator", None, "bachelor", 2600, 3200, &["Care coordination"]));
    }
    out
}

#[cfg(test)]
mod tests {
    use accompany_domain::workforce::{picture, Cell};
    use accompany_domain::Catalog;
    use time::macros::date;
    use time::Date;

    const TODAY: Date = date!(2026 - 06 - 15);

    fn cat() -> Catalog {
        Catalog::massachusetts().expect("embedded catalog is valid")
    }

    #[test]
    fn a_lone_small_role_takes_a_second_role_with_it() {
        // 40 peers and 3 coaches: without a second hidden role, 3 = headcount - 40.
        let c = cat();
        let mut workers = crate::Synthetic::new(crate::Plan { seed: 5, members: 0, workers: 60, today: TODAY }, &c).workers(0, 60, &c);
        for w in workers.iter_mut() {
            w.employment_end = None;
            w.employment_start = date!(2020 - 01 - 01);
        }
        let roles: Vec<String> = c.roles.iter().map(|r| r.id.clone()).collect();
        for (i, w) in workers.iter_mut().enumerate().take(55) {
            w.role_id = if i < 40 {
                roles[0].clone()
            } else if i < 43 {
                roles[1].clone()
            } else {
                roles[2].clone()
            };
        }
        workers.truncate(55);
        let p = picture(&c, &workers, &[], date!(2025 - 06 - 15), TODAY);
        assert_eq!(p.headcount, Cell::Shown(55));
        let shown = |r: &str| p.by_role.iter().find(|(id, _)| id == r).map(|(_, c)| *c);
        assert_eq!(shown(&roles[1]), Some(Cell::Hidden), "3 is small");
        assert_eq!(shown(&roles[2]), Some(Cell::Hidden), "the next smallest role (12) is hidden with it");
        assert_eq!(shown(&roles[0]), Some(Cell::Shown(40)));
        assert!(p.turnover_per_mille.shown().is_some_and(|t| *t == 0), "no departures over 55: {:?}", p.turnover_per_mille);
    }

    #[test]
    fn turnover_and_hires_over_a_period() {
        let c = cat();
        let mut synthetic = crate::Synthetic::new(crate::Plan { seed: 3, members: 0, workers: 200, today: TODAY }, &c).workers(0, 200, &c);
        synthetic.truncate(200);
        let from = date!(2025 - 06 - 15);
        let p = picture(&c, &synthetic, &[], from, TODAY);
        let departures = synthetic.iter().filter(|w| w.employment_end.is_some_and(|e| e >= from && e <= TODAY)).count();
        assert_eq!(p.departures, if accompany_domain::stats::small(departures as u64) { Cell::Hidden } else { Cell::Shown(departures as u64) });
        let total: u64 = p.by_role.iter().filter_map(|(_, c)| c.shown().copied()).sum();
        assert!(total <= 200);
        // Turnover is withheld exactly when it would give a small count away.
        assert_eq!(p.turnover_per_mille.is_hidden(), p.departures.is_hidden(), "{:?} {:?}", p.departures, p.turnover_per_mille);
        // No role's count can be worked out from the headcount and the others.
        let hidden = p.by_role.iter().filter(|(_, c)| c.is_hidden()).count();
        assert!(hidden != 1 || p.headcount.is_hidden(), "a lone hidden role beside a shown headcount: {:?}", p.by_role);
    }
}
