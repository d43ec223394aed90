//! For whom: network adequacy, equity and concordance, and 003's
//! Appendix-A tables for a cohort, as JSON, CSV and a page with charts
//! beside the tables. Every count goes through the small-cell rule in the
//! store's reports; pages and CSVs show exactly what the report holds.

mod api;
mod pages;

pub use api::routes as api_routes;
pub use pages::routes as page_routes;
