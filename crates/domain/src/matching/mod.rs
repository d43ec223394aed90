//! Peer matching: members choose their peer (seeds 003, 004).
//!
//! - `PreferencesInput::validate` turns a member's choices into `Preferences`.
//! - `PeerProfile` is a peer as matching sees them, built from the store's
//!   facts or a `Worker`.
//! - `rank` lists the peers one member may choose, best first, with reasons
//!   (`rank_top` the best few, in time linear in the peers); `ineligibility`
//!   says why a peer is not listed.
//! - `assign` matches a whole waiting list (or a departing peer's caseload)
//!   optimally: first as many members as possible, then the highest total
//!   score; `write_dimacs` exports the exact problem it solves.
//!
//! Matching is pure: no clock, no I/O beyond the writer it is handed.

mod assign;
mod flow;
mod preferences;
mod profile;
mod rank;
mod transport;

#[cfg(test)]
mod tests;

pub use assign::{assign, write_dimacs, Assignment, BatchProblem, GapSummary, Pair, Unmatched, UnmatchedReason};
pub use preferences::{
    normalize_value, GeoPoint, IdentityDimension, IdentityWish, IdentityWishInput, Modality, Preferences, PreferencesInput, SourceKind, SourceWish,
    SourceWishInput, Strength, SupportKind, TopicWish, TopicWishInput, MAX_TRAVEL_KM,
};
pub use profile::{IdentityAttribute, LivedExperience, PeerFacts, PeerProfile, WorkerExtras};
pub use rank::{
    concordance, ineligibility, rank, rank_top, score, Blocker, Concordance, Modalities, PeerRanking, RankedPeer, Reason, TimesOfDay, WishKey,
    MAX_BONUS, PREFER_WEIGHT,
};
