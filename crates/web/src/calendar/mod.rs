//! Calendar feeds.

mod api;
mod feed;

pub use api::routes as api_routes;
pub use feed::feed_routes;
