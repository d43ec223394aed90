//! Member data beyond the record itself: health information entries (each
//! labelled mental health, substance use, HIV or care plan) and a peer's
//! contact notes, which ask only what the peer role needs: date, duration,
//! modality, setting and one optional line.

use serde::{Deserialize, Serialize};
use time::{Date, Time};

use crate::error::{FieldError, Invalid};
use crate::privacy::{Categories, Category, Labelled};
use crate::records::{Demographics, Id, Member, MemberInput};

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// One piece of health information about a member, in plain words.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthEntry {
    pub id: Id,
    pub member_id: Id,
    pub category: Category,
    pub text: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// The categories a health entry may carry.
pub const HEALTH_CATEGORIES: [Category; 4] = [Category::MentalHealth, Category::SubstanceUse, Category::Hiv, Category::CarePlan];

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HealthEntryInput {
    /// mental-health, substance-use, hiv or care-plan.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::health_category))]
    pub category: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::health_entry))]
    pub text: String,
}

impl HealthEntryInput {
    pub fn validate(&self) -> Result<(Category, String), Invalid> {
        let mut errs = Invalid::default();
        let category = Category::parse(self.category.trim()).filter(|c| HEALTH_CATEGORIES.contains(c));
        if category.is_none() {
            errs.push(
                FieldError::new("category", "health-category", "must be mental-health, substance-use, hiv or care-plan")
                    .arg("value", self.category.trim()),
            );
        }
        let text = errs.required("text", &self.text, crate::limits::text::HEALTH_ENTRY);
        errs.finish()?;
        category.map(|c| (c, text)).ok_or_else(|| Invalid::one("category", "health-category", "is required"))
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ContactModality))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Modality {
    InPerson,
    Phone,
    Video,
    Text,
}

impl Modality {
    pub const ALL: [Modality; 4] = [Self::InPerson, Self::Phone, Self::Video, Self::Text];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InPerson => "in-person",
            Self::Phone => "phone",
            Self::Video => "video",
            Self::Text => "text",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Setting {
    Home,
    Community,
    RecoveryLearningCommunity,
    Clinic,
    EmergencyDepartment,
    Inpatient,
    Virtual,
}

impl Setting {
    pub const ALL: [Setting; 7] =
        [Self::Home, Self::Community, Self::RecoveryLearningCommunity, Self::Clinic, Self::EmergencyDepartment, Self::Inpatient, Self::Virtual];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Home => "home",
            Self::Community => "community",
            Self::RecoveryLearningCommunity => "recovery-learning-community",
            Self::Clinic => "clinic",
            Self::EmergencyDepartment => "emergency-department",
            Self::Inpatient => "inpatient",
            Self::Virtual => "virtual",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// A peer's contact with a member. Deliberately small: plans asking peers
/// for clinical-style notes pull them out of the peer role, and every extra
/// field is something a member may not want written down.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactNote {
    pub id: Id,
    pub member_id: Id,
    /// The account of the peer who wrote it.
    pub author_id: Id,
    pub author_name: String,
    #[serde(with = "iso_date")]
    pub date: Date,
    /// When the contact began, in the state's local time; contacts logged
    /// before start times were kept, and group sessions, have none.
    #[serde(default, with = "hh_mm::option")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::clock_time_opt))]
    pub start_time: Option<Time>,
    pub duration_minutes: u32,
    pub modality: Modality,
    pub setting: Setting,
    /// One optional line.
    pub note: String,
    /// Edits are guarded by the version the writer read.
    #[serde(default = "first_version")]
    pub version: i64,
}

fn first_version() -> i64 {
    1
}

time::serde::format_description!(hh_mm, Time, "[hour]:[minute]");

/// A contact's start time, as `HH:MM` (seconds, which some browsers send, are dropped).
pub fn parse_start_time(text: &str) -> Option<Time> {
    let t = text.trim();
    let t = if t.len() == 8 && t.as_bytes().get(5) == Some(&b':') { &t[..5] } else { t };
    Time::parse(t, time::macros::format_description!("[hour]:[minute]")).ok()
}

pub fn format_start_time(t: Time) -> String {
    t.format(time::macros::format_description!("[hour]:[minute]")).unwrap_or_default()
}

/// A contact input once checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidContact {
    pub date: Date,
    pub start_time: Option<Time>,
    pub duration_minutes: u32,
    pub modality: Modality,
    pub setting: Setting,
    pub note: String,
}

/// Longest contact a note may record: a day.
pub const MAX_CONTACT_MINUTES: u32 = 24 * 60;
/// One line of note.
pub const MAX_NOTE_CHARS: usize = crate::limits::text::CONTACT_NOTE.max_chars;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ContactNoteInput {
    /// YYYY-MM-DD, not in the future.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::past_day))]
    pub date: String,
    /// Forms send text, JSON clients a number; both are read as text here
    /// and checked by [`ContactNoteInput::validate`].
    #[serde(deserialize_with = "text_or_number")]
    #[cfg_attr(feature = "openapi", schema(value_type = u32, minimum = 1, maximum = 1440))]
    pub duration_minutes: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Modality))]
    pub modality: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Setting))]
    pub setting: String,
    /// One line.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::contact_note_blank))]
    pub note: String,
    /// `HH:MM`; optional.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::start_time_blank))]
    pub start_time: String,
}

/// A number that forms send as text and JSON clients as a number, read as text.
pub(crate) fn text_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum TextOrNumber {
        Text(String),
        Number(serde_json::Number),
    }
    Ok(match TextOrNumber::deserialize(d)? {
        TextOrNumber::Text(s) => s,
        TextOrNumber::Number(n) => number_text(&n),
    })
}

/// A JSON number as text; a whole number written with a fraction (`60.0`) is
/// the whole number, as JSON Schema counts it an integer.
pub fn number_text(n: &serde_json::Number) -> String {
    match n.as_f64() {
        Some(f) if !n.is_i64() && !n.is_u64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        _ => n.to_string(),
    }
}

impl ContactNoteInput {
    /// Check every field; a contact cannot be in the future.
    pub fn validate(&self, today: Date) -> Result<(Date, u32, Modality, Setting, String), Invalid> {
        self.validate_contact(today).map(|c| (c.date, c.duration_minutes, c.modality, c.setting, c.note))
    }

    /// Check every field, the start time included.
    pub fn validate_contact(&self, today: Date) -> Result<ValidContact, Invalid> {
        let mut errs = Invalid::default();
        let date = crate::limits::parse_day(&self.date);
        match date {
            None => errs.push(FieldError::new("date", "date-format", "must be a date written YYYY-MM-DD, from 1900 to 2200")),
            Some(d) if d > today => errs.push(FieldError::new("date", "date-future", "cannot be in the future")),
            _ => {}
        }
        let start_time = match self.start_time.trim() {
            "" => None,
            text => {
                let t = parse_start_time(text);
                if t.is_none() {
                    errs.push(FieldError::new("start_time", "time-format", "must be a time written HH:MM, for example 14:30"));
                }
                t
            }
        };
        let minutes = self.duration_minutes.trim().parse::<u32>().ok().filter(|m| (1..=MAX_CONTACT_MINUTES).contains(m));
        if minutes.is_none() {
            errs.push(
                FieldError::new("duration_minutes", "minutes", "must be a whole number of minutes from 1 to 1440")
                    .arg("min", "1")
                    .arg("max", MAX_CONTACT_MINUTES.to_string()),
            );
        }
        let modality = Modality::parse(self.modality.trim());
        if modality.is_none() {
            errs.push(FieldError::new("modality", "choice", "choose in-person, phone, video or text"));
        }
        let setting = Setting::parse(self.setting.trim());
        if setting.is_none() {
            errs.push(FieldError::new("setting", "choice", "choose where the contact took place"));
        }
        let note = self.note.trim().to_string();
        if note.contains(['\n', '\r']) {
            errs.push(FieldError::new("note", "one-line", "must be a single line"));
        }
        if note.contains(['\n', '\r']) {
            // Reported once, above, in words that fit a one-line field.
        } else {
            crate::limits::check_text(&mut errs, "note", &note, crate::limits::text::CONTACT_NOTE);
        }
        errs.finish()?;
        match (date, minutes, modality, setting) {
            (Some(date), Some(duration_minutes), Some(modality), Some(setting)) => {
                Ok(ValidContact { date, start_time, duration_minutes, modality, setting, note })
            }
            _ => Err(Invalid::one("date", "required", "is required")),
        }
    }
}

impl Labelled for Member {
    const NAME: &'static str = "Member";
    fn field_category(field: &str) -> Option<Category> {
        Some(match field {
            "id" | "version" | "given_name" | "family_name" | "date_of_birth" | "city" | "preferred_languages" => Category::Demographics,
            "phone" | "email" | "address" => Category::Contact,
            "masshealth_id" | "medicare_id" | "plan_id" | "administrative_sex" => Category::Billing,
            "needs" => Category::CarePlan,
            "demographics" => Category::Identity,
            _ => return None,
        })
    }
}

impl Labelled for ContactNote {
    const NAME: &'static str = "ContactNote";
    fn field_category(field: &str) -> Option<Category> {
        matches!(
            field,
            "id" | "member_id"
                | "author_id"
                | "author_name"
                | "date"
                | "start_time"
                | "duration_minutes"
                | "modality"
                | "setting"
                | "note"
                | "version"
        )
        .then_some(Category::PeerNotes)
    }
}

impl Labelled for HealthEntry {
    const NAME: &'static str = "HealthEntry";
    /// The entry's own `category` says which label it carries; every field
    /// shares it. `CarePlan` here stands for "the label the entry names".
    fn field_category(field: &str) -> Option<Category> {
        matches!(field, "id" | "member_id" | "category" | "text" | "recorded_by" | "recorded_at").then_some(Category::CarePlan)
    }
}

impl Member {
    /// The record as a reader who sees only `visible` may have it: every
    /// field whose label is not visible is emptied.
    pub fn redacted(mut self, visible: Categories) -> Member {
        if !visible.contains(Category::Contact) {
            self.phone = None;
            self.email = None;
            self.address = None;
        }
        if !visible.contains(Category::Billing) {
            self.masshealth_id = String::new();
            self.medicare_id = None;
            self.plan_id = None;
            self.administrative_sex = None;
        }
        if !visible.contains(Category::CarePlan) {
            self.needs.clear();
        }
        if !visible.contains(Category::Identity) {
            self.demographics = Demographics::default();
        }
        self
    }
}

impl MemberInput {
    /// The input that would produce `m` unchanged.
    pub fn of(m: &Member) -> MemberInput {
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        MemberInput {
            masshealth_id: m.masshealth_id.clone(),
            medicare_id: m.medicare_id.clone(),
            given_name: m.given_name.clone(),
            family_name: m.family_name.clone(),
            date_of_birth: m.date_of_birth.format(&fmt).unwrap_or_default(),
            phone: m.phone.clone(),
            email: m.email.clone(),
            city: m.city.clone(),
            preferred_languages: m.preferred_languages.clone(),
            needs: m.needs.clone(),
            demographics: m.demographics.clone(),
            plan_id: m.plan_id.clone(),
            address: m.address.as_ref().map(crate::claim_data::AddressInput::of),
            administrative_sex: m.administrative_sex.map(|x| x.as_str().to_string()),
        }
    }

    /// Fields the writer may not see keep their current values: a form
    /// that never showed them must not erase them.
    pub fn keeping_hidden(mut self, current: &Member, visible: Categories) -> MemberInput {
        if !visible.contains(Category::Contact) {
            self.phone = current.phone.clone();
            self.email = current.email.clone();
            self.address = current.address.as_ref().map(crate::claim_data::AddressInput::of);
        }
        if !visible.contains(Category::Billing) {
            self.masshealth_id = current.masshealth_id.clone();
            self.medicare_id = current.medicare_id.clone();
            self.plan_id = current.plan_id.clone();
            self.administrative_sex = current.administrative_sex.map(|x| x.as_str().to_string());
        }
        if !visible.contains(Category::CarePlan) {
            self.needs = current.needs.clone();
        }
        if !visible.contains(Category::Identity) {
            self.demographics = current.demographics.clone();
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use time::macros::date;

    fn member() -> Member {
        let catalog = crate::Catalog::massachusetts().expect("the shipped catalog loads");
        let input = MemberInput {
            masshealth_id: "100012345678".into(),
            medicare_id: Some("1EG4TE5MK73".into()),
            given_name: "Rosa".into(),
            family_name: "Delgado".into(),
            date_of_birth: "1979-03-14".into(),
            // Every optional field is filled so redaction has something to empty.
            phone: Some("617-555-0100".into()),
            email: Some("a@example.org".into()),
            city: Some("Lowell".into()),
            preferred_languages: vec!["es".into(), "en".into()],
            needs: vec!["evening meetings".into()],
            demographics: Demographics {
                gender: Some("woman".into()),
                race: Some("Black".into()),
                ethnicity: Some("Hispanic or Latina".into()),
                sexual_orientation: Some("bisexual".into()),
                faith: Some("Catholic".into()),
                age_band: Some("45-54".into()),
            },
            plan_id: Some("plan".into()),
            address: Some(crate::claim_data::AddressInput {
                line1: "12 Merrimack St".into(),
                line2: Some("Apt 3".into()),
                state: "MA".into(),
                zip: "01852".into(),
            }),
            administrative_sex: Some("female".into()),
        };
        input.validate("m-1".into(), 1, &catalog, date!(2026 - 06 - 01)).expect("a valid member")
    }

    fn keys<T: Serialize>(v: &T) -> Vec<String> {
        match serde_json::to_value(v) {
            Ok(Value::Object(map)) => map.keys().cloned().collect(),
            _ => vec![],
        }
    }

    /// Every serialized field of every member-data type has a label.
    #[test]
    fn every_field_of_member_data_is_labelled() {
        fn check<T: Labelled + Serialize>(v: &T) {
            let ks = keys(v);
            assert!(!ks.is_empty(), "{} serializes to an object", T::NAME);
            for k in ks {
                assert!(T::field_category(&k).is_some(), "{}.{k} has no sensitivity label", T::NAME);
            }
        }
        check(&member());
        check(&ContactNote {
            id: "c".into(),
            member_id: "m".into(),
            author_id: "u".into(),
            author_name: "Peer".into(),
            date: date!(2026 - 06 - 01),
            start_time: Some(time::macros::time!(14:30)),
            duration_minutes: 30,
            modality: Modality::Phone,
            setting: Setting::Home,
            note: String::new(),
            version: 1,
        });
        check(&HealthEntry {
            id: "h".into(),
            member_id: "m".into(),
            category: Category::MentalHealth,
            text: "t".into(),
            recorded_by: "u".into(),
            recorded_at: "now".into(),
        });
        let catalog = crate::Catalog::massachusetts().expect("the shipped catalog loads");
        let topic = catalog.lived_experience_topics[0].id.clone();
        let prefs = crate::matching::PreferencesInput {
            support: Some(crate::matching::SupportKind::Both),
            languages: vec!["es".into()],
            interpreter_ok: true,
            identity: vec![crate::matching::IdentityWishInput {
                dimension: crate::matching::IdentityDimension::Gender,
                strength: crate::matching::Strength::Prefer,
                values: vec!["woman".into()],
            }],
            lived_experience: vec![crate::matching::TopicWishInput { topic, strength: crate::matching::Strength::Prefer }],
            home: Some(crate::matching::GeoPoint { lat: 42.6334, lon: -71.3162 }),
            home_town: Some("Lowell".into()),
            max_travel_km: Some(20),
            named_peer: Some("w-1".into()),
            ..Default::default()
        }
        .validate(&catalog)
        .expect("valid preferences");
        check(&prefs);
    }

    /// Hiding a category empties exactly the fields that carry its label.
    #[test]
    fn redaction_follows_the_labels() {
        let full = serde_json::to_value(member()).expect("serializes");
        for c in Category::ALL {
            let red = serde_json::to_value(member().redacted(Categories::all().without(c))).expect("serializes");
            for k in keys(&member()) {
                let label = <Member as Labelled>::field_category(&k);
                if label == Some(c) && c != Category::Demographics {
                    assert_ne!(red[&k], full[&k], "{k} is labelled {c:?} and must be hidden");
                } else {
                    assert_eq!(red[&k], full[&k], "{k} is not labelled {c:?} and must stay");
                }
            }
        }
    }

    /// Saving the form a reader saw, redacted, changes nothing they could not see.
    #[test]
    fn a_redacted_form_saved_back_loses_nothing() {
        let catalog = crate::Catalog::massachusetts().expect("the shipped catalog loads");
        let current = member();
        for bits in 0u16..(1 << Category::ALL.len()) {
            let visible =
                Categories::of(&Category::ALL.iter().enumerate().filter(|(i, _)| bits & (1 << i) != 0).map(|(_, c)| *c).collect::<Vec<_>>());
            let seen = current.clone().redacted(visible);
            let saved = MemberInput::of(&seen)
                .keeping_hidden(&current, visible)
                .validate(current.id.clone(), current.version, &catalog, date!(2026 - 06 - 01))
                .expect("the saved form is valid");
            assert_eq!(saved, current, "visible {visible:?}");
        }
    }

    #[test]
    fn a_contact_note_is_one_line_and_bounded() {
        let today = date!(2026 - 06 - 01);
        let ok = ContactNoteInput {
            date: "2026-05-31".into(),
            duration_minutes: "45".into(),
            modality: "phone".into(),
            setting: "home".into(),
            note: "talked about the job fair".into(),
            start_time: "09:15".into(),
        };
        assert!(ok.validate(today).is_ok());
        let bad = ContactNoteInput {
            date: "2026-06-02".into(),
            duration_minutes: "-5".into(),
            modality: "fax".into(),
            setting: "moon".into(),
            note: "two\nlines".into(),
            start_time: "25:99".into(),
        };
        let fields: Vec<_> = bad.validate(today).unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["date", "start_time", "duration_minutes", "modality", "setting", "note"]);
    }
}
