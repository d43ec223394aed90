//! The equity pages in a real browser.
