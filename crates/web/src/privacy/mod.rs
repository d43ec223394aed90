//! Privacy: sharing choices, the firewall, emergency access and the audit trail.

mod api;
mod pages;

pub use api::routes as api_routes;
pub use pages::routes as page_routes;
