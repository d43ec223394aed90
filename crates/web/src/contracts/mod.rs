//! Contracts between funders (plans, ACOs, state agencies) and the
//! organizations they pay: the API, and a page for those who keep them.

mod api;
mod pages;

pub use api::routes as api_routes;
pub use pages::routes as page_routes;
