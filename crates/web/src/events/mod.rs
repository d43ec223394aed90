//! Acute-care events: loading a plan's or hospital's file, and a member's
//! events as their readers may see them.

mod api;

pub use api::routes as api_routes;
