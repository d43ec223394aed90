//! The transportation problem between member classes and peer classes,
//! solved exactly without listing its arcs.
//!
//! A member class's arcs are its eligible peer classes (a bitset) and an
//! arc's cost is minus the number of the class's preference sets that hold
//! the peer class (its level). There can be a hundred million such arcs at
//! state scale, so they are never materialised: every step works on the
//! bitsets, 64 peer classes at a time.
//!
//! Method: primal-dual (successive shortest paths). Node potentials keep
//! every residual arc's reduced cost non-negative. Each phase finds the
//! shortest distances from the source with Dial's buckets (costs are small
//! integers), moves the potentials by them, then pushes a maximum flow
//! along the arcs whose reduced cost is now zero. Every phase raises the
//! cost of the cheapest augmenting path by at least one level, so there are
//! few phases; when the sink cannot be reached, the flow is maximum and,
//! among maximum flows, of least cost: as many members as possible are
//! served, then the highest total score. The potentials are the proof.

use std::collections::BTreeMap;

/// One member class as the solver sees it.
pub(crate) struct ClassArcs<'s> {
    /// Eligible peer classes.
    pub eligible: &'s [u64],
    /// One set per preference (each within `eligible`).
    pub prefer: Vec<&'s [u64]>,
    /// Members in the class.
    pub supply: i64,
}

/// An optimal flow: for each peer class, the member classes sending flow
/// to it and how much; and the final potentials.
pub(crate) struct Solution {
    pub by_peer: Vec<Vec<(u32, i64)>>,
    // The potentials are the certificate of optimality; tests check it.
    #[cfg_attr(not(test), allow(dead_code))]
    pub pi_member: Vec<i64>,
    #[cfg_attr(not(test), allow(dead_code))]
    pub pi_peer: Vec<i64>,
    #[cfg_attr(not(test), allow(dead_code))]
    pub pi_sink: i64,
    pub phases: usize,
}

const INF: i64 = i64::MAX / 4;

/// Whether bit `i` of a bitset is set.
pub(crate) fn has(set: &[u64], i: usize) -> bool {
    set[i / 64] >> (i % 64) & 1 != 0
}

/// The number of the class's preference sets holding peer class `p`.
fn level(class: &ClassArcs, p: usize) -> i64 {
    class.prefer.iter().filter(|s| has(s, p)).count() as i64
}

/// For word `w` of the peer classes: `out[j]` = the eligible ones meeting
/// exactly `j` preferences (a bit-sliced count over the preference sets).
fn level_words(class: &ClassArcs, w: usize, out: &mut Vec<u64>) {
    out.clear();
    let e = class.eligible[w];
    let k = class.prefer.len();
    if e == 0 {
        out.resize(k + 1, 0);
        return;
    }
    let mut planes = [0u64; 16];
    let bits = (usize::BITS - k.leading_zeros()) as usize;
    for set in &class.prefer {
        let mut carry = set[w] & e;
        for plane in planes.iter_mut().take(bits) {
            if carry == 0 {
                break;
            }
            let next = *plane & carry;
            *plane ^= carry;
            carry = next;
        }
    }
    for j in 0..=k {
        let mut mask = e;
        for (b, plane) in planes.iter().enumerate().take(bits) {
            mask &= if j >> b & 1 == 1 { *plane } else { !*plane };
        }
        out.push(mask);
    }
}

/// Peer classes grouped by potential, for one phase.
struct Groups {
    /// (potential, bitset of the peer classes that have it), by potential.
    sets: Vec<(i64, Vec<u64>)>,
}

impl Groups {
    fn new(pi_peer: &[i64], words: usize) -> Groups {
        let mut by: BTreeMap<i64, Vec<u64>> = BTreeMap::new();
        for (p, &v) in pi_peer.iter().enumerate() {
            by.entry(v).or_insert_with(|| vec![0; words])[p / 64] |= 1 << (p % 64);
        }
        Groups { sets: by.into_iter().collect() }
    }

    fn get(&self, v: i64) -> Option<&[u64]> {
        self.sets.binary_search_by_key(&v, |(k, _)| *k).ok().map(|i| self.sets[i].1.as_slice())
    }
}

struct Solver<'c, 's> {
    classes: &'c [ClassArcs<'s>],
    capacity: &'c [i64],
    words: usize,
    /// Members of each class already sent (source arcs' flow).
    sent: Vec<i64>,
    /// Capacity of each peer class already used (sink arcs' flow).
    used: Vec<i64>,
    /// Flow from member classes, listed by peer class (a few each).
    by_peer: Vec<Vec<(u32, i64)>>,
    /// Potentials; the source's stays 0. Reduced cost of u → v:
    /// cost + pi(u) - pi(v).
    pi_member: Vec<i64>,
    pi_peer: Vec<i64>,
    pi_sink: i64,
    /// Scratch space for `level_words`.
    levels: Vec<u64>,
}

impl Solver<'_, '_> {
    fn residual_source(&self, m: usize) -> bool {
        self.sent[m] < self.classes[m].supply
    }

    fn residual_sink(&self, p: usize) -> bool {
        self.used[p] < self.capacity[p]
    }

    /// Shortest distances from the source in reduced costs; the distance
    /// of the sink (`INF` when it cannot be reached). Potentials then move
    /// so that every shortest path has reduced cost zero.
    fn shortest_paths(&mut self) -> i64 {
        let n_members = self.classes.len();
        let n_peers = self.capacity.len();
        let words = self.words;
        let mut dist_member = vec![INF; n_members];
        let mut done_member = vec![false; n_members];
        let mut dist_peer = vec![INF; n_peers];
        let mut done_peer = vec![0u64; words];
        let mut member_buckets: BTreeMap<i64, Vec<u32>> = BTreeMap::new();
        let mut peer_buckets: BTreeMap<i64, Vec<u64>> = BTreeMap::new();
        for (m, dist) in dist_member.iter_mut().enumerate() {
            if self.residual_source(m) {
                // Source potential stays 0: reduced cost = -pi_member.
                let d = -self.pi_member[m];
                *dist = d;
                member_buckets.entry(d).or_default().push(m as u32);
            }
        }
        let groups = Groups::new(&self.pi_peer, words);
        let mut sink = INF;
        let mut levels = std::mem::take(&mut self.levels);
        loop {
            let next_m = member_buckets.keys().next().copied().unwrap_or(INF);
            let next_p = peer_buckets.keys().next().copied().unwrap_or(INF);
            let d = next_m.min(next_p);
            if d >= sink || d >= INF {
                break;
            }
            loop {
                let mut progressed = false;
                if let Some(list) = member_buckets.remove(&d) {
                    progressed = true;
                    for m in list {
                        let m = m as usize;
                        if done_member[m] || dist_member[m] != d {
                            continue;
                        }
                        done_member[m] = true;
                        let class = &self.classes[m];
                        let base = d + self.pi_member[m];
                        for w in 0..words {
                            let free = class.eligible[w] & !done_peer[w];
                            if free == 0 {
                                continue;
                            }
                            level_words(class, w, &mut levels);
                            for (j, &lw) in levels.iter().enumerate() {
                                let x = lw & free;
                                if x == 0 {
                                    continue;
                                }
                                for (v, set) in &groups.sets {
                                    let y = x & set[w];
                                    if y == 0 {
                                        continue;
                                    }
                                    let c = base - j as i64 - v;
                                    debug_assert!(c >= d, "reduced costs stay non-negative");
                                    if c < sink {
                                        peer_buckets.entry(c).or_insert_with(|| vec![0; words])[w] |= y;
                                    }
                                }
                            }
                        }
                    }
                }
                if let Some(bits) = peer_buckets.remove(&d) {
                    progressed = true;
                    for w in 0..words {
                        let mut x = bits[w] & !done_peer[w];
                        done_peer[w] |= x;
                        while x != 0 {
                            let p = w * 64 + x.trailing_zeros() as usize;
                            x &= x - 1;
                            dist_peer[p] = d;
                            if self.residual_sink(p) {
                                sink = sink.min(d + self.pi_peer[p] - self.pi_sink);
                            }
                            for &(m, _) in &self.by_peer[p] {
                                let m = m as usize;
                                let c = d + level(&self.classes[m], p) + self.pi_peer[p] - self.pi_member[m];
                                if !done_member[m] && c < dist_member[m] {
                                    dist_member[m] = c;
                                    member_buckets.entry(c).or_default().push(m as u32);
                                }
                            }
                        }
                    }
                }
                if !progressed {
                    break;
                }
            }
        }
        self.levels = levels;
        if sink >= INF {
            return INF;
        }
        // Reduced costs become rc + d(u) - d(v): zero along shortest paths.
        for (pi, d) in self.pi_member.iter_mut().zip(&dist_member) {
            *pi += (*d).min(sink);
        }
        for (pi, d) in self.pi_peer.iter_mut().zip(&dist_peer) {
            *pi += (*d).min(sink);
        }
        self.pi_sink += sink;
        sink
    }

    /// The peer classes member class `m` reaches by a zero-reduced-cost
    /// arc, as (word, bits) for the non-empty words. Fixed for a phase:
    /// potentials do not move within it and arcs to peers never fill.
    fn admissible(&mut self, m: usize, groups: &Groups) -> Vec<(u32, u64)> {
        let classes = self.classes;
        let class = &classes[m];
        let pm = self.pi_member[m];
        let mut out = Vec::new();
        for w in 0..self.words {
            if class.eligible[w] == 0 {
                continue;
            }
            level_words(class, w, &mut self.levels);
            let mut x = 0u64;
            for (j, &lw) in self.levels.iter().enumerate() {
                if lw != 0 {
                    if let Some(set) = groups.get(pm - j as i64) {
                        x |= lw & set[w];
                    }
                }
            }
            if x != 0 {
                out.push((w as u32, x));
            }
        }
        out
    }

    /// A maximum flow along the arcs of reduced cost zero: passes of
    /// depth-first search, each giving up on a node at most once, until a
    /// pass finds no augmenting path.
    fn push_admissible(&mut self) {
        let groups = Groups::new(&self.pi_peer, self.words);
        let n_members = self.classes.len();
        let mut visited_peer = vec![0u64; self.words];
        let mut visited_member = vec![false; n_members];
        let mut cursor = vec![0usize; n_members];
        let mut admissible: Vec<Option<Vec<(u32, u64)>>> = vec![None; n_members];
        let mut stack: Vec<Frame> = Vec::new();
        loop {
            visited_peer.iter_mut().for_each(|w| *w = 0);
            visited_member.iter_mut().for_each(|v| *v = false);
            cursor.iter_mut().for_each(|c| *c = 0);
            let mut pushed = false;
            for start in 0..n_members {
                if visited_member[start] || self.pi_member[start] != 0 || !self.residual_source(start) {
                    continue;
                }
                visited_member[start] = true;
                while self.residual_source(start) {
                    stack.clear();
                    stack.push(Frame::Member(start as u32));
                    let mut found = false;
                    while let Some(top) = stack.last().copied() {
                        match top {
                            Frame::Member(m) => {
                                let m = m as usize;
                                if admissible[m].is_none() {
                                    admissible[m] = Some(self.admissible(m, &groups));
                                }
                                let arcs = admissible[m].as_deref().unwrap_or_default();
                                let mut next = None;
                                while let Some(&(w, bits)) = arcs.get(cursor[m]) {
                                    let open = bits & !visited_peer[w as usize];
                                    if open != 0 {
                                        next = Some(w as usize * 64 + open.trailing_zeros() as usize);
                                        break;
                                    }
                                    cursor[m] += 1;
                                }
                                match next {
                                    Some(p) => {
                                        visited_peer[p / 64] |= 1 << (p % 64);
                                        stack.push(Frame::Peer(p as u32, 0));
                                        if self.residual_sink(p) && self.pi_peer[p] == self.pi_sink {
                                            found = true;
                                            break;
                                        }
                                    }
                                    None => {
                                        stack.pop();
                                    }
                                }
                            }
                            Frame::Peer(p, at) => {
                                let list = &self.by_peer[p as usize];
                                let next = list[at as usize..].iter().position(|&(m, f)| f > 0 && !visited_member[m as usize]);
                                match next {
                                    Some(i) => {
                                        let at = at as usize + i;
                                        let m = list[at].0;
                                        visited_member[m as usize] = true;
                                        if let Some(Frame::Peer(_, a)) = stack.last_mut() {
                                            *a = at as u32 + 1;
                                        }
                                        stack.push(Frame::Member(m));
                                    }
                                    None => {
                                        stack.pop();
                                    }
                                }
                            }
                        }
                    }
                    if !found {
                        break;
                    }
                    self.augment(&stack);
                    pushed = true;
                    // A peer class with room left can take the next path too.
                    if let Some(&Frame::Peer(p, _)) = stack.last() {
                        if self.residual_sink(p as usize) {
                            visited_peer[p as usize / 64] &= !(1 << (p % 64));
                        }
                    }
                }
            }
            if !pushed {
                return;
            }
        }
    }

    /// Send as much as the path allows: source → m0 → p1 ⇢ m1 → p2 … pk → sink,
    /// where ⇢ takes back flow that m1 sent to p1.
    fn augment(&mut self, path: &[Frame]) {
        let members: Vec<usize> = path.iter().filter_map(|f| if let Frame::Member(m) = f { Some(*m as usize) } else { None }).collect();
        let peers: Vec<usize> = path.iter().filter_map(|f| if let Frame::Peer(p, _) = f { Some(*p as usize) } else { None }).collect();
        let (Some(&first), Some(&last)) = (members.first(), peers.last()) else {
            return;
        };
        let mut delta = (self.classes[first].supply - self.sent[first]).min(self.capacity[last] - self.used[last]);
        for (i, &p) in peers.iter().enumerate().take(peers.len() - 1) {
            delta = delta.min(self.flow(members[i + 1], p));
        }
        if delta <= 0 {
            return;
        }
        self.sent[first] += delta;
        self.used[last] += delta;
        for (i, &p) in peers.iter().enumerate() {
            self.add_flow(members[i], p, delta);
            if let Some(&back) = members.get(i + 1) {
                self.add_flow(back, p, -delta);
            }
        }
    }

    fn flow(&self, m: usize, p: usize) -> i64 {
        self.by_peer[p].iter().find(|(c, _)| *c as usize == m).map_or(0, |(_, f)| *f)
    }

    fn add_flow(&mut self, m: usize, p: usize, delta: i64) {
        let list = &mut self.by_peer[p];
        match list.iter().position(|(c, _)| *c as usize == m) {
            Some(i) => {
                list[i].1 += delta;
                if list[i].1 == 0 {
                    list.remove(i);
                }
            }
            None => list.push((m as u32, delta)),
        }
    }
}

#[derive(Clone, Copy)]
enum Frame {
    Member(u32),
    /// A peer class and the next of its flow-carrying members to try.
    Peer(u32, u32),
}

/// Solve the transportation problem: member classes (with supplies) to
/// peer classes (with `capacity`), as many members as possible, then the
/// most levels in total.
pub(crate) fn solve(classes: &[ClassArcs], capacity: &[i64]) -> Solution {
    let words = capacity.len().div_ceil(64);
    let top = classes.iter().map(|c| c.prefer.len() as i64).max().unwrap_or(0);
    let mut solver = Solver {
        classes,
        capacity,
        words,
        sent: vec![0; classes.len()],
        used: vec![0; capacity.len()],
        by_peer: vec![Vec::new(); capacity.len()],
        pi_member: vec![0; classes.len()],
        // Below every member by the most levels any arc has: every
        // arc's reduced cost starts non-negative.
        pi_peer: vec![-top; capacity.len()],
        pi_sink: -top,
        levels: Vec::new(),
    };
    let mut phases = 0;
    while solver.shortest_paths() < INF {
        phases += 1;
        solver.push_admissible();
    }
    Solution { by_peer: solver.by_peer, pi_member: solver.pi_member, pi_peer: solver.pi_peer, pi_sink: solver.pi_sink, phases }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Check that `sol` is a minimum-cost maximum flow, from first
    /// principles: the flow is feasible, no augmenting path is left, and
    /// the potentials give every residual arc a non-negative reduced cost.
    fn certify(classes: &[ClassArcs], capacity: &[i64], sol: &Solution) -> Result<(), String> {
        let (nm, np) = (classes.len(), capacity.len());
        let mut sent = vec![0i64; nm];
        let mut used = vec![0i64; np];
        let mut flow = vec![vec![0i64; np]; nm];
        for (p, list) in sol.by_peer.iter().enumerate() {
            for &(m, f) in list {
                let m = m as usize;
                if f <= 0 || !has(classes[m].eligible, p) {
                    return Err(format!("flow {f} on pair ({m}, {p})"));
                }
                flow[m][p] += f;
                sent[m] += f;
                used[p] += f;
            }
        }
        for m in 0..nm {
            if sent[m] > classes[m].supply {
                return Err(format!("class {m} sends {} of {}", sent[m], classes[m].supply));
            }
        }
        for p in 0..np {
            if used[p] > capacity[p] {
                return Err(format!("peer class {p} takes {} of {}", used[p], capacity[p]));
            }
        }
        // No augmenting path: search the residual graph from the source.
        let mut seen_m = vec![false; nm];
        let mut seen_p = vec![false; np];
        let mut queue: Vec<usize> = (0..nm).filter(|&m| sent[m] < classes[m].supply).collect();
        queue.iter().for_each(|&m| seen_m[m] = true);
        while let Some(m) = queue.pop() {
            for p in 0..np {
                if has(classes[m].eligible, p) && !seen_p[p] {
                    seen_p[p] = true;
                    if used[p] < capacity[p] {
                        return Err(format!("augmenting path through peer class {p}"));
                    }
                    for m2 in 0..nm {
                        if flow[m2][p] > 0 && !seen_m[m2] {
                            seen_m[m2] = true;
                            queue.push(m2);
                        }
                    }
                }
            }
        }
        // Reduced costs c + pi(u) - pi(v); the source's potential is 0.
        let (pm, pp, pt) = (&sol.pi_member, &sol.pi_peer, sol.pi_sink);
        for m in 0..nm {
            if sent[m] < classes[m].supply && -pm[m] < 0 || sent[m] > 0 && pm[m] < 0 {
                return Err(format!("source arc of class {m}: potential {}", pm[m]));
            }
            for p in 0..np {
                if !has(classes[m].eligible, p) {
                    continue;
                }
                let rc = -level(&classes[m], p) + pm[m] - pp[p];
                if rc < 0 || flow[m][p] > 0 && rc != 0 {
                    return Err(format!("pair ({m}, {p}) reduced cost {rc} with flow {}", flow[m][p]));
                }
            }
        }
        for p in 0..np {
            let rc = pp[p] - pt;
            if used[p] < capacity[p] && rc < 0 || used[p] > 0 && rc > 0 {
                return Err(format!("sink arc of peer class {p}: reduced cost {rc}"));
            }
        }
        Ok(())
    }

    fn bitset(bits: &[bool]) -> Vec<u64> {
        let mut out = vec![0u64; bits.len().div_ceil(64).max(1)];
        for (i, _) in bits.iter().enumerate().filter(|(_, b)| **b) {
            out[i / 64] |= 1 << (i % 64);
        }
        out
    }

    /// (eligible, preference sets, supply) per class; capacities.
    type World = (Vec<(Vec<u64>, Vec<Vec<u64>>, i64)>, Vec<i64>);

    fn world() -> impl Strategy<Value = World> {
        (1usize..130, 1usize..25).prop_flat_map(|(peers, members)| {
            let class = (
                proptest::collection::vec(proptest::bool::weighted(0.4), peers),
                proptest::collection::vec(proptest::collection::vec(proptest::bool::weighted(0.5), peers), 0..4),
                1i64..6,
            )
                .prop_map(|(eligible, prefer, supply)| {
                    let e = bitset(&eligible);
                    let prefer = prefer.iter().map(|s| bitset(s).iter().zip(&e).map(|(a, b)| a & b).collect()).collect();
                    (e, prefer, supply)
                });
            (proptest::collection::vec(class, members), proptest::collection::vec(0i64..4, peers))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn the_solution_carries_its_own_proof_of_optimality((classes, capacity) in world()) {
            let arcs: Vec<ClassArcs> = classes
                .iter()
                .map(|(e, p, s)| ClassArcs { eligible: e, prefer: p.iter().map(Vec::as_slice).collect(), supply: *s })
                .collect();
            let sol = solve(&arcs, &capacity);
            prop_assert_eq!(certify(&arcs, &capacity, &sol), Ok(()));
        }
    }

    #[test]
    fn the_certificate_catches_a_worse_flow() {
        // One member, two peer classes; the one meeting the preference is better.
        let e = vec![0b11u64];
        let pref = vec![0b10u64];
        let arcs = [ClassArcs { eligible: &e, prefer: vec![&pref], supply: 1 }];
        let capacity = [1, 1];
        let mut sol = solve(&arcs, &capacity);
        assert_eq!(certify(&arcs, &capacity, &sol), Ok(()));
        assert_eq!(sol.by_peer[1], vec![(0, 1)]);
        sol.by_peer = vec![vec![(0, 1)], vec![]];
        assert!(certify(&arcs, &capacity, &sol).is_err());
        sol.by_peer = vec![vec![], vec![]];
        assert!(certify(&arcs, &capacity, &sol).is_err());
    }
}
