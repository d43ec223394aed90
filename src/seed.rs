//! Load deterministic synthetic data into a store, in chunks, with progress,
//! and set up one account for each persona so a newcomer can sign in.

use std::time::Instant;

use accompany_domain::records::{Persona, TeamRole};
use accompany_domain::synthetic::{Plan, Synthetic};
use accompany_domain::notes::{ContactNoteInput, HealthEntryInput};
use accompany_store::{hash_password, ImportUser, Store};
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
    pub seconds: f64,
    pub credentials: Vec<Credential>,
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
        "harbor", "maple", "lantern", "river", "cedar", "meadow", "beacon", "willow", "summit", "orchard", "compass",
        "garden", "bridge", "sparrow", "granite", "harvest",
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

    // Bulk accounts get one unguessable password nobody knows; demo accounts are reset below.
    let bulk_hash = hash_password(&random_password())?;

    let workers_bar = bar(n_workers, "workers", quiet);
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
        let wf = accompany_domain::workforce::demo::for_workers(store.catalog(), &workers, start, plan.seed, today);
        import.credentials(&wf.credentials).await?;
        import.supervision_sessions(&wf.sessions).await?;
        import.ce_entries(&wf.ce_entries).await?;
        import.enrolments(&wf.enrolments).await?;
        import.positions(&wf.positions).await?;
        workers_bar.inc(end - start);
        start = end;
    }
    workers_bar.finish();
    import.positions(&accompany_domain::workforce::demo::for_organizations(synthetic.organizations())).await?;

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
    let mut start = 0;
    while start < n_members {
        let end = (start + MEMBER_CHUNK).min(n_members);
        let members = synthetic.members(start, end);
        import.members(&members).await?;
        let mut team = Vec::with_capacity(members.len() * 2);
        for (offset, m) in members.iter().enumerate() {
            let (peer, coordinator) = synthetic.team_for_member(start + offset as u64);
            team.push((m.id.clone(), format!("coordinator-{coordinator}"), TeamRole::CareCoordinator));
            if let Some(p) = peer {
                team.push((m.id.clone(), format!("u-{}", synthetic.worker_id(p)), TeamRole::Peer));
            }
        }
        import.team_members(&team, today).await?;
        members_bar.inc(end - start);
        start = end;
    }
    members_bar.finish();

    let credentials = demo_accounts(store, &synthetic, n_members, n_workers).await?;
    store.analyze().await?;
    Ok(SeedReport {
        members: n_members,
        workers: n_workers,
        organizations: synthetic.organizations().len(),
        seconds: started.elapsed().as_secs_f64(),
        credentials,
    })
}

/// One account per persona, tied to the first member so every home page has something to show.
async fn demo_accounts(store: &Store, s: &Synthetic, members: u64, workers: u64) -> anyhow::Result<Vec<Credential>> {
    let mut out = Vec::new();
    if members == 0 || workers < 2 {
        return Ok(out);
    }
    let member_id = s.member_id(0);
    let (peer, coordinator) = s.team_for_member(0);
    // Member 0 always has a peer in the demo, so the peer's caseload and the member's team show someone.
    let peer_index = match peer {
        Some(p) => p,
        None => {
            let p = 1;
            store
                .import()
                .team_members(&[(member_id.clone(), format!("u-{}", s.worker_id(p)), TeamRole::Peer)], today())
                .await?;
            p
        }
    };
    let supervisor_index = peer_index - peer_index % 12;
    let peer_worker = s.workers(peer_index, peer_index + 1, store.catalog()).remove(0);
    let employer = peer_worker.employer_id.clone();

    let mut add = |persona, username: String, password: String| {
        out.push(Credential { persona, username, password });
    };
    let peer_user = format!("worker{peer_index}");
    let supervisor_user = format!("worker{supervisor_index}");
    let coordinator_user = format!("coordinator{coordinator}");
    for (persona, username) in [
        (Persona::PeerWorker, &peer_user),
        (Persona::Supervisor, &supervisor_user),
        (Persona::CareCoordinator, &coordinator_user),
    ] {
        let password = random_password();
        store.set_password(username, &password).await?;
        add(persona, username.clone(), password);
    }
    for (persona, username, display, org, member) in [
        (Persona::Member, "member", "Demo Member", None, Some(member_id.as_str())),
        (Persona::OrganizationAdmin, "orgadmin", "Demo Organization Admin", Some(employer.as_str()), None),
        (Persona::StateAdmin, "stateadmin", "Demo State Admin", None, None),
        (Persona::PrivacyOfficer, "privacyofficer", "Demo Privacy Officer", None, None),
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
    // Print in persona order.
    out.sort_by_key(|c| Persona::ALL.iter().position(|p| *p == c.persona));
    Ok(out)
}

/// The demo member's health information and a contact with their peer, so
/// that the sharing page has something to protect. Written through the same
/// policy and audit as any request.
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
        coordinator
            .add_health_entry(member_id, &HealthEntryInput { category: category.into(), text: text.into() })
            .await?;
    }
    let note = ContactNoteInput {
        date: accompany_domain::records::format_date(today() - time::Duration::days(2)),
        duration_minutes: "45".into(),
        modality: "phone".into(),
        setting: "home".into(),
        note: "Talked through the week ahead.".into(),
    };
    as_user(peer).await?.add_contact_note(member_id, &note).await?;
    Ok(())
}

pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}
