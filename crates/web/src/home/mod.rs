//! The public landing page and each persona's home page.

mod pages;

pub use pages::routes as page_routes;
