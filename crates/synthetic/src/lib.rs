//! Deterministic synthetic data for `accompany demo`, `seed`, tests and
//! benchmarks: organizations, workers, members and care teams (`Synthetic`),
//! members' choices and peers' profiles for matching (`matching`), and the
//! workforce's credentials, supervision and positions (`workforce`).
//! Kept out of the domain so that the domain holds no randomness.

pub mod matching;
pub mod workforce;
mod world;

pub use world::{Plan, Synthetic};
