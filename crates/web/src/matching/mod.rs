//! Peer choice and the program's matching.

mod api;
mod pages;

pub use api::routes as api_routes;
pub use pages::routes as page_routes;
