//! Availability and booking one-to-one sessions.

mod api;
mod pages;

pub use api::routes as api_routes;
pub use pages::routes as page_routes;
