//! Coverage, authorizations and the needs-authorization queue: how a
//! member's peer support is paid for, kept by the billing office.

mod api;
mod pages;

pub use api::routes as api_routes;
pub use pages::routes as page_routes;
