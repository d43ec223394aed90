//! Deterministic synthetic data for `accompany demo`, `seed`, tests and
//! benchmarks: organizations, workers, members and care teams (`Synthetic`),
//! members' choices and peers' profiles for matching (`matching`), the
//! workforce's credentials, supervision and positions (`workforce`), and
//! members' acute care, peer contacts and referrals (`events`).
//! Kept out of the domain so that the domain holds no randomness.

pub mod events;
pub mod matching;
pub mod workforce;
mod world;

pub use world::{Plan, Synthetic};
