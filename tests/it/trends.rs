//! Monthly trends on the equity page.
