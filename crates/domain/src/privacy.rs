//! Member-controlled privacy: the sensitivity labels every piece of member
//! data carries, the member's sharing choices, 42 CFR Part 2 consent for
//! substance-use information, and the rule that turns them into what one
//! person may see. Pure: the store gathers the facts, this decides.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::error::{FieldError, Invalid};
use crate::policy::Relationship;
use crate::records::{Id, Persona, TeamRole};

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// A sensitivity label. Every field and record of member data has one.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Who the member is: name, date of birth, town, languages. Whoever may
    /// open the record sees these, or they could not tell whom they serve.
    Demographics,
    /// Phone and email.
    Contact,
    /// Self-described identity (race, ethnicity, gender, orientation, faith)
    /// and lived-experience disclosures.
    Identity,
    /// Mental-health information (HL7 confidentiality code PSY).
    MentalHealth,
    /// Substance-use information (ETH), protected by 42 CFR Part 2.
    SubstanceUse,
    /// HIV/AIDS information (HIV).
    Hiv,
    /// A peer's contact notes.
    PeerNotes,
    /// The member's recovery goals.
    RecoveryGoals,
    /// The clinical care plan and needs.
    CarePlan,
    /// Insurance identifiers, authorizations and billing units.
    Billing,
    /// That the member had acute care (an ED visit or a hospital stay) and
    /// is due a follow-up, with the day: never the diagnosis, the facility
    /// or the kind of diagnosis, so a peer can reach out without learning why.
    CareAlert,
}

impl Category {
    pub const ALL: [Category; 11] = [
        Self::Demographics,
        Self::Contact,
        Self::Identity,
        Self::MentalHealth,
        Self::SubstanceUse,
        Self::Hiv,
        Self::PeerNotes,
        Self::RecoveryGoals,
        Self::CarePlan,
        Self::Billing,
        Self::CareAlert,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Demographics => "demographics",
            Self::Contact => "contact",
            Self::Identity => "identity",
            Self::MentalHealth => "mental-health",
            Self::SubstanceUse => "substance-use",
            Self::Hiv => "hiv",
            Self::PeerNotes => "peer-notes",
            Self::RecoveryGoals => "recovery-goals",
            Self::CarePlan => "care-plan",
            Self::Billing => "billing",
            Self::CareAlert => "care-alert",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The HL7 v3 ActCode sensitivity label used on FHIR `meta.security`.
    pub fn fhir_label(self) -> Option<&'static str> {
        match self {
            Self::MentalHealth => Some("PSY"),
            Self::SubstanceUse => Some("ETH"),
            Self::Hiv => Some("HIV"),
            _ => None,
        }
    }

    /// Substance-use records need a Part 2 consent to be disclosed.
    pub fn is_part2(self) -> bool {
        self == Self::SubstanceUse
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of categories, small enough to copy.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Categories(u16);

impl Categories {
    pub const NONE: Categories = Categories(0);

    pub fn all() -> Categories {
        Categories::of(&Category::ALL)
    }
    pub fn of(list: &[Category]) -> Categories {
        Categories(list.iter().fold(0, |acc, c| acc | c.bit()))
    }
    pub fn contains(self, c: Category) -> bool {
        self.0 & c.bit() != 0
    }
    pub fn with(self, c: Category) -> Categories {
        Categories(self.0 | c.bit())
    }
    pub fn union(self, other: Categories) -> Categories {
        Categories(self.0 | other.0)
    }
    pub fn without(self, c: Category) -> Categories {
        Categories(self.0 & !c.bit())
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn iter(self) -> impl Iterator<Item = Category> {
        Category::ALL.into_iter().filter(move |c| self.contains(*c))
    }
    /// Comma-separated ids, as stored and audited.
    pub fn to_text(self) -> String {
        self.iter().map(Category::as_str).collect::<Vec<_>>().join(",")
    }
    pub fn from_text(s: &str) -> Categories {
        Categories::of(&s.split(',').filter_map(|p| Category::parse(p.trim())).collect::<Vec<_>>())
    }
}

impl std::fmt::Debug for Categories {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl Serialize for Categories {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Categories {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Categories::of(&Vec::<Category>::deserialize(d)?))
    }
}

/// Member data declares its labels: a record type names the category of
/// each of its fields, so a new field cannot be added without one (the
/// tests serialize every labelled type and check every key is named).
pub trait Labelled {
    /// The category of each serialized field, by name.
    fn field_category(field: &str) -> Option<Category>;
    /// The name of the type, for tests and documentation.
    const NAME: &'static str;
    /// The category of a field as this record holds it: a value can say
    /// more than its field (a kind of support that names substance use).
    fn value_category(&self, field: &str) -> Option<Category> {
        Self::field_category(field)
    }
}

/// A labelled record as a reader who sees only `visible` may have it: the
/// serialized object without the fields whose label is not visible.
pub fn redact_labelled<T: Labelled + Serialize>(record: &T, visible: Categories) -> serde_json::Value {
    let mut v = serde_json::to_value(record).unwrap_or(serde_json::Value::Null);
    if let serde_json::Value::Object(map) = &mut v {
        map.retain(|k, _| record.value_category(k).is_some_and(|c| visible.contains(c)));
    }
    v
}

/// Why a piece of member data is being used (HIPAA's treatment, payment and
/// health-care operations).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    Treatment,
    Payment,
    Operations,
    /// Break-glass access in an emergency.
    Emergency,
    /// Communication inside the program that takes a request for help
    /// (42 CFR 2.12(c)(3)): intake staff reading the queue.
    InternalCommunication,
}

impl Purpose {
    pub const CHOOSABLE: [Purpose; 3] = [Self::Treatment, Self::Payment, Self::Operations];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Treatment => "treatment",
            Self::Payment => "payment",
            Self::Operations => "operations",
            Self::Emergency => "emergency",
            Self::InternalCommunication => "internal-communication",
        }
    }
    pub fn parse(s: &str) -> Option<Purpose> {
        [Self::Treatment, Self::Payment, Self::Operations, Self::Emergency, Self::InternalCommunication].into_iter().find(|p| p.as_str() == s)
    }
}

/// Whom a sharing choice is about: one person, everyone in an organization,
/// or everyone holding a role on the member's team.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "kebab-case")]
pub enum Recipient {
    Person(Id),
    Organization(Id),
    TeamRole(TeamRole),
    /// A payer from the catalog, for what its claims carry (a Part 2
    /// consent for payment names the payer).
    Payer(String),
}

impl Recipient {
    /// Stored as "person:ID", "organization:ID" or "team-role:ROLE".
    pub fn to_key(&self) -> String {
        match self {
            Recipient::Person(id) => format!("person:{id}"),
            Recipient::Organization(id) => format!("organization:{id}"),
            Recipient::TeamRole(r) => format!("team-role:{}", r.as_str()),
            Recipient::Payer(p) => format!("payer:{p}"),
        }
    }
    pub fn from_key(key: &str) -> Option<Recipient> {
        let (kind, id) = key.split_once(':')?;
        match kind {
            "person" if !id.is_empty() => Some(Recipient::Person(id.to_string())),
            "organization" if !id.is_empty() => Some(Recipient::Organization(id.to_string())),
            "team-role" => TeamRole::parse(id).map(Recipient::TeamRole),
            "payer" if !id.is_empty() => Some(Recipient::Payer(id.to_string())),
            _ => None,
        }
    }
    /// Whether a choice about this recipient concerns `user_id`, who works
    /// for `organization_id` and sits on the team as `team_role`.
    pub fn names(&self, user_id: &str, organization_id: Option<&str>, team_role: Option<TeamRole>) -> bool {
        match self {
            Recipient::Person(u) => u == user_id,
            Recipient::Organization(o) => Some(o.as_str()) == organization_id,
            Recipient::TeamRole(t) => Some(*t) == team_role,
            Recipient::Payer(_) => false,
        }
    }

    /// More specific choices win: a person over their organization over their role.
    fn precedence(&self) -> u8 {
        match self {
            Recipient::Person(_) => 0,
            Recipient::Organization(_) => 1,
            Recipient::TeamRole(_) => 2,
            Recipient::Payer(_) => 3,
        }
    }
}

/// The written consent 42 CFR Part 2 (as amended in 2024) asks for before
/// substance-use records are disclosed: who consents, to whom (a person or
/// a class), for what purpose, until when, and the right to revoke.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part2Consent {
    /// The member's (or personal representative's) name, typed as a signature.
    pub signed_by: String,
    #[serde(with = "iso_date")]
    pub signed_on: Date,
    /// Plain-words description of the recipients, e.g. "my care coordinator Ana Silva".
    pub recipients: String,
    pub purposes: Vec<Purpose>,
    #[serde(with = "iso_date")]
    pub expires_on: Date,
}

/// One active sharing decision of a member about one recipient: the whole
/// set of categories the recipient may see, for which purposes, until when.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharingChoice {
    pub id: Id,
    pub member_id: Id,
    pub recipient: Recipient,
    pub categories: Categories,
    pub purposes: Vec<Purpose>,
    #[serde(with = "iso_date::option")]
    pub until: Option<Date>,
    pub part2: Option<Part2Consent>,
}

impl SharingChoice {
    fn in_force(&self, today: Date) -> bool {
        self.until.is_none_or(|u| u >= today)
    }

    /// The categories this choice discloses for `purpose` today. Substance-use
    /// information passes only under an unexpired Part 2 consent that covers
    /// the purpose.
    fn discloses(&self, purpose: Purpose, today: Date) -> Categories {
        if !self.in_force(today) || !self.purposes.contains(&purpose) {
            return Categories::NONE;
        }
        let part2_ok = self.part2.as_ref().is_some_and(|c| c.expires_on >= today && c.purposes.contains(&purpose));
        if part2_ok {
            self.categories
        } else {
            self.categories.without(Category::SubstanceUse)
        }
    }
}

/// Whether the member's choices let substance-use information (42 CFR
/// Part 2) go to `payer_id` for payment today: a choice naming the payer
/// with an unexpired Part 2 consent for payment, such as the 2024 rule's
/// single consent for treatment, payment and operations.
pub fn part2_consent_for_payment(choices: &[SharingChoice], payer_id: &str, today: Date) -> bool {
    choices.iter().any(|c| {
        matches!(&c.recipient, Recipient::Payer(p) if p == payer_id) && c.discloses(Purpose::Payment, today).contains(Category::SubstanceUse)
    })
}

/// What a member submits on the sharing page for one recipient.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SharingInput {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::sharing_recipient))]
    pub recipient: String,
    /// What the recipient may see; demographics are always added.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Category>))]
    pub categories: Vec<String>,
    /// At least one of treatment, payment and operations.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::sharing_purposes, required = true))]
    pub purposes: Vec<String>,
    /// The last day the choice holds (today or later); none for no end.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::future_day_opt))]
    pub until: Option<String>,
    /// 42 CFR Part 2: the member's typed signature; required when
    /// substance-use information is shared.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::name_opt))]
    pub part2_signed_by: Option<String>,
    /// 42 CFR Part 2: who may receive the information, in words; required
    /// when substance-use information is shared.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::title_opt))]
    pub part2_recipients: Option<String>,
    /// 42 CFR Part 2: the day the consent ends (today or later); required
    /// when substance-use information is shared.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::day_opt))]
    pub part2_expires_on: Option<String>,
}

fn parse_date(field: &str, text: &str, errs: &mut Invalid) -> Option<Date> {
    match crate::limits::parse_day(text) {
        Some(d) => Some(d),
        None => {
            errs.push(FieldError::new(field, "date-format", "must be a date written YYYY-MM-DD, from 1900 to 2200"));
            None
        }
    }
}

impl SharingInput {
    /// Check a sharing choice. Substance-use information needs every element
    /// of a Part 2 consent; demographics are always shared with whoever may
    /// open the record, so they are added rather than refused.
    pub fn validate(&self, id: Id, member_id: Id, today: Date) -> Result<SharingChoice, Invalid> {
        let mut errs = Invalid::default();
        let recipient = Recipient::from_key(self.recipient.trim());
        if recipient.is_none() {
            errs.push(FieldError::new("recipient", "recipient", "must be person:ID, organization:ID or team-role:ROLE"));
        }
        let mut categories = Categories::of(&[Category::Demographics]);
        for (i, c) in self.categories.iter().enumerate() {
            match Category::parse(c.trim()) {
                Some(c) => categories = categories.with(c),
                None => {
                    errs.push(FieldError::new(format!("categories[{i}]"), "unknown-category", "is not a category of member data").arg("value", c))
                }
            }
        }
        let mut purposes = Vec::new();
        for (i, p) in self.purposes.iter().enumerate() {
            match Purpose::parse(p.trim()).filter(|p| Purpose::CHOOSABLE.contains(p)) {
                Some(p) if !purposes.contains(&p) => purposes.push(p),
                Some(_) => {}
                None => errs
                    .push(FieldError::new(format!("purposes[{i}]"), "unknown-purpose", "must be treatment, payment or operations").arg("value", p)),
            }
        }
        if self.purposes.is_empty() {
            errs.push(FieldError::new("purposes", "purpose-required", "choose at least one purpose"));
        }
        let until = match self.until.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(text) => {
                let d = parse_date("until", text, &mut errs);
                if d.is_some_and(|d| d < today) {
                    errs.push(FieldError::new("until", "in-the-past", "must be today or later"));
                }
                d
            }
            None => None,
        };
        let text = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or("").to_string();
        crate::limits::check_text(&mut errs, "part2_signed_by", &text(&self.part2_signed_by), crate::limits::text::NAME);
        crate::limits::check_text(&mut errs, "part2_recipients", &text(&self.part2_recipients), crate::limits::text::TITLE);
        let part2 = if categories.contains(Category::SubstanceUse) {
            let signed_by = text(&self.part2_signed_by);
            let recipients = text(&self.part2_recipients);
            if signed_by.is_empty() {
                errs.push(FieldError::new("part2_signed_by", "part2-signature", "type your name to sign the consent"));
            }
            if recipients.is_empty() {
                errs.push(FieldError::new("part2_recipients", "part2-recipients", "name who may receive the information"));
            }
            let expires = match text(&self.part2_expires_on) {
                e if e.is_empty() => {
                    errs.push(FieldError::new("part2_expires_on", "part2-expiry", "give the date the consent ends"));
                    None
                }
                e => {
                    let d = parse_date("part2_expires_on", &e, &mut errs);
                    if d.is_some_and(|d| d < today) {
                        errs.push(FieldError::new("part2_expires_on", "in-the-past", "must be today or later"));
                    }
                    d
                }
            };
            expires.map(|expires_on| Part2Consent { signed_by, signed_on: today, recipients, purposes: purposes.clone(), expires_on })
        } else {
            // Without substance use the consent is not needed, but what is
            // sent must still read as a date.
            match text(&self.part2_expires_on) {
                e if e.is_empty() => {}
                e => {
                    parse_date("part2_expires_on", &e, &mut errs);
                }
            }
            None
        };
        errs.finish()?;
        let recipient = recipient.ok_or_else(|| Invalid::one("recipient", "recipient", "is required"))?;
        Ok(SharingChoice { id, member_id, recipient, categories, purposes, until, part2 })
    }
}

/// What the catalog says each kind of reader sees when the member has not
/// chosen: by role on the care team, and by persona for readers who are
/// not on the team (supervisors of the member's peer, administrators).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacyDefaults {
    pub team_roles: std::collections::BTreeMap<String, Vec<Category>>,
    pub supervisor_of_peer: Vec<Category>,
    pub organization_admin: Vec<Category>,
    pub state_admin: Vec<Category>,
    /// What an organization's billing office sees of its members.
    pub billing_office: Vec<Category>,
    /// Hours a break-glass access lasts.
    pub break_glass_hours: u32,
    /// Who may open emergency access at all.
    pub break_glass_personas: Vec<Persona>,
    /// Who counts as medical personnel under 42 CFR 2.51, and so sees
    /// substance-use information in an emergency.
    pub medical_personnel: Vec<Persona>,
    /// Emergency accesses one person may open (or try to) in 24 hours.
    pub break_glass_per_day: u32,
    /// Hours an enrolment code stays good.
    pub enrolment_code_hours: u32,
}

impl PrivacyDefaults {
    /// Rules the types cannot express; the dotted path and the problem.
    pub fn check(&self) -> Result<(), (String, String)> {
        let lists = self.team_roles.iter().map(|(r, l)| (format!("privacy.team_roles.{r}"), l)).chain([
            ("privacy.supervisor_of_peer".to_string(), &self.supervisor_of_peer),
            ("privacy.organization_admin".to_string(), &self.organization_admin),
            ("privacy.state_admin".to_string(), &self.state_admin),
            ("privacy.billing_office".to_string(), &self.billing_office),
        ]);
        for (path, list) in lists {
            if list.contains(&Category::SubstanceUse) {
                return Err((path, "may not include substance-use: 42 CFR Part 2 needs the member's written consent".into()));
            }
        }
        for r in self.team_roles.keys() {
            if TeamRole::parse(r).is_none() {
                return Err((format!("privacy.team_roles.{r}"), "is not a care-team role".into()));
            }
        }
        for r in TeamRole::ALL {
            if !self.team_roles.contains_key(r.as_str()) {
                return Err(("privacy.team_roles".into(), format!("must list the role \"{}\"", r.as_str())));
            }
        }
        if self.break_glass_hours == 0 || self.break_glass_hours > 72 {
            return Err(("privacy.break_glass_hours".into(), "must be between 1 and 72".into()));
        }
        for (path, list) in [("privacy.break_glass_personas", &self.break_glass_personas), ("privacy.medical_personnel", &self.medical_personnel)] {
            if let Some(p) = list.iter().find(|p| matches!(p, Persona::Member | Persona::PrivacyOfficer)) {
                return Err((path.into(), format!("may not list \"{}\": they treat nobody", p.as_str())));
            }
        }
        if let Some(p) = self.medical_personnel.iter().find(|p| !self.break_glass_personas.contains(p)) {
            return Err(("privacy.medical_personnel".into(), format!("lists \"{}\", who is not in privacy.break_glass_personas", p.as_str())));
        }
        if self.break_glass_per_day == 0 || self.break_glass_per_day > 50 {
            return Err(("privacy.break_glass_per_day".into(), "must be between 1 and 50".into()));
        }
        if self.enrolment_code_hours == 0 || self.enrolment_code_hours > 24 * 30 {
            return Err(("privacy.enrolment_code_hours".into(), "must be between 1 and 720".into()));
        }
        Ok(())
    }

    fn for_role(&self, role: TeamRole) -> Categories {
        self.team_roles.get(role.as_str()).map(|l| Categories::of(l)).unwrap_or_default()
    }
}

/// The member's most specific choice in force that names the reader.
fn in_force_choice(s: &Relationship, today: Date) -> Option<&SharingChoice> {
    s.choices.iter().filter(|c| c.in_force(today)).min_by_key(|c| (c.recipient.precedence(), c.id.clone()))
}

/// Which categories `persona`, standing to the member as `s`, sees today,
/// and for which purpose. Decides only categories: whether the record may be
/// opened at all is [`crate::policy::decide`].
pub fn visible(persona: Persona, s: &Relationship, defaults: &PrivacyDefaults, today: Date) -> (Categories, Purpose) {
    if s.is_self {
        return (Categories::all(), Purpose::Treatment);
    }
    if s.break_glass {
        // 42 CFR 2.51 lets substance-use records go to medical personnel in
        // a medical emergency, and to nobody else without consent.
        let all = Categories::all();
        let cats = if defaults.medical_personnel.contains(&persona) { all } else { all.without(Category::SubstanceUse) };
        return (cats, Purpose::Emergency);
    }
    if s.firewalled {
        return (Categories::NONE, Purpose::Treatment);
    }
    match (persona, s.team_role) {
        (Persona::Member | Persona::PrivacyOfficer, _) => (Categories::NONE, Purpose::Operations),
        (_, Some(role)) => {
            let cats = match in_force_choice(s, today) {
                Some(c) => c.discloses(Purpose::Treatment, today),
                None => defaults.for_role(role),
            };
            (cats.with(Category::Demographics), Purpose::Treatment)
        }
        (Persona::Supervisor, None) if s.supervises_members_peer => {
            // The supervisor is not on the team: a choice naming them can take
            // categories away from the default, never add to it.
            let default = Categories::of(&defaults.supervisor_of_peer);
            let cats = match in_force_choice(s, today) {
                Some(c) => Categories(default.0 & c.categories.0),
                None => default,
            };
            (cats.with(Category::Demographics), Purpose::Operations)
        }
        (Persona::OrganizationAdmin, None) if s.in_actor_organization => {
            (Categories::of(&defaults.organization_admin).with(Category::Demographics), Purpose::Operations)
        }
        (Persona::StateAdmin, None) => (Categories::of(&defaults.state_admin).with(Category::Demographics), Purpose::Operations),
        (Persona::BillingOffice, None) if s.in_actor_organization => {
            (Categories::of(&defaults.billing_office).with(Category::Demographics), Purpose::Payment)
        }
        _ => (Categories::NONE, Purpose::Treatment),
    }
}

/// Whether this persona may open emergency access to a member they cannot
/// otherwise see: those the catalog lists (clinicians by default). Keeping
/// peers, supervisors and administrators out is this platform's choice;
/// 42 CFR 2.51 itself restricts only substance-use disclosure.
pub fn may_break_glass(persona: Persona, defaults: &PrivacyDefaults) -> bool {
    defaults.break_glass_personas.contains(&persona)
}

/// Why an emergency access is opened.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum EmergencyReason {
    MedicalEmergency,
    RiskOfHarm,
    Other,
}

impl EmergencyReason {
    pub const ALL: [EmergencyReason; 3] = [Self::MedicalEmergency, Self::RiskOfHarm, Self::Other];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MedicalEmergency => "medical-emergency",
            Self::RiskOfHarm => "risk-of-harm",
            Self::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<EmergencyReason> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A request for emergency access, checked: a reason category and at least
/// a sentence (three words, twenty characters) saying what is happening.
pub fn check_emergency_request(category: &str, reason: &str) -> Result<(EmergencyReason, String), Invalid> {
    let mut errs = Invalid::default();
    let category = EmergencyReason::parse(category.trim());
    if category.is_none() {
        errs.push(FieldError::new("reason_category", "unknown-choice", "use medical-emergency, risk-of-harm or other"));
    }
    let reason = errs.required("reason", reason, crate::limits::text::REASON);
    if !reason.is_empty() && (reason.chars().count() < 20 || reason.split_whitespace().count() < 3) {
        errs.push(FieldError::new("reason", "reason-short", "say in a sentence what the emergency is"));
    }
    errs.finish()?;
    Ok((category.unwrap_or(EmergencyReason::Other), reason))
}

/// The notice 42 CFR § 2.32 (as amended in 2024) requires with each
/// disclosure of substance-use records made with the patient's consent.
pub const PART2_NOTICE: &str = "This record which has been disclosed to you is protected by Federal confidentiality rules (42 CFR part 2). \
These rules prohibit you from using or disclosing this record, or testimony that describes the information contained in this record, \
in any civil, criminal, administrative, or legislative proceedings by any Federal, State, or local authority, against the patient, \
unless authorized by the consent of the patient, except as provided at 42 CFR 2.12(c)(5) or as authorized by a court in accordance \
with 42 CFR 2.64 or 2.65. In addition, the Federal rules prohibit you from making any other use or disclosure of this record unless \
at least one of the following applies: (i) Further use or disclosure is expressly permitted by the written consent of the individual \
whose information is being disclosed in this record or as otherwise permitted by 42 CFR part 2. (ii) You are a covered entity or \
business associate and have received the record for treatment, payment, or health care operations, or (iii) You have received the \
record from a covered entity or business associate as permitted by 45 CFR part 164, subparts A and E. A general authorization for \
the release of medical or other information is NOT sufficient to meet the required elements of written consent to further use or \
redisclose the record (see 42 CFR 2.31).";

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 06 - 01);

    fn defaults() -> PrivacyDefaults {
        crate::Catalog::massachusetts().expect("the shipped catalog loads").privacy
    }

    fn choice(recipient: Recipient, cats: &[Category], part2: bool) -> SharingChoice {
        SharingChoice {
            id: "c".into(),
            member_id: "m".into(),
            recipient,
            categories: Categories::of(cats),
            purposes: vec![Purpose::Treatment],
            until: None,
            part2: part2.then(|| Part2Consent {
                signed_by: "Ana".into(),
                signed_on: TODAY,
                recipients: "my coordinator".into(),
                purposes: vec![Purpose::Treatment],
                expires_on: date!(2026 - 12 - 31),
            }),
        }
    }

    fn on_team(role: TeamRole, choices: Vec<SharingChoice>) -> Relationship {
        Relationship { team_role: Some(role), choices, ..Default::default() }
    }

    #[test]
    fn a_person_choice_beats_the_role_default() {
        let d = defaults();
        let (by_default, _) = visible(Persona::CareCoordinator, &on_team(TeamRole::CareCoordinator, vec![]), &d, TODAY);
        assert!(by_default.contains(Category::MentalHealth));
        let withdrawn = choice(Recipient::Person("u".into()), &[Category::Contact], false);
        let role_wide = choice(Recipient::TeamRole(TeamRole::CareCoordinator), &[Category::MentalHealth], false);
        let (now, _) = visible(Persona::CareCoordinator, &on_team(TeamRole::CareCoordinator, vec![role_wide, withdrawn]), &d, TODAY);
        assert!(!now.contains(Category::MentalHealth));
        assert!(now.contains(Category::Contact) && now.contains(Category::Demographics));
    }

    #[test]
    fn a_choice_naming_the_peers_supervisor_only_takes_away() {
        let d = defaults();
        let supervising = |choices| Relationship { supervises_members_peer: true, choices, ..Default::default() };
        let (by_default, _) = visible(Persona::Supervisor, &supervising(vec![]), &d, TODAY);
        assert!(by_default.contains(Category::PeerNotes) && by_default.contains(Category::RecoveryGoals));
        let narrowed = choice(Recipient::Person("s".into()), &[Category::RecoveryGoals, Category::MentalHealth], false);
        let (now, purpose) = visible(Persona::Supervisor, &supervising(vec![narrowed]), &d, TODAY);
        assert!(!now.contains(Category::PeerNotes), "peer notes withdrawn");
        assert!(!now.contains(Category::MentalHealth), "a choice never adds to what a supervisor off the team sees");
        assert!(now.contains(Category::RecoveryGoals) && now.contains(Category::Demographics));
        assert_eq!(purpose, Purpose::Operations);
    }

    #[test]
    fn substance_use_needs_an_unexpired_part2_consent() {
        let d = defaults();
        let without = choice(Recipient::Person("u".into()), &[Category::SubstanceUse], false);
        let (c, _) = visible(Persona::PeerWorker, &on_team(TeamRole::Peer, vec![without]), &d, TODAY);
        assert!(!c.contains(Category::SubstanceUse));
        let with = choice(Recipient::Person("u".into()), &[Category::SubstanceUse], true);
        let (c, _) = visible(Persona::PeerWorker, &on_team(TeamRole::Peer, vec![with.clone()]), &d, TODAY);
        assert!(c.contains(Category::SubstanceUse));
        let (c, _) = visible(Persona::PeerWorker, &on_team(TeamRole::Peer, vec![with]), &d, date!(2027 - 01 - 01));
        assert!(!c.contains(Category::SubstanceUse), "an expired consent discloses nothing");
    }

    #[test]
    fn sharing_input_demands_every_part2_element() {
        let input = SharingInput {
            recipient: "person:u1".into(),
            categories: vec!["substance-use".into()],
            purposes: vec!["treatment".into()],
            ..Default::default()
        };
        let err = input.validate("c".into(), "m".into(), TODAY).unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["part2_signed_by", "part2_recipients", "part2_expires_on"]);
        let ok = SharingInput {
            part2_signed_by: Some("Ana Silva".into()),
            part2_recipients: Some("Ana's care coordinator".into()),
            part2_expires_on: Some("2026-12-31".into()),
            ..input
        }
        .validate("c".into(), "m".into(), TODAY)
        .expect("a complete consent");
        assert!(ok.categories.contains(Category::SubstanceUse) && ok.categories.contains(Category::Demographics));
        assert_eq!(ok.part2.map(|p| p.expires_on), Some(date!(2026 - 12 - 31)));
    }

    #[test]
    fn bad_sharing_input_names_each_field() {
        let input = SharingInput {
            recipient: "someone".into(),
            categories: vec!["diary".into()],
            purposes: vec![],
            until: Some("2020-01-01".into()),
            ..Default::default()
        };
        let err = input.validate("c".into(), "m".into(), TODAY).unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["recipient", "categories[0]", "purposes", "until"]);
    }

    #[test]
    fn emergency_access_is_for_clinicians_and_part2_for_medical_personnel() {
        let d = defaults();
        for p in Persona::ALL {
            assert_eq!(may_break_glass(p, &d), p == Persona::Clinician, "{p:?}");
        }
        let glass = Relationship { break_glass: true, ..Default::default() };
        assert!(visible(Persona::Clinician, &glass, &d, TODAY).0.contains(Category::SubstanceUse));
        let mut wider = d.clone();
        wider.break_glass_personas.push(Persona::CareCoordinator);
        assert!(wider.check().is_ok());
        let (c, purpose) = visible(Persona::CareCoordinator, &glass, &wider, TODAY);
        assert!(!c.contains(Category::SubstanceUse) && c.contains(Category::MentalHealth), "not medical personnel under 2.51");
        assert_eq!(purpose, Purpose::Emergency);
        wider.medical_personnel.push(Persona::PrivacyOfficer);
        assert_eq!(wider.check().unwrap_err().0, "privacy.medical_personnel");
        let mut odd = d.clone();
        odd.medical_personnel = vec![Persona::Supervisor];
        assert_eq!(odd.check().unwrap_err().0, "privacy.medical_personnel", "medical personnel must be allowed to break glass");
    }

    #[test]
    fn care_alerts_go_to_the_peer_and_coordinator_by_default_and_the_member_can_stop_them() {
        let d = defaults();
        assert_eq!(Category::parse("care-alert"), Some(Category::CareAlert));
        for role in [TeamRole::Peer, TeamRole::CareCoordinator] {
            let (c, _) = visible(Persona::PeerWorker, &on_team(role, vec![]), &d, TODAY);
            assert!(c.contains(Category::CareAlert), "{role:?}");
        }
        let (c, _) = visible(Persona::Clinician, &on_team(TeamRole::Clinician, vec![]), &d, TODAY);
        assert!(!c.contains(Category::CareAlert));
        let off = choice(Recipient::Person("u".into()), &[Category::Contact, Category::RecoveryGoals], false);
        let (c, _) = visible(Persona::PeerWorker, &on_team(TeamRole::Peer, vec![off]), &d, TODAY);
        assert!(!c.contains(Category::CareAlert) && c.contains(Category::RecoveryGoals));
    }

    #[test]
    fn the_catalog_defaults_never_share_substance_use() {
        let mut d = defaults();
        assert!(d.check().is_ok());
        d.team_roles.insert("peer".into(), vec![Category::SubstanceUse]);
        assert_eq!(d.check().unwrap_err().0, "privacy.team_roles.peer");
    }

    fn standing() -> impl Strategy<Value = Relationship> {
        (
            any::<[bool; 5]>(),
            prop::option::of(prop::sample::select(TeamRole::ALL.to_vec())),
            prop::collection::vec((prop::sample::subsequence(Category::ALL.to_vec(), 0..=Category::ALL.len()), any::<bool>(), 0u8..3), 0..3),
        )
            .prop_map(|(b, team_role, cs)| Relationship {
                is_self: b[0],
                firewalled: b[1],
                break_glass: b[2],
                team_role,
                supervises_members_peer: b[3],
                in_actor_organization: b[4],
                in_actor_plan: false,
                choices: cs
                    .into_iter()
                    .map(|(cats, p2, kind)| {
                        let r = match kind {
                            0 => Recipient::Person("u".into()),
                            1 => Recipient::Organization("o".into()),
                            _ => Recipient::TeamRole(TeamRole::Peer),
                        };
                        choice(r, &cats, p2)
                    })
                    .collect(),
            })
    }

    proptest! {
        /// Nobody the member has firewalled sees anything without break-glass,
        /// and substance-use information never passes without a Part 2 consent.
        #[test]
        fn firewall_and_part2_hold(p in prop::sample::select(Persona::ALL.to_vec()), s in standing()) {
            let (cats, purpose) = visible(p, &s, &defaults(), TODAY);
            if s.firewalled && !s.is_self && !s.break_glass {
                prop_assert!(cats.is_empty());
            }
            if cats.contains(Category::SubstanceUse) {
                prop_assert!(s.is_self || s.break_glass || s.choices.iter().any(|c| c.part2.is_some()));
            }
            prop_assert_eq!(purpose == Purpose::Emergency, s.break_glass && !s.is_self);
            // In an emergency, only medical personnel (42 CFR 2.51) see substance use without consent.
            if s.break_glass && !s.is_self && !defaults().medical_personnel.contains(&p) {
                prop_assert!(!cats.contains(Category::SubstanceUse));
            }
        }
    }
}
