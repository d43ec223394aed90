//! One's own account: signing in and out, the password, the language.

mod api;
mod pages;

pub use api::routes as api_routes;
pub use pages::routes as page_routes;
