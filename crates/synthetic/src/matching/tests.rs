//! The matching engine against synthetic worlds: ordering, hard
//! constraints and exactness checked independently of the ranking code.

use std::collections::HashMap;

use accompany_domain::catalog::Catalog;
use accompany_domain::matching::{
    assign, ineligibility, rank, rank_top, score, write_dimacs, BatchProblem, IdentityDimension, Modality, PeerProfile, PeerRanking, Preferences,
    Strength,
};
use accompany_domain::records::Visibility;
use proptest::prelude::*;

fn catalog() -> Catalog {
    Catalog::massachusetts().expect("embedded catalog is valid")
}

fn synthetic_world(seed: u64, members: u64, peers: u64) -> (Catalog, Vec<(String, Preferences)>, Vec<PeerProfile>) {
    let c = catalog();
    let ps: Vec<PeerProfile> = (0..peers).map(|j| super::peer_profile(seed, j, &c).expect("synthetic peers are valid")).collect();
    let ms = (0..members)
        .map(|i| (super::member_id(seed, i), super::member_preferences(seed, i, &c, peers).expect("synthetic members are valid")))
        .collect();
    (c, ms, ps)
}

#[test]
fn rank_is_sorted_complete_and_repeatable() {
    let (c, members, peers) = synthetic_world(7, 60, 300);
    for (_, prefs) in &members {
        let ranked = rank(prefs, &peers, &c);
        for w in ranked.windows(2) {
            assert!(w[0].score > w[1].score || (w[0].score == w[1].score && w[0].worker_id < w[1].worker_id));
        }
        let eligible = peers.iter().filter(|p| ineligibility(prefs, p, &c).is_none()).count();
        assert_eq!(ranked.len(), eligible);
        for r in &ranked {
            assert_eq!(Some(r.score), score(prefs, &peers[r.index], &c));
        }
        let mut reversed: Vec<PeerProfile> = peers.clone();
        reversed.reverse();
        let again: Vec<(&str, i64)> = rank(prefs, &reversed, &c).iter().map(|r| (r.worker_id, r.score)).collect();
        let first: Vec<(&str, i64)> = ranked.iter().map(|r| (r.worker_id, r.score)).collect();
        assert_eq!(first, again);
        let top: Vec<(&str, i64)> = rank_top(prefs, &peers, &c, 5).iter().map(|r| (r.worker_id, r.score)).collect();
        assert_eq!(top, first[..first.len().min(5)]);
    }
}

// -- hard constraints, checked independently of the ranking code -------------

/// The hard constraints restated from the facts, without the compiled keys.
fn violates(prefs: &Preferences, peer: &PeerProfile, c: &Catalog) -> Option<&'static str> {
    let f = peer.facts();
    let role = c.role(&f.role_id)?;
    if !prefs.support.fits(&role.focus_areas) {
        return Some("role");
    }
    let shared = prefs.languages.iter().any(|l| f.languages.contains(l));
    if !shared && !prefs.interpreter_ok {
        return Some("language");
    }
    for w in prefs.identity.iter().filter(|w| w.strength == Strength::Must) {
        let met = if w.dimension == IdentityDimension::Language {
            w.values.iter().any(|v| f.languages.contains(v))
        } else {
            f.identity.iter().any(|a| a.dimension == w.dimension && a.visibility != Visibility::Private && w.values.contains(&a.value))
        };
        if !met {
            return Some("must identity");
        }
    }
    for w in prefs.lived_experience.iter().filter(|w| w.strength == Strength::Must) {
        if !f.lived_experience.iter().any(|t| t.topic == w.topic && t.visibility != Visibility::Private) {
            return Some("must topic");
        }
    }
    if prefs.source.strength == Strength::Must && !prefs.source.kinds.contains(&f.source) {
        return Some("must source");
    }
    if f.remaining_capacity == 0 {
        return Some("capacity");
    }
    if !prefs.times.iter().any(|t| f.times.contains(t)) {
        return Some("times");
    }
    let common: Vec<_> = prefs.modalities.iter().filter(|m| f.modalities.contains(m)).collect();
    if common.is_empty() {
        return Some("modality");
    }
    if common == [&Modality::InPerson] {
        if let (Some(home), Some(km)) = (prefs.home, prefs.max_travel_km) {
            match f.location {
                Some(p) if home.distance_km(p) <= km as f64 + 1e-6 => {}
                _ => return Some("distance"),
            }
        }
    }
    if prefs.named_peer.as_deref().is_some_and(|n| n != f.worker_id) {
        return Some("named peer");
    }
    None
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn rank_never_breaks_a_hard_constraint(seed in 0u64..1_000_000) {
        let (c, members, peers) = synthetic_world(seed, 12, 120);
        for (_, prefs) in &members {
            let listed: Vec<usize> = rank(prefs, &peers, &c).iter().map(|r| r.index).collect();
            for (i, p) in peers.iter().enumerate() {
                let v = violates(prefs, p, &c);
                prop_assert_eq!(listed.contains(&i), v.is_none(), "peer {} violation {:?}", i, v);
            }
        }
    }

    #[test]
    fn assign_never_breaks_a_constraint_or_a_capacity(seed in 0u64..1_000_000) {
        let (c, members, peers) = synthetic_world(seed, 80, 25);
        let a = assign(&members, &peers, &c);
        let prefs: HashMap<&str, &Preferences> = members.iter().map(|(id, p)| (id.as_str(), p)).collect();
        let by_id: HashMap<&str, &PeerProfile> = peers.iter().map(|p| (p.worker_id(), p)).collect();
        let mut load: HashMap<&str, u32> = HashMap::new();
        for pair in &a.pairs {
            let p = by_id[pair.worker_id.as_str()];
            prop_assert_eq!(violates(prefs[pair.member_id.as_str()], p, &c), None);
            prop_assert_eq!(Some(pair.score), score(prefs[pair.member_id.as_str()], p, &c));
            *load.entry(p.worker_id()).or_default() += 1;
        }
        for (id, n) in load {
            prop_assert!(n <= by_id[id].remaining_capacity());
        }
        prop_assert_eq!(a.pairs.len() + a.unmatched.len(), members.len());
        prop_assert_eq!(a.objective, -(a.big * a.served as i64 + a.total_score));
    }
}

// -- exactness ---------------------------------------------------------------

/// Hungarian method on one column per unit of capacity plus one "waits"
/// column per member: the best weight is `big * served + total score`.
fn hungarian_optimum(members: &[(String, Preferences)], peers: &[PeerProfile], c: &Catalog, big: i64) -> i64 {
    use pathfinding::prelude::{kuhn_munkres, Matrix};
    let mut columns: Vec<Option<usize>> = Vec::new();
    for (j, p) in peers.iter().enumerate() {
        for _ in 0..p.remaining_capacity().min(members.len() as u32) {
            columns.push(Some(j));
        }
    }
    columns.extend(std::iter::repeat_n(None, members.len()));
    let forbidden = -(big * (members.len() as i64 + 1)) * 4;
    let mut m = Matrix::new(members.len(), columns.len(), 0i64);
    for (i, (_, prefs)) in members.iter().enumerate() {
        for (k, col) in columns.iter().enumerate() {
            m[(i, k)] = match col {
                Some(j) => score(prefs, &peers[*j], c).map_or(forbidden, |s| big + s),
                None => 0,
            };
        }
    }
    kuhn_munkres(&m).0
}

/// Most members servable, by augmenting paths over single capacity units.
fn max_served(members: &[(String, Preferences)], peers: &[PeerProfile], c: &Catalog) -> usize {
    let mut units: Vec<usize> = Vec::new();
    for (j, p) in peers.iter().enumerate() {
        units.extend(std::iter::repeat_n(j, p.remaining_capacity() as usize));
    }
    let adj: Vec<Vec<usize>> =
        members.iter().map(|(_, prefs)| (0..units.len()).filter(|&u| score(prefs, &peers[units[u]], c).is_some()).collect()).collect();
    let mut owner: Vec<Option<usize>> = vec![None; units.len()];
    fn augment(m: usize, adj: &[Vec<usize>], owner: &mut [Option<usize>], seen: &mut [bool]) -> bool {
        for &u in &adj[m] {
            if !seen[u] {
                seen[u] = true;
                if owner[u].is_none_or(|o| augment(o, adj, owner, seen)) {
                    owner[u] = Some(m);
                    return true;
                }
            }
        }
        false
    }
    (0..members.len()).filter(|&m| augment(m, &adj, &mut owner, &mut vec![false; units.len()])).count()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn assignment_is_exact_against_the_hungarian_method(seed in 0u64..1_000_000, members in 3u64..14, peers in 2u64..7) {
        let (c, ms, ps) = synthetic_world(seed, members, peers);
        let a = assign(&ms, &ps, &c);
        prop_assert_eq!(a.served, max_served(&ms, &ps, &c));
        prop_assert_eq!(-a.objective, hungarian_optimum(&ms, &ps, &c, a.big));
    }

    #[test]
    fn more_peers_than_members_is_exact_too(seed in 0u64..1_000_000, members in 3u64..16, peers in 2u64..40) {
        let (c, ms, ps) = synthetic_world(seed, members, peers);
        let a = BatchProblem::new(&ms, &ps, &c).solve();
        prop_assert_eq!(a.served, max_served(&ms, &ps, &c));
        prop_assert_eq!(-a.objective, hungarian_optimum(&ms, &ps, &c, a.big));
    }

    #[test]
    fn assignment_ignores_input_order(seed in 0u64..1_000_000) {
        let (c, mut ms, mut ps) = synthetic_world(seed, 40, 12);
        let a = assign(&ms, &ps, &c);
        ms.reverse();
        ps.rotate_left(5);
        prop_assert_eq!(a, assign(&ms, &ps, &c));
    }
}

// -- DIMACS ------------------------------------------------------------------

/// The minimum cost of a DIMACS min-cost-flow file, found independently:
/// any feasible flow (by augmenting paths), then cancel negative cycles
/// found by Bellman-Ford until none is left.
fn solve_dimacs(text: &str) -> i64 {
    let mut n = 0usize;
    let mut supply: Vec<i64> = vec![];
    let mut arcs: Vec<(usize, usize, i64, i64)> = vec![];
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f.first() {
            Some(&"p") => {
                assert_eq!(f[1], "min");
                n = f[2].parse().unwrap();
                supply = vec![0; n + 2];
            }
            Some(&"n") => supply[f[1].parse::<usize>().unwrap()] = f[2].parse().unwrap(),
            Some(&"a") => {
                assert_eq!(f[3], "0", "no lower bounds");
                arcs.push((f[1].parse().unwrap(), f[2].parse().unwrap(), f[4].parse().unwrap(), f[5].parse().unwrap()))
            }
            _ => {}
        }
    }
    // Residual graph with a super source (0) and super sink (n + 1).
    let (s, t) = (0, n + 1);
    let mut to = vec![];
    let mut cap = vec![];
    let mut cost = vec![];
    let add = |u: usize, v: usize, c: i64, w: i64, to: &mut Vec<(usize, usize)>, cap: &mut Vec<i64>, cost: &mut Vec<i64>| {
        to.push((u, v));
        cap.push(c);
        cost.push(w);
        to.push((v, u));
        cap.push(0);
        cost.push(-w);
    };
    for &(u, v, c, w) in &arcs {
        add(u, v, c, w, &mut to, &mut cap, &mut cost);
    }
    for (v, &b) in supply.iter().enumerate().take(n + 1).skip(1) {
        if b > 0 {
            add(s, v, b, 0, &mut to, &mut cap, &mut cost);
        } else if b < 0 {
            add(v, t, -b, 0, &mut to, &mut cap, &mut cost);
        }
    }
    // Feasible flow by BFS augmenting paths.
    loop {
        let mut prev = vec![usize::MAX; n + 2];
        let mut queue = std::collections::VecDeque::from([s]);
        prev[s] = usize::MAX - 1;
        while let Some(u) = queue.pop_front() {
            for e in 0..to.len() {
                let (a, b) = to[e];
                if a == u && cap[e] > 0 && prev[b] == usize::MAX {
                    prev[b] = e;
                    queue.push_back(b);
                }
            }
        }
        if prev[t] == usize::MAX {
            break;
        }
        let mut f = i64::MAX;
        let mut v = t;
        while v != s {
            f = f.min(cap[prev[v]]);
            v = to[prev[v]].0;
        }
        let mut v = t;
        while v != s {
            cap[prev[v]] -= f;
            cap[prev[v] ^ 1] += f;
            v = to[prev[v]].0;
        }
    }
    // Cancel negative cycles.
    loop {
        let mut dist = vec![0i64; n + 2];
        let mut prev = vec![usize::MAX; n + 2];
        let mut last = None;
        for _ in 0..n + 2 {
            last = None;
            for e in 0..to.len() {
                let (a, b) = to[e];
                if cap[e] > 0 && dist[a] + cost[e] < dist[b] {
                    dist[b] = dist[a] + cost[e];
                    prev[b] = e;
                    last = Some(b);
                }
            }
        }
        let Some(mut v) = last else { break };
        for _ in 0..n + 2 {
            v = to[prev[v]].0;
        }
        let start = v;
        let mut cycle = vec![];
        loop {
            let e = prev[v];
            cycle.push(e);
            v = to[e].0;
            if v == start {
                break;
            }
        }
        let f = cycle.iter().map(|&e| cap[e]).min().unwrap();
        for &e in &cycle {
            cap[e] -= f;
            cap[e ^ 1] += f;
        }
    }
    (0..arcs.len()).map(|i| (arcs[i].2 - cap[2 * i]) * arcs[i].3).sum()
}

#[test]
fn dimacs_optimum_equals_the_reported_objective() {
    for seed in [1, 2, 3, 4] {
        let (c, ms, ps) = synthetic_world(seed, 30, 6);
        let problem = BatchProblem::new(&ms, &ps, &c);
        let a = problem.solve();
        let mut out = Vec::new();
        write_dimacs(&problem, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.lines().any(|l| l.starts_with("p min ")));
        assert_eq!(solve_dimacs(&text), a.objective, "seed {seed}\n{text}");
        // The file keeps only some pairs; its optimum is still the optimum
        // over every eligible pair.
        assert_eq!(-a.objective, hungarian_optimum(&ms, &ps, &c, a.big), "seed {seed}");
    }
}

#[test]
fn synthetic_members_show_a_real_gap() {
    let (c, ms, ps) = synthetic_world(11, 3000, 300);
    let khmer = ms.iter().filter(|(_, p)| p.languages.first().map(String::as_str) == Some("km")).count();
    assert!(khmer > 0);
    let english_first = ms.iter().filter(|(_, p)| p.languages.first().map(String::as_str) == Some("en")).count();
    assert!(english_first > ms.len() / 2 && english_first < ms.len() * 3 / 4, "{english_first}");
    let a = assign(&ms, &ps, &c);
    assert!(a.gap.by_reason.contains_key("language"), "{:?}", a.gap.by_reason);
}

#[test]
fn a_ranking_explains_each_position_as_rank_does() {
    let (c, ms, ps) = synthetic_world(5, 20, 60);
    for (_, prefs) in &ms {
        let full = rank(prefs, &ps, &c);
        let ranking = PeerRanking::new(prefs, &ps, &c, usize::MAX);
        assert_eq!(ranking.len(), full.len());
        assert_eq!(ranking.order().collect::<Vec<_>>(), full.iter().map(|r| (r.index, r.score)).collect::<Vec<_>>());
        for (i, r) in full.iter().enumerate() {
            let e = ranking.explain(i).expect("every position is explained");
            assert_eq!((e.worker_id, e.index, e.score, &e.reasons), (r.worker_id, r.index, r.score, &r.reasons));
        }
        assert!(ranking.explain(full.len()).is_none());
    }
}
