//! Identifiers of new records. The domain is handed them; the store makes
//! them, because they read the clock and randomness.

use accompany_domain::records::Id;

/// A new identifier for a record: a time-ordered UUID (version 7), so that
/// new rows land at the end of the primary-key index.
pub fn new_id() -> Id {
    uuid::Uuid::now_v7().to_string()
}
