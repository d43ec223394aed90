//! Names of things in the reader's language.

use accompany_domain::booking::{clock_text, weekday_id};
use accompany_domain::notes::Modality;
use accompany_domain::privacy::Category;

use crate::i18n::Tr;
use crate::AppState;

pub fn language_name(state: &AppState, t: &Tr, code: &str) -> String {
    state.catalog.language(code).map(|l| l.name.get(t.lang).to_string()).unwrap_or_else(|| code.to_string())
}

/// Categories a member decides about, in the order the page shows them.
/// Demographics are not among them: whoever may open the record sees them.
pub const CHOOSABLE: [Category; 9] = [
    Category::Contact,
    Category::Identity,
    Category::MentalHealth,
    Category::SubstanceUse,
    Category::Hiv,
    Category::PeerNotes,
    Category::RecoveryGoals,
    Category::CarePlan,
    Category::Billing,
];

pub fn category_name(t: &Tr, c: Category) -> String {
    t.t(&format!("category-{}", c.as_str()))
}

pub fn when_text(t: &Tr, start: &str) -> String {
    match accompany_domain::booking::parse_datetime(start) {
        Some(d) => format!(
            "{} {} {}",
            t.t(&format!("weekday-{}", weekday_id(d.weekday()))),
            accompany_domain::records::format_date(d.date()),
            clock_text(u32::from(d.hour()) * 60 + u32::from(d.minute()))
        ),
        None => start.to_string(),
    }
}

pub struct Choice {
    pub id: String,
    pub label: String,
    pub selected: bool,
}

pub fn modality_choices(t: &Tr, chosen: &str) -> Vec<Choice> {
    [Modality::InPerson, Modality::Phone, Modality::Video]
        .iter()
        .map(|m| Choice { id: m.as_str().into(), label: t.t(&format!("modality-{}", m.as_str())), selected: m.as_str() == chosen })
        .collect()
}

/// Today and the time now in the state's time zone, as a form shows them.
pub fn local_now(store: &accompany_store::Store) -> (String, String) {
    let now = store.now_local();
    (accompany_domain::records::format_date(now.date()), format!("{:02}:{:02}", now.hour(), now.minute()))
}

pub fn options(t: &Tr, ids: impl IntoIterator<Item = &'static str>, prefix: &str) -> Vec<(String, String)> {
    ids.into_iter().map(|i| (i.to_string(), t.t(&format!("{prefix}{i}")))).collect()
}

/// A notification in the reader's language.
pub fn notice_text(t: &Tr, n: &accompany_store::Notification) -> String {
    let args: Vec<(&str, String)> = n.args.iter().map(|(k, v)| (k.as_str(), v.as_str().map_or_else(|| v.to_string(), str::to_string))).collect();
    t.tn(&n.text_key, &args)
}
