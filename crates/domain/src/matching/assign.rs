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
//! Solving. Even between classes, every eligible pair is too many arcs to
//! list for a state (a third of 10,000 peer classes for each of tens of
//! thousands of member classes), so `transport` solves the class problem
//! on the bitsets themselves, exactly (primal-dual, with potentials that
//! prove the optimum); tests compare it with the Hungarian method.
//!
//! Objective. In the DIMACS file, arcs member class → peer class cost
//! `-(big + score)`, where `big` exceeds any total score, so one more
//! member served always beats any gain in score; unserved members take a
//! free arc to the sink. The minimum total cost is
//! `-(big * served + total_score)`: the same order as the solver's (the
//! most members, then the least cost among maximum flows).

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use serde::Serialize;

use crate::catalog::Catalog;
use crate::records::Id;

use super::flow::Network;
use super::preferences::{IdentityDimension, Modality, Preferences, Strength, SupportKind};
use super::profile::PeerProfile;
use super::rank::{identity_match, usable_modalities, Blocker, FastBlocker, Fit, MemberKey, PREFER_WEIGHT};
use super::transport::{self, has, ClassArcs};

/// A member matched to a peer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pair {
    pub member_id: Id,
    pub worker_id: Id,
    pub score: i64,
}

/// Why a member was left without a peer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unmatched {
    pub member_id: Id,
    pub reason: UnmatchedReason,
}

/// The network-adequacy gap: unmatched members counted by the member's
/// first language, home town, support kind and blocking constraint.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct GapSummary {
    pub by_language: BTreeMap<String, usize>,
    pub by_town: BTreeMap<String, usize>,
    pub by_support: BTreeMap<String, usize>,
    pub by_reason: BTreeMap<String, usize>,
}

/// The result of `assign`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// Member-class → peer-class pairs that carry flow.
    pub arcs: usize,
    /// Shortest-path phases the solver took.
    pub phases: usize,
}

struct MemberClass {
    /// Indexes into `BatchProblem::members`, by member id.
    members: Vec<usize>,
    /// The peer classes that pass every hard constraint (a set in `Sets`).
    eligible: u32,
    /// One set per preference: the eligible peer classes that meet it.
    prefer: Vec<u32>,
}

impl MemberClass {
    /// `PREFER_WEIGHT` for each of the class's preferences peer class `pc` meets.
    fn score(&self, sets: &Sets, pc: usize) -> i64 {
        PREFER_WEIGHT * self.prefer.iter().filter(|&&w| has(&sets.all[w as usize], pc)).count() as i64
    }
}

struct PeerClass {
    /// Indexes into `BatchProblem::peers`, by worker id.
    peers: Vec<usize>,
}

/// Members of one class sent to one peer class in the optimal flow.
struct Edge {
    member_class: u32,
    peer_class: u32,
    flow: i64,
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
    /// Remaining capacity of each peer class.
    capacity: Vec<i64>,
    sets: Sets,
    /// The optimal flow, by member class then peer class.
    flows: Vec<Edge>,
    /// Whether each member class has any eligible peer class.
    has_edge: Vec<bool>,
    phases: usize,
    big: i64,
}

/// Besides the pairs that carry flow, the DIMACS file offers each member
/// class this many of its best-scoring peer classes.
const EXPORT_ARCS: usize = 8;

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
    /// Build the classes and find the optimal flow between them (the
    /// expensive part). Members are identified by their ids, which should
    /// be unique.
    pub fn new(members: &'a [(Id, Preferences)], peers: &'a [PeerProfile], catalog: &'a Catalog) -> BatchProblem<'a> {
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

        let mut member_classes = Vec::with_capacity(order.len());
        for c in order {
            let members = std::mem::take(&mut member_groups[c]);
            let (eligible, prefer) = std::mem::take(&mut class_shapes[c]);
            member_classes.push(MemberClass { members, eligible, prefer });
        }
        let capacity: Vec<i64> = peer_groups.iter().map(|g| g.iter().map(|&i| i64::from(peer_list[i].remaining_capacity())).sum()).collect();
        let peer_classes: Vec<PeerClass> = peer_groups.into_iter().map(|peers| PeerClass { peers }).collect();
        let has_edge: Vec<bool> = member_classes.iter().map(|m| sets.all[m.eligible as usize].iter().any(|w| *w != 0)).collect();

        let arcs: Vec<ClassArcs> = member_classes
            .iter()
            .map(|m| ClassArcs {
                eligible: &sets.all[m.eligible as usize],
                prefer: m.prefer.iter().map(|&w| sets.all[w as usize].as_slice()).collect(),
                supply: m.members.len() as i64,
            })
            .collect();
        let solution = transport::solve(&arcs, &capacity);
        let mut flows: Vec<Edge> = Vec::new();
        for (pc, list) in solution.by_peer.iter().enumerate() {
            for &(mc, flow) in list {
                let score = member_classes[mc as usize].score(&sets, pc);
                flows.push(Edge { member_class: mc, peer_class: pc as u32, flow, score });
            }
        }
        flows.sort_by_key(|e| (e.member_class, e.peer_class));
        let phases = solution.phases;
        drop(arcs);
        BatchProblem {
            catalog,
            members: member_list,
            asked_alike,
            peers: peer_list,
            all_peers: peers,
            member_classes,
            peer_classes,
            capacity,
            sets,
            flows,
            has_edge,
            phases,
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
        for e in &self.flows {
            let mut flow = e.flow;
            let class = &self.member_classes[e.member_class as usize];
            let peers = &self.peer_classes[e.peer_class as usize].peers;
            while flow > 0 {
                let Some(&peer) = peers.get(cursor[e.peer_class as usize]) else {
                    break;
                };
                if remaining[peer] == 0 {
                    cursor[e.peer_class as usize] += 1;
                    continue;
                }
                let Some(&member) = class.members.get(served_in_class[e.member_class as usize]) else {
                    break;
                };
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
            objective: -(self.big.saturating_mul(served as i64).saturating_add(total_score)),
            big: self.big,
            unmatched,
            gap,
            member_classes: self.member_classes.len(),
            peer_classes: self.peer_classes.len(),
            arcs: self.flows.len(),
            phases: self.phases,
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

    /// The flow problem as a network: the pairs carrying flow and, for each
    /// member class, its `EXPORT_ARCS` best-scoring eligible peer classes.
    fn network(&self) -> Network {
        let mut network = Network::default();
        let sink = network.add_node(-(self.members.len() as i64));
        let member_nodes: Vec<u32> = self.member_classes.iter().map(|m| network.add_node(m.members.len() as i64)).collect();
        let peer_nodes: Vec<u32> = self.peer_classes.iter().map(|_| network.add_node(0)).collect();
        for (pc, &node) in peer_nodes.iter().enumerate() {
            network.add_arc(node, sink, self.capacity[pc], 0);
        }
        for (m, &node) in self.member_classes.iter().zip(&member_nodes) {
            network.add_arc(node, sink, m.members.len() as i64, 0);
        }
        let sets = &self.sets;
        let mut flows = self.flows.iter().peekable();
        for (mc, m) in self.member_classes.iter().enumerate() {
            let mut pairs: Vec<(i64, usize)> = ones(&sets.all[m.eligible as usize]).map(|pc| (-m.score(sets, pc), pc)).collect();
            if pairs.len() > EXPORT_ARCS {
                pairs.select_nth_unstable(EXPORT_ARCS - 1);
                pairs.truncate(EXPORT_ARCS);
            }
            let mut pcs: Vec<usize> = pairs.into_iter().map(|(_, pc)| pc).collect();
            while let Some(e) = flows.next_if(|e| e.member_class as usize == mc) {
                pcs.push(e.peer_class as usize);
            }
            pcs.sort_unstable();
            pcs.dedup();
            for pc in pcs {
                let cap = (m.members.len() as i64).min(self.capacity[pc]);
                network.add_arc(member_nodes[mc], peer_nodes[pc], cap, -self.big.saturating_add(m.score(sets, pc)));
            }
        }
        network
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
/// every pair carrying flow and each class's best-scoring others. Any
/// solver's optimum of this file equals `Assignment::objective`: the file
/// holds an optimal flow of the problem over every eligible pair, so
/// leaving the other pairs out cannot lower its optimum.
pub fn write_dimacs(problem: &BatchProblem, out: &mut impl Write) -> io::Result<()> {
    let comments = vec![
        "Accompany batch peer assignment: minimum-cost flow".to_string(),
        format!(
            "members {} member-classes {} peers-with-room {} peer-classes {}",
            problem.members.len(),
            problem.member_classes.len(),
            problem.peers.len(),
            problem.peer_classes.len()
        ),
        format!("big {}: optimum = -(big * served + total_score)", problem.big),
        "node 1 = sink; member-class nodes then peer-class nodes".to_string(),
    ];
    problem.network().write_dimacs(&comments, out)
}
