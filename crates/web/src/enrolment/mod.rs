//! Enrolment codes and claiming a record with one.

mod api;
mod pages;

pub use api::routes as api_routes;
pub use pages::routes as page_routes;
