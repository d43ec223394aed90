//! The state's catalog: roles, their requirements, supervision, billing and
//! fidelity rules, as data. Massachusetts ships embedded; another state is
//! another file. Loading validates everything and names the file, the line
//! and the field of the first problem.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

fn utc() -> String {
    "UTC".into()
}

/// The Massachusetts catalog, embedded so that `accompany demo` needs no file.
pub const MASSACHUSETTS_TOML: &str = include_str!("../../../catalog/massachusetts.toml");
pub const MASSACHUSETTS_FILE: &str = "catalog/massachusetts.toml";

/// Text a person reads, in each language the catalog ships (BCP 47 tags).
/// English is required; other languages fall back to English.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Localized(pub BTreeMap<String, String>);

impl Localized {
    /// The text in `lang`, or in English when that language is missing.
    pub fn get(&self, lang: &str) -> &str {
        self.0.get(lang).or_else(|| self.0.get("en")).map(String::as_str).unwrap_or("")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// The jurisdiction, e.g. "Massachusetts".
    pub state: String,
    /// Where the rules come from, for people who audit them.
    pub sources: Vec<String>,
    /// Languages the interface ships in (BCP 47), the first is the default.
    pub interface_languages: Vec<String>,
    /// The IANA time zone the state's workers log their day in, e.g.
    /// "America/New_York"; forms start from today and now there.
    #[serde(default = "utc")]
    pub time_zone: String,
    /// Languages members and workers may speak, with their names.
    pub languages: Vec<Language>,
    /// Lived-experience topics a member may ask a peer to share.
    pub lived_experience_topics: Vec<Topic>,
    /// Values every role shares (the chart's first row).
    pub shared_values: Vec<String>,
    pub roles: Vec<Role>,
    /// What each reader sees of a member until the member decides otherwise.
    pub privacy: crate::privacy::PrivacyDefaults,
    /// Credentials a worker may hold: certificates, licenses, degrees, trainings.
    #[serde(default)]
    pub credential_kinds: Vec<CredentialKind>,
    /// Tasks a job description may list, each with the words that name it.
    #[serde(default)]
    pub task_kinds: Vec<TaskKind>,
    /// Training programs: certification courses, specialised and supervisor trainings, cross-trainings.
    #[serde(default)]
    pub training_programs: Vec<TrainingProgram>,
    /// Towns people live in, with their centres: the town picker and distance ranking read them.
    #[serde(default)]
    pub towns: Vec<Town>,
    /// Who pays for peer work; each role's billing rules name one of these.
    #[serde(default)]
    pub payers: Vec<crate::billing::Payer>,
    /// The CMS place-of-service code for each contact setting.
    #[serde(default)]
    pub places_of_service: BTreeMap<String, String>,
    /// Workforce figures that are policy, not law: each names its source.
    #[serde(default)]
    pub workforce: WorkforceSettings,
    /// Who sends the deployment's claim files.
    #[serde(default)]
    pub claims: ClaimSettings,
    /// Outcome measures: value sets, encounter classes, codes and versions.
    #[serde(default)]
    pub measures: crate::measures::settings::MeasureSettings,
    /// How reports group people: age bands and identity categories.
    pub reporting: crate::equity::ReportingSettings,
}

/// The submitter on every claim file (837P loop 1000A and the envelopes):
/// the ids a payer's trading-partner agreement assigns, so deployment settings.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimSettings {
    /// ISA06, GS02 and NM109 of loop 1000A; at most 15 characters.
    pub submitter_id: String,
    pub submitter_name: String,
    pub contact_name: String,
    /// Ten digits.
    pub contact_phone: String,
    /// ISA15: P for files a payer processes, T for test files.
    pub production: bool,
    pub source: String,
}

impl Default for ClaimSettings {
    fn default() -> Self {
        ClaimSettings {
            submitter_id: "ACCOMPANY".into(),
            submitter_name: "Accompany".into(),
            contact_name: "Billing office".into(),
            contact_phone: "6175550100".into(),
            production: false,
            source: "deployment setting".into(),
        }
    }
}

/// Workforce figures a deployment sets.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkforceSettings {
    /// A peer position's pay as a share of similarly qualified positions
    /// below which it is flagged, in percent.
    pub pay_parity_percent: u32,
}

impl Default for WorkforceSettings {
    fn default() -> Self {
        WorkforceSettings { pay_parity_percent: 100 }
    }
}

/// A town of the state: where members and workers live, and the point that
/// stands for it in distances.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Town {
    pub name: String,
    /// Centre, in degrees.
    pub lat: f64,
    pub lon: f64,
    /// The state's region the town belongs to, e.g. "Western".
    pub region: String,
    /// Five-digit ZIP codes, the main ones first.
    pub zip_codes: Vec<String>,
    pub population: u32,
    /// Where each number comes from.
    pub source: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Language {
    pub code: String,
    pub name: Localized,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    pub id: String,
    pub name: Localized,
}

/// Which lived experience a role requires of the person doing it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum LivedExperienceRequirement {
    Required,
    NotRequired,
}

/// The kind of support a role is focused on.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum SupportFocus {
    MentalHealth,
    SubstanceUse,
    HealthAndSocialNeeds,
    Family,
    YoungAdults,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// Stable identifier used in URLs and records, e.g. "certified-peer-specialist".
    pub id: String,
    pub name: Localized,
    /// Short label such as "CPS".
    pub abbreviation: String,
    /// Whether the role is one of the chart's columns (false for roles from footnotes).
    pub in_comparison_chart: bool,
    pub lived_experience: LivedExperienceRequirement,
    pub focus: String,
    pub focus_areas: Vec<SupportFocus>,
    pub core_lived_experience: String,
    pub education: Education,
    pub foundation_of_trust: String,
    /// The chart's "Research" row; empty where the chart is silent.
    pub research_base: String,
    pub services_delivered: Vec<String>,
    pub contact: ContactRule,
    pub settings: Vec<String>,
    pub supervision: Supervision,
    pub key_outcomes: Vec<String>,
    pub service_delivery_outcomes: Vec<String>,
    /// The chart's "Systems Change" row; empty where the chart is silent.
    pub systems_change: String,
    pub supporting_agency: String,
    pub funding_streams: Vec<String>,
    pub prohibited_tasks: Vec<ProhibitedTask>,
    /// What a worker must hold to do this role, each met by any one of its credentials.
    #[serde(default)]
    pub requirements: Vec<Requirement>,
    /// Most members one worker in this role may carry at once.
    pub caseload_cap: u32,
    /// How each payer pays for the role, the default (used when a member's
    /// coverage is unknown) first.
    #[serde(default)]
    pub billing: Vec<crate::billing::BillingRule>,
    /// "What does this person do for me?", in plain words for members.
    pub plain_language: Localized,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Education {
    /// The chart's text, kept whole for people who read it.
    pub summary: String,
    pub minimum_education: MinimumEducation,
    /// Certification status for the role.
    pub certification: CertificationStatus,
    /// Trainings that qualify; the seeds sometimes disagree on hours, so each
    /// variant is kept with its source and a deployment chooses.
    #[serde(default)]
    pub trainings: Vec<Training>,
    #[serde(default)]
    pub exam: Option<String>,
    #[serde(default)]
    pub supervised_hours: Option<u32>,
    #[serde(default)]
    pub experience_years: Option<u32>,
    #[serde(default)]
    pub licenses: Vec<String>,
    #[serde(default)]
    pub annual_training_required: bool,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum MinimumEducation {
    None,
    HighSchool,
    Bachelor,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum CertificationStatus {
    Required,
    Voluntary,
    RequiredBySomePayers,
    NotApplicable,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Training {
    pub name: String,
    #[serde(default)]
    pub hours: Option<u32>,
    #[serde(default)]
    pub modules: Option<u32>,
    /// Which document gives these figures.
    pub source: String,
}

/// The chart's "Duration of Contact" row; the figures are in the role's billing rules.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactRule {
    pub summary: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Supervision {
    pub summary: String,
    pub supervisor_qualifications: Vec<String>,
    /// Longest allowed gap between supervision sessions, in days, when the
    /// chart gives a cadence.
    #[serde(default)]
    pub max_days_between_sessions: Option<u32>,
    /// Whether the supervisor should hold the same role whenever possible.
    #[serde(default)]
    pub peer_supervisor_preferred: bool,
    /// Whether supervision is required, or only expected or required by some payers.
    pub requirement: SupervisionRequirement,
    /// The qualifications as rules a supervisor's credentials and role are checked against:
    /// a supervisor qualifies when every rule is met.
    #[serde(default)]
    pub qualification_rules: Vec<QualificationRule>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SupervisionRequirement {
    Required,
    Expected,
    RequiredBySomePayers,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProhibitedTask {
    pub task: String,
    pub reason: String,
    /// The task kind (see `task_kinds`) that job descriptions are matched on.
    #[serde(default)]
    pub task_id: Option<String>,
}

/// A credential a worker may hold.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialKind {
    pub id: String,
    pub name: Localized,
    /// Who usually issues it.
    #[serde(default)]
    pub issuer: String,
    /// Whether it lapses; a credential that lapses must carry an expiry date.
    #[serde(default)]
    pub expires: bool,
    /// Hours of continuing education needed to renew, and the window they fall in.
    #[serde(default)]
    pub continuing_education: Option<ContinuingEducation>,
    pub source: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContinuingEducation {
    pub hours: u32,
    /// The window before the expiry date (or before today when the credential does not expire).
    pub months: u32,
    pub source: String,
}

/// One line of a role's eligibility checklist.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub id: String,
    pub name: Localized,
    /// Credential kinds, any one of which meets the requirement.
    pub any_of: Vec<String>,
    /// Whether services in the role may not be billed while it is unmet.
    #[serde(default = "yes")]
    pub blocks_billing: bool,
    pub source: String,
}

fn yes() -> bool {
    true
}

/// One qualification a supervisor must have: any listed credential, or
/// holding (or having held) any listed role.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualificationRule {
    pub id: String,
    pub name: Localized,
    #[serde(default)]
    pub credentials: Vec<String>,
    #[serde(default)]
    pub roles: Vec<String>,
}

/// A task a job description may list, recognised by its id or its words.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskKind {
    pub id: String,
    pub name: Localized,
    /// Lower-case phrases; a task whose text contains one is this kind.
    pub keywords: Vec<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ProgramKind {
    Certification,
    Specialised,
    Supervisor,
    CrossTraining,
    ContinuingEducation,
}

impl ProgramKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Certification => "certification",
            Self::Specialised => "specialised",
            Self::Supervisor => "supervisor",
            Self::CrossTraining => "cross-training",
            Self::ContinuingEducation => "continuing-education",
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingProgram {
    pub id: String,
    pub name: Localized,
    pub kind: ProgramKind,
    #[serde(default)]
    pub hours: Option<u32>,
    #[serde(default)]
    pub modules: Option<u32>,
    /// The credential issued on completion (after the exam, when there is one).
    #[serde(default)]
    pub awards: Option<String>,
    #[serde(default)]
    pub exam: bool,
    pub source: String,
}

/// A problem in a catalog file, located as precisely as the file allows.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{file}:{line}: field `{field}`: {message}")]
pub struct CatalogError {
    pub file: String,
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl Role {
    pub fn requires_lived_experience(&self) -> bool {
        self.lived_experience == LivedExperienceRequirement::Required
    }
}

impl Catalog {
    /// The embedded Massachusetts catalog. It is validated by tests, so a
    /// failure here is a build defect, reported rather than panicking.
    pub fn massachusetts() -> Result<Catalog, CatalogError> {
        Catalog::from_toml(MASSACHUSETTS_FILE, MASSACHUSETTS_TOML)
    }

    /// Parse and validate a catalog. `file` names it in errors.
    pub fn from_toml(file: &str, text: &str) -> Result<Catalog, CatalogError> {
        let catalog: Catalog = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of_offset(text, s.start)).unwrap_or(1);
            let message = e.message().to_string();
            let field = field_from_message(&message).or_else(|| e.span().map(|s| key_at(text, s.start))).unwrap_or_default();
            CatalogError { file: file.to_string(), line, field, message }
        })?;
        if let Err((path, message)) = catalog.validate() {
            return Err(CatalogError { file: file.to_string(), line: line_of_path(text, &path).unwrap_or(1), field: path, message });
        }
        Ok(catalog)
    }

    pub fn role(&self, id: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.id == id)
    }

    pub fn language(&self, code: &str) -> Option<&Language> {
        self.languages.iter().find(|l| l.code == code)
    }

    pub fn credential_kind(&self, id: &str) -> Option<&CredentialKind> {
        self.credential_kinds.iter().find(|k| k.id == id)
    }

    pub fn task_kind(&self, id: &str) -> Option<&TaskKind> {
        self.task_kinds.iter().find(|k| k.id == id)
    }

    pub fn training_program(&self, id: &str) -> Option<&TrainingProgram> {
        self.training_programs.iter().find(|p| p.id == id)
    }

    /// The town of that name, in any case and with surrounding spaces ignored.
    pub fn town(&self, name: &str) -> Option<&Town> {
        let name = name.trim();
        self.towns.iter().find(|t| t.name.eq_ignore_ascii_case(name))
    }

    pub fn chart_roles(&self) -> impl Iterator<Item = &Role> {
        self.roles.iter().filter(|r| r.in_comparison_chart)
    }

    /// Rules that types alone cannot express. Returns the dotted path of the
    /// field at fault and what is wrong with it.
    fn validate(&self) -> Result<(), (String, String)> {
        let fail = |path: String, msg: &str| Err((path, msg.to_string()));
        if self.state.trim().is_empty() {
            return fail("state".into(), "must name the state, e.g. \"Massachusetts\"");
        }
        if self.interface_languages.first().map(String::as_str) != Some("en") {
            return fail("interface_languages".into(), "must list \"en\" first: English is the fallback for every text");
        }
        if let Err(why) = self.measures.check() {
            return Err(("measures".into(), why));
        }
        if let Err(why) = self.reporting.check() {
            return Err(("reporting".into(), why));
        }
        for (i, c) in self.reporting.categories.iter().enumerate() {
            check_localized(&c.name, &format!("reporting.categories[{i}].name"))?;
        }
        for (i, b) in self.reporting.age_bands.iter().enumerate() {
            check_localized(&b.name, &format!("reporting.age_bands[{i}].name"))?;
        }
        let mut codes = HashSet::new();
        for (i, l) in self.languages.iter().enumerate() {
            if !is_language_tag(&l.code) {
                return fail(format!("languages[{i}].code"), "must be a BCP 47 tag such as \"es\" or \"zh-Hant\"");
            }
            if !codes.insert(l.code.as_str()) {
                return fail(format!("languages[{i}].code"), "is listed twice");
            }
            check_localized(&l.name, &format!("languages[{i}].name"))?;
        }
        for (i, t) in self.lived_experience_topics.iter().enumerate() {
            if !is_identifier(&t.id) {
                return fail(format!("lived_experience_topics[{i}].id"), "must be lower-case letters, digits and hyphens");
            }
            check_localized(&t.name, &format!("lived_experience_topics[{i}].name"))?;
        }
        self.privacy.check()?;
        if self.roles.is_empty() {
            return fail("roles".into(), "must list at least one role");
        }
        let mut ids = HashSet::new();
        for (i, r) in self.roles.iter().enumerate() {
            let at = |f: &str| format!("roles[{i}].{f}");
            if !is_identifier(&r.id) {
                return fail(at("id"), "must be lower-case letters, digits and hyphens, e.g. \"recovery-coach\"");
            }
            if !ids.insert(r.id.as_str()) {
                return fail(at("id"), "is used by two roles; each role needs its own id");
            }
            check_localized(&r.name, &at("name"))?;
            check_localized(&r.plain_language, &at("plain_language"))?;
            if r.focus_areas.is_empty() {
                return fail(at("focus_areas"), "must list at least one area");
            }
            if r.caseload_cap == 0 {
                return fail(at("caseload_cap"), "must be at least 1");
            }
            for (j, t) in r.education.trainings.iter().enumerate() {
                if t.hours == Some(0) {
                    return fail(at(&format!("education.trainings[{j}].hours")), "must be more than 0 when given");
                }
            }
            let requirement_ids: Vec<&str> = r.requirements.iter().map(|q| q.id.as_str()).collect();
            let mut billed = HashSet::new();
            for (j, b) in r.billing.iter().enumerate() {
                b.check(&self.payers, &requirement_ids).map_err(|(f, m)| (at(&format!("billing[{j}].{f}")), m))?;
                if !billed.insert(b.payer.as_str()) {
                    return fail(at(&format!("billing[{j}].payer")), "has two rules for one payer; give each payer one rule");
                }
            }
            if r.supervision.max_days_between_sessions == Some(0) {
                return fail(at("supervision.max_days_between_sessions"), "must be at least 1 day");
            }
        }
        self.validate_workforce()?;
        self.validate_payers()?;
        self.validate_towns()
    }

    fn validate_payers(&self) -> Result<(), (String, String)> {
        let mut ids = HashSet::new();
        for (i, p) in self.payers.iter().enumerate() {
            if !is_identifier(&p.id) {
                return Err((format!("payers[{i}].id"), "must be lower-case letters, digits and hyphens, e.g. \"masshealth\"".into()));
            }
            if !ids.insert(p.id.as_str()) {
                return Err((format!("payers[{i}].id"), "is used by two payers; each payer needs its own id".into()));
            }
            check_localized(&p.name, &format!("payers[{i}].name"))?;
            if p.source.trim().is_empty() {
                return Err((format!("payers[{i}].source"), "must name where the payer's rules come from".into()));
            }
        }
        if self.workforce.pay_parity_percent == 0 || self.workforce.pay_parity_percent > 200 {
            return Err(("workforce.pay_parity_percent".into(), "must be between 1 and 200 percent".into()));
        }
        Ok(())
    }

    pub fn payer(&self, id: &str) -> Option<&crate::billing::Payer> {
        self.payers.iter().find(|p| p.id == id)
    }

    fn validate_towns(&self) -> Result<(), (String, String)> {
        let fail = |path: String, msg: &str| Err((path, msg.to_string()));
        let mut names = HashSet::new();
        for (i, t) in self.towns.iter().enumerate() {
            let at = |f: &str| format!("towns[{i}].{f}");
            if t.name.trim().is_empty() || t.name.trim() != t.name {
                return fail(at("name"), "must name the town, without spaces around it");
            }
            if !names.insert(t.name.to_lowercase()) {
                return fail(at("name"), "is listed twice; each town needs its own name");
            }
            if !(-90.0..=90.0).contains(&t.lat) {
                return fail(at("lat"), "must be a latitude in degrees, between -90 and 90");
            }
            if !(-180.0..=180.0).contains(&t.lon) {
                return fail(at("lon"), "must be a longitude in degrees, between -180 and 180");
            }
            if t.region.trim().is_empty() {
                return fail(at("region"), "must name the region the town belongs to");
            }
            if t.zip_codes.is_empty() {
                return fail(at("zip_codes"), "must list at least one ZIP code");
            }
            if t.zip_codes.iter().any(|z| z.len() != 5 || !z.bytes().all(|b| b.is_ascii_digit())) {
                return fail(at("zip_codes"), "ZIP codes are five digits, e.g. \"01852\"");
            }
            if t.population == 0 {
                return fail(at("population"), "must be at least 1");
            }
            if t.source.trim().is_empty() {
                return fail(at("source"), "must name where the numbers come from");
            }
        }
        Ok(())
    }

    /// The workforce tables refer to each other by id; every reference must resolve.
    fn validate_workforce(&self) -> Result<(), (String, String)> {
        let fail = |path: String, msg: String| Err((path, msg));
        let kinds: HashSet<&str> = self.credential_kinds.iter().map(|k| k.id.as_str()).collect();
        let tasks: HashSet<&str> = self.task_kinds.iter().map(|k| k.id.as_str()).collect();
        let roles: HashSet<&str> = self.roles.iter().map(|r| r.id.as_str()).collect();
        for (i, k) in self.credential_kinds.iter().enumerate() {
            if !is_identifier(&k.id) {
                return fail(format!("credential_kinds[{i}].id"), "must be lower-case letters, digits and hyphens".into());
            }
            check_localized(&k.name, &format!("credential_kinds[{i}].name"))?;
            if let Some(ce) = &k.continuing_education {
                if ce.hours == 0 || ce.months == 0 {
                    return fail(format!("credential_kinds[{i}].continuing_education"), "hours and months must be at least 1".into());
                }
            }
        }
        if kinds.len() != self.credential_kinds.len() {
            return fail("credential_kinds".into(), "an id is used twice; each credential kind needs its own id".into());
        }
        for (i, t) in self.task_kinds.iter().enumerate() {
            if !is_identifier(&t.id) || t.keywords.is_empty() {
                return fail(format!("task_kinds[{i}]"), "needs an id of lower-case letters and hyphens and at least one keyword".into());
            }
            if t.keywords.iter().any(|k| k.trim().is_empty() || k.to_lowercase() != *k) {
                return fail(format!("task_kinds[{i}].keywords"), "keywords are non-empty lower-case phrases".into());
            }
        }
        for (i, p) in self.training_programs.iter().enumerate() {
            check_localized(&p.name, &format!("training_programs[{i}].name"))?;
            if let Some(a) = &p.awards {
                if !kinds.contains(a.as_str()) {
                    return fail(format!("training_programs[{i}].awards"), format!("{a:?} is not a credential kind; add it to credential_kinds"));
                }
            }
        }
        for (i, r) in self.roles.iter().enumerate() {
            for (j, q) in r.requirements.iter().enumerate() {
                let at = format!("roles[{i}].requirements[{j}]");
                check_localized(&q.name, &format!("{at}.name"))?;
                if q.any_of.is_empty() {
                    return fail(format!("{at}.any_of"), "must list at least one credential kind".into());
                }
                if let Some(k) = q.any_of.iter().find(|k| !kinds.contains(k.as_str())) {
                    return fail(format!("{at}.any_of"), format!("{k:?} is not a credential kind; add it to credential_kinds"));
                }
            }
            for (j, q) in r.supervision.qualification_rules.iter().enumerate() {
                let at = format!("roles[{i}].supervision.qualification_rules[{j}]");
                check_localized(&q.name, &format!("{at}.name"))?;
                if q.credentials.is_empty() && q.roles.is_empty() {
                    return fail(at, "must list credentials, roles or both".into());
                }
                if let Some(k) = q.credentials.iter().find(|k| !kinds.contains(k.as_str())) {
                    return fail(format!("{at}.credentials"), format!("{k:?} is not a credential kind"));
                }
                if let Some(k) = q.roles.iter().find(|k| !roles.contains(k.as_str())) {
                    return fail(format!("{at}.roles"), format!("{k:?} is not a role id"));
                }
            }
            for (j, t) in r.prohibited_tasks.iter().enumerate() {
                if let Some(id) = &t.task_id {
                    if !tasks.contains(id.as_str()) {
                        return fail(format!("roles[{i}].prohibited_tasks[{j}].task_id"), format!("{id:?} is not a task kind; add it to task_kinds"));
                    }
                }
            }
        }
        Ok(())
    }
}

fn check_localized(text: &Localized, path: &str) -> Result<(), (String, String)> {
    match text.0.get("en") {
        Some(s) if !s.trim().is_empty() => Ok(()),
        _ => Err((format!("{path}.en"), "English text is required (it is the fallback)".into())),
    }
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') && !s.starts_with('-')
}

fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let primary = parts.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_lowercase())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn line_of_offset(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// serde names a missing field as "missing field `x`".
fn field_from_message(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(message[start..end].to_string())
}

/// The key written at the start of the line holding `offset`.
fn key_at(text: &str, offset: usize) -> String {
    let line_start = text[..offset.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..];
    let line = line.lines().next().unwrap_or("");
    line.split('=').next().unwrap_or("").trim().trim_matches(['[', ']']).to_string()
}

/// Find the line of a dotted path such as `roles[2].contact.billing.unit_minutes`
/// by walking the document with its spans.
fn line_of_path(text: &str, path: &str) -> Option<usize> {
    let doc = text.parse::<toml_edit::ImDocument<String>>().ok()?;
    let mut item: &toml_edit::Item = doc.as_item();
    let mut best = None;
    for segment in path.split('.') {
        let (key, index) = match segment.find('[') {
            Some(b) => (&segment[..b], segment[b + 1..segment.len() - 1].parse::<usize>().ok()),
            None => (segment, None),
        };
        // A field that is missing from the file is reported at its parent.
        let Some(next) = item.get(key) else { break };
        item = match index {
            Some(i) => match next.get(i) {
                Some(element) => element,
                None => break,
            },
            None => next,
        };
        if let Some(span) = item.span() {
            best = Some(span);
        }
    }
    best.map(|s| line_of_offset(text, s.start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn massachusetts_loads_with_every_chart_role() {
        let c = Catalog::massachusetts().expect("embedded catalog is valid");
        let chart: Vec<_> = c.chart_roles().map(|r| r.id.as_str()).collect();
        assert_eq!(chart.len(), 5, "{chart:?}");
        assert!(c.role("family-partner").is_some());
        assert!(c.role("young-adult-peer-mentor").is_some());
    }

    #[test]
    fn cps_keeps_both_training_lengths() {
        let c = Catalog::massachusetts().unwrap();
        let cps = c.role("certified-peer-specialist").unwrap();
        let hours: Vec<_> = cps.education.trainings.iter().filter_map(|t| t.hours).collect();
        assert!(hours.contains(&50) && hours.contains(&60), "{hours:?}");
    }

    #[test]
    fn recovery_coach_is_a_daily_case_rate_under_masshealth_and_the_navigator_fifteen_minute_units() {
        use crate::billing::{Rate, Rounding, UnitsOverDays};
        let c = Catalog::massachusetts().unwrap();
        let rc = c.role("peer-recovery-coach").unwrap();
        let mh = rc.billing.iter().find(|b| b.payer == "masshealth").unwrap();
        assert_eq!(mh.rate, Rate::DailyCaseRate);
        assert_eq!(mh.initial_authorization, Some(UnitsOverDays { units: 90, days: 90 }));
        assert_eq!(mh.min_connections.map(|m| (m.count, m.days)), Some((5, 30)));
        assert_eq!(mh.blocked_by, ["carc"], "130 CMR 418.410: MassHealth requires the CARC");
        assert!(rc.billing.iter().filter(|b| b.payer != "masshealth").all(|b| b.blocked_by.is_empty()), "other payers do not require it");
        assert!(!rc.requirements.iter().find(|r| r.id == "carc").unwrap().blocks_billing, "certification is voluntary in general");
        let rsn = c.role("recovery-support-navigator").unwrap();
        let mh = rsn.billing.iter().find(|b| b.payer == "masshealth").unwrap();
        assert_eq!(mh.rate, Rate::PerUnit { unit_minutes: 15, rounding: Rounding::FullUnit, daily_cap: None });
        assert_eq!(mh.initial_authorization, Some(UnitsOverDays { units: 180, days: 90 }));
        let chw = c.role("community-health-worker").unwrap();
        assert_eq!(chw.billing[0].rate, Rate::Grant, "CHWs are primarily grant funded");
        assert_eq!(c.workforce.pay_parity_percent, 100, "002: pay equal to similarly qualified professionals");
    }

    #[test]
    fn rounding_rules_differ_as_payers_do() {
        use crate::billing::Rounding;
        assert_eq!([0, 14, 15, 29, 30].map(|m| Rounding::FullUnit.units(m, 15)), [0, 0, 1, 1, 2]);
        assert_eq!([0, 7, 8, 22, 23].map(|m| Rounding::HalfUnit.units(m, 15)), [0, 0, 1, 1, 2]);
        assert_eq!([0, 1, 15, 16].map(|m| Rounding::AnyMinute.units(m, 15)), [0, 1, 1, 2]);
    }

    #[test]
    fn a_rule_for_an_unknown_payer_or_requirement_is_refused_with_its_line() {
        let text = MASSACHUSETTS_TOML.replacen("payer = \"masshealth\"", "payer = \"nobody\"", 1);
        let e = Catalog::from_toml("x.toml", &text).unwrap_err();
        assert!(e.field.ends_with("payer"), "{e}");
        assert_eq!(e.line, text.lines().position(|l| l.contains("payer = \"nobody\"")).unwrap() + 1, "{e}");
        let text = MASSACHUSETTS_TOML.replacen("blocked_by = [\"carc\"]", "blocked_by = [\"carcs\"]", 1);
        let e = Catalog::from_toml("x.toml", &text).unwrap_err();
        assert!(e.message.contains("carcs"), "{e}");
    }

    #[test]
    fn syntax_error_names_file_and_line() {
        let text = MASSACHUSETTS_TOML.replacen("state = ", "state = = ", 1);
        let e = Catalog::from_toml("x.toml", &text).unwrap_err();
        assert_eq!(e.file, "x.toml");
        let expected = MASSACHUSETTS_TOML.lines().position(|l| l.starts_with("state = ")).unwrap() + 1;
        assert_eq!(e.line, expected, "{e}");
    }

    #[test]
    fn semantic_error_names_field_and_its_line() {
        let text = MASSACHUSETTS_TOML.replacen("unit_minutes = 15", "unit_minutes = 0", 1);
        let e = Catalog::from_toml("x.toml", &text).unwrap_err();
        assert!(e.field.ends_with("rate.unit_minutes"), "{e}");
        let expected = text.lines().position(|l| l.contains("unit_minutes = 0")).unwrap() + 1;
        assert_eq!(e.line, expected, "{e}");
    }

    #[test]
    fn missing_field_is_named() {
        let text = MASSACHUSETTS_TOML.replacen("caseload_cap =", "caseload_capacity =", 1);
        let e = Catalog::from_toml("x.toml", &text).unwrap_err();
        assert!(e.to_string().contains("caseload_cap"), "{e}");
    }

    #[test]
    fn wrong_type_names_field() {
        let text = MASSACHUSETTS_TOML.replacen("caseload_cap = ", "caseload_cap = \"many\" #", 1);
        let e = Catalog::from_toml("x.toml", &text).unwrap_err();
        assert!(e.field.contains("caseload_cap"), "{e}");
        let expected = text.lines().position(|l| l.contains("caseload_cap = \"many\"")).unwrap() + 1;
        assert_eq!(e.line, expected);
    }

    #[test]
    fn towns_are_checked() {
        let c = Catalog::massachusetts().unwrap();
        assert_eq!(c.towns.len(), 48);
        assert_eq!(c.town(" lowell ").map(|t| t.zip_codes[0].as_str()), Some("01850"));
        for (from, to, field) in [
            ("name = \"Cambridge\"", "name = \"boston\"", "towns[1].name"),
            ("lat = 42.3736", "lat = 142.3736", "towns[1].lat"),
            ("lon = -71.1097", "lon = -271.1097", "towns[1].lon"),
            ("zip_codes = [\"02138\", \"02139\", \"02140\", \"02141\", \"02142\"]", "zip_codes = []", "towns[1].zip_codes"),
            ("zip_codes = [\"02138\", \"02139\", \"02140\", \"02141\", \"02142\"]", "zip_codes = [\"2138\"]", "towns[1].zip_codes"),
        ] {
            let text = MASSACHUSETTS_TOML.replacen(from, to, 1);
            assert_ne!(text, MASSACHUSETTS_TOML, "{from}");
            let e = Catalog::from_toml("x.toml", &text).unwrap_err();
            assert_eq!(e.field, field, "{e}");
            let expected = text.lines().position(|l| l.trim() == to).unwrap() + 1;
            assert_eq!(e.line, expected, "{e}");
        }
    }

    #[test]
    fn language_tags() {
        for ok in ["en", "es", "pt-BR", "zh-Hant", "ht"] {
            assert!(is_language_tag(ok), "{ok}");
        }
        for bad in ["", "E", "english", "es_", "e1"] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }
}
