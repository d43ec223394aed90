//! The `accompany` program: command line, synthetic data, and the glue that
//! starts the web server over a store.

pub mod claims;
pub mod cli;
pub mod matching;
pub mod measures;
pub mod seed;
