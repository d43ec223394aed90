//! A peer's month and a supervisor's supervisees at a glance: figures
//! against the rows they come from, flags, and the drill-down in a browser.
