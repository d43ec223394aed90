//! Monthly trends of requests for a peer and first peers, from the equity rollup.
