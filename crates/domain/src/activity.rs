//! How a peer's work went, week by week, and which supervisees need a word:
//! the figures a peer's and a supervisor's dashboards are made of.
