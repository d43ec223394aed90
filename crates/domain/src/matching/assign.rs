//! Optimal assignment of a waiting list to peers: first serve as many
//! members as possible, then maximise the total score, never breaking a
//! hard constraint or a peer's remaining capacity.
//!
//! Classes. The score of a member and a peer depends only on what the
//! member asked and what the peer offers, so members who asked the same
//! thing form a class, and peers who look the same to every member of the
//! batch form a class (capacity = sum of remaining capacities; identity
//! values and topics nobody asked about are left out of the comparison).
//! The transportation problem between classes has the same optimum as the
//! one between people: a flow between classes splits into people at the
//! same cost, here deterministically (members and peers by id). Locations
//! are used as given; the store passes town centroids, which keeps classes
//! coarse.
//!
//! Pricing. Even between classes, every eligible pair is too many arcs for
//! a state (a third of 10,000 peer classes for each of tens of thousands of
//! member classes). Each member class starts with its best peer classes;
//! the network is solved exactly; then every pair left out is priced with
//! the solution's node potentials (linear-programming duals). A pair with a
//! negative reduced cost joins and the network is solved again. When no
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

use super::flow::{Network, Solution};
use super::preferences::{IdentityDimension, Modality, Preferences, Strength, SupportKind};
use super::profile::PeerProfile;
use super::rank::{Blocker, FastBlocker, Fit, MemberKey};

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
    solution: Solution,
    big: i64,
}

/// Arcs each member class starts with, at least; and arcs it may gain per
/// round of pricing.
const START_ARCS: usize = 24;
const ADD_ARCS: usize = 64;

/// The cheapest hard constraints of every peer class in small dense
/// arrays: pricing scans all classes for every member class, and this
/// keeps that scan in cache; `fit` then decides on the few that pass.
struct Screen {
    focus: Vec<u8>,
    langs: Vec<u128>,
    times: Vec<u8>,
    modalities: Vec<u8>,
}

impl Screen {
    fn new(reps: &[PeerProfile]) -> Screen {
        Screen {
            focus: reps.iter().map(|p| p.key.focus).collect(),
            langs: reps.iter().map(|p| p.key.langs).collect(),
            times: reps.iter().map(|p| p.key.times).collect(),
            modalities: reps.iter().map(|p| p.key.modalities).collect(),
        }
    }

    fn candidates<'s>(&'s self, key: &'s MemberKey) -> impl Iterator<Item = usize> + 's {
        (0..self.focus.len()).filter(move |&i| {
            self.focus[i] & key.focus != 0
                && (key.interpreter_ok || self.langs[i] & key.langs != 0)
                && self.times[i] & key.times != 0
                && self.modalities[i] & key.modalities != 0
        })
    }
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

/// What makes two members alike for every peer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct MemberShape {
    focus: u8,
    langs: u128,
    interpreter_ok: bool,
    lang_wish: Option<(Strength, u128)>,
    identity: Vec<(IdentityDimension, Strength, Vec<u32>)>,
    topics: Vec<(Strength, usize)>,
    modalities: u8,
    times: u8,
    /// Home and travel limit, only when meeting in person is acceptable.
    reach: Option<([u64; 3], u64)>,
    source: (Strength, u8),
    named: Option<u32>,
    /// Index of the organization the member keeps a preference for.
    organization: Option<u32>,
}

/// What makes two peers alike for every member of the batch.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct PeerShape {
    focus: u8,
    langs: u128,
    topics: u128,
    modalities: u8,
    times: u8,
    source: u8,
    /// Only when the peer meets in person and some member has a travel limit.
    place: Option<[u64; 3]>,
    /// Ids of the peer's identity values that some member asked for.
    identity: Vec<u32>,
    /// The peer's own index when some member asked for them by name.
    named: Option<u32>,
    /// Index of the peer's organization when some member prefers it.
    organization: Option<u32>,
}

impl<'a> BatchProblem<'a> {
    /// Build the classes and the network and find the optimal flow (the
    /// expensive part). Members are identified by their ids, which should
    /// be unique.
    pub fn new(members: &'a [(Id, Preferences)], peers: &'a [PeerProfile], catalog: &'a Catalog) -> BatchProblem<'a> {
        let mut member_list: Vec<(&str, &Preferences)> = members.iter().map(|(id, p)| (id.as_str(), p)).collect();
        member_list.sort_by(|a, b| a.0.cmp(b.0));
        let mut peer_list: Vec<&PeerProfile> = peers.iter().filter(|p| p.remaining_capacity() > 0).collect();
        peer_list.sort_by(|a, b| a.cmp_id(b));
        let peer_index: HashMap<&str, u32> = peer_list.iter().enumerate().map(|(i, p)| (p.worker_id(), i as u32)).collect();

        // Identity values members ask for, numbered; other values cannot change any score.
        let mut values: HashMap<(IdentityDimension, &str), u32> = HashMap::new();
        let mut topics_asked = 0u128;
        let mut any_reach = false;
        let mut named_peers: Vec<u32> = Vec::new();
        let mut orgs: HashMap<&str, u32> = HashMap::new();
        let keys: Vec<MemberKey> = member_list.iter().map(|(_, p)| MemberKey::new(p, catalog)).collect();
        for ((_, prefs), key) in member_list.iter().zip(&keys) {
            for w in prefs.identity.iter().filter(|w| w.dimension != IdentityDimension::Language) {
                for v in &w.values {
                    let next = values.len() as u32;
                    values.entry((w.dimension, v.as_str())).or_insert(next);
                }
            }
            for (_, at, _) in &key.topics {
                if *at < 128 {
                    topics_asked |= 1 << at;
                }
            }
            any_reach |= key.reach.is_some();
            if let Some(o) = key.organization {
                let next = orgs.len() as u32;
                orgs.entry(o).or_insert(next);
            }
            if let Some(i) = key.named.and_then(|n| peer_index.get(n)) {
                named_peers.push(*i);
            }
        }
        named_peers.sort_unstable();

        let mut member_shapes: BTreeMap<MemberShape, Vec<usize>> = BTreeMap::new();
        for (i, key) in keys.iter().enumerate() {
            let shape = MemberShape {
                focus: key.focus,
                langs: key.langs,
                interpreter_ok: key.interpreter_ok,
                lang_wish: key.lang_wish,
                identity: key
                    .identity
                    .iter()
                    .map(|n| {
                        let mut ids: Vec<u32> = n.values.iter().filter_map(|(_, v)| values.get(&(n.dimension, *v)).copied()).collect();
                        ids.sort_unstable();
                        (n.dimension, n.strength, ids)
                    })
                    .collect(),
                topics: key.topics.iter().map(|(s, at, _)| (*s, *at)).collect(),
                modalities: key.modalities,
                times: key.times,
                reach: key
                    .reach
                    .filter(|_| key.modalities & Modality::InPerson.bit() != 0)
                    .map(|(u, c)| (u.map(f64::to_bits), c.to_bits())),
                source: key.source,
                // A name that matches no peer with room still keeps the member apart.
                named: key.named.map(|n| peer_index.get(n).copied().unwrap_or(u32::MAX)),
                organization: key.organization.and_then(|o| orgs.get(o).copied()),
            };
            member_shapes.entry(shape).or_default().push(i);
        }

        let mut peer_shapes: BTreeMap<PeerShape, Vec<usize>> = BTreeMap::new();
        for (i, p) in peer_list.iter().enumerate() {
            let k = &p.key;
            let mut identity: Vec<u32> =
                p.facts().identity.iter().filter_map(|a| values.get(&(a.dimension, a.value.as_str())).copied()).collect();
            identity.sort_unstable();
            let shape = PeerShape {
                focus: k.focus,
                langs: k.langs,
                topics: k.topics & topics_asked,
                modalities: k.modalities,
                times: k.times,
                source: k.source,
                place: k.unit.filter(|_| any_reach && k.modalities & Modality::InPerson.bit() != 0).map(|u| u.map(f64::to_bits)),
                identity,
                named: named_peers.binary_search(&(i as u32)).is_ok().then_some(i as u32),
                organization: orgs.get(p.facts().organization_id.as_str()).copied(),
            };
            peer_shapes.entry(shape).or_default().push(i);
        }

        let mut network = Network::default();
        let total_members = member_list.len() as i64;
        let sink = network.add_node(-total_members);
        // Classes in order of their first member (or peer) id: the order of the input never matters.
        let mut member_groups: Vec<Vec<usize>> = member_shapes.into_values().collect();
        member_groups.sort_by_key(|g| g.first().copied());
        let mut peer_groups: Vec<Vec<usize>> = peer_shapes.into_values().collect();
        peer_groups.sort_by_key(|g| g.first().copied());

        let mut member_classes = Vec::with_capacity(member_groups.len());
        for g in member_groups {
            let node = network.add_node(g.len() as i64);
            member_classes.push(MemberClass { members: g, node });
        }
        let mut peer_classes = Vec::with_capacity(peer_groups.len());
        for g in peer_groups {
            let node = network.add_node(0);
            let capacity: i64 = g.iter().map(|&i| i64::from(peer_list[i].remaining_capacity())).sum();
            network.add_arc(node, sink, capacity, 0);
            peer_classes.push(PeerClass { peers: g, node });
        }

        // Eligibility and score of each pair of classes, from one member and
        // one peer of each, on a dense copy of the peers that stand for classes.
        let reps: Vec<PeerProfile> = peer_classes.iter().map(|c| peer_list[c.peers[0]].clone()).collect();
        let screen = Screen::new(&reps);
        let class_keys: Vec<&MemberKey> = member_classes.iter().map(|c| &keys[c.members[0]]).collect();
        let capacity: Vec<i64> = network.arcs.iter().map(|a| a.cap).collect();
        let max_total = member_classes
            .iter()
            .zip(&class_keys)
            .fold(0i64, |acc, (c, k)| acc.saturating_add(k.max_score.saturating_mul(c.members.len() as i64)));
        let big = max_total.saturating_add(1);

        // Start from each class's best peers, enough to seat it several times over.
        let first: Vec<(Vec<(u32, i64)>, bool)> = par_map(&class_keys, |mc, key| {
            let mut eligible: Vec<(u32, i64)> = Vec::new();
            for pc in screen.candidates(key) {
                if let Fit::Eligible(score) = key.fit(&reps[pc]) {
                    eligible.push((pc as u32, score));
                }
            }
            let any = !eligible.is_empty();
            eligible.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let want = 3 * member_classes[mc].members.len() as i64;
            let mut seats = 0;
            let mut keep = 0;
            for (pc, _) in &eligible {
                if keep >= START_ARCS && seats >= want {
                    break;
                }
                seats += capacity[*pc as usize];
                keep += 1;
            }
            eligible.truncate(keep);
            (eligible, any)
        });
        let mut edges = Vec::new();
        let mut has_edge = Vec::with_capacity(member_classes.len());
        let mut chosen: Vec<Vec<u32>> = Vec::with_capacity(member_classes.len());
        for (mc, (list, any)) in first.into_iter().enumerate() {
            has_edge.push(any);
            let mut pcs: Vec<u32> = list.iter().map(|(pc, _)| *pc).collect();
            pcs.sort_unstable();
            chosen.push(pcs);
            for (pc, score) in list {
                edges.push(Edge { member_class: mc as u32, peer_class: pc, arc: 0, score });
            }
        }
        // Members nobody can serve wait: the arc to the sink costs nothing.
        for m in &member_classes {
            network.add_arc(m.node, sink, m.members.len() as i64, 0);
        }
        let add_edges = |network: &mut Network, edges: &mut [Edge]| {
            for e in edges.iter_mut() {
                let m = &member_classes[e.member_class as usize];
                let p = &peer_classes[e.peer_class as usize];
                let cap = (m.members.len() as i64).min(capacity[e.peer_class as usize]);
                e.arc = network.add_arc(m.node, p.node, cap, -(big + e.score));
            }
        };
        add_edges(&mut network, &mut edges);

        // Solve, then price every pair left out with the solution's
        // potentials: a pair whose reduced cost is negative could lower the
        // cost, so it joins and the network is solved again. When none is
        // left, the potentials prove the flow optimal for every pair.
        let mut solution = network.solve();
        loop {
            let pi = &solution.potential;
            let found: Vec<Vec<(u32, i64)>> = par_map(&class_keys, |mc, key| {
                let node = member_classes[mc].node as usize;
                let mut better: Vec<(i64, u32, i64)> = Vec::new();
                for pc in screen.candidates(key) {
                    if chosen[mc].binary_search(&(pc as u32)).is_ok() {
                        continue;
                    }
                    if let Fit::Eligible(score) = key.fit(&reps[pc]) {
                        let reduced = -(big + score) + pi[node] - pi[peer_classes[pc].node as usize];
                        if reduced < 0 {
                            better.push((reduced, pc as u32, score));
                        }
                    }
                }
                better.sort_unstable();
                better.truncate(ADD_ARCS);
                better.into_iter().map(|(_, pc, score)| (pc, score)).collect()
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
            add_edges(&mut network, &mut added);
            edges.extend(added);
            solution = network.solve();
        }
        BatchProblem {
            catalog,
            members: member_list,
            peers: peer_list,
            all_peers: peers,
            member_classes,
            peer_classes,
            edges,
            has_edge,
            network,
            solution,
            big,
        }
    }

    /// Split the optimal class flows into people.
    pub fn solve(&self) -> Assignment {
        let solution = &self.solution;
        let mut remaining: Vec<u32> = self.peers.iter().map(|p| p.remaining_capacity()).collect();
        // Per peer class, the first peer that may still have room.
        let mut cursor: Vec<usize> = vec![0; self.peer_classes.len()];
        let mut served_in_class: Vec<usize> = vec![0; self.member_classes.len()];
        let mut pairs = Vec::new();
        let has_edge = &self.has_edge;
        for e in &self.edges {
            let mut flow = solution.flow[e.arc];
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
        for (mc, class) in self.member_classes.iter().enumerate() {
            let left = &class.members[served_in_class[mc]..];
            if left.is_empty() {
                continue;
            }
            let reason = if has_edge[mc] {
                UnmatchedReason::CapacityTakenByOthers
            } else {
                UnmatchedReason::NoEligiblePeer(self.narrowing_blocker(self.members[class.members[0]].1))
            };
            let code = reason.code();
            for &m in left {
                let (id, prefs) = self.members[m];
                *gap.by_language.entry(prefs.languages.first().cloned().unwrap_or_else(|| "none".into())).or_default() += 1;
                *gap.by_town.entry(prefs.home_town.clone().unwrap_or_else(|| "unknown".into())).or_default() += 1;
                *gap.by_support.entry(support_code(prefs.support).to_string()).or_default() += 1;
                *gap.by_reason.entry(code.clone()).or_default() += 1;
                unmatched.push(Unmatched { member_id: id.to_string(), reason: reason.clone() });
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
            objective: solution.cost,
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
