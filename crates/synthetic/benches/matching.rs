//! Matching figures at state scale: `cargo bench -p accompany-synthetic --bench matching`.
//! Prints timings; asserts nothing (the tests check correctness).

use std::time::Instant;

use accompany_domain::matching::{rank, rank_top, BatchProblem, PeerRanking, Preferences};
use accompany_domain::Catalog;
use accompany_synthetic::matching as synthetic;

const SEED: u64 = 2026;
const PEERS: u64 = 10_000;
const RANKED_MEMBERS: u64 = 2_000;
const BATCH_MEMBERS: u64 = 100_000;
/// Peers a member is shown at once.
const PAGE: usize = 20;

fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let Ok(catalog) = Catalog::massachusetts() else {
        eprintln!("the embedded catalog does not load");
        return;
    };
    let batch_members: u64 = std::env::var("MATCHING_BATCH_MEMBERS").ok().and_then(|v| v.parse().ok()).unwrap_or(BATCH_MEMBERS);

    let started = Instant::now();
    let peers: Vec<_> = (0..PEERS).filter_map(|j| synthetic::peer_profile(SEED, j, &catalog).ok()).collect();
    let members: Vec<(String, Preferences)> = (0..batch_members)
        .filter_map(|i| {
            let prefs = synthetic::member_preferences(SEED, i, &catalog, PEERS).ok()?;
            Some((synthetic::member_id(SEED, i), prefs))
        })
        .collect();
    println!("generation: {} peers, {} members in {:.0} ms", peers.len(), members.len(), started.elapsed().as_secs_f64() * 1e3);

    // Ranking every peer: order and scores for all, reasons in words for
    // the first page a member is shown (what the choose page and the API do).
    let mut times = Vec::with_capacity(RANKED_MEMBERS as usize);
    let mut listed = 0usize;
    for (_, prefs) in members.iter().take(RANKED_MEMBERS as usize) {
        let t = Instant::now();
        let ranking = PeerRanking::new(prefs, &peers, &catalog, usize::MAX);
        let page: Vec<_> = (0..PAGE.min(ranking.len())).filter_map(|i| ranking.explain(i)).collect();
        times.push(t.elapsed().as_secs_f64() * 1e6);
        listed += ranking.len();
        std::hint::black_box(page);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "rank every peer, {} members against {} peers (reasons for the first {PAGE}): p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs, {:.0} peers ranked on average",
        times.len(),
        peers.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.last().copied().unwrap_or(0.0),
        listed as f64 / times.len().max(1) as f64
    );

    let mut times = Vec::with_capacity(RANKED_MEMBERS as usize);
    for (_, prefs) in members.iter().take(RANKED_MEMBERS as usize) {
        let t = Instant::now();
        let ranked = rank(prefs, &peers, &catalog);
        times.push(t.elapsed().as_secs_f64() * 1e6);
        std::hint::black_box(ranked);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "rank every peer with reasons in words for all of them: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.last().copied().unwrap_or(0.0),
    );

    let mut times = Vec::with_capacity(RANKED_MEMBERS as usize);
    for (_, prefs) in members.iter().take(RANKED_MEMBERS as usize) {
        let t = Instant::now();
        let ranked = rank_top(prefs, &peers, &catalog, 20);
        times.push(t.elapsed().as_secs_f64() * 1e6);
        std::hint::black_box(ranked);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "rank_top 20 with reasons, {} members against {} peers: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
        times.len(),
        peers.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.last().copied().unwrap_or(0.0)
    );
    if std::env::var("MATCHING_SKIP_BATCH").is_ok() {
        return;
    }

    let t = Instant::now();
    let problem = BatchProblem::new(&members, &peers, &catalog);
    let built = t.elapsed().as_secs_f64();
    let a = problem.solve();
    let wall = t.elapsed().as_secs_f64();
    println!("  classes built and flow solved in {built:.2} s, split into people in {:.2} s", wall - built);
    let capacity: u64 = peers.iter().map(|p| u64::from(p.remaining_capacity())).sum();
    println!(
        "batch {} members x {} peers (capacity {}): {:.2} s wall; {} member classes, {} peer classes, {} class pairs carrying flow, {} shortest-path phases",
        members.len(),
        peers.len(),
        capacity,
        wall,
        a.member_classes,
        a.peer_classes,
        a.arcs,
        a.phases
    );
    println!("  served {}, unmatched {}, total score {}, objective {} (big {})", a.served, a.unmatched.len(), a.total_score, a.objective, a.big);
    println!("  unmatched by reason: {:?}", a.gap.by_reason);
    println!("  unmatched by language: {:?}", a.gap.by_language);
    if let Some(kib) = peak_memory_kib() {
        println!("peak memory (VmHWM): {} MiB", kib / 1024);
    }
}
