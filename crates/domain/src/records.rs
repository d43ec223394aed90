//! The records Accompany keeps: organizations, users, members, workers and
//! care teams. Input arrives as `*Input` structs and is checked by `validate`
//! into these types, so that nothing below the edge sees a bad value.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::catalog::Catalog;
use crate::error::{FieldError, Invalid};
use crate::limits::{text, TextLimit};

pub type Id = String;

// Dates travel as ISO 8601 text ("1987-04-23"), the form people and FHIR use.
time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum OrganizationKind {
    HealthPlan,
    Aco,
    CommunityPartner,
    Rlc,
    Cbo,
    HumanServiceOrganization,
    StateAgency,
    Hospital,
    /// A peer-run recovery support center (BSAS-funded in Massachusetts).
    RecoverySupportCenter,
}

impl OrganizationKind {
    pub const ALL: [OrganizationKind; 9] = [
        Self::HealthPlan,
        Self::Aco,
        Self::CommunityPartner,
        Self::Rlc,
        Self::Cbo,
        Self::HumanServiceOrganization,
        Self::StateAgency,
        Self::Hospital,
        Self::RecoverySupportCenter,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::HealthPlan => "health-plan",
            Self::Aco => "aco",
            Self::CommunityPartner => "community-partner",
            Self::Rlc => "rlc",
            Self::Cbo => "cbo",
            Self::HumanServiceOrganization => "human-service-organization",
            Self::StateAgency => "state-agency",
            Self::Hospital => "hospital",
            Self::RecoverySupportCenter => "recovery-support-center",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Who a signed-in person is to the system; decides home page and access.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Persona {
    Member,
    PeerWorker,
    Supervisor,
    CareCoordinator,
    /// A licensed clinician of an organization (an emergency department, a
    /// hospital, a clinic): reads the members of the teams they sit on, and
    /// is who the catalog lets open emergency access.
    Clinician,
    OrganizationAdmin,
    StateAdmin,
    /// Reviews the audit trail and break-glass alerts; reads no records.
    PrivacyOfficer,
    /// An organization's billing office: its members' coverage,
    /// authorizations and the needs-authorization queue; reads no notes.
    BillingOffice,
}

impl Persona {
    pub const ALL: [Persona; 9] = [
        Self::Member,
        Self::PeerWorker,
        Self::Supervisor,
        Self::CareCoordinator,
        Self::Clinician,
        Self::OrganizationAdmin,
        Self::StateAdmin,
        Self::PrivacyOfficer,
        Self::BillingOffice,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::PeerWorker => "peer-worker",
            Self::Supervisor => "supervisor",
            Self::CareCoordinator => "care-coordinator",
            Self::Clinician => "clinician",
            Self::OrganizationAdmin => "organization-admin",
            Self::StateAdmin => "state-admin",
            Self::PrivacyOfficer => "privacy-officer",
            Self::BillingOffice => "billing-office",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Organization {
    pub id: Id,
    pub name: String,
    pub kind: OrganizationKind,
    /// For a state agency: which one, as the catalog payer it funds through
    /// (in Massachusetts `masshealth`, `dmh` or `bsas`); left out otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    pub city: Option<String>,
    pub version: i64,
    /// A billing provider's identifiers; each left out when there is none.
    #[serde(flatten)]
    pub provider: crate::claim_data::ProviderIds,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize, Default)]
pub struct OrganizationInput {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::title))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = OrganizationKind))]
    pub kind: String,
    /// Required for a state agency, refused for any other kind: the catalog payer
    /// the agency funds through (`masshealth`, `dmh` or `bsas`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::payer_id_opt))]
    pub agency: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::city_opt))]
    pub city: Option<String>,
    /// National Provider Identifier: 10 digits with the CMS check digit. With one, a billing address with ZIP+4 is required.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::npi_opt))]
    pub npi: Option<String>,
    /// Employer identification number: 12-3456789 or 123456789.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::ein_opt))]
    pub tax_id: Option<String>,
    /// NUCC taxonomy code, e.g. 175T00000X (peer specialist) or 172V00000X (community health worker).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::taxonomy_opt))]
    pub taxonomy: Option<String>,
    /// Street, state and ZIP+4 for claims (the city is `city`); required with an NPI.
    #[serde(default)]
    pub billing_address: Option<crate::claim_data::BillingAddressInput>,
}

/// A checked organization: name, kind, agency, city and billing identifiers.
pub type ValidOrganization = (String, OrganizationKind, Option<String>, Option<String>, crate::claim_data::ProviderIds);

impl OrganizationInput {
    pub fn validate(&self, catalog: &Catalog) -> Result<ValidOrganization, Invalid> {
        let mut errs = Invalid::default();
        let name = errs.required("name", &self.name, text::TITLE);
        let kind = OrganizationKind::parse(self.kind.trim());
        if kind.is_none() {
            let choices = OrganizationKind::ALL.map(|k| k.as_str()).join(", ");
            errs.push(
                FieldError::new("kind", "unknown-choice", format!("unknown organization kind {:?}; use one of: {choices}", self.kind))
                    .arg("value", self.kind.clone())
                    .arg("choices", choices),
            );
        }
        let agency = optional(&self.agency);
        let city = optional(&self.city);
        check_texts(&mut errs, &[("agency", self.agency.as_ref(), text::IDENTIFIER), ("city", self.city.as_ref(), text::CITY)]);
        let agencies = || catalog.payers.iter().filter(|p| p.kind.is_state_agency()).map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ");
        match (kind, &agency) {
            (Some(OrganizationKind::StateAgency), None) => errs.push(
                FieldError::new("agency", "required", format!("a state agency says which one: one of {}", agencies())).arg("choices", agencies()),
            ),
            (Some(OrganizationKind::StateAgency), Some(a)) if !catalog.payer(a).is_some_and(|p| p.kind.is_state_agency()) => errs.push(
                FieldError::new("agency", "unknown-choice", format!("unknown state agency {a:?}; use one of: {}", agencies()))
                    .arg("value", a.clone())
                    .arg("choices", agencies()),
            ),
            (Some(k), Some(_)) if k != OrganizationKind::StateAgency => {
                errs.push(FieldError::new("agency", "agency-for-state-agency", "only a state agency names an agency; leave it out"))
            }
            _ => {}
        }
        let provider = crate::claim_data::ProviderIds::check(&mut errs, &self.npi, &self.tax_id, &self.taxonomy, &self.billing_address);
        errs.finish()?;
        match kind {
            Some(kind) => Ok((name, kind, agency, city, provider)),
            None => Err(Invalid::one("kind", "required", "is required")),
        }
    }
}

/// Self-described demographics: every field optional, free text, the
/// member's own words. Absent means "not said", never a default.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct Demographics {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::short_opt))]
    pub gender: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::short_opt))]
    pub race: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::short_opt))]
    pub ethnicity: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::short_opt))]
    pub sexual_orientation: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::short_opt))]
    pub faith: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::short_opt))]
    pub age_band: Option<String>,
}

/// A member's record. What a reader may not see is withheld: `masshealth_id`,
/// `medicare_id` and `plan_id` (billing) and `phone` and `email` (contact)
/// are left out; `needs` (care plan) and `demographics` (identity) are empty.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Member {
    pub id: Id,
    /// Left out when the reader may not see billing information.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[cfg_attr(feature = "openapi", schema(required = false, pattern = "^[0-9]{12}$"))]
    pub masshealth_id: String,
    /// Left out when there is none or the reader may not see billing information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medicare_id: Option<String>,
    pub given_name: String,
    pub family_name: String,
    #[serde(with = "iso_date")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date_of_birth: Date,
    /// Left out when there is none or the reader may not see contact details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Left out when there is none or the reader may not see contact details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub city: Option<String>,
    /// BCP 47 codes from the catalog, most preferred first.
    pub preferred_languages: Vec<String>,
    /// Needs in the member's words (e.g. "evening meetings", "wheelchair access"); empty when the reader may not see the care plan.
    pub needs: Vec<String>,
    /// Empty when the reader may not see identity information.
    pub demographics: Demographics,
    /// The health plan the member is enrolled in; left out when there is none or the reader may not see billing information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<Id>,
    pub version: i64,
    /// Street, state and ZIP (the city is `city`); left out when there is none or the reader may not see contact details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<crate::claim_data::PostalAddress>,
    /// Sex for administrative purposes, as a claim carries it (not the gender the member describes); left out when there is none or the reader may not see billing information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub administrative_sex: Option<crate::claim_data::AdministrativeSex>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize, Default)]
pub struct MemberInput {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::masshealth_id))]
    pub masshealth_id: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::medicare_id_opt))]
    pub medicare_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::name))]
    pub given_name: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::name))]
    pub family_name: String,
    /// From 1900 to today.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::past_day))]
    pub date_of_birth: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::phone_opt))]
    pub phone: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::email_opt))]
    pub email: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::city_opt))]
    pub city: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::languages))]
    pub preferred_languages: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::short_items))]
    pub needs: Vec<String>,
    #[serde(default)]
    pub demographics: Demographics,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::identifier_opt))]
    pub plan_id: Option<String>,
    /// Street, state and ZIP; left out or null for none.
    #[serde(default)]
    pub address: Option<crate::claim_data::AddressInput>,
    /// female, male or unknown (X12 F, M, U); blank for none.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::administrative_sex_opt))]
    pub administrative_sex: Option<String>,
}

impl MemberInput {
    /// Check every field; all problems are reported at once. `today` bounds
    /// the date of birth.
    pub fn validate(&self, id: Id, version: i64, catalog: &Catalog, today: Date) -> Result<Member, Invalid> {
        let mut errs = Invalid::default();
        let masshealth_id = self.masshealth_id.trim().to_string();
        if masshealth_id.len() != 12 || !masshealth_id.chars().all(|c| c.is_ascii_digit()) {
            errs.push(FieldError::new("masshealth_id", "masshealth-id", "a MassHealth ID is 12 digits, e.g. 100012345678"));
        }
        let medicare_id = optional(&self.medicare_id).map(|s| s.to_ascii_uppercase().replace('-', ""));
        if let Some(m) = &medicare_id {
            if !is_medicare_beneficiary_identifier(m) {
                errs.push(FieldError::new(
                    "medicare_id",
                    "medicare-id",
                    "a Medicare Beneficiary Identifier has 11 characters, e.g. 1EG4-TE5-MK73; leave it empty if there is none",
                ));
            }
        }
        let given_name = errs.required("given_name", &self.given_name, text::NAME);
        let family_name = errs.required("family_name", &self.family_name, text::NAME);
        let date_of_birth = match parse_date(&self.date_of_birth) {
            Some(d) if d > today => {
                errs.push(FieldError::new("date_of_birth", "date-future", "is in the future; write the date of birth as YYYY-MM-DD"));
                today
            }
            Some(d) if d.year() < 1900 => {
                errs.push(FieldError::new("date_of_birth", "date-too-old", "is before 1900; write the date of birth as YYYY-MM-DD"));
                today
            }
            Some(d) => d,
            None => {
                errs.push(FieldError::new("date_of_birth", "date-format", "write the date of birth as YYYY-MM-DD, e.g. 1987-04-23"));
                today
            }
        };
        let phone = optional(&self.phone);
        if let Some(p) = &phone {
            let digits = p.chars().filter(char::is_ascii_digit).count();
            if !(10..=15).contains(&digits) || p.chars().any(|c| !(c.is_ascii_digit() || " +-().".contains(c))) {
                errs.push(FieldError::new("phone", "phone", "give a phone number with 10 to 15 digits, e.g. 617-555-0142"));
            }
        }
        let email = optional(&self.email);
        if let Some(e) = &email {
            let ok = e.split_once('@').is_some_and(|(a, b)| !a.is_empty() && b.contains('.')) && !e.contains(' ');
            if !ok {
                errs.push(FieldError::new("email", "email", "give an e-mail address such as name@example.org, or leave it empty"));
            }
        }
        let preferred_languages = languages(&mut errs, "preferred_languages", &self.preferred_languages, catalog);
        let needs = self.needs.iter().map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).collect();
        let demographics = Demographics {
            gender: optional(&self.demographics.gender),
            race: optional(&self.demographics.race),
            ethnicity: optional(&self.demographics.ethnicity),
            sexual_orientation: optional(&self.demographics.sexual_orientation),
            faith: optional(&self.demographics.faith),
            age_band: optional(&self.demographics.age_band),
        };
        let d = &self.demographics;
        check_texts(
            &mut errs,
            &[
                ("city", self.city.as_ref(), text::CITY),
                ("phone", self.phone.as_ref(), text::CONTACT),
                ("email", self.email.as_ref(), text::CONTACT),
                ("plan_id", self.plan_id.as_ref(), text::IDENTIFIER),
                ("demographics.gender", d.gender.as_ref(), text::SHORT),
                ("demographics.race", d.race.as_ref(), text::SHORT),
                ("demographics.ethnicity", d.ethnicity.as_ref(), text::SHORT),
                ("demographics.sexual_orientation", d.sexual_orientation.as_ref(), text::SHORT),
                ("demographics.faith", d.faith.as_ref(), text::SHORT),
                ("demographics.age_band", d.age_band.as_ref(), text::SHORT),
            ],
        );
        crate::limits::check_list(&mut errs, "needs", &self.needs, text::SHORT);
        crate::limits::check_list(&mut errs, "preferred_languages", &self.preferred_languages, text::SHORT);
        let address = self.address.as_ref().and_then(|a| a.validate(&mut errs, "address", false));
        let administrative_sex = match optional(&self.administrative_sex) {
            None => None,
            Some(s) => match crate::claim_data::AdministrativeSex::parse(&s).filter(|_| s.chars().count() <= text::IDENTIFIER.max_chars) {
                Some(x) => Some(x),
                None => {
                    errs.push(
                        FieldError::new("administrative_sex", "unknown-choice", "use one of: female, male, unknown")
                            .arg("value", s)
                            .arg("choices", "female, male, unknown"),
                    );
                    None
                }
            },
        };
        errs.finish()?;
        Ok(Member {
            address,
            administrative_sex,
            id,
            masshealth_id,
            medicare_id,
            given_name,
            family_name,
            date_of_birth,
            phone,
            email,
            city: optional(&self.city),
            preferred_languages,
            needs,
            demographics,
            plan_id: optional(&self.plan_id),
            version,
        })
    }
}

impl Member {
    /// A member may correct their own contact details, languages, needs and
    /// self-description; identifiers, birth date and plan are changed by
    /// their care coordinator, who can check them.
    pub fn self_service_change(&self, before: &Member) -> Result<(), Invalid> {
        let mut errs = Invalid::default();
        let fixed = "ask your care coordinator to change this";
        if self.masshealth_id != before.masshealth_id {
            errs.push(FieldError::new("masshealth_id", "ask-coordinator", fixed));
        }
        if self.medicare_id != before.medicare_id {
            errs.push(FieldError::new("medicare_id", "ask-coordinator", fixed));
        }
        if self.date_of_birth != before.date_of_birth {
            errs.push(FieldError::new("date_of_birth", "ask-coordinator", fixed));
        }
        if self.plan_id != before.plan_id {
            errs.push(FieldError::new("plan_id", "ask-coordinator", fixed));
        }
        if self.administrative_sex != before.administrative_sex {
            errs.push(FieldError::new("administrative_sex", "ask-coordinator", fixed));
        }
        errs.finish()
    }
}

/// Who may see a statement a worker makes about themselves.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Visibility {
    /// Kept on file only.
    Private,
    /// Used to match members, never shown.
    Matching,
    /// Used to match and shown to members choosing a peer.
    Members,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Statement {
    /// "identity" dimension (gender, race, faith …) or a lived-experience topic id.
    pub topic: String,
    /// The worker's own words.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::statement))]
    pub text: String,
    pub visibility: Visibility,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum TimeOfDay {
    Daytime,
    Evening,
    Night,
    Weekend,
}

impl TimeOfDay {
    pub const ALL: [TimeOfDay; 4] = [Self::Daytime, Self::Evening, Self::Night, Self::Weekend];

    /// The id, as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Daytime => "daytime",
            Self::Evening => "evening",
            Self::Night => "night",
            Self::Weekend => "weekend",
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Worker {
    pub id: Id,
    pub given_name: String,
    pub family_name: String,
    pub role_id: String,
    pub employer_id: Id,
    #[serde(with = "iso_date")]
    pub employment_start: Date,
    #[serde(with = "iso_date::option")]
    pub employment_end: Option<Date>,
    pub languages: Vec<String>,
    pub availability: Vec<TimeOfDay>,
    pub statements: Vec<Statement>,
    pub city: Option<String>,
    /// The signed-in account of this worker, when they have one.
    pub user_id: Option<Id>,
    pub supervisor_id: Option<Id>,
    pub version: i64,
    /// The worker's own National Provider Identifier, as a claim's rendering provider; left out when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9]{10}$"))]
    pub npi: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize, Default)]
pub struct WorkerInput {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::name))]
    pub given_name: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::name))]
    pub family_name: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::role_id))]
    pub role_id: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::identifier))]
    pub employer_id: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::calendar_day))]
    pub employment_start: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::day_or_blank))]
    pub employment_end: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::languages))]
    pub languages: Vec<String>,
    #[serde(default)]
    pub availability: Vec<TimeOfDay>,
    #[serde(default)]
    pub statements: Vec<Statement>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::city_opt))]
    pub city: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub supervisor_id: Option<String>,
    /// National Provider Identifier: 10 digits with the CMS check digit; blank for none.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::npi_opt))]
    pub npi: Option<String>,
}

impl WorkerInput {
    pub fn validate(&self, id: Id, version: i64, catalog: &Catalog) -> Result<Worker, Invalid> {
        let mut errs = Invalid::default();
        let given_name = errs.required("given_name", &self.given_name, text::NAME);
        let family_name = errs.required("family_name", &self.family_name, text::NAME);
        let role_id = self.role_id.trim().to_string();
        if catalog.role(&role_id).is_none() {
            let ids: Vec<_> = catalog.roles.iter().map(|r| r.id.as_str()).collect();
            errs.push(
                FieldError::new("role_id", "unknown-choice", format!("unknown role {role_id:?}; use one of: {}", ids.join(", ")))
                    .arg("value", role_id.clone())
                    .arg("choices", ids.join(", ")),
            );
        }
        let employer_id = errs.required("employer_id", &self.employer_id, text::IDENTIFIER);
        let start = parse_date(&self.employment_start);
        if start.is_none() {
            errs.push(FieldError::new("employment_start", "date-format", "write the start date as YYYY-MM-DD"));
        }
        let end = match optional(&self.employment_end) {
            None => None,
            Some(s) => match parse_date(&s) {
                Some(d) if start.is_some_and(|st| d < st) => {
                    errs.push(FieldError::new("employment_end", "end-before-start", "is before the start date"));
                    None
                }
                Some(d) => Some(d),
                None => {
                    errs.push(FieldError::new("employment_end", "date-format", "write the end date as YYYY-MM-DD, or leave it empty"));
                    None
                }
            },
        };
        let languages = languages(&mut errs, "languages", &self.languages, catalog);
        for (i, s) in self.statements.iter().enumerate() {
            if s.text.trim().is_empty() || s.text.trim().chars().count() > text::STATEMENT.max_chars {
                errs.push(FieldError::new(format!("statements[{i}].text"), "statement-length", "write between 1 and 500 characters"));
            } else {
                crate::limits::check_text(&mut errs, &format!("statements[{i}].text"), s.text.trim(), text::STATEMENT);
            }
        }
        check_texts(&mut errs, &[("city", self.city.as_ref(), text::CITY)]);
        crate::limits::check_list(&mut errs, "languages", &self.languages, text::SHORT);
        let npi = crate::claim_data::check_npi(&mut errs, "npi", &self.npi);
        errs.finish()?;
        let mut availability = self.availability.clone();
        availability.dedup();
        Ok(Worker {
            id,
            given_name,
            family_name,
            role_id,
            employer_id,
            employment_start: start.expect("checked"),
            employment_end: end,
            languages,
            availability,
            statements: self.statements.clone(),
            city: optional(&self.city),
            user_id: optional(&self.user_id),
            supervisor_id: optional(&self.supervisor_id),
            version,
            npi,
        })
    }
}

/// A person's part on a member's care team.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum TeamRole {
    Peer,
    CareCoordinator,
    Clinician,
    PrimaryCare,
    Supervisor,
    Other,
}

impl TeamRole {
    pub const ALL: [TeamRole; 6] = [Self::Peer, Self::CareCoordinator, Self::Clinician, Self::PrimaryCare, Self::Supervisor, Self::Other];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Peer => "peer",
            Self::CareCoordinator => "care-coordinator",
            Self::Clinician => "clinician",
            Self::PrimaryCare => "primary-care",
            Self::Supervisor => "supervisor",
            Self::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TeamMember {
    pub id: Id,
    pub member_id: Id,
    /// The account of the participant.
    pub user_id: Id,
    pub team_role: TeamRole,
    #[serde(with = "iso_date")]
    pub since: Date,
    #[serde(with = "iso_date::option")]
    pub until: Option<Date>,
}

/// As little of a name as a message or a calendar outside the app needs:
/// the first name and the last name's initial ("Rosa M.").
pub fn short_name(full: &str) -> String {
    let words: Vec<&str> = full.split_whitespace().collect();
    match words.as_slice() {
        [] => String::new(),
        [one] => (*one).to_string(),
        [first, .., last] => format!("{first} {}.", last.chars().next().map(String::from).unwrap_or_default()),
    }
}

pub fn parse_date(s: &str) -> Option<Date> {
    crate::limits::parse_day(s)
}

pub fn format_date(d: Date) -> String {
    d.format(time::macros::format_description!("[year]-[month]-[day]")).unwrap_or_default()
}

/// Check one-line fields against the table of limits (trimmed, as stored).
fn check_texts(errs: &mut Invalid, fields: &[(&str, Option<&String>, TextLimit)]) {
    for (field, value, limit) in fields {
        if let Some(v) = value {
            crate::limits::check_text(errs, field, v.trim(), *limit);
        }
    }
}

fn optional(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

fn languages(errs: &mut Invalid, field: &str, codes: &[String], catalog: &Catalog) -> Vec<String> {
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

/// CMS's MBI format: 11 characters, digits and letters in fixed positions,
/// never S, L, O, I, B or Z.
fn is_medicare_beneficiary_identifier(s: &str) -> bool {
    let letter = |c: char| c.is_ascii_uppercase() && !"SLOIBZ".contains(c);
    let c: Vec<char> = s.chars().collect();
    if c.len() != 11 {
        return false;
    }
    let num = |c: char| c.is_ascii_digit();
    let alnum = |ch: char| num(ch) || letter(ch);
    ('1'..='9').contains(&c[0])
        && letter(c[1])
        && alnum(c[2])
        && num(c[3])
        && letter(c[4])
        && alnum(c[5])
        && num(c[6])
        && letter(c[7])
        && letter(c[8])
        && num(c[9])
        && num(c[10])
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn input() -> MemberInput {
        MemberInput {
            masshealth_id: "100012345678".into(),
            given_name: "Ana".into(),
            family_name: "Pereira".into(),
            date_of_birth: "1990-02-03".into(),
            preferred_languages: vec!["pt".into(), "en".into()],
            ..Default::default()
        }
    }

    #[test]
    fn short_names_keep_a_first_name_and_an_initial() {
        assert_eq!(short_name("Rosa María Méndez"), "Rosa M.");
        assert_eq!(short_name("  Dana   Coach "), "Dana C.");
        assert_eq!(short_name("Cher"), "Cher");
        assert_eq!(short_name(""), "");
    }

    #[test]
    fn time_of_day_ids_are_the_serde_names() {
        for t in TimeOfDay::ALL {
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
    }

    #[test]
    fn valid_member_passes() {
        let c = Catalog::massachusetts().unwrap();
        let m = input().validate("x".into(), 1, &c, date!(2026 - 01 - 01)).unwrap();
        assert_eq!(m.preferred_languages, ["pt", "en"]);
        assert_eq!(m.demographics, Demographics::default());
    }

    #[test]
    fn every_bad_field_is_named() {
        let c = Catalog::massachusetts().unwrap();
        let mut i = input();
        i.masshealth_id = "12".into();
        i.date_of_birth = "03/02/1990".into();
        i.email = Some("nope".into());
        i.preferred_languages = vec!["klingon".into()];
        i.medicare_id = Some("1EG4-TE5-MK7".into());
        let e = i.validate("x".into(), 1, &c, date!(2026 - 01 - 01)).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["masshealth_id", "medicare_id", "date_of_birth", "email", "preferred_languages"]);
    }

    #[test]
    fn medicare_identifier_format() {
        assert!(is_medicare_beneficiary_identifier("1EG4TE5MK73"));
        assert!(!is_medicare_beneficiary_identifier("1EG4TE5MK7"));
        assert!(!is_medicare_beneficiary_identifier("0EG4TE5MK73"));
        assert!(!is_medicare_beneficiary_identifier("1SG4TE5MK73"));
    }

    #[test]
    fn future_birth_date_rejected() {
        let c = Catalog::massachusetts().unwrap();
        let mut i = input();
        i.date_of_birth = "2030-01-01".into();
        assert!(i.validate("x".into(), 1, &c, date!(2026 - 01 - 01)).is_err());
    }
}
