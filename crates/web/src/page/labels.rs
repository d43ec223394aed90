//! Names of things in the reader's language.

use accompany_domain::billing::{BillingRule, NotBillableReason, Pricing, Rate};
use accompany_domain::booking::{clock_text, weekday_id};
use accompany_domain::notes::Modality;
use accompany_domain::privacy::Category;

use crate::i18n::Tr;
use crate::AppState;

/// A payer's name in the reader's language.
/// Cents as dollars, grouped by thousands: 12500050 is "$125,000.50".
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    let whole = (c / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}${grouped}.{:02}", c % 100)
}

pub fn payer_name(state: &AppState, t: &Tr, id: &str) -> String {
    state.catalog.payer(id).map_or_else(|| id.to_string(), |p| p.name.get(t.lang).to_string())
}

/// How a payer counts, in words: "15-minute units (H0038)", "a daily case rate ...".
pub fn rate_text(t: &Tr, b: &BillingRule) -> String {
    let rate = match &b.rate {
        Rate::PerUnit { unit_minutes, .. } => t.t1("rate-per-unit", "n", unit_minutes.to_string()),
        Rate::MonthlyTime { base_minutes, addon_minutes, addon_code } => {
            t.tn("rate-monthly-time", &[("base", base_minutes.to_string()), ("addon", addon_minutes.to_string()), ("code", addon_code.clone())])
        }
        other => t.t(&format!("rate-{}", other.as_str())),
    };
    match &b.code {
        Some(code) => format!("{rate} ({code})"),
        None => rate,
    }
}

/// Whether and how a contact is paid, in words, with the reason when it is not.
pub fn pricing_text(state: &AppState, t: &Tr, role_id: Option<&str>, p: &Pricing) -> String {
    match p {
        Pricing::Billable { payer, .. } => t.t1("pricing-billable", "payer", payer_name(state, t, payer)),
        Pricing::Funded { payer, .. } => t.t1("pricing-funded", "payer", payer_name(state, t, payer)),
        Pricing::NeedsAuthorization { payer, .. } => t.t1("pricing-needs-authorization", "payer", payer_name(state, t, payer)),
        Pricing::NotBillable { reason, .. } => {
            let why = match reason {
                NotBillableReason::CredentialBlocks { requirement_id, .. } => {
                    let name = role_id
                        .and_then(|r| state.catalog.role(r))
                        .and_then(|r| r.requirements.iter().find(|q| &q.id == requirement_id))
                        .map_or_else(|| requirement_id.clone(), |q| q.name.get(t.lang).to_string());
                    t.t1("reason-credential-blocks", "requirement", name)
                }
                NotBillableReason::Age { age } => t.t1("reason-age", "age", age.to_string()),
                NotBillableReason::BelowMonthlyMinimum { minutes, base_minutes } => {
                    t.tn("reason-below-monthly-minimum", &[("minutes", minutes.to_string()), ("base", base_minutes.to_string())])
                }
                other => t.t(&format!("reason-{}", other.code())),
            };
            t.t1("pricing-not-billable", "reason", why)
        }
    }
}

pub fn language_name(state: &AppState, t: &Tr, code: &str) -> String {
    state.catalog.language(code).map(|l| l.name.get(t.lang).to_string()).unwrap_or_else(|| code.to_string())
}

/// Categories a member decides about, in the order the page shows them.
/// Demographics are not among them: whoever may open the record sees them.
pub const CHOOSABLE: [Category; 10] = [
    Category::Contact,
    Category::Identity,
    Category::MentalHealth,
    Category::SubstanceUse,
    Category::Hiv,
    Category::PeerNotes,
    Category::RecoveryGoals,
    Category::CarePlan,
    Category::Billing,
    Category::CareAlert,
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
