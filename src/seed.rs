//! Load deterministic synthetic data into a store, in chunks, with progress,
//! and set up one account for each persona so a newcomer can sign in.

use std::time::Instant;

use accompany_domain::events::ValidEvent;
use accompany_domain::matching::{Modality, Preferences};
use accompany_domain::notes::{ContactNote, ContactNoteInput, HealthEntryInput};
use accompany_domain::records::{Persona, TeamRole};
use accompany_domain::referral::{Door, Referral};
use accompany_store::ids::new_id;
use accompany_store::{hash_password, town_point, ImportUser, Store, WorkerMatching};
use accompany_synthetic::events::{history, Tie};
use accompany_synthetic::{Plan, Synthetic};
use indicatif::{ProgressBar, ProgressStyle};

/// One sign-in printed for a newcomer.
#[derive(Debug, Clone)]
pub struct Credential {
    pub persona: Persona,
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone)]
pub struct SeedReport {
    pub members: u64,
    pub workers: u64,
    pub organizations: usize,
    /// Acute-care events, peer contacts and referrals generated for the members.
    pub events: u64,
    pub contacts: u64,
    pub referrals: u64,
    pub seconds: f64,
    pub credentials: Vec<Credential>,
    /// The organization that takes public self-referrals: the demo care
    /// coordinator's, so their queue holds them.
    pub intake_organization: Option<String>,
}

impl SeedReport {
    pub fn rows_per_second(&self) -> f64 {
        (self.members + self.workers) as f64 / self.seconds.max(1e-9)
    }
}

const WORKER_CHUNK: u64 = 1_200; // a multiple of 12: a supervisor and their team share a chunk
const MEMBER_CHUNK: u64 = 5_000;

fn bar(len: u64, what: &str, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let b = ProgressBar::new(len);
    b.set_style(
        ProgressStyle::with_template("{msg:>8} [{bar:40}] {human_pos}/{human_len} ({per_sec}, {eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    b.set_message(what.to_string());
    b
}

pub fn made_up_password() -> String {
    random_password()
}

fn random_password() -> String {
    use rand::Rng;
    const WORDS: &[&str] = &[
        "harbor", "maple", "lantern", "river", "cedar", "meadow", "beacon", "willow", "summit", "orchard", "compass", "garden", "bridge", "sparrow",
        "granite", "harvest",
    ];
    let mut rng = rand::rngs::OsRng;
    format!(
        "{}-{}-{}-{}",
        WORDS[rng.gen_range(0..WORDS.len())],
        WORDS[rng.gen_range(0..WORDS.len())],
        WORDS[rng.gen_range(0..WORDS.len())],
        rng.gen_range(10..100)
    )
}

/// Fill a migrated, empty store. `today` anchors ages and dates.
pub async fn seed(store: &Store, plan: Plan, quiet: bool) -> anyhow::Result<SeedReport> {
    let started = Instant::now();
    let today = plan.today;
    let synthetic = Synthetic::new(plan, store.catalog());
    let (n_members, n_workers) = (plan.members, plan.workers);
    let import = store.import();
    import.organizations(synthetic.organizations()).await?;
    store.import_contracts(&synthetic.contracts()).await?;

    // Bulk accounts get one unguessable password nobody knows; demo accounts are reset below.
    let bulk_hash = hash_password(&random_password())?;

    let workers_bar = bar(n_workers, "workers", quiet);
    // Each worker's caseload target: between 40% and 95% of their role's
    // cap, so that peers have room and the waiting list has somewhere to go.
    let mut targets: Vec<u32> = Vec::with_capacity(n_workers as usize);
    // Each worker's role, which their contacts' units count under.
    let mut worker_roles: Vec<String> = Vec::with_capacity(n_workers as usize);
    let mut start = 0;
    while start < n_workers {
        let end = (start + WORKER_CHUNK).min(n_workers);
        let mut workers = synthetic.workers(start, end, store.catalog());
        let mut users = Vec::with_capacity(workers.len());
        for (offset, w) in workers.iter_mut().enumerate() {
            let index = start + offset as u64;
            let user_id = format!("u-{}", w.id);
            users.push(ImportUser {
                id: user_id.clone(),
                username: format!("worker{index}"),
                display_name: format!("{} {}", w.given_name, w.family_name),
                password_hash: bulk_hash.clone(),
                persona: if w.supervisor_id.is_none() { Persona::Supervisor } else { Persona::PeerWorker },
                organization_id: Some(w.employer_id.clone()),
                member_id: None,
            });
            w.user_id = Some(user_id);
        }
        import.users(&users).await?;
        import.workers(&workers).await?;
        // Credentials, supervision notes, training and positions scale with workers only.
        let wf = accompany_synthetic::workforce::for_workers(store.catalog(), &workers, start, plan.seed, today);
        import.credentials(&wf.credentials).await?;
        import.supervision_sessions(&wf.sessions).await?;
        import.ce_entries(&wf.ce_entries).await?;
        import.enrolments(&wf.enrolments).await?;
        import.positions(&wf.positions).await?;
        let mut facts = Vec::with_capacity(workers.len());
        for (offset, w) in workers.iter().enumerate() {
            let index = start + offset as u64;
            let h = mix(plan.seed, index);
            let cap = store.catalog().role(&w.role_id).map_or(0, |r| r.caseload_cap);
            targets.push(((cap as u64 * (40 + h % 56)) / 100).max(1) as u32);
            worker_roles.push(w.role_id.clone());
            facts.push((w.id.clone(), worker_matching(h)));
        }
        import.worker_matching(&facts).await?;
        workers_bar.inc(end - start);
        start = end;
    }
    workers_bar.finish();
    import.positions(&accompany_synthetic::workforce::for_organizations(synthetic.organizations())).await?;

    let coordinators = synthetic.coordinators();
    let plans: Vec<_> = synthetic
        .organizations()
        .iter()
        .filter(|o| o.kind == accompany_domain::records::OrganizationKind::HealthPlan)
        .map(|o| o.id.clone())
        .collect();
    let coordinator_users: Vec<ImportUser> = (0..coordinators)
        .map(|i| ImportUser {
            id: format!("coordinator-{i}"),
            username: format!("coordinator{i}"),
            display_name: format!("Care Coordinator {}", i + 1),
            password_hash: bulk_hash.clone(),
            persona: Persona::CareCoordinator,
            organization_id: plans.get(i as usize % plans.len().max(1)).cloned(),
            member_id: None,
        })
        .collect();
    for chunk in coordinator_users.chunks(5_000) {
        import.users(chunk).await?;
    }

    let members_bar = bar(n_members, "members", quiet);
    let mut carried: Vec<u32> = vec![0; n_workers as usize];
    let mut waiting = 0u64;
    let (mut n_events, mut n_contacts, mut n_referrals) = (0u64, 0u64, 0u64);
    let demo_peer = demo_peer(&synthetic, n_members, n_workers);
    let mut start = 0;
    while start < n_members {
        let end = (start + MEMBER_CHUNK).min(n_members);
        let members = synthetic.members(start, end);
        import.members(&members).await?;
        let mut team = Vec::with_capacity(members.len() * 2);
        let mut preferences = Vec::new();
        let mut gaps = Vec::new();
        let mut events: Vec<(String, ValidEvent)> = Vec::new();
        let mut contacts: Vec<(ContactNote, Option<String>)> = Vec::new();
        let mut referrals: Vec<(Referral, Option<String>)> = Vec::new();
        for (offset, m) in members.iter().enumerate() {
            let index = start + offset as u64;
            let (peer, coordinator) = synthetic.team_for_member(index);
            let coordinator_user = format!("coordinator-{coordinator}");
            team.push((m.id.clone(), coordinator_user.clone(), TeamRole::CareCoordinator, today, None));
            let demo = index == 0 && demo_peer.is_some();
            // A peer's caseload stops at its target: the rest of the members who
            // would have had them have no peer. The demo member always has one.
            let peer = if demo { demo_peer } else { peer.filter(|p| carried[*p as usize] < targets[*p as usize]) };
            let tie = if let Some(p) = peer {
                carried[p as usize] += 1;
                if demo {
                    Tie::DemoPeer(p)
                } else {
                    Tie::Peer(p)
                }
            } else if mix(plan.seed ^ 0x7761_6974, index) % 1000 < WAITING_PER_MILLE {
                // Waiting for a peer: said what they want, not yet matched.
                match waiting_preferences(&synthetic, plan.seed, index, n_workers, m.city.as_deref(), store) {
                    Some(prefs) => {
                        preferences.push((m.id.clone(), prefs));
                        waiting += 1;
                        let h = mix(plan.seed ^ 0x0067_6170, index);
                        if h % 10 < 3 {
                            let since = time::OffsetDateTime::now_utc() - time::Duration::days(1 + (h / 10 % 90) as i64);
                            gaps.push((m.id.clone(), "peer-left".to_string(), accompany_store::timestamp_text(since), None));
                        }
                        Tie::Waiting
                    }
                    None => Tie::Neither,
                }
            } else {
                Tie::Neither
            };
            let story = history(plan.seed, index, today, tie);
            if let (Some(p), Some(relationship)) = (peer, story.peer) {
                let user = format!("u-{}", synthetic.worker_id(p));
                team.push((m.id.clone(), user.clone(), TeamRole::Peer, relationship.first_contact, relationship.ended));
                let h = mix(plan.seed ^ 0x0063_686f, index);
                // Most members with a peer said what they wanted when they chose (what equity
                // reports judge the peer against); some came to this peer after one left.
                if !demo && relationship.ended.is_none() && h % 10 < 6 {
                    if let Some(mut prefs) = waiting_preferences(&synthetic, plan.seed, index, n_workers, m.city.as_deref(), store) {
                        prefs.named_peer = None;
                        preferences.push((m.id.clone(), prefs));
                    }
                }
                if h / 10 % 100 < 8 {
                    let days = 3 + (h / 1000 % 58) as i64;
                    let start = (relationship.first_contact - time::Duration::days(days)).midnight().assume_utc();
                    let end = relationship.first_contact.midnight().assume_utc();
                    gaps.push((
                        m.id.clone(),
                        "peer-left".to_string(),
                        accompany_store::timestamp_text(start),
                        Some(accompany_store::timestamp_text(end)),
                    ));
                }
                let role = worker_roles.get(p as usize).cloned();
                contacts.extend(story.contacts.iter().map(|c| {
                    let note = ContactNote {
                        id: new_id(),
                        member_id: m.id.clone(),
                        author_id: user.clone(),
                        author_name: String::new(),
                        date: c.date,
                        start_time: Some(c.start_time),
                        duration_minutes: c.duration_minutes,
                        modality: c.modality,
                        setting: c.setting,
                        note: c.note.to_string(),
                        version: 1,
                    };
                    (note, role.clone())
                }));
            }
            events.extend(story.events.iter().map(|e| (m.id.clone(), e.valid(&m.masshealth_id))));
            if let Some(r) = &story.referral {
                let at = accompany_store::timestamp_text(r.arrived_at.assume_utc());
                let referral = Referral {
                    id: new_id(),
                    member_id: Some(m.id.clone()),
                    // The member's coordinator's plan takes the request.
                    organization_id: plans.get(coordinator as usize % plans.len().max(1)).cloned(),
                    doors: vec![r.door],
                    given_name: m.given_name.clone(),
                    family_name: m.family_name.clone(),
                    date_of_birth: m.date_of_birth,
                    masshealth_id: Some(m.masshealth_id.clone()),
                    phone: m.phone.clone(),
                    email: m.email.clone(),
                    language: m.preferred_languages.first().cloned().unwrap_or_else(|| "en".to_string()),
                    support: r.support,
                    status: r.status,
                    arrivals: 1,
                    first_arrived_at: at.clone(),
                    last_arrived_at: at,
                };
                referrals.push((referral, (r.door == Door::CareCoordinator).then(|| coordinator_user.clone())));
            }
        }
        import.team_members(&team, today).await?;
        import.care_events(&events, SEEDED_BY).await?;
        import.contact_notes(&contacts).await?;
        import.referrals(&referrals).await?;
        n_events += events.len() as u64;
        n_contacts += contacts.len() as u64;
        n_referrals += referrals.len() as u64;
        let coverage: Vec<(String, String)> = members
            .iter()
            .enumerate()
            .map(|(offset, m)| (m.id.clone(), payer_for(mix(plan.seed ^ 0x0070_6179, start + offset as u64)).to_string()))
            .collect();
        import.coverage(&coverage, today - time::Duration::days(COVERED_DAYS)).await?;
        import.preferences(&preferences).await?;
        import.peer_gaps(&gaps).await?;
        members_bar.inc(end - start);
        start = end;
    }
    members_bar.finish();

    if !quiet {
        eprintln!("{waiting} members are waiting for a peer.");
    }
    let credentials = demo_accounts(store, &synthetic, n_members, n_workers).await?;
    let intake_organization = match credentials.iter().find(|c| c.persona == Persona::CareCoordinator) {
        Some(c) => store.user_by_username(&c.username).await?.and_then(|u| u.organization_id),
        None => None,
    };
    store.analyze().await?;
    // The outcome measures from the start, as the nightly job would leave them.
    let measures_bar = bar(n_members, "measures", quiet);
    let seeder = accompany_domain::policy::Actor {
        user_id: "seed".into(),
        username: "seed".into(),
        persona: Persona::StateAdmin,
        organization_id: None,
        member_id: None,
    };
    store.access(seeder, "seed").rebuild_measures(&mut |done, _| measures_bar.set_position(done)).await?;
    measures_bar.finish();
    Ok(SeedReport {
        members: n_members,
        workers: n_workers,
        organizations: synthetic.organizations().len(),
        events: n_events,
        contacts: n_contacts,
        referrals: n_referrals,
        seconds: started.elapsed().as_secs_f64(),
        credentials,
        intake_organization,
    })
}

/// How long seeded members have been covered: two years.
const COVERED_DAYS: i64 = 730;

/// Who seeded events are recorded as loaded by.
const SEEDED_BY: &str = "seed";

/// The demo member's peer, when there are demo accounts: their own, or the
/// first active peer worker (any non-supervisor when there is none).
fn demo_peer(s: &Synthetic, members: u64, workers: u64) -> Option<u64> {
    if members == 0 || workers < 2 {
        return None;
    }
    Some(s.team_for_member(0).0.unwrap_or_else(|| (1..workers).find(|&w| s.is_active_peer(w)).unwrap_or(1)))
}

/// A member's payer: most by MassHealth itself, the rest by One Care, an
/// ACO or a managed-care plan (made-up shares).
fn payer_for(h: u64) -> &'static str {
    match h % 20 {
        0..=13 => "masshealth",
        14..=16 => "one-care",
        17..=18 => "aco",
        _ => "managed-care",
    }
}

/// One account per persona, tied to the first member so every home page has something to show.
async fn demo_accounts(store: &Store, s: &Synthetic, members: u64, workers: u64) -> anyhow::Result<Vec<Credential>> {
    let mut out = Vec::new();
    // Member 0 always has a peer in the demo (seeded with the other members),
    // so the peer's caseload and the member's team show someone.
    let Some(peer_index) = demo_peer(s, members, workers) else {
        return Ok(out);
    };
    let member_id = s.member_id(0);
    let coordinator = s.team_for_member(0).1;
    let supervisor_index = peer_index - peer_index % 12;
    let peer_worker = s.workers(peer_index, peer_index + 1, store.catalog()).remove(0);
    let employer = peer_worker.employer_id.clone();

    let mut add = |persona, username: String, password: String| {
        out.push(Credential { persona, username, password });
    };
    let peer_user = format!("worker{peer_index}");
    let supervisor_user = format!("worker{supervisor_index}");
    let coordinator_user = format!("coordinator{coordinator}");
    for (persona, username) in
        [(Persona::PeerWorker, &peer_user), (Persona::Supervisor, &supervisor_user), (Persona::CareCoordinator, &coordinator_user)]
    {
        let password = random_password();
        store.set_password(username, &password).await?;
        add(persona, username.clone(), password);
    }
    // A clinician of a hospital, for emergency access.
    let hospital = s.organizations().iter().find(|o| o.kind == accompany_domain::records::OrganizationKind::Hospital).map(|o| o.id.clone());
    for (persona, username, display, org, member) in [
        (Persona::Member, "member", "Demo Member", None, Some(member_id.as_str())),
        (Persona::Clinician, "clinician", "Demo Clinician", hospital.as_deref(), None),
        (Persona::OrganizationAdmin, "orgadmin", "Demo Organization Admin", Some(employer.as_str()), None),
        (Persona::StateAdmin, "stateadmin", "Demo State Admin", None, None),
        (Persona::PrivacyOfficer, "privacyofficer", "Demo Privacy Officer", None, None),
        (Persona::BillingOffice, "billing", "Demo Billing Office", Some(employer.as_str()), None),
    ] {
        let password = random_password();
        store
            .create_user(accompany_store::NewUser {
                username,
                display_name: display,
                password: &password,
                persona,
                organization_id: org,
                member_id: member,
            })
            .await?;
        add(persona, username.to_string(), password);
    }
    demo_privacy(store, &member_id, &coordinator_user, &peer_user).await?;
    demo_billing(store, &member_id, &peer_worker.role_id).await?;
    // Print in persona order.
    out.sort_by_key(|c| Persona::ALL.iter().position(|p| *p == c.persona));
    Ok(out)
}

/// The demo member's health information, diagnoses and a month of contacts
/// with their peer, so that the sharing page has something to protect and
/// the billing pages a month of work. Written through the same policy and
/// audit as any request.
async fn demo_privacy(store: &Store, member_id: &str, coordinator: &str, peer: &str) -> anyhow::Result<()> {
    let as_user = |name: &str| {
        let name = name.to_string();
        async move {
            let user = store.user_by_username(&name).await?.ok_or_else(|| anyhow::anyhow!("demo account {name} is missing"))?;
            anyhow::Ok(store.access(user.actor(), "seed"))
        }
    };
    let coordinator = as_user(coordinator).await?;
    for (category, text) in [
        ("mental-health", "Depression since 2019; sees a therapist every two weeks."),
        ("substance-use", "In recovery from alcohol use since 2022."),
        ("care-plan", "Find stable housing; evening meetings work best."),
    ] {
        coordinator.add_health_entry(member_id, &HealthEntryInput { category: category.into(), text: text.into() }).await?;
    }
    // The diagnoses a claim names: each carries its label (mental health, substance use).
    for (code, description, since) in
        [("F33.1", "Major depressive disorder, recurrent, moderate", 2400), ("F10.21", "Alcohol dependence, in remission", 1400)]
    {
        let input = accompany_domain::claim_data::DiagnosisInput {
            code: code.into(),
            description: Some(description.into()),
            start_date: accompany_domain::records::format_date(today() - time::Duration::days(since)),
            end_date: None,
        };
        coordinator.add_diagnosis(member_id, &input).await?;
    }
    let note = ContactNoteInput {
        date: accompany_domain::records::format_date(today() - time::Duration::days(2)),
        duration_minutes: "45".into(),
        modality: "phone".into(),
        setting: "home".into(),
        note: "Talked through the week ahead.".into(),
        start_time: "10:00".into(),
    };
    let peer = as_user(peer).await?;
    peer.log_contact(member_id, &note).await?;
    // Six weeks of contacts, two or three a week in the last month, so that
    // the peer's units, the engagement rule and billable work show. The
    // oldest is the first contact, the day the peer joined the team.
    for (days, minutes, modality, setting, line) in [
        (4, "25", "phone", "home", ""),
        (6, "30", "in-person", "community", "Walked to the recovery café together."),
        (9, "40", "in-person", "community", "Practised the call to the housing office."),
        (11, "15", "text", "virtual", ""),
        (13, "20", "video", "virtual", ""),
        (16, "50", "in-person", "community", "Met at the library to fill in the housing form."),
        (18, "30", "phone", "home", ""),
        (21, "60", "in-person", "recovery-learning-community", "Went to the Tuesday group."),
        (23, "20", "video", "virtual", ""),
        (25, "45", "in-person", "community", "Talked about the first weeks back at work."),
        (28, "30", "phone", "home", "Planned the month ahead."),
        (38, "30", "phone", "home", ""),
        (accompany_synthetic::events::DEMO_FIRST_CONTACT_DAYS, "45", "in-person", "community", "First meeting: talked about what would help."),
    ] {
        let input = ContactNoteInput {
            date: accompany_domain::records::format_date(today() - time::Duration::days(days)),
            duration_minutes: minutes.into(),
            modality: modality.into(),
            setting: setting.into(),
            note: line.into(),
            start_time: "15:00".into(),
        };
        peer.log_contact(member_id, &input).await?;
    }
    // The member's own recovery goal, with a step done and the peer's note of progress.
    let member = as_user("member").await?;
    let goal = member
        .add_goal(
            member_id,
            &accompany_domain::goals::GoalInput {
                goal: "Find a place of my own by next winter.".into(),
                steps: vec![
                    accompany_domain::goals::GoalStepInput { text: "Get on the housing list".into(), done: true, ..Default::default() },
                    accompany_domain::goals::GoalStepInput {
                        text: "Save for the first month's rent".into(),
                        target_date: accompany_domain::records::format_date(today() + time::Duration::days(120)),
                        done: false,
                    },
                ],
                ..Default::default()
            },
        )
        .await?;
    let progress = accompany_domain::goals::ProgressInput {
        date: accompany_domain::records::format_date(today() - time::Duration::days(6)),
        note: "Applied to two housing lists together.".into(),
    };
    peer.add_goal_progress(member_id, &goal.id, &progress).await?;
    Ok(())
}

/// The demo member's coverage by MassHealth and, where the peer's role needs
/// one, an approved authorization from the first contact, so that the
/// contact log shows units against it; recorded by the organization admin
/// through the same policy and audit as any request.
async fn demo_billing(store: &Store, member_id: &str, role_id: &str) -> anyhow::Result<()> {
    let user = store.user_by_username("orgadmin").await?.ok_or_else(|| anyhow::anyhow!("demo account orgadmin is missing"))?;
    let admin = store.access(user.actor(), "seed");
    let covered = admin.coverage(member_id).await?.record.coverage;
    if !covered.iter().any(|c| c.payer_id == "masshealth") {
        let input = accompany_domain::coverage::CoverageInput {
            payer_id: "masshealth".into(),
            start: accompany_domain::records::format_date(today() - time::Duration::days(COVERED_DAYS)),
            ..Default::default()
        };
        admin.add_coverage(member_id, &input).await?;
    }
    let needs_one = store.catalog().role(role_id).is_some_and(|r| r.billing.iter().any(|b| b.payer == "masshealth" && b.prior_authorization));
    if needs_one {
        let request = accompany_domain::coverage::AuthorizationRequest {
            role_id: role_id.into(),
            payer_id: "masshealth".into(),
            start: accompany_domain::records::format_date(today() - time::Duration::days(accompany_synthetic::events::DEMO_FIRST_CONTACT_DAYS)),
            ..Default::default()
        };
        let requested = admin.request_authorization(member_id, &request).await?;
        let decision = accompany_domain::coverage::AuthorizationDecision { number: Some("PA-2026-0001".into()), ..Default::default() };
        admin.decide_authorization(member_id, &requested.id, &decision).await?;
    }
    Ok(())
}

/// For `demo` only (tests start from the seed without them): the demo
/// peer's evening and weekend hours, a 90-minute session with the demo
/// member, and a weekly evening video group the member has joined.
pub async fn demo_booking(store: &Store, report: &SeedReport) -> anyhow::Result<()> {
    use accompany_domain::booking::{datetime_text, weekday_id, SessionInput, WindowInput};
    let Some(peer) = report.credentials.iter().find(|c| c.persona == Persona::PeerWorker) else {
        return Ok(());
    };
    let member = store.user_by_username("member").await?.ok_or_else(|| anyhow::anyhow!("demo member is missing"))?;
    let Some(member_id) = member.member_id.clone() else {
        return Ok(());
    };
    let member_id = member_id.as_str();
    let user = store.user_by_username(&peer.username).await?.ok_or_else(|| anyhow::anyhow!("demo account {} is missing", peer.username))?;
    let peer_access = store.access(user.actor(), "seed");
    let Some(worker_id) = peer_access.own_worker_id().await? else {
        return Ok(());
    };
    let mut week: Vec<WindowInput> = ["monday", "tuesday", "wednesday", "thursday"]
        .iter()
        .map(|d| WindowInput { weekday: d.to_string(), start: "17:00".into(), end: "22:00".into(), modality: "video".into() })
        .collect();
    week.push(WindowInput { weekday: "saturday".into(), start: "10:00".into(), end: "14:00".into(), modality: "in-person".into() });
    let version = peer_access.availability(&worker_id).await?.version;
    peer_access.set_availability(&worker_id, &week, version).await?;
    // Two days from now falls on a day with hours, or the next one that has.
    let now = store.now_local();
    let mut day = now.date() + time::Duration::days(2);
    while !["monday", "tuesday", "wednesday", "thursday"].contains(&weekday_id(day.weekday())) {
        day = day.next_day().unwrap_or(day);
    }
    let start = time::PrimitiveDateTime::new(day, time::macros::time!(18:00));
    peer_access
        .book_session(
            member_id,
            &SessionInput { worker_id: worker_id.clone(), start: datetime_text(start), minutes: "90".into(), modality: String::new() },
        )
        .await?;
    let first = now.date() + time::Duration::days(1);
    let group = peer_access
        .create_group(&accompany_domain::groups::GroupInput {
            title: "Evening recovery circle".into(),
            description: "A weekly video group: share what helps, hear what helped others.".into(),
            language: "en".into(),
            modality: "video".into(),
            setting: "virtual".into(),
            place: "The video link is sent to members who join".into(),
            first_date: accompany_domain::records::format_date(first),
            start: "19:00".into(),
            end: "20:30".into(),
            weeks: "12".into(),
            open_to: user.organization_id.clone().unwrap_or_default(),
            co_leaders: vec![],
        })
        .await?;
    store.access(member.actor(), "seed").join_group(&group.id).await?;
    Ok(())
}

/// Members without a peer who are waiting for one, per thousand: about 5%
/// of all members (100,000 of 2,000,000).
const WAITING_PER_MILLE: u64 = 54;

/// A well-mixed number from (seed, index) (SplitMix64).
fn mix(seed: u64, index: u64) -> u64 {
    let mut z = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ index.wrapping_add(0x632b_e59b_d9b3_e48f);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// How a worker meets members: most in person, many by phone, half by video.
fn worker_matching(h: u64) -> WorkerMatching {
    let mut modalities = Vec::new();
    for (m, per_cent, bits) in [(Modality::InPerson, 85, 0), (Modality::Phone, 80, 8), (Modality::Video, 50, 16)] {
        if (h >> bits) % 100 < per_cent {
            modalities.push(m);
        }
    }
    if modalities.is_empty() {
        modalities.push(Modality::InPerson);
    }
    WorkerMatching { modalities, location: None }
}

/// The matching engine's synthetic choices for member `index`, placed in the
/// member's own town and naming, if anyone, a peer of this data set.
fn waiting_preferences(s: &Synthetic, seed: u64, index: u64, workers: u64, city: Option<&str>, store: &Store) -> Option<Preferences> {
    let mut input = accompany_synthetic::matching::member_input(seed, index, store.catalog(), workers);
    input.named_peer = input.named_peer.as_deref().and_then(|id| u64::from_str_radix(id.get(..8)?, 16).ok()).map(|w| s.worker_id(w % workers.max(1)));
    if let Some(point) = city.and_then(|c| town_point(store.catalog(), c)) {
        input.home_town = city.map(str::to_string);
        if input.home.is_some() {
            input.home = Some(point);
        }
    }
    input.validate(store.catalog()).ok()
}

pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}
