//! Calendar feeds.

mod api;

pub use api::feed_routes;
pub use api::routes as api_routes;
