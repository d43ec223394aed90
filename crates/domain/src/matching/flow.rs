//! Exact minimum-cost flow for the batch assignment.
//!
//! Hand-written because the crates that were checked do not fit: `mcmf`
//! binds LEMON through C++ with `i32` costs and totals (the objective here
//! needs `i64`) and panics on bad input; `pathfinding` offers max-flow and
//! the Hungarian method on dense matrices, not min-cost flow on a sparse
//! network of millions of arcs; `rs-graph`'s network simplex needs its own
//! graph types for every arc. This is the primal-dual method: Dijkstra with
//! potentials finds the shortest augmenting distance, then a blocking flow
//! (Dinic) saturates every shortest path at once. The number of phases is
//! bounded by the number of distinct shortest-path lengths, which is small
//! because scores are small integers.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
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

/// The optimal flow on each arc of the network, its total cost, and node
/// potentials that prove it optimal: every arc with room left has
/// `cost + potential[from] - potential[to] >= 0`, and every arc carrying
/// flow has it `<= 0`. An arc outside the network that also meets the first
/// condition could not lower the cost.
#[derive(Debug, Clone)]
pub(crate) struct Solution {
    pub flow: Vec<i64>,
    pub cost: i64,
    pub potential: Vec<i64>,
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

    /// A minimum-cost flow meeting every supply and demand as far as the
    /// arcs allow.
    pub fn solve(&self) -> Solution {
        let n = self.supply.len();
        let source = n;
        let sink = n + 1;
        let mut g = Residual::new(n + 2, self.arcs.len() + n);
        for a in &self.arcs {
            g.add(a.from as usize, a.to as usize, a.cap.max(0), a.cost);
        }
        let mut need = 0;
        for (v, s) in self.supply.iter().enumerate() {
            if *s > 0 {
                g.add(source, v, *s, 0);
                need += s;
            } else if *s < 0 {
                g.add(v, sink, -s, 0);
            }
        }
        g.finish();
        // Every supply reaches the sink in the networks built here (each
        // member class has an arc straight to it), so all of `need` is sent.
        let pi = g.min_cost_flow(source, sink, need);
        let demands: Vec<usize> = (0..n).filter(|&v| self.supply[v] < 0).collect();
        let mut potential = g.tighten(&pi, &demands, n);
        potential.truncate(n);
        let flow = (0..self.arcs.len()).map(|e| g.flow_of(e)).collect();
        let cost = self.arcs.iter().enumerate().map(|(e, a)| a.cost * g.flow_of(e)).sum();
        Solution { flow, cost, potential }
    }
}

/// The residual graph in compressed rows: arc `2e` is the `e`-th arc and
/// `2e + 1` its reverse.
struct Residual {
    n: usize,
    to: Vec<u32>,
    cap: Vec<i64>,
    cost: Vec<i64>,
    original_cap: Vec<i64>,
    from: Vec<u32>,
    start: Vec<usize>,
    adj: Vec<u32>,
}

const INF: i64 = i64::MAX / 4;

impl Residual {
    fn new(n: usize, arcs: usize) -> Residual {
        Residual {
            n,
            to: Vec::with_capacity(2 * arcs),
            cap: Vec::with_capacity(2 * arcs),
            cost: Vec::with_capacity(2 * arcs),
            original_cap: Vec::with_capacity(arcs),
            from: Vec::with_capacity(2 * arcs),
            start: vec![],
            adj: vec![],
        }
    }

    fn add(&mut self, u: usize, v: usize, cap: i64, cost: i64) {
        self.from.extend([u as u32, v as u32]);
        self.to.extend([v as u32, u as u32]);
        self.cap.extend([cap, 0]);
        self.cost.extend([cost, -cost]);
        self.original_cap.push(cap);
    }

    fn finish(&mut self) {
        let mut count = vec![0usize; self.n + 1];
        for &u in &self.from {
            count[u as usize + 1] += 1;
        }
        for i in 0..self.n {
            count[i + 1] += count[i];
        }
        self.start = count.clone();
        self.adj = vec![0; self.from.len()];
        for (e, &u) in self.from.iter().enumerate() {
            self.adj[count[u as usize]] = e as u32;
            count[u as usize] += 1;
        }
    }

    fn flow_of(&self, e: usize) -> i64 {
        self.original_cap[e] - self.cap[2 * e]
    }

    fn arcs_of(&self, u: usize) -> &[u32] {
        &self.adj[self.start[u]..self.start[u + 1]]
    }

    /// Shortest distances from `s` over arcs with room, by Bellman-Ford
    /// with a queue; costs may be negative but there is no negative cycle
    /// in a network with no flow.
    fn initial_potentials(&self, s: usize) -> Vec<i64> {
        let mut dist = vec![INF; self.n];
        let mut queued = vec![false; self.n];
        let mut queue = std::collections::VecDeque::new();
        dist[s] = 0;
        queue.push_back(s);
        while let Some(u) = queue.pop_front() {
            queued[u] = false;
            for &e in self.arcs_of(u) {
                let e = e as usize;
                let v = self.to[e] as usize;
                if self.cap[e] > 0 && dist[u] + self.cost[e] < dist[v] {
                    dist[v] = dist[u] + self.cost[e];
                    if !queued[v] {
                        queued[v] = true;
                        queue.push_back(v);
                    }
                }
            }
        }
        dist
    }

    /// Send up to `want` units from `s` to `t` at least cost; returns the
    /// final potentials.
    fn min_cost_flow(&mut self, s: usize, t: usize, want: i64) -> Vec<i64> {
        let mut pi = self.initial_potentials(s);
        // Nodes `s` cannot reach carry no flow; any finite potential keeps them out of the way.
        let reach_max = pi.iter().copied().filter(|d| *d < INF).max().unwrap_or(0);
        for p in pi.iter_mut() {
            if *p >= INF {
                *p = reach_max;
            }
        }
        let mut sent = 0;
        let mut dist = vec![INF; self.n];
        let mut done = vec![false; self.n];
        let mut level = vec![u32::MAX; self.n];
        let mut next = vec![0usize; self.n];
        let mut heap = BinaryHeap::new();
        while sent < want {
            // Dijkstra on reduced costs, stopped once `t` is settled.
            dist.fill(INF);
            done.fill(false);
            heap.clear();
            dist[s] = 0;
            heap.push(Reverse((0i64, s as u32)));
            while let Some(Reverse((d, u))) = heap.pop() {
                let u = u as usize;
                if done[u] {
                    continue;
                }
                done[u] = true;
                if u == t {
                    break;
                }
                for &e in self.arcs_of(u) {
                    let e = e as usize;
                    if self.cap[e] == 0 {
                        continue;
                    }
                    let v = self.to[e] as usize;
                    let nd = d + self.cost[e] + pi[u] - pi[v];
                    if nd < dist[v] {
                        dist[v] = nd;
                        heap.push(Reverse((nd, v as u32)));
                    }
                }
            }
            if !done[t] {
                break;
            }
            let dt = dist[t];
            for v in 0..self.n {
                pi[v] += if done[v] { dist[v].min(dt) } else { dt };
            }
            // Blocking flows on arcs of zero reduced cost.
            loop {
                if !self.levels(s, t, &pi, &mut level) {
                    break;
                }
                next.copy_from_slice(&self.start[..self.n]);
                let mut pushed_any = false;
                while sent < want {
                    let f = self.push(s, t, want - sent, &pi, &level, &mut next);
                    if f == 0 {
                        break;
                    }
                    sent += f;
                    pushed_any = true;
                }
                if !pushed_any || sent >= want {
                    break;
                }
            }
        }
        pi
    }

    /// Potentials equal to minus the cost of the cheapest way on to a
    /// demand node. Any valid potentials prove optimality; these are the ones that
    /// make an arc outside the network look improving only when it would
    /// offer a cheaper way to the sink, so pricing adds few arcs.
    /// The super source and sink (nodes `real` and up) are left out: the
    /// certificate is about the network as written.
    fn tighten(&self, pi: &[i64], demands: &[usize], real: usize) -> Vec<i64> {
        let mut reduced_to_t = vec![INF; self.n];
        let mut heap = BinaryHeap::new();
        for &t in demands {
            reduced_to_t[t] = 0;
            heap.push(Reverse((0i64, t as u32)));
        }
        while let Some(Reverse((d, v))) = heap.pop() {
            let v = v as usize;
            if d > reduced_to_t[v] {
                continue;
            }
            // Arcs into `v` are the reverses of the arcs out of it.
            for &r in self.arcs_of(v) {
                let e = (r ^ 1) as usize;
                if self.cap[e] == 0 {
                    continue;
                }
                let u = self.from[e] as usize;
                if u >= real {
                    continue;
                }
                let nd = d + self.cost[e] + pi[u] - pi[v];
                if nd < reduced_to_t[u] {
                    reduced_to_t[u] = nd;
                    heap.push(Reverse((nd, u as u32)));
                }
            }
        }
        let cap = reduced_to_t.iter().copied().filter(|d| *d < INF).max().unwrap_or(0);
        pi.iter().zip(&reduced_to_t).map(|(p, d)| p - if *d < INF { *d } else { cap }).collect()
    }

    fn admissible(&self, e: usize, pi: &[i64]) -> bool {
        let u = self.from[e] as usize;
        let v = self.to[e] as usize;
        self.cap[e] > 0 && self.cost[e] + pi[u] - pi[v] == 0
    }

    fn levels(&self, s: usize, t: usize, pi: &[i64], level: &mut [u32]) -> bool {
        level.fill(u32::MAX);
        level[s] = 0;
        let mut queue = std::collections::VecDeque::from([s]);
        while let Some(u) = queue.pop_front() {
            for &e in self.arcs_of(u) {
                let e = e as usize;
                let v = self.to[e] as usize;
                if level[v] == u32::MAX && self.admissible(e, pi) {
                    level[v] = level[u] + 1;
                    queue.push_back(v);
                }
            }
        }
        level[t] != u32::MAX
    }

    /// One augmenting path of the level graph, found without recursion so
    /// that long paths cannot exhaust the stack.
    fn push(&mut self, s: usize, t: usize, limit: i64, pi: &[i64], level: &[u32], next: &mut [usize]) -> i64 {
        let mut path: Vec<usize> = Vec::new();
        let mut u = s;
        loop {
            if u == t {
                let f = path.iter().map(|&e| self.cap[e]).min().unwrap_or(0).min(limit);
                for &e in &path {
                    self.cap[e] -= f;
                    self.cap[e ^ 1] += f;
                }
                return f;
            }
            let mut advanced = false;
            while next[u] < self.start[u + 1] {
                let e = self.adj[next[u]] as usize;
                let v = self.to[e] as usize;
                if level[v] == level[u].wrapping_add(1) && self.admissible(e, pi) {
                    path.push(e);
                    u = v;
                    advanced = true;
                    break;
                }
                next[u] += 1;
            }
            if !advanced {
                // Dead end: retreat and skip the arc that led here.
                match path.pop() {
                    Some(e) => {
                        u = self.from[e] as usize;
                        next[u] += 1;
                    }
                    None => return 0,
                }
            }
        }
    }
}
