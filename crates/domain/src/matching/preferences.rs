//! What a member asks of a peer, as they said it (`PreferencesInput`) and
//! once checked against the catalog (`Preferences`).

use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, SupportFocus};
use crate::error::{FieldError, Invalid};
use crate::privacy::{Category, Labelled};
use crate::records::{Id, TimeOfDay};

/// The kind of support a member asks for. Someone who needs both mental
/// health and substance-use support may choose a peer of either culture.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum SupportKind {
    MentalHealth,
    SubstanceUse,
    /// Mental health and substance use: a role focused on either fits.
    Both,
    HealthAndSocialNeeds,
    Family,
    YoungAdults,
}

impl SupportKind {
    /// Whether asking for this support says the person uses substances:
    /// information 42 CFR Part 2 protects.
    pub fn involves_substance_use(self) -> bool {
        matches!(self, Self::SubstanceUse | Self::Both)
    }

    pub const ALL: [SupportKind; 6] =
        [Self::MentalHealth, Self::SubstanceUse, Self::Both, Self::HealthAndSocialNeeds, Self::Family, Self::YoungAdults];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::MentalHealth => "mental-health",
            Self::SubstanceUse => "substance-use",
            Self::Both => "both",
            Self::HealthAndSocialNeeds => "health-and-social-needs",
            Self::Family => "family",
            Self::YoungAdults => "young-adults",
        }
    }

    /// Whether a role with these focus areas may give this support.
    pub fn fits(self, focus_areas: &[SupportFocus]) -> bool {
        focus_areas.iter().any(|f| self.accepts(*f))
    }

    pub(crate) fn accepts(self, focus: SupportFocus) -> bool {
        use SupportFocus as F;
        matches!(
            (self, focus),
            (Self::MentalHealth, F::MentalHealth)
                | (Self::SubstanceUse, F::SubstanceUse)
                | (Self::Both, F::MentalHealth | F::SubstanceUse)
                | (Self::HealthAndSocialNeeds, F::HealthAndSocialNeeds)
                | (Self::Family, F::Family)
                | (Self::YoungAdults, F::YoungAdults)
        )
    }
}

/// How much a wish counts: a `Must` is never broken, a `Prefer` adds to the
/// score, `NoPreference` is ignored.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Strength {
    #[default]
    NoPreference,
    Prefer,
    Must,
}

/// A side of a person a member may ask a peer to share. The ids equal the
/// topics of a worker's identity statements (`records::Statement::topic`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityDimension {
    Gender,
    Race,
    Ethnicity,
    /// Values are catalog language codes; a peer's languages are public.
    Language,
    Faith,
    SexualOrientation,
    AgeBand,
}

impl IdentityDimension {
    pub const ALL: [IdentityDimension; 7] =
        [Self::Gender, Self::Race, Self::Ethnicity, Self::Language, Self::Faith, Self::SexualOrientation, Self::AgeBand];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gender => "gender",
            Self::Race => "race",
            Self::Ethnicity => "ethnicity",
            Self::Language => "language",
            Self::Faith => "faith",
            Self::SexualOrientation => "sexual-orientation",
            Self::AgeBand => "age-band",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// How a member wants to meet.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Modality {
    InPerson,
    Phone,
    Video,
}

impl Modality {
    pub const ALL: [Modality; 3] = [Self::InPerson, Self::Phone, Self::Video];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::InPerson => "in-person",
            Self::Phone => "phone",
            Self::Video => "video",
        }
    }

    pub(crate) fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

pub(crate) const TIMES: [TimeOfDay; 4] = [TimeOfDay::Daytime, TimeOfDay::Evening, TimeOfDay::Night, TimeOfDay::Weekend];

pub(crate) fn time_bit(t: TimeOfDay) -> u8 {
    1 << (t as u8)
}

pub(crate) fn time_mask(times: &[TimeOfDay]) -> u8 {
    times.iter().fold(0, |m, t| m | time_bit(*t))
}

pub(crate) fn modality_mask(modalities: &[Modality]) -> u8 {
    modalities.iter().fold(0, |m, x| m | x.bit())
}

/// Where a peer's employer sits in the system: members know the source of
/// the peer they choose.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// Employed by the member's health plan.
    Plan,
    /// A peer-run Recovery Learning Community.
    Rlc,
    /// A community organization or human-service vendor.
    Vendor,
}

impl SourceKind {
    pub const ALL: [SourceKind; 3] = [Self::Plan, Self::Rlc, Self::Vendor];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Plan => "plan",
            Self::Rlc => "rlc",
            Self::Vendor => "vendor",
        }
    }

    pub(crate) fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A point on Earth in degrees (WGS 84).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct GeoPoint {
    #[cfg_attr(feature = "openapi", schema(minimum = -90, maximum = 90))]
    pub lat: f64,
    #[cfg_attr(feature = "openapi", schema(minimum = -180, maximum = 180))]
    pub lon: f64,
}

impl GeoPoint {
    /// Great-circle distance in kilometres.
    pub fn distance_km(self, other: GeoPoint) -> f64 {
        let a = unit_vector(self);
        let b = unit_vector(other);
        chord_to_km(a, b)
    }
}

pub(crate) const EARTH_RADIUS_KM: f64 = 6371.0;

/// The point as a unit vector: distances then need no trigonometry in the
/// ranking loop, only a dot product compared with a precomputed cosine.
pub(crate) fn unit_vector(p: GeoPoint) -> [f64; 3] {
    let (lat, lon) = (p.lat.to_radians(), p.lon.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

pub(crate) fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

pub(crate) fn chord_to_km(a: [f64; 3], b: [f64; 3]) -> f64 {
    dot(a, b).clamp(-1.0, 1.0).acos() * EARTH_RADIUS_KM
}

/// A wish about one identity dimension: the peer should (or must) have one
/// of `values`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdentityWish {
    pub dimension: IdentityDimension,
    pub strength: Strength,
    /// Normalized (see `normalize_value`); language codes for `Language`.
    pub values: Vec<String>,
}

/// A wish that the peer shares a lived experience (catalog topic id).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicWish {
    pub topic: String,
    pub strength: Strength,
}

/// Which sources the member wants the peer to come from.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Hash, Default)]
pub struct SourceWish {
    pub strength: Strength,
    pub kinds: Vec<SourceKind>,
}

/// A member's checked choices. Build it with `PreferencesInput::validate`.
/// Wishes with `NoPreference` are dropped, lists are sorted and deduplicated,
/// so two members who asked the same thing have equal `Preferences`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Preferences {
    pub support: SupportKind,
    /// Catalog language codes the member speaks, most preferred first.
    pub languages: Vec<String>,
    /// The member accepts a peer who does not speak their language, with an interpreter.
    pub interpreter_ok: bool,
    pub identity: Vec<IdentityWish>,
    pub lived_experience: Vec<TopicWish>,
    /// Acceptable ways to meet; never empty.
    pub modalities: Vec<Modality>,
    /// Acceptable times; never empty.
    pub times: Vec<TimeOfDay>,
    pub home: Option<GeoPoint>,
    /// Town or region of `home`, for reports on unmet need.
    pub home_town: Option<String>,
    /// Longest trip for meeting in person.
    pub max_travel_km: Option<u32>,
    pub source: SourceWish,
    /// The member asked for this worker by name.
    pub named_peer: Option<Id>,
    /// A peer from this organization scores as one `Prefer` more: set when
    /// a member loses their peer, to keep them with the organization they
    /// know where possible. Not asked on forms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<Id>,
}

impl Preferences {
    /// "No preference, choose for me": any peer who can give this support in
    /// one of these languages (or with an interpreter when none is given),
    /// any way, any time.
    pub fn choose_for_me(support: SupportKind, languages: Vec<String>) -> Preferences {
        Preferences {
            support,
            interpreter_ok: languages.is_empty(),
            languages,
            identity: vec![],
            lived_experience: vec![],
            modalities: Modality::ALL.to_vec(),
            times: TIMES.to_vec(),
            home: None,
            home_town: None,
            max_travel_km: None,
            source: SourceWish::default(),
            named_peer: None,
            organization: None,
        }
    }
}

/// A member's preferences are member data. What they ask of a peer's
/// identity and lived experience reveals their own, so those wishes carry
/// the identity label; the kind of support says what they need (care plan);
/// home is where they live (contact); languages, ways and times to meet are
/// what anyone serving them must know (demographics). A kind of support
/// that names substance use carries the substance-use label instead.
impl Labelled for Preferences {
    const NAME: &'static str = "Preferences";
    fn field_category(field: &str) -> Option<Category> {
        Some(match field {
            "languages" | "interpreter_ok" | "modalities" | "times" | "home_town" | "max_travel_km" => Category::Demographics,
            "home" => Category::Contact,
            "support" => Category::CarePlan,
            "identity" | "lived_experience" | "source" | "named_peer" | "organization" => Category::Identity,
            _ => return None,
        })
    }
    /// Asking for substance-use support says the member uses substances.
    fn value_category(&self, field: &str) -> Option<Category> {
        match field {
            "support" if self.support.involves_substance_use() => Some(Category::SubstanceUse),
            _ => Self::field_category(field),
        }
    }
}

impl SupportKind {
    /// The support a role gives, for members who must be reassigned and
    /// never said what they want: a role focused on both mental health and
    /// substance use gives `Both`.
    pub fn of_focus(focus_areas: &[SupportFocus]) -> SupportKind {
        use SupportFocus as F;
        let mh = focus_areas.contains(&F::MentalHealth);
        let su = focus_areas.contains(&F::SubstanceUse);
        match (mh, su, focus_areas.first()) {
            (true, true, _) => Self::Both,
            (true, false, _) => Self::MentalHealth,
            (false, true, _) => Self::SubstanceUse,
            (_, _, Some(F::HealthAndSocialNeeds)) => Self::HealthAndSocialNeeds,
            (_, _, Some(F::Family)) => Self::Family,
            (_, _, Some(F::YoungAdults)) => Self::YoungAdults,
            _ => Self::MentalHealth,
        }
    }
}

impl Preferences {
    /// What a member who lost their peer is matched on when they never
    /// chose: the support their peer gave, their languages (or an
    /// interpreter), and a preference for the same kind of organization,
    /// so that the ranking keeps what it can of the old relationship.
    pub fn for_reassignment(support: SupportKind, languages: Vec<String>, source: Option<SourceKind>) -> Preferences {
        let mut p = Preferences::choose_for_me(support, languages);
        p.interpreter_ok = true;
        if let Some(kind) = source {
            p.source = SourceWish { strength: Strength::Prefer, kinds: vec![kind] };
        }
        p
    }
}

/// A member's choices as a form or a JSON client sends them. Every field
/// but `support` may be left out; left out means "no preference".
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct PreferencesInput {
    #[cfg_attr(feature = "openapi", schema(value_type = SupportKind, required = true))]
    pub support: Option<SupportKind>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::languages))]
    pub languages: Vec<String>,
    pub interpreter_ok: bool,
    pub identity: Vec<IdentityWishInput>,
    pub lived_experience: Vec<TopicWishInput>,
    /// Empty means any.
    pub modalities: Vec<Modality>,
    /// Empty means any.
    pub times: Vec<TimeOfDay>,
    pub home: Option<GeoPoint>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::city_opt))]
    pub home_town: Option<String>,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 500))]
    pub max_travel_km: Option<u32>,
    pub source: SourceWishInput,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::identifier_opt))]
    pub named_peer: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IdentityWishInput {
    pub dimension: IdentityDimension,
    #[serde(default)]
    pub strength: Strength,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::identity_values))]
    pub values: Vec<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TopicWishInput {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::topic))]
    pub topic: String,
    #[serde(default)]
    pub strength: Strength,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default)]
pub struct SourceWishInput {
    pub strength: Strength,
    pub kinds: Vec<SourceKind>,
}

/// Longest trip a member may ask for, in kilometres: the width of the state
/// and then some; beyond it the number is a typing mistake.
pub const MAX_TRAVEL_KM: u32 = 500;
/// Matching keeps languages and topics as bits of a `u128`.
pub(crate) const MAX_CATALOG_CHOICES: usize = 128;

/// Identity values compare in this form: trimmed, lower case, single
/// spaces, without closing punctuation ("Puerto Rican." = "puerto rican").
pub fn normalize_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    let trimmed = out.trim_end_matches(['.', '!', ',', ';']).len();
    out.truncate(trimmed);
    out
}

impl PreferencesInput {
    /// Check every field against the catalog; all problems are reported at
    /// once, each naming its field (e.g. `identity[1].values`).
    pub fn validate(&self, catalog: &Catalog) -> Result<Preferences, Invalid> {
        let mut errs = Invalid::default();
        if catalog.languages.len() > MAX_CATALOG_CHOICES || catalog.lived_experience_topics.len() > MAX_CATALOG_CHOICES {
            errs.push(FieldError::new(
                "catalog",
                "catalog-too-large",
                format!("matching supports at most {MAX_CATALOG_CHOICES} languages and {MAX_CATALOG_CHOICES} topics"),
            ));
        }
        let support = self.support.unwrap_or_else(|| {
            let choices = SupportKind::ALL.map(|s| s.as_str()).join(", ");
            errs.push(FieldError::new("support", "required", format!("choose the kind of support: one of {choices}")).arg("choices", choices));
            SupportKind::MentalHealth
        });
        let languages = language_codes(&mut errs, "languages", &self.languages, catalog);
        if languages.is_empty() && !self.interpreter_ok {
            errs.push(FieldError::new(
                "languages",
                "language-or-interpreter",
                "give at least one language the member speaks, or accept an interpreter",
            ));
        }

        let mut identity: Vec<IdentityWish> = Vec::new();
        for (i, w) in self.identity.iter().enumerate() {
            let at = |f: &str| format!("identity[{i}].{f}");
            if self.identity[..i].iter().any(|x| x.dimension == w.dimension) {
                errs.push(
                    FieldError::new(at("dimension"), "duplicate", format!("{} is given twice", w.dimension.as_str()))
                        .arg("value", w.dimension.as_str()),
                );
                continue;
            }
            let mut values: Vec<String> = if w.dimension == IdentityDimension::Language {
                language_codes(&mut errs, &at("values"), &w.values, catalog)
            } else {
                w.values.iter().map(|v| normalize_value(v)).filter(|v| !v.is_empty()).collect()
            };
            crate::limits::check_list(&mut errs, &at("values"), &values, crate::limits::text::SHORT);
            values.sort();
            values.dedup();
            match w.strength {
                Strength::NoPreference => {}
                _ if values.is_empty() => errs.push(
                    FieldError::new(at("values"), "wish-without-value", "say which value the peer should have, or choose no preference")
                        .arg("dimension", w.dimension.as_str()),
                ),
                strength => identity.push(IdentityWish { dimension: w.dimension, strength, values }),
            }
        }
        identity.sort_by_key(|w| w.dimension);

        let mut lived_experience: Vec<TopicWish> = Vec::new();
        for (i, w) in self.lived_experience.iter().enumerate() {
            let topic = w.topic.trim();
            if !catalog.lived_experience_topics.iter().any(|t| t.id == topic) {
                let known: Vec<_> = catalog.lived_experience_topics.iter().map(|t| t.id.as_str()).collect();
                errs.push(
                    FieldError::new(
                        format!("lived_experience[{i}].topic"),
                        "unknown-choice",
                        format!("unknown topic {topic:?}; use one of: {}", known.join(", ")),
                    )
                    .arg("value", topic.to_string())
                    .arg("choices", known.join(", ")),
                );
            } else if self.lived_experience[..i].iter().any(|x| x.topic.trim() == topic) {
                errs.push(
                    FieldError::new(format!("lived_experience[{i}].topic"), "duplicate", format!("{topic} is given twice"))
                        .arg("value", topic.to_string()),
                );
            } else if w.strength != Strength::NoPreference {
                lived_experience.push(TopicWish { topic: topic.to_string(), strength: w.strength });
            }
        }
        lived_experience.sort();

        let mut modalities = if self.modalities.is_empty() { Modality::ALL.to_vec() } else { self.modalities.clone() };
        modalities.sort();
        modalities.dedup();
        let mut times: Vec<TimeOfDay> = if self.times.is_empty() { TIMES.to_vec() } else { self.times.clone() };
        times.sort_by_key(|t| *t as u8);
        times.dedup();

        if let Some(p) = self.home {
            if !(-90.0..=90.0).contains(&p.lat) {
                errs.push(FieldError::new("home.lat", "out-of-range", "latitude is between -90 and 90 degrees").arg("min", "-90").arg("max", "90"));
            }
            if !(-180.0..=180.0).contains(&p.lon) {
                errs.push(
                    FieldError::new("home.lon", "out-of-range", "longitude is between -180 and 180 degrees").arg("min", "-180").arg("max", "180"),
                );
            }
        }
        if let Some(km) = self.max_travel_km {
            if km == 0 || km > MAX_TRAVEL_KM {
                errs.push(
                    FieldError::new("max_travel_km", "out-of-range", format!("give a distance between 1 and {MAX_TRAVEL_KM} km"))
                        .arg("min", "1")
                        .arg("max", MAX_TRAVEL_KM.to_string()),
                );
            }
        }
        // A limit needs a place to measure from, and a place without a limit limits nothing.
        if modalities.contains(&Modality::InPerson) && self.home.is_some() != self.max_travel_km.is_some() {
            let field = if self.home.is_none() { "home" } else { "max_travel_km" };
            errs.push(FieldError::new(field, "home-and-distance", "to meet in person, give both a home location and how far the member can travel"));
        }

        let mut kinds = self.source.kinds.clone();
        kinds.sort();
        kinds.dedup();
        let source = match self.source.strength {
            Strength::NoPreference => SourceWish::default(),
            _ if kinds.is_empty() => {
                errs.push(FieldError::new(
                    "source.kinds",
                    "wish-without-value",
                    "say which source the peer should come from, or choose no preference",
                ));
                SourceWish::default()
            }
            strength => SourceWish { strength, kinds },
        };
        let named_peer = self.named_peer.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        if let Some(n) = &named_peer {
            crate::limits::check_text(&mut errs, "named_peer", n, crate::limits::text::IDENTIFIER);
        }
        let home_town = self.home_town.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        if let Some(t) = &home_town {
            crate::limits::check_text(&mut errs, "home_town", t, crate::limits::text::CITY);
        }
        errs.finish()?;
        Ok(Preferences {
            support,
            languages,
            interpreter_ok: self.interpreter_ok,
            identity,
            lived_experience,
            modalities,
            times,
            home: self.home,
            home_town,
            max_travel_km: self.max_travel_km,
            source,
            named_peer,
            organization: None,
        })
    }
}

fn language_codes(errs: &mut Invalid, field: &str, codes: &[String], catalog: &Catalog) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for code in codes.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        if catalog.language(code).is_none() {
            let known: Vec<_> = catalog.languages.iter().map(|l| l.code.as_str()).collect();
            errs.push(
                FieldError::new(field, "unknown-choice", format!("unknown language {code:?}; use one of: {}", known.join(", ")))
                    .arg("value", code.to_string())
                    .arg("choices", known.join(", ")),
            );
        } else if !out.iter().any(|c| c == code) {
            out.push(code.to_string());
        }
    }
    out
}
