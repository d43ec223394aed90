//! Accompany's domain: the rules of a state's lived-experience workforce,
//! free of HTTP, SQL, clocks and randomness it is not handed.

pub mod activity;
pub mod billing;
pub mod booking;
pub mod catalog;
pub mod claim_data;
pub mod claims;
pub mod contacts;
pub mod contracts;
pub mod coverage;
pub mod enrolment;
pub mod equity;
pub mod error;
pub mod events;
pub mod funnel;
pub mod goals;
pub mod groups;
pub mod limits;
pub mod matching;
pub mod measures;
pub mod notes;
pub mod policy;
pub mod privacy;
pub mod records;
pub mod referral;
pub mod stats;
pub mod trends;
pub mod workforce;

pub use catalog::{Catalog, CatalogError};
pub use error::{FieldError, Invalid};
