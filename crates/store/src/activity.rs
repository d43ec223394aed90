//! A peer's month and each supervisee's activity, read from contacts and
//! care teams for the peer's own dashboard and their supervisor's.
