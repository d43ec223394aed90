//! A minimum-cost flow network as the DIMACS format writes it: what
//! `write_dimacs` hands to an independent solver.

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
