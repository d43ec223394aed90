//! The referral funnel: from a request to a first contact with a peer.
