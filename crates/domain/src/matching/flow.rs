//! Exact minimum-cost flow for the batch assignment.
//!
//! Hand-written because the crates that were checked do not fit: `mcmf`
//! binds LEMON through C++ with `i32` costs and totals (the objective here
//! needs `i64`) and panics on bad input; `pathfinding` offers max-flow and
//! the Hungarian method on dense matrices, not min-cost flow on a sparse
//! network; `rs-graph`'s network simplex needs its own graph types for
//! every arc.
//!
//! This is the primal network simplex method with block pricing (as in
//! LEMON). It suits the batch because the batch adds arcs between solves
//! (column generation, see `assign`): an optimal spanning-tree basis stays
//! a feasible basis when arcs join at zero flow, so each solve after the
//! first starts from the previous optimum and only pivots the new arcs in.
//! The tree is kept strongly feasible (the leaving arc is the last blocking
//! arc of the cycle), which rules out cycling on degenerate pivots.

use std::io::{self, Write};

/// A flow network with supplies (positive) and demands (negative) that add
/// up to zero, in the form DIMACS writes it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Network {
    pub supply: Vec<i64>,
    pub arcs: Vec<ArcSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ArcSpec {
    pub from: u32,
    pub to: u32,
    pub cap: i64,
    pub cost: i64,
}

impl Network {
    pub fn add_node(&mut self, supply: i64) -> u32 {
        self.supply.push(supply);
        (self.supply.len() - 1) as u32
    }

    pub fn add_arc(&mut self, from: u32, to: u32, cap: i64, cost: i64) -> usize {
        self.arcs.push(ArcSpec { from, to, cap, cost });
        self.arcs.len() - 1
    }

    /// DIMACS minimum-cost flow format; nodes are numbered from 1.
    pub fn write_dimacs(&self, comments: &[String], out: &mut impl Write) -> io::Result<()> {
        for c in comments {
            writeln!(out, "c {c}")?;
        }
        writeln!(out, "p min {} {}", self.supply.len(), self.arcs.len())?;
        for (i, s) in self.supply.iter().enumerate() {
            if *s != 0 {
                writeln!(out, "n {} {}", i + 1, s)?;
            }
        }
        for a in &self.arcs {
            writeln!(out, "a {} {} 0 {} {}", a.from + 1, a.to + 1, a.cap, a.cost)?;
        }
        Ok(())
    }
}

const NONE: u32 = u32::MAX;
/// Arc states: at zero flow, in the tree, at capacity. A non-tree arc can
/// improve the flow when `state * reduced_cost < 0`.
const LOWER: i8 = 1;
const TREE: i8 = 0;
const UPPER: i8 = -1;

/// Network simplex state. Arc `i` of the network is arc `n + i` here; the
/// first `n` arcs are artificial, one per node, joining it to an extra root
/// node `n`, so that the first basis is a tree carrying every supply.
pub(crate) struct Simplex {
    n: usize,
    source: Vec<u32>,
    target: Vec<u32>,
    cap: Vec<i64>,
    cost: Vec<i64>,
    flow: Vec<i64>,
    state: Vec<i8>,
    pi: Vec<i64>,
    parent: Vec<u32>,
    /// The tree arc joining a node to its parent, and whether it points up
    /// (node → parent, +1) or down (parent → node, -1).
    pred: Vec<u32>,
    pred_up: Vec<i8>,
    depth: Vec<u32>,
    first_child: Vec<u32>,
    next_sibling: Vec<u32>,
    prev_sibling: Vec<u32>,
    /// Where the block search resumes.
    next_arc: usize,
}

impl Simplex {
    pub fn new(network: &Network) -> Simplex {
        let n = network.supply.len();
        let max_cost = network.arcs.iter().map(|a| a.cost.unsigned_abs()).max().unwrap_or(0) as i64;
        // Dearer than any path of real arcs, so artificial arcs carry
        // nothing at the optimum of a feasible network.
        let art = max_cost.saturating_add(1).saturating_mul(n as i64 + 1).min(i64::MAX / 8);
        let total: i64 = network.supply.iter().filter(|s| **s > 0).sum();
        let unbounded = total.saturating_add(1);
        let nodes = n + 1;
        let mut s = Simplex {
            n,
            source: Vec::with_capacity(n + network.arcs.len()),
            target: Vec::with_capacity(n + network.arcs.len()),
            cap: Vec::with_capacity(n + network.arcs.len()),
            cost: Vec::with_capacity(n + network.arcs.len()),
            flow: Vec::with_capacity(n + network.arcs.len()),
            state: Vec::with_capacity(n + network.arcs.len()),
            pi: vec![0; nodes],
            parent: vec![NONE; nodes],
            pred: vec![NONE; nodes],
            pred_up: vec![0; nodes],
            depth: vec![0; nodes],
            first_child: vec![NONE; nodes],
            next_sibling: vec![NONE; nodes],
            prev_sibling: vec![NONE; nodes],
            next_arc: 0,
        };
        let root = n as u32;
        for (v, &b) in network.supply.iter().enumerate() {
            // Supplies flow up to the root, demands down from it; a zero
            // supply points up too, which keeps the tree strongly feasible.
            let up = b >= 0;
            let (from, to) = if up { (v as u32, root) } else { (root, v as u32) };
            s.source.push(from);
            s.target.push(to);
            s.cap.push(unbounded);
            s.cost.push(art);
            s.flow.push(b.abs());
            s.state.push(TREE);
            s.parent[v] = root;
            s.pred[v] = v as u32;
            s.pred_up[v] = if up { 1 } else { -1 };
            s.depth[v] = 1;
            s.pi[v] = if up { -art } else { art };
            s.attach(v as u32, root);
        }
        for a in &network.arcs {
            s.add_arc(a.from, a.to, a.cap, a.cost);
        }
        s
    }

    /// A new arc at zero flow: the basis stays feasible.
    pub fn add_arc(&mut self, from: u32, to: u32, cap: i64, cost: i64) {
        self.source.push(from);
        self.target.push(to);
        self.cap.push(cap.max(0));
        self.cost.push(cost);
        self.flow.push(0);
        self.state.push(LOWER);
    }

    /// Node potentials that prove the flow optimal: every arc with room
    /// left has `cost + potential[from] - potential[to] >= 0` and every arc
    /// carrying flow has it `<= 0`; a pair outside the network that meets
    /// the first condition could not lower the cost.
    pub fn potential(&self) -> &[i64] {
        &self.pi[..self.n]
    }

    /// Shift the potentials so that each node's is minus the cheapest way
    /// on to `sink` with room (in reduced costs, which are never negative
    /// at an optimum, so Dijkstra applies). They stay a proof of optimality;
    /// and a pair outside the network then looks improving only when it
    /// offers a genuinely cheaper way to the sink, so pricing adds few arcs.
    /// Nodes that cannot reach the sink get the largest shift.
    pub fn tighten(&mut self, sink: usize) {
        let n = self.n;
        let real = n..self.state.len();
        let mut start = vec![0usize; n + 1];
        for e in real.clone() {
            start[self.source[e] as usize + 1] += 1;
            start[self.target[e] as usize + 1] += 1;
        }
        for v in 0..n {
            start[v + 1] += start[v];
        }
        let mut fill = start.clone();
        let mut incident = vec![0u32; start[n]];
        for e in real {
            for v in [self.source[e], self.target[e]] {
                incident[fill[v as usize]] = e as u32;
                fill[v as usize] += 1;
            }
        }
        const FAR: i64 = i64::MAX;
        let mut dist = vec![FAR; n];
        let mut heap = std::collections::BinaryHeap::new();
        dist[sink] = 0;
        heap.push(std::cmp::Reverse((0i64, sink as u32)));
        while let Some(std::cmp::Reverse((d, v))) = heap.pop() {
            let v = v as usize;
            if d > dist[v] {
                continue;
            }
            for &e in &incident[start[v]..start[v + 1]] {
                let e = e as usize;
                // A residual arc u → v: forward with room, or backward with flow.
                let (u, step) = if self.target[e] as usize == v && self.flow[e] < self.cap[e] {
                    (self.source[e] as usize, self.reduced(e))
                } else if self.source[e] as usize == v && self.flow[e] > 0 {
                    (self.target[e] as usize, -self.reduced(e))
                } else {
                    continue;
                };
                let nd = d + step;
                if nd < dist[u] {
                    dist[u] = nd;
                    heap.push(std::cmp::Reverse((nd, u as u32)));
                }
            }
        }
        let most = dist.iter().copied().filter(|d| *d < FAR).max().unwrap_or(0);
        for (p, d) in self.pi.iter_mut().zip(&dist) {
            *p -= if *d < FAR { *d } else { most };
        }
    }

    pub fn flow_of(&self, arc: usize) -> i64 {
        self.flow[self.n + arc]
    }

    pub fn cost(&self) -> i64 {
        (self.n..self.flow.len()).map(|e| self.cost[e] * self.flow[e]).sum()
    }

    fn reduced(&self, e: usize) -> i64 {
        self.cost[e] + self.pi[self.source[e] as usize] - self.pi[self.target[e] as usize]
    }

    /// Pivot until no arc can lower the cost.
    pub fn run(&mut self) {
        let m = self.state.len();
        let block = ((m as f64).sqrt() as usize).max(10);
        while let Some(e) = self.entering(block) {
            self.pivot(e);
        }
        debug_assert!((0..self.n).all(|v| self.flow[v] == 0), "the networks built here are feasible");
    }

    /// Block search: scan `block` arcs at a time from where the last search
    /// stopped, and take the most violating arc of the first block that
    /// has one.
    fn entering(&mut self, block: usize) -> Option<usize> {
        let m = self.state.len();
        let mut best = 0i64;
        let mut chosen = None;
        let mut count = block;
        let start = self.next_arc.min(m);
        for e in (start..m).chain(0..start) {
            let v = i64::from(self.state[e]) * self.reduced(e);
            if v < best {
                best = v;
                chosen = Some(e);
            }
            count -= 1;
            if count == 0 {
                if chosen.is_some() {
                    self.next_arc = e;
                    return chosen;
                }
                count = block;
            }
        }
        chosen
    }

    fn pivot(&mut self, in_arc: usize) {
        let (first, second) = if self.state[in_arc] == LOWER {
            (self.source[in_arc] as usize, self.target[in_arc] as usize)
        } else {
            (self.target[in_arc] as usize, self.source[in_arc] as usize)
        };
        let join = self.join(first, second);
        // The cycle runs join → … → first → second → … → join. The leaving
        // arc is the last blocking arc met from the join on: strict `<` on
        // the first side, `<=` on the second.
        let mut delta = self.cap[in_arc];
        let mut out_node = NONE as usize;
        let mut side = 0;
        let mut u = first;
        while u != join {
            let e = self.pred[u] as usize;
            let room = if self.pred_up[u] < 0 { self.cap[e] - self.flow[e] } else { self.flow[e] };
            if room < delta {
                delta = room;
                out_node = u;
                side = 1;
            }
            u = self.parent[u] as usize;
        }
        let mut u = second;
        while u != join {
            let e = self.pred[u] as usize;
            let room = if self.pred_up[u] > 0 { self.cap[e] - self.flow[e] } else { self.flow[e] };
            if room <= delta {
                delta = room;
                out_node = u;
                side = 2;
            }
            u = self.parent[u] as usize;
        }
        if delta > 0 {
            let val = i64::from(self.state[in_arc]) * delta;
            self.flow[in_arc] += val;
            let mut u = self.source[in_arc] as usize;
            while u != join {
                let e = self.pred[u] as usize;
                self.flow[e] -= i64::from(self.pred_up[u]) * val;
                u = self.parent[u] as usize;
            }
            let mut u = self.target[in_arc] as usize;
            while u != join {
                let e = self.pred[u] as usize;
                self.flow[e] += i64::from(self.pred_up[u]) * val;
                u = self.parent[u] as usize;
            }
        }
        if side == 0 {
            // The entering arc blocks itself: it goes from one bound to the other.
            self.state[in_arc] = -self.state[in_arc];
            return;
        }
        let out_arc = self.pred[out_node] as usize;
        self.state[out_arc] = if self.flow[out_arc] == 0 { LOWER } else { UPPER };
        self.state[in_arc] = TREE;
        let (u_in, v_in) = if side == 1 { (first, second) } else { (second, first) };
        self.rehang(in_arc, u_in, v_in, out_node);
    }

    fn join(&self, mut u: usize, mut v: usize) -> usize {
        while u != v {
            if self.depth[u] >= self.depth[v] {
                u = self.parent[u] as usize;
            } else {
                v = self.parent[v] as usize;
            }
        }
        u
    }

    /// Cut the subtree below `out_node`, hang it from `v_in` by the entering
    /// arc at `u_in` (reversing the path `u_in` … `out_node`), and shift its
    /// potentials so that the entering arc's reduced cost is zero.
    fn rehang(&mut self, in_arc: usize, u_in: usize, v_in: usize, out_node: usize) {
        let mut path = Vec::new();
        let mut u = u_in;
        loop {
            path.push(u);
            if u == out_node {
                break;
            }
            u = self.parent[u] as usize;
        }
        let old_pred: Vec<u32> = path.iter().map(|&w| self.pred[w]).collect();
        for &w in &path {
            self.detach(w as u32);
        }
        let mut above = v_in;
        let mut arc = in_arc;
        for (i, &w) in path.iter().enumerate() {
            self.parent[w] = above as u32;
            self.pred[w] = arc as u32;
            self.pred_up[w] = if self.source[arc] as usize == w { 1 } else { -1 };
            self.attach(w as u32, above as u32);
            above = w;
            arc = old_pred[i] as usize;
        }
        let sigma = if self.source[in_arc] as usize == u_in {
            self.pi[v_in] - self.cost[in_arc] - self.pi[u_in]
        } else {
            self.pi[v_in] + self.cost[in_arc] - self.pi[u_in]
        };
        // Depth and potential over the moved subtree.
        let mut stack = vec![u_in as u32];
        while let Some(w) = stack.pop() {
            let w = w as usize;
            self.pi[w] += sigma;
            self.depth[w] = self.depth[self.parent[w] as usize] + 1;
            let mut c = self.first_child[w];
            while c != NONE {
                stack.push(c);
                c = self.next_sibling[c as usize];
            }
        }
    }

    fn detach(&mut self, v: u32) {
        let (prev, next) = (self.prev_sibling[v as usize], self.next_sibling[v as usize]);
        if prev != NONE {
            self.next_sibling[prev as usize] = next;
        } else {
            self.first_child[self.parent[v as usize] as usize] = next;
        }
        if next != NONE {
            self.prev_sibling[next as usize] = prev;
        }
    }

    fn attach(&mut self, v: u32, p: u32) {
        let head = self.first_child[p as usize];
        self.next_sibling[v as usize] = head;
        self.prev_sibling[v as usize] = NONE;
        if head != NONE {
            self.prev_sibling[head as usize] = v;
        }
        self.first_child[p as usize] = v;
    }
}
