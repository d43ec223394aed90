//! Peer choice and the program's matching.

mod api;
mod pages;

use accompany_domain::matching::IdentityDimension;

use crate::i18n::Tr;
use crate::AppState;

pub use api::routes as api_routes;
pub use pages::routes as page_routes;

/// A catalog topic of lived experience in the reader's language.
pub(crate) fn topic_name(state: &AppState, t: &Tr, id: &str) -> String {
    state.catalog.lived_experience_topics.iter().find(|x| x.id == id).map(|x| x.name.get(t.lang).to_string()).unwrap_or_else(|| id.to_string())
}

/// Why the batch left a member without a peer, in words: a gap report code
/// (a blocker, `must-DIMENSION`, `must-lived-experience-TOPIC`,
/// `capacity-taken-by-others`).
pub(crate) fn gap_reason(state: &AppState, t: &Tr, code: &str) -> String {
    if let Some(topic) = code.strip_prefix("must-lived-experience-") {
        return t.t1("match-gap-must", "wish", topic_name(state, t, topic));
    }
    if code == "must-source" {
        return t.t1("match-gap-must", "wish", t.t("match-wish-source"));
    }
    if let Some(d) = code.strip_prefix("must-").and_then(IdentityDimension::parse) {
        return t.t1("match-gap-must", "wish", t.t(&format!("match-dimension-{}", d.as_str())));
    }
    t.t(&format!("match-blocker-{code}"))
}
