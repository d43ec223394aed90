//! A member's diagnoses: the ICD-10-CM codes a claim carries, each shown
//! only to readers who see its label.

mod api;
mod pages;

pub use api::routes as api_routes;
pub use pages::routes as page_routes;
