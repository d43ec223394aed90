//! The roles of the state's chart.

mod api;
mod pages;

pub use api::routes as api_routes;
pub use pages::routes as page_routes;
