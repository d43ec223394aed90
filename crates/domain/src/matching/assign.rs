//! Optimal assignment of a waiting list to peers: first serve as many
//! members as possible, then maximise the total score, never breaking a
//! hard constraint or a peer's remaining capacity.
//!
//! Classes. A member's preferences come down to a few tests of a peer
//! (role fits, speaks one of these languages, shares this topic, can meet
//! this way within this distance, …), hard or worth `PREFER_WEIGHT`. Each
//! distinct test is run once over every peer with room, as a bitset. Peers
//! who pass the same tests look the same to every member of the batch and
//! form a class (capacity = sum of remaining capacities). A member class is
//! then the set of eligible peer classes (the AND of the hard tests) and,
//! within it, the set meeting each preference: members whose sets are
//! equal share a class even if they asked differently. The transportation
//! problem between classes has the same optimum as the one between people:
//! a flow between classes splits into people at the same cost, here
//! deterministically (members and peers by id). Locations are used as
//! given; the store passes town centroids, which keeps classes coarse.
//!
//! Pricing. Even between classes, every eligible pair is too many arcs for
//! a state (a third of 10,000 peer classes for each of tens of thousands of
//! member classes). Each member class starts with its best peer classes;
//! the network is solved exactly (network simplex, see `flow`); then every
//! pair left out is priced, on the bitsets, with
//! the solution's node potentials (linear-programming duals). A pair with a
//! negative reduced cost joins and the network is solved again, from the
//! previous optimal basis. When no
//! pair is left with a negative reduced cost, the potentials prove the flow
//! optimal for the network with every eligible pair, so the result is
//! exact, not greedy; tests compare it with the Hungarian method.
//!
//! Objective. Arcs member class → peer class cost `-(big + score)`, where
//! `big` exceeds any total score, so one more member served always beats any
//! gain in score; unserved members take a free arc to the sink. The
//! minimum total cost is `-(big * served + total_score)`.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use serde::Serialize;

use crate::catalog::Catalog;
use crate::records::Id;

use super::flow::{Network, Simplex};
use super::preferences::{IdentityDimension, Modality, Preferences, Strength, SupportKind};
use super::profile::PeerProfile;
use super::rank::{identity_match, usable_modalities, Blocker, FastBlocker, Fit, MemberKey, PREFER_WEIGHT};

/// A member matched to a peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pair {
    pub member_id: Id,
    pub worker_id: Id,
    pub score: i64,
}

/// Why a member was left without a peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "blocker")]
pub enum UnmatchedReason {
    /// No peer meets the member's hard constraints: this constraint is the
    /// one that, applied after the ones before it, leaves no peer.
    NoEligiblePeer(Blocker),
    /// Eligible peers exist, but serving this member would have left
    /// another member without a peer (or their places went to others).
    CapacityTakenByOthers,
}

impl UnmatchedReason {
    pub fn code(&self) -> String {
        match self {
            UnmatchedReason::CapacityTakenByOthers => "capacity-taken-by-others".to_string(),
            UnmatchedReason::NoEligiblePeer(Blocker::Must(w)) => match w {
                super::rank::WishKey::Identity(d) => format!("must-{}", d.as_str()),
                super::rank::WishKey::LivedExperience(t) => format!("must-lived-experience-{t}"),
                super::rank::WishKey::Source => "must-source".to_string(),
            },
            UnmatchedReason::NoEligiblePeer(b) => b.code().to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unmatched {
    pub member_id: Id,
    pub reason: UnmatchedReason,
}

/// The network-adequacy gap: unmatched members counted by the member's
/// first language, home town, support kind and blocking constraint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GapSummary {
    pub by_language: BTreeMap<String, usize>,
    pub by_town: BTreeMap<String, usize>,
    pub by_support: BTreeMap<String, usize>,
    pub by_reason: BTreeMap<String, usize>,
}

/// The result of `assign`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    /// By member id.
    pub pairs: Vec<Pair>,
    pub members: usize,
    pub served: usize,
    pub total_score: i64,
    /// The minimum total cost of the flow problem `write_dimacs` writes:
    /// `objective = -(big * served + total_score)`, in score points.
    pub objective: i64,
    /// Cost of serving one member, larger than any total score, so that
    /// serving one more member always beats any gain in score.
    pub big: i64,
    /// By member id.
    pub unmatched: Vec<Unmatched>,
    pub gap: GapSummary,
    pub member_classes: usize,
    pub peer_classes: usize,
    pub arcs: usize,
}

struct MemberClass {
    /// Indexes into `BatchProblem::members`, by member id.
    members: Vec<usize>,
    node: u32,
    /// The peer classes that pass every hard constraint (a set in `Sets`).
    eligible: u32,
    /// One set per preference: the eligible peer classes that meet it.
    prefer: Vec<u32>,
}

struct PeerClass {
    /// Indexes into `BatchProblem::peers`, by worker id.
    peers: Vec<usize>,
    node: u32,
}

/// A member→peer-class arc of the network.
struct Edge {
    member_class: u32,
    peer_class: u32,
    arc: usize,
    score: i64,
}

/// One batch, optimised: the classes, the priced network and its optimal
/// flow. `solve` splits the flow into people; `write_dimacs` exports the
/// network.
pub struct BatchProblem<'a> {
    catalog: &'a Catalog,
    /// Members by id: (id, preferences).
    members: Vec<(&'a str, &'a Preferences)>,
    /// For each member, the members who asked exactly the same tests; the
    /// reason a member has no peer is found once per such group.
    asked_alike: Vec<u32>,
    /// Peers with room, by worker id.
    peers: Vec<&'a PeerProfile>,
    /// Every peer given, for explaining why a member has none.
    all_peers: &'a [PeerProfile],
    member_classes: Vec<MemberClass>,
    peer_classes: Vec<PeerClass>,
    edges: Vec<Edge>,
    /// Whether each member class has any eligible peer class.
    has_edge: Vec<bool>,
    network: Network,
    simplex: Simplex,
    big: i64,
}

/// Arcs each member class starts with, at least; and arcs it may gain per
/// round of pricing.
const START_ARCS: usize = 8;
const ADD_ARCS: usize = 8;

/// One question a member's preferences ask of every peer: a hard
/// constraint when the member insists, a preference worth `PREFER_WEIGHT`
/// otherwise. Each mirrors a check of `MemberKey::fit`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Test<'p> {
    Named(&'p str),
    Focus(u8),
    /// Speaks one of these languages.
    Speaks(u128),
    /// Has one of these values (hash, text), sorted.
    Identity(IdentityDimension, Vec<(u64, &'p str)>),
    /// Shares this topic (`usize::MAX`: a topic the catalog lost, never met).
    Topic(usize),
    Source(u8),
    Times(u8),
    /// Some way to meet works: (member's modalities, reach when in person).
    Meets(u8, Option<([u64; 3], u64)>),
    /// Works for this organization (a member who lost their peer keeps it).
    Organization(&'p str),
}

impl Test<'_> {
    fn passes(&self, peer: &PeerProfile) -> bool {
        let k = &peer.key;
        match self {
            Test::Named(n) => peer.worker_id() == *n,
            Test::Focus(f) => f & k.focus != 0,
            Test::Speaks(l) => l & k.langs != 0,
            Test::Identity(d, values) => identity_match(*d, values, peer).is_some(),
            Test::Topic(at) => *at < 128 && k.topics & (1 << at) != 0,
            Test::Source(s) => s & k.source != 0,
            Test::Times(t) => t & k.times != 0,
            Test::Meets(m, reach) => {
                let reach = reach.map(|(u, c)| (u.map(f64::from_bits), f64::from_bits(c)));
                usable_modalities(*m, reach, peer) != 0
            }
            Test::Organization(o) => peer.facts().organization_id == *o,
        }
    }
}

/// The member's hard tests and preference tests.
fn tests_of<'p>(key: &MemberKey<'p>) -> (Vec<Test<'p>>, Vec<Test<'p>>) {
    let mut hard = vec![Test::Focus(key.focus), Test::Times(key.times)];
    let mut prefer = Vec::new();
    let mut put = |strength: Strength, test: Test<'p>| match strength {
        Strength::Must => hard.push(test),
        Strength::Prefer => prefer.push(test),
        Strength::NoPreference => {}
    };
    if let Some(n) = key.named {
        put(Strength::Must, Test::Named(n));
    }
    if !key.interpreter_ok {
        put(Strength::Must, Test::Speaks(key.langs));
    }
    if let Some((strength, wanted)) = key.lang_wish {
        put(strength, Test::Speaks(wanted));
    }
    for need in &key.identity {
        let mut values = need.values.clone();
        values.sort_unstable();
        put(need.strength, Test::Identity(need.dimension, values));
    }
    for (strength, at, _) in &key.topics {
        put(*strength, Test::Topic(*at));
    }
    if key.source.0 != Strength::NoPreference {
        put(key.source.0, Test::Source(key.source.1));
    }
    if let Some(o) = key.organization {
        put(Strength::Prefer, Test::Organization(o));
    }
    let in_person = key.modalities & Modality::InPerson.bit() != 0;
    let reach = key.reach.filter(|_| in_person).map(|(u, c)| (u.map(f64::to_bits), c.to_bits()));
    put(Strength::Must, Test::Meets(key.modalities, reach));
    (hard, prefer)
}

/// Sets of peer classes as bitsets, each kept once.
#[derive(Default)]
struct Sets {
    all: Vec<Vec<u64>>,
    ids: HashMap<Vec<u64>, u32>,
}

impl Sets {
    fn intern(&mut self, set: Vec<u64>) -> u32 {
        let next = self.all.len() as u32;
        match self.ids.entry(set) {
            std::collections::hash_map::Entry::Occupied(e) => *e.get(),
            std::collections::hash_map::Entry::Vacant(e) => {
                self.all.push(e.key().clone());
                e.insert(next);
                next
            }
        }
    }
}

fn has(set: &[u64], i: usize) -> bool {
    set[i / 64] >> (i % 64) & 1 != 0
}

/// The members of a bitset, in increasing order.
fn ones(set: &[u64]) -> impl Iterator<Item = usize> + '_ {
    set.iter().enumerate().flat_map(|(w, &word)| {
        let mut x = word;
        std::iter::from_fn(move || {
            (x != 0).then(|| {
                let b = x.trailing_zeros() as usize;
                x &= x - 1;
                w * 64 + b
            })
        })
    })
}

/// `f` over `items` on every core, results in the order of `items`.
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(usize, &T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let chunk = items.len().div_ceil(threads).max(1);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .enumerate()
            .map(|(c, part)| scope.spawn(move || part.iter().enumerate().map(|(i, x)| f(c * chunk + i, x)).collect::<Vec<R>>()))
            .collect();
        // A panic in a worker is a defect; re-raise it rather than lose results.
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}

impl<'a> BatchProblem<'a> {
    /// Build the classes and the network and find the optimal flow (the
    /// expensive part). Members are identified by their ids, which should
    /// be unique.
    pub fn new(members: &'a [(Id, Preferences)], peers: &'a [PeerProfile], catalog: &'a Catalog) -> BatchProblem<'a> {
        BatchProblem::with_start(members, peers, catalog, START_ARCS)
    }

    /// `new`, with each member class starting from at least `start_arcs`
    /// of its best peer classes (tests start from one, so that pricing
    /// does the work).
    pub(crate) fn with_start(
        members: &'a [(Id, Preferences)],
        peers: &'a [PeerProfile],
        catalog: &'a Catalog,
        start_arcs: usize,
    ) -> BatchProblem<'a> {
        let mut member_list: Vec<(&str, &Preferences)> = members.iter().map(|(id, p)| (id.as_str(), p)).collect();
        member_list.sort_by(|a, b| a.0.cmp(b.0));
        let mut peer_list: Vec<&PeerProfile> = peers.iter().filter(|p| p.remaining_capacity() > 0).collect();
        peer_list.sort_by(|a, b| a.cmp_id(b));
        let peer_index: HashMap<&str, usize> = peer_list.iter().enumerate().map(|(i, p)| (p.worker_id(), i)).collect();

        // Members who ask the same tests are alike for every peer.
        let keys: Vec<MemberKey> = member_list.iter().map(|(_, p)| MemberKey::new(p, catalog)).collect();
        let big = keys.iter().fold(0i64, |acc, k| acc.saturating_add(k.max_score)).saturating_add(1);
        let mut tests: Vec<Test> = Vec::new();
        let mut test_ids: HashMap<Test, u32> = HashMap::new();
        let mut asked: HashMap<(Vec<u32>, Vec<u32>), u32> = HashMap::new();
        let mut asked_list: Vec<(Vec<u32>, Vec<u32>)> = Vec::new();
        let mut asked_alike = Vec::with_capacity(keys.len());
        for key in &keys {
            let (hard, prefer) = tests_of(key);
            let mut id = |t: Test<'a>| {
                *test_ids.entry(t).or_insert_with_key(|t| {
                    tests.push(t.clone());
                    tests.len() as u32 - 1
                })
            };
            let mut hard: Vec<u32> = hard.into_iter().map(&mut id).collect();
            hard.sort_unstable();
            hard.dedup();
            let mut prefer: Vec<u32> = prefer.into_iter().map(&mut id).collect();
            prefer.sort_unstable();
            let next = asked_list.len() as u32;
            let at = *asked.entry((hard.clone(), prefer.clone())).or_insert_with(|| {
                asked_list.push((hard, prefer));
                next
            });
            asked_alike.push(at);
        }
        drop(asked);

        // Which peers pass each test.
        let peer_words = peer_list.len().div_ceil(64);
        let passed: Vec<Vec<u64>> = par_map(&tests, |_, test| {
            let mut set = vec![0u64; peer_words];
            let mut mark = |i: usize| set[i / 64] |= 1 << (i % 64);
            match test {
                Test::Named(n) => {
                    if let Some(&i) = peer_index.get(n) {
                        mark(i)
                    }
                }
                _ => peer_list.iter().enumerate().filter(|(_, p)| test.passes(p)).for_each(|(i, _)| mark(i)),
            }
            set
        });

        // Peers who pass the same tests are alike for every member: a class.
        let test_words = tests.len().div_ceil(64);
        let mut signature_ids: HashMap<Vec<u64>, usize> = HashMap::new();
        let mut peer_groups: Vec<Vec<usize>> = Vec::new();
        for i in 0..peer_list.len() {
            let mut signature = vec![0u64; test_words];
            for (t, set) in passed.iter().enumerate() {
                if has(set, i) {
                    signature[t / 64] |= 1 << (t % 64);
                }
            }
            let next = peer_groups.len();
            let class = *signature_ids.entry(signature).or_insert(next);
            if class == next {
                peer_groups.push(Vec::new());
            }
            peer_groups[class].push(i);
        }
        drop(signature_ids);
        let class_words = peer_groups.len().div_ceil(64);
        let on_classes: Vec<Vec<u64>> = passed
            .iter()
            .map(|set| {
                let mut out = vec![0u64; class_words];
                for (c, g) in peer_groups.iter().enumerate() {
                    if has(set, g[0]) {
                        out[c / 64] |= 1 << (c % 64);
                    }
                }
                out
            })
            .collect();
        drop(passed);

        // A member class: the eligible peer classes and, within them, the
        // ones meeting each preference; members who differ only in tests
        // that no eligible peer tells apart share a class.
        let mut sets = Sets::default();
        let mut class_of: HashMap<(u32, Vec<u32>), usize> = HashMap::new();
        let mut class_shapes: Vec<(u32, Vec<u32>)> = Vec::new();
        let mut member_groups: Vec<Vec<usize>> = Vec::new();
        let mut asked_class: Vec<usize> = Vec::with_capacity(asked_list.len());
        for (hard, prefer) in &asked_list {
            let mut eligible = vec![u64::MAX; class_words];
            for &t in hard {
                for (e, w) in eligible.iter_mut().zip(&on_classes[t as usize]) {
                    *e &= w;
                }
            }
            let mut wishes: Vec<u32> = Vec::new();
            for &t in prefer {
                let met: Vec<u64> = eligible.iter().zip(&on_classes[t as usize]).map(|(e, w)| e & w).collect();
                if met.iter().any(|w| *w != 0) {
                    wishes.push(sets.intern(met));
                }
            }
            wishes.sort_unstable();
            let shape = (sets.intern(eligible), wishes);
            let next = class_shapes.len();
            let class = *class_of.entry(shape.clone()).or_insert(next);
            if class == next {
                class_shapes.push(shape);
                member_groups.push(Vec::new());
            }
            asked_class.push(class);
        }
        drop(class_of);
        for (m, at) in asked_alike.iter().enumerate() {
            member_groups[asked_class[*at as usize]].push(m);
        }
        // Classes in order of their first member (or peer) id: the order of the input never matters.
        let mut order: Vec<usize> = (0..member_groups.len()).collect();
        order.sort_by_key(|&c| member_groups[c][0]);

        let mut network = Network::default();
        let total_members = member_list.len() as i64;
        let sink = network.add_node(-total_members);
        let mut member_classes = Vec::with_capacity(order.len());
        for c in order {
            let members = std::mem::take(&mut member_groups[c]);
            let node = network.add_node(members.len() as i64);
            let (eligible, prefer) = std::mem::take(&mut class_shapes[c]);
            member_classes.push(MemberClass { members, node, eligible, prefer });
        }
        let mut peer_classes = Vec::with_capacity(peer_groups.len());
        let mut capacity = Vec::with_capacity(peer_groups.len());
        for g in peer_groups {
            let node = network.add_node(0);
            let cap: i64 = g.iter().map(|&i| i64::from(peer_list[i].remaining_capacity())).sum();
            network.add_arc(node, sink, cap, 0);
            capacity.push(cap);
            peer_classes.push(PeerClass { peers: g, node });
        }
        // Members nobody can serve wait: the arc to the sink costs nothing.
        for m in &member_classes {
            network.add_arc(m.node, sink, m.members.len() as i64, 0);
        }
        let sets = &sets;
        let score = |m: &MemberClass, pc: usize| PREFER_WEIGHT * m.prefer.iter().filter(|&&w| has(&sets.all[w as usize], pc)).count() as i64;
        let has_edge: Vec<bool> = member_classes.iter().map(|m| sets.all[m.eligible as usize].iter().any(|w| *w != 0)).collect();

        // Start from each class's best peers, enough to seat it several times over.
        let first: Vec<Vec<(u32, i64)>> = par_map(&member_classes, |_, m| {
            let mut by_score: Vec<Vec<u32>> = vec![Vec::new(); m.prefer.len() + 1];
            for pc in ones(&sets.all[m.eligible as usize]) {
                by_score[(score(m, pc) / PREFER_WEIGHT) as usize].push(pc as u32);
            }
            let want = if start_arcs > 1 { 3 * m.members.len() as i64 } else { 0 };
            let (mut seats, mut out) = (0, Vec::new());
            'fill: for (s, list) in by_score.iter().enumerate().rev() {
                for &pc in list {
                    if out.len() >= start_arcs && seats >= want {
                        break 'fill;
                    }
                    seats += capacity[pc as usize];
                    out.push((pc, s as i64 * PREFER_WEIGHT));
                }
            }
            out
        });
        let mut edges = Vec::new();
        let mut chosen: Vec<Vec<u32>> = Vec::with_capacity(member_classes.len());
        for (mc, list) in first.into_iter().enumerate() {
            let mut pcs: Vec<u32> = list.iter().map(|(pc, _)| *pc).collect();
            pcs.sort_unstable();
            chosen.push(pcs);
            for (pc, score) in list {
                edges.push(Edge { member_class: mc as u32, peer_class: pc, arc: 0, score });
            }
        }
        let add_edges = |network: &mut Network, simplex: Option<&mut Simplex>, edges: &mut [Edge]| {
            let mut simplex = simplex;
            for e in edges.iter_mut() {
                let m = &member_classes[e.member_class as usize];
                let p = &peer_classes[e.peer_class as usize];
                let cap = (m.members.len() as i64).min(capacity[e.peer_class as usize]);
                let cost = -big.saturating_add(e.score);
                e.arc = network.add_arc(m.node, p.node, cap, cost);
                if let Some(s) = simplex.as_deref_mut() {
                    s.add_arc(m.node, p.node, cap, cost);
                }
            }
        };
        add_edges(&mut network, None, &mut edges);

        // Solve, then price every pair left out with the solution's
        // potentials: a pair whose reduced cost is negative could lower the
        // cost, so it joins and the network is solved again (from the last
        // optimum). When none is left, the potentials prove the flow optimal
        // for every pair.
        let mut simplex = Simplex::new(&network);
        simplex.run();
        simplex.tighten(sink as usize);
        loop {
            let pi = simplex.potential();
            let pi_peer: Vec<i64> = peer_classes.iter().map(|p| pi[p.node as usize]).collect();
            let found: Vec<Vec<(u32, i64)>> = par_map(&member_classes, |mc, m| {
                let mut better: Vec<(i64, u32, i64)> = Vec::new();
                let base = pi[m.node as usize] - big;
                // No pair can improve unless the peer class's potential beats this.
                let floor = base - PREFER_WEIGHT * m.prefer.len() as i64;
                for pc in ones(&sets.all[m.eligible as usize]) {
                    let pp = pi_peer[pc];
                    if pp <= floor {
                        continue;
                    }
                    let s = score(m, pc);
                    let reduced = base - s - pp;
                    if reduced < 0 && chosen[mc].binary_search(&(pc as u32)).is_err() {
                        better.push((reduced, pc as u32, s));
                    }
                }
                if better.len() > ADD_ARCS {
                    better.select_nth_unstable(ADD_ARCS - 1);
                    better.truncate(ADD_ARCS);
                }
                better.sort_unstable();
                better.into_iter().map(|(_, pc, s)| (pc, s)).collect()
            });
            let mut added: Vec<Edge> = Vec::new();
            for (mc, list) in found.into_iter().enumerate() {
                for (pc, score) in list {
                    added.push(Edge { member_class: mc as u32, peer_class: pc, arc: 0, score });
                    chosen[mc].push(pc);
                }
                chosen[mc].sort_unstable();
            }
            if added.is_empty() {
                break;
            }
            add_edges(&mut network, Some(&mut simplex), &mut added);
            edges.extend(added);
            simplex.run();
            simplex.tighten(sink as usize);
        }
        BatchProblem {
            catalog,
            members: member_list,
            asked_alike,
            peers: peer_list,
            all_peers: peers,
            member_classes,
            peer_classes,
            edges,
            has_edge,
            network,
            simplex,
            big,
        }
    }

    /// Split the optimal class flows into people.
    pub fn solve(&self) -> Assignment {
        let mut remaining: Vec<u32> = self.peers.iter().map(|p| p.remaining_capacity()).collect();
        // Per peer class, the first peer that may still have room.
        let mut cursor: Vec<usize> = vec![0; self.peer_classes.len()];
        let mut served_in_class: Vec<usize> = vec![0; self.member_classes.len()];
        let mut pairs = Vec::new();
        let has_edge = &self.has_edge;
        for e in &self.edges {
            let mut flow = self.simplex.flow_of(e.arc);
            let class = &self.member_classes[e.member_class as usize];
            let peers = &self.peer_classes[e.peer_class as usize].peers;
            while flow > 0 {
                let Some(&peer) = peers.get(cursor[e.peer_class as usize]) else { break };
                if remaining[peer] == 0 {
                    cursor[e.peer_class as usize] += 1;
                    continue;
                }
                let Some(&member) = class.members.get(served_in_class[e.member_class as usize]) else { break };
                remaining[peer] -= 1;
                served_in_class[e.member_class as usize] += 1;
                flow -= 1;
                pairs.push(Pair {
                    member_id: self.members[member].0.to_string(),
                    worker_id: self.peers[peer].worker_id().to_string(),
                    score: e.score,
                });
            }
        }
        pairs.sort_by(|a, b| a.member_id.cmp(&b.member_id));

        let mut unmatched = Vec::new();
        let mut gap = GapSummary::default();
        // Members of a class without peers may have asked different things:
        // the blocker is found once per group that asked alike.
        let mut blockers: HashMap<u32, UnmatchedReason> = HashMap::new();
        for (mc, class) in self.member_classes.iter().enumerate() {
            let left = &class.members[served_in_class[mc]..];
            for &m in left {
                let reason = if has_edge[mc] {
                    UnmatchedReason::CapacityTakenByOthers
                } else {
                    blockers
                        .entry(self.asked_alike[m])
                        .or_insert_with(|| UnmatchedReason::NoEligiblePeer(self.narrowing_blocker(self.members[m].1)))
                        .clone()
                };
                let code = reason.code();
                let (id, prefs) = self.members[m];
                *gap.by_language.entry(prefs.languages.first().cloned().unwrap_or_else(|| "none".into())).or_default() += 1;
                *gap.by_town.entry(prefs.home_town.clone().unwrap_or_else(|| "unknown".into())).or_default() += 1;
                *gap.by_support.entry(support_code(prefs.support).to_string()).or_default() += 1;
                *gap.by_reason.entry(code).or_default() += 1;
                unmatched.push(Unmatched { member_id: id.to_string(), reason });
            }
        }
        unmatched.sort_by(|a, b| a.member_id.cmp(&b.member_id));
        let served = pairs.len();
        let total_score = pairs.iter().map(|p| p.score).sum();
        Assignment {
            pairs,
            members: self.members.len(),
            served,
            total_score,
            objective: self.simplex.cost(),
            big: self.big,
            unmatched,
            gap,
            member_classes: self.member_classes.len(),
            peer_classes: self.peer_classes.len(),
            arcs: self.network.arcs.len(),
        }
    }

    /// The constraint after which no peer is left, applying them in the
    /// order of `Blocker`: the latest first failure among all peers.
    fn narrowing_blocker(&self, prefs: &Preferences) -> Blocker {
        let key = MemberKey::new(prefs, self.catalog);
        let mut worst: Option<(usize, FastBlocker)> = None;
        for peer in self.all_peers {
            if let Fit::Blocked(b) = key.fit(peer) {
                let at = key.order(b);
                if worst.is_none_or(|(w, _)| at > w) {
                    worst = Some((at, b));
                }
            }
        }
        worst.map_or(Blocker::Capacity, |(_, b)| key.blocker(b))
    }

    /// The cost that makes serving a member beat any score.
    pub fn big(&self) -> i64 {
        self.big
    }
}

fn support_code(s: SupportKind) -> &'static str {
    s.as_str()
}

/// Match every member of a waiting list (or of a departing peer's caseload)
/// to a peer: as many members as possible, then the highest total score.
/// The same members and peers give the same result in any input order.
pub fn assign(members: &[(Id, Preferences)], peers: &[PeerProfile], catalog: &Catalog) -> Assignment {
    BatchProblem::new(members, peers, catalog).solve()
}

/// Write the minimum-cost flow problem that was solved, in DIMACS format.
/// Node 1 is the sink (demand = members); then one node per member class
/// (supply = its members) and one per peer class. Arcs: peer class → sink
/// (capacity = the class's remaining capacity, cost 0), member class → sink
/// (waiting, cost 0), member class → peer class (cost `-(big + score)`) for
/// the pairs that pricing kept. Any solver's optimum of this file equals
/// `Assignment::objective`, and no pair left out could lower it.
pub fn write_dimacs(problem: &BatchProblem, out: &mut impl Write) -> io::Result<()> {
    let comments = vec![
        "Accompany batch peer assignment: minimum-cost flow".to_string(),
        format!("members {} member-classes {} peers-with-room {} peer-classes {}", problem.members.len(), problem.member_classes.len(), problem.peers.len(), problem.peer_classes.len()),
        format!("big {}: optimum = -(big * served + total_score)", problem.big),
        "node 1 = sink; member-class nodes then peer-class nodes".to_string(),
    ];
    problem.network.write_dimacs(&comments, out)
}
