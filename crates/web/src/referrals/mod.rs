//! Referrals: the public door, staff referring someone, and the queue.

mod api;
mod pages;

pub use api::routes as api_routes;
pub use pages::routes as page_routes;
