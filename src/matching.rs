//! `accompany match`: rank the peers for one member, assign a waiting list
//! (or a departing peer's caseload) optimally, and measure both on the
//! database's own data.

use std::path::PathBuf;
use std::time::Instant;

use accompany_domain::matching::{write_dimacs, Assignment, BatchProblem, PeerRanking};
use accompany_domain::policy::Actor;
use accompany_domain::records::Persona;
use accompany_store::{Access, PoolFilter, Store, StoreError};
use anyhow::{bail, Context};
use serde_json::json;

/// Who the command acts as: a named account, or the operator of the
/// command line as a state admin (audited under that name).
pub async fn actor(store: &Store, as_user: Option<&str>) -> anyhow::Result<Access> {
    let actor = match as_user {
        Some(name) => match store.user_by_username(name).await? {
            Some(u) => u.actor(),
            None => bail!("no user named {name:?}; give an existing account with --as, or leave it out to act as the command line"),
        },
        None => {
            let who = std::env::var("USER").unwrap_or_else(|_| "operator".into());
            Actor {
                user_id: "command-line".into(),
                username: format!("command-line:{who}"),
                persona: Persona::StateAdmin,
                organization_id: None,
                member_id: None,
            }
        }
    };
    Ok(store.access(actor, "command line"))
}

fn explain(e: StoreError, member: &str) -> anyhow::Error {
    match e {
        StoreError::NotFound => anyhow::anyhow!("no member with id {member:?}; list members with GET /api/v1/members or check the id"),
        StoreError::Invalid(i) => anyhow::anyhow!("{i}"),
        other => other.into(),
    }
}

pub async fn rank_member(store: &Store, as_user: Option<&str>, member: &str, limit: usize, as_json: bool) -> anyhow::Result<()> {
    let access = actor(store, as_user).await?;
    let pool = store.peer_pool(&PoolFilter::default()).await?;
    let ranking = access.rank_peers(member, &pool, limit).await.map_err(|e| explain(e, member))?;
    if ranking.eligible == 0 {
        // Say which constraint leaves nobody, so the member or their coordinator can relax it.
        let blockers = access.blockers(member, &pool).await.map_err(|e| explain(e, member))?;
        let list: Vec<String> = blockers.iter().map(|(k, n)| format!("{k}: {n} peers")).collect();
        bail!(
            "no peer meets member {member}'s constraints among {} peers ({}). Change a must to a preference, widen the travel distance, or accept an interpreter",
            pool.profiles.len(),
            list.join(", ")
        );
    }
    if as_json {
        println!("{}", serde_json::to_string_pretty(&ranking)?);
        return Ok(());
    }
    println!("{} eligible peers for member {member}; the best {}:", ranking.eligible, ranking.choices.len());
    for (i, c) in ranking.choices.iter().enumerate() {
        let codes: Vec<String> = c
            .reasons
            .iter()
            .map(|r| {
                let code = r["code"].as_str().unwrap_or("?");
                let rest: Vec<String> =
                    r.as_object().into_iter().flatten().filter(|(k, _)| *k != "code").map(|(_, v)| v.to_string().replace('"', "")).collect();
                if rest.is_empty() {
                    code.to_string()
                } else {
                    format!("{code} {}", rest.join(" "))
                }
            })
            .collect();
        println!(
            "{:>3}. {} ({}, {}, {}) score {}: {}",
            i + 1,
            c.peer.name,
            c.peer.role_id,
            c.peer.organization,
            c.peer.source.as_str(),
            c.score,
            codes.join("; ")
        );
    }
    Ok(())
}

pub struct BatchOptions {
    pub as_user: Option<String>,
    pub dry_run: bool,
    pub json: bool,
    pub export_dimacs: Option<PathBuf>,
    pub departing: Option<String>,
}

pub async fn batch(store: &Store, o: BatchOptions) -> anyhow::Result<()> {
    let access = actor(store, o.as_user.as_deref()).await?;
    if let Some(w) = &o.departing {
        if store.peer_pool(&PoolFilter { worker_id: Some(w.clone()), ..Default::default() }).await?.profiles.is_empty()
            && access.worker(w).await.is_err()
        {
            bail!("no worker with id {w:?}; give the id of the peer who left with --departing");
        }
    }
    let started = Instant::now();
    let waiting = access.waiting_list(o.departing.as_deref()).await?;
    let loaded = started.elapsed().as_secs_f64();
    let t = Instant::now();
    let problem = BatchProblem::new(&waiting.members, &waiting.pool.profiles, store.catalog());
    if let Some(path) = &o.export_dimacs {
        let file =
            std::fs::File::create(path).with_context(|| format!("cannot write {}: check the directory exists and is writable", path.display()))?;
        let mut out = std::io::BufWriter::new(file);
        write_dimacs(&problem, &mut out)?;
        std::io::Write::flush(&mut out)?;
    }
    let a = problem.solve();
    let solved = t.elapsed().as_secs_f64();
    let applied = if o.dry_run { None } else { Some(access.apply_batch(&a.pairs, &waiting.pool).await?) };
    // Network adequacy shows this run's unmet demand.
    access.keep_unmatched_report(&waiting, &a, applied.is_some()).await?;
    if o.json {
        let v = json!({
            "members": a.members, "peers": waiting.pool.profiles.len(), "derived_preferences": waiting.derived,
            "served": a.served, "unmatched": a.unmatched.len(), "total_score": a.total_score,
            "objective": a.objective, "big": a.big, "objective_units": "score points; the minimum cost of the DIMACS network",
            "member_classes": a.member_classes, "peer_classes": a.peer_classes, "pairs_with_flow": a.arcs, "phases": a.phases,
            "dry_run": o.dry_run, "applied": applied, "gap": a.gap, "load_seconds": loaded, "solve_seconds": solved,
            "pairs": a.pairs, "unmatched_members": a.unmatched,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    print_batch(&a, waiting.pool.profiles.len(), loaded, solved);
    match applied {
        Some(ap) => println!(
            "Applied: {} members now have a peer ({} pairs skipped because the peer filled up or the member found a peer meanwhile). Run {}.",
            ap.assigned, ap.skipped, ap.run_id
        ),
        None => println!("Dry run: nothing was changed. Run without --dry-run to apply."),
    }
    Ok(())
}

fn print_batch(a: &Assignment, peers: usize, loaded: f64, solved: f64) {
    println!(
        "{} waiting members, {} peers with room: {} matched, {} unmatched; total score {}, objective {} (big {}).",
        a.members,
        peers,
        a.served,
        a.unmatched.len(),
        a.total_score,
        a.objective,
        a.big
    );
    println!(
        "Loaded in {loaded:.2} s, solved in {solved:.2} s ({} member classes, {} peer classes, {} phases).",
        a.member_classes, a.peer_classes, a.phases
    );
    if a.unmatched.is_empty() {
        return;
    }
    println!("\nUnmatched members (the network-adequacy gap):");
    for (title, map) in [
        ("by blocking constraint", &a.gap.by_reason),
        ("by first language", &a.gap.by_language),
        ("by region (home town)", &a.gap.by_town),
        ("by kind of support (role)", &a.gap.by_support),
    ] {
        println!("  {title}:");
        let mut rows: Vec<(&String, &usize)> = map.iter().collect();
        rows.sort_by(|x, y| y.1.cmp(x.1).then(x.0.cmp(y.0)));
        for (k, n) in rows {
            println!("    {n:>7}  {k}");
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[(((sorted.len() - 1) as f64) * p).round() as usize]
}

fn memory_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find(|l| l.starts_with(field))?.split_whitespace().nth(1)?.parse().ok()
}

/// Rank and batch timings on the database's own data: profiles and the
/// waiting list are loaded once, then ranking and assignment run in memory.
/// Peers a member is shown at once.
const RANK_PAGE: usize = 20;

pub async fn bench(store: &Store, samples: usize, members: Option<usize>, as_json: bool) -> anyhow::Result<()> {
    let access = actor(store, None).await?;
    let t = Instant::now();
    let pool = store.peer_pool(&PoolFilter::default()).await?;
    let load_peers = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut waiting = access.waiting_list(None).await?;
    let load_waiting = t.elapsed().as_secs_f64();
    if let Some(n) = members {
        waiting.members.truncate(n);
    }
    if waiting.members.is_empty() {
        bail!("nobody is waiting for a peer in this database; run `accompany seed` first");
    }
    let catalog = store.catalog();
    // As the choose page and the API rank: every peer ordered, the reasons
    // put into words for the first page; and, apart, with words for all.
    let mut times = Vec::with_capacity(samples);
    let mut all_words = Vec::with_capacity(samples);
    let mut listed = 0usize;
    for (_, prefs) in waiting.members.iter().cycle().take(samples) {
        let t = Instant::now();
        let ranking = PeerRanking::new(prefs, &pool.profiles, catalog, usize::MAX);
        let page: Vec<_> = (0..RANK_PAGE.min(ranking.len())).filter_map(|i| ranking.explain(i)).collect();
        times.push(t.elapsed().as_secs_f64() * 1e6);
        listed += ranking.len();
        std::hint::black_box(page);
        let t = Instant::now();
        std::hint::black_box(ranking.explain_all());
        all_words.push(times[times.len() - 1] + t.elapsed().as_secs_f64() * 1e6);
    }
    times.sort_by(f64::total_cmp);
    all_words.sort_by(f64::total_cmp);
    // Peak memory of the batch alone: reset the high-water mark first (Linux).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let rss_before = memory_kib("VmRSS:").unwrap_or(0);
    let t = Instant::now();
    let a = BatchProblem::new(&waiting.members, &waiting.pool.profiles, catalog).solve();
    let batch_seconds = t.elapsed().as_secs_f64();
    let peak = memory_kib("VmHWM:").unwrap_or(0);
    let v = json!({
        "peers": pool.profiles.len(), "waiting_members": waiting.members.len(),
        "load_peers_seconds": load_peers, "load_waiting_seconds": load_waiting,
        "rank_samples": times.len(), "rank_p50_us": percentile(&times, 0.5), "rank_p99_us": percentile(&times, 0.99),
        "rank_max_us": times.last().copied().unwrap_or(0.0), "rank_listed_average": listed as f64 / times.len().max(1) as f64,
        "rank_reasons_for_all_p50_us": percentile(&all_words, 0.5), "rank_reasons_for_all_p99_us": percentile(&all_words, 0.99),
        "batch_seconds": batch_seconds, "batch_served": a.served, "batch_unmatched": a.unmatched.len(),
        "batch_member_classes": a.member_classes, "batch_peer_classes": a.peer_classes, "batch_pairs_with_flow": a.arcs, "batch_phases": a.phases,
        "rss_before_batch_mib": rss_before as f64 / 1024.0, "peak_rss_during_batch_mib": peak as f64 / 1024.0,
    });
    if as_json {
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!(
        "Loaded {} peers in {load_peers:.2} s and {} waiting members in {load_waiting:.2} s (once; everything below runs in memory).",
        pool.profiles.len(),
        waiting.members.len()
    );
    println!(
        "Rank all peers for one member, reasons in words for the first {RANK_PAGE} ({} members): p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs; {:.0} eligible peers ranked on average.",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.last().copied().unwrap_or(0.0),
        listed as f64 / times.len().max(1) as f64
    );
    println!("With reasons in words for every eligible peer: p50 {:.0} µs, p99 {:.0} µs.", percentile(&all_words, 0.5), percentile(&all_words, 0.99));
    println!(
        "Batch: {} waiting members to {} peers in {batch_seconds:.2} s; {} matched, {} unmatched; {} member classes, {} peer classes, {} phases.",
        a.members,
        waiting.pool.profiles.len(),
        a.served,
        a.unmatched.len(),
        a.member_classes,
        a.peer_classes,
        a.phases
    );
    println!("Memory: {:.0} MiB resident before the batch, peak {:.0} MiB during it.", rss_before as f64 / 1024.0, peak as f64 / 1024.0);
    Ok(())
}
