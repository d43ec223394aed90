//! No wrong door: whoever sends a person to peer support (their care
//! coordinator, an emergency department, a Recovery Learning Community, a
//! friend, or the person themselves) creates the same request. The same
//! person arriving twice is one request that remembers every door.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::catalog::Catalog;
use crate::error::{FieldError, Invalid};
use crate::matching::SupportKind;
use crate::privacy::{Category, Labelled};
use crate::records::{Id, Member, MemberInput};

/// How a person reached peer support (seed 003, Appendix A).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Door {
    /// Their health plan or its care coordinator.
    CareCoordinator,
    /// An emergency department or hospital.
    Hospital,
    RecoveryLearningCommunity,
    CommunityOrganization,
    HumanServiceOrganization,
    /// The Department of Mental Health.
    Dmh,
    FriendOrFamily,
    SocialMedia,
    /// The person themselves.
    #[serde(rename = "self")]
    SelfReferral,
    Other,
}

impl Door {
    pub const ALL: [Door; 10] = [
        Self::CareCoordinator,
        Self::Hospital,
        Self::RecoveryLearningCommunity,
        Self::CommunityOrganization,
        Self::HumanServiceOrganization,
        Self::Dmh,
        Self::FriendOrFamily,
        Self::SocialMedia,
        Self::SelfReferral,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CareCoordinator => "care-coordinator",
            Self::Hospital => "hospital",
            Self::RecoveryLearningCommunity => "recovery-learning-community",
            Self::CommunityOrganization => "community-organization",
            Self::HumanServiceOrganization => "human-service-organization",
            Self::Dmh => "dmh",
            Self::FriendOrFamily => "friend-or-family",
            Self::SocialMedia => "social-media",
            Self::SelfReferral => "self",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Door> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ReferralStatus {
    /// Waiting for someone to reach out.
    New,
    Contacted,
    /// A member record exists and a coordinator is on their team.
    Enrolled,
    /// The person declined or could not be reached.
    Closed,
}

impl ReferralStatus {
    pub const ALL: [ReferralStatus; 4] = [Self::New, Self::Contacted, Self::Enrolled, Self::Closed];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Contacted => "contacted",
            Self::Enrolled => "enrolled",
            Self::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<ReferralStatus> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// A request for peer support, as it arrives at any door.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferralInput {
    /// How the person reached peer support.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::door))]
    pub door: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::name))]
    pub given_name: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::name))]
    pub family_name: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::day))]
    pub date_of_birth: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::blank_or_masshealth_id))]
    pub masshealth_id: Option<String>,
    /// A phone number or an e-mail address is needed to reach the person.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::phone_opt))]
    pub phone: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::email_opt))]
    pub email: Option<String>,
    /// The language the person prefers, a code of the catalog.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::language))]
    pub language: String,
    /// The kind of support asked for.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::support_kind))]
    pub support: String,
}

/// A checked arrival: who, how to reach them, what they ask for.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Arrival {
    pub door: Door,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Date,
    pub masshealth_id: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub language: String,
    pub support: SupportKind,
}

/// A stand-in MassHealth ID so that a referral without one passes the same
/// checks as a member record; never stored.
const NO_MASSHEALTH_ID: &str = "000000000000";

impl ReferralInput {
    /// The same checks as a member record, plus: a door, a kind of support,
    /// and a way to reach the person.
    pub fn validate(&self, catalog: &Catalog, today: Date) -> Result<Arrival, Invalid> {
        let masshealth_id = self.masshealth_id.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let as_member = MemberInput {
            masshealth_id: masshealth_id.unwrap_or(NO_MASSHEALTH_ID).to_string(),
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            date_of_birth: self.date_of_birth.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            preferred_languages: vec![self.language.trim().to_string()],
            ..MemberInput::default()
        };
        let mut errs = Invalid::default();
        let checked = match as_member.validate(String::new(), 1, catalog, today) {
            Ok(m) => Some(m),
            Err(e) => {
                for f in e.0 {
                    let field = if f.field == "preferred_languages" || f.field.starts_with("preferred_languages[") {
                        "language".to_string()
                    } else {
                        f.field.clone()
                    };
                    errs.push(FieldError { field, ..f });
                }
                None
            }
        };
        let door = Door::parse(self.door.trim());
        if door.is_none() {
            errs.push(
                FieldError::new("door", "unknown-choice", "choose how the person reached peer support")
                    .arg("value", self.door.trim())
                    .arg("choices", Door::ALL.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(", ")),
            );
        }
        let support = SupportKind::ALL.into_iter().find(|k| k.as_str() == self.support.trim());
        if support.is_none() {
            errs.push(
                FieldError::new("support", "unknown-choice", "choose the kind of support")
                    .arg("value", self.support.trim())
                    .arg("choices", SupportKind::ALL.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(", ")),
            );
        }
        if let Some(m) = &checked {
            if m.phone.is_none() && m.email.is_none() {
                errs.push(FieldError::new("phone", "reach", "give a phone number or an e-mail address so that someone can reach you"));
            }
        }
        errs.finish()?;
        match (checked, door, support) {
            (Some(m), Some(door), Some(support)) => Ok(Arrival {
                door,
                given_name: m.given_name,
                family_name: m.family_name,
                date_of_birth: m.date_of_birth,
                masshealth_id: masshealth_id.map(str::to_string),
                phone: m.phone,
                email: m.email,
                language: m.preferred_languages.into_iter().next().unwrap_or_default(),
                support,
            }),
            _ => Err(Invalid::one("door", "required", "is required")),
        }
    }
}

/// One request for peer support, however many doors it came through.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Referral {
    pub id: Id,
    pub member_id: Option<Id>,
    pub organization_id: Option<Id>,
    /// Every door, first arrival first.
    pub doors: Vec<Door>,
    pub given_name: String,
    pub family_name: String,
    #[serde(with = "iso_date")]
    pub date_of_birth: Date,
    pub masshealth_id: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub language: String,
    pub support: SupportKind,
    pub status: ReferralStatus,
    pub arrivals: u32,
    pub first_arrived_at: String,
    pub last_arrived_at: String,
}

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

impl Referral {
    /// A new request from its first arrival, at `at`.
    pub fn first(id: Id, organization_id: Option<Id>, a: &Arrival, at: &str) -> Referral {
        Referral {
            id,
            member_id: None,
            organization_id,
            doors: vec![a.door],
            given_name: a.given_name.clone(),
            family_name: a.family_name.clone(),
            date_of_birth: a.date_of_birth,
            masshealth_id: a.masshealth_id.clone(),
            phone: a.phone.clone(),
            email: a.email.clone(),
            language: a.language.clone(),
            support: a.support,
            status: ReferralStatus::New,
            arrivals: 1,
            first_arrived_at: at.to_string(),
            last_arrived_at: at.to_string(),
        }
    }

    /// Whether `a` is the same person: the same MassHealth ID, or, when
    /// either has none, the same name and date of birth.
    pub fn same_person(&self, a: &Arrival) -> bool {
        match (&self.masshealth_id, &a.masshealth_id) {
            (Some(x), Some(y)) => x == y,
            _ => {
                self.date_of_birth == a.date_of_birth
                    && name_key(&self.given_name) == name_key(&a.given_name)
                    && name_key(&self.family_name) == name_key(&a.family_name)
            }
        }
    }

    /// Fold a second arrival into this request: remember the door, keep
    /// every way to reach the person, and fill what was missing.
    pub fn merge(&mut self, a: &Arrival, at: &str) {
        if !self.doors.contains(&a.door) {
            self.doors.push(a.door);
        }
        self.arrivals += 1;
        self.last_arrived_at = at.to_string();
        self.masshealth_id = self.masshealth_id.take().or_else(|| a.masshealth_id.clone());
        self.phone = self.phone.take().or_else(|| a.phone.clone());
        self.email = self.email.take().or_else(|| a.email.clone());
        if self.status == ReferralStatus::Closed {
            // Coming back is a new request for help.
            self.status = ReferralStatus::New;
        }
    }

    /// Whole days since the first arrival, for the queue.
    pub fn age_days(&self, today: Date) -> i64 {
        crate::records::parse_date(self.first_arrived_at.get(..10).unwrap_or("")).map_or(0, |first| (today - first).whole_days().max(0))
    }
}

/// The matching key of a name: lower case, without spaces, hyphens or
/// apostrophes, so "Mary-Ann O'Neil" and "maryann oneil" are the same.
pub fn name_key(name: &str) -> String {
    name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

impl Labelled for Referral {
    const NAME: &'static str = "Referral";
    fn field_category(field: &str) -> Option<Category> {
        Some(match field {
            "id" | "member_id" | "organization_id" | "doors" | "given_name" | "family_name" | "date_of_birth" | "language" | "status"
            | "arrivals" | "first_arrived_at" | "last_arrived_at" => Category::Demographics,
            "phone" | "email" => Category::Contact,
            "masshealth_id" => Category::Billing,
            // Asking for substance-use support discloses substance use.
            "support" => Category::CarePlan,
            _ => return None,
        })
    }
}

/// Whether a referral names the person a member record holds: the same
/// family name (however spelled or capitalised) and date of birth.
/// Enrolling a referral onto an existing record needs it; it never opens an
/// account (that takes an enrolment code).
pub fn matches_record(existing: &Member, r: &Referral) -> bool {
    existing.date_of_birth == r.date_of_birth && name_key(&existing.family_name) == name_key(&r.family_name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 06 - 01);

    fn input() -> ReferralInput {
        ReferralInput {
            door: "hospital".into(),
            given_name: "Ana".into(),
            family_name: "Silva".into(),
            date_of_birth: "1990-02-03".into(),
            masshealth_id: None,
            phone: Some("617-555-0100".into()),
            email: None,
            language: "pt".into(),
            support: "both".into(),
        }
    }

    fn catalog() -> Catalog {
        Catalog::massachusetts().expect("the shipped catalog loads")
    }

    fn referral(a: &Arrival) -> Referral {
        Referral::first("r".into(), None, a, "2026-05-01T00:00:00Z")
    }

    #[test]
    fn the_same_person_through_another_door_is_one_request() {
        let first = input().validate(&catalog(), TODAY).expect("valid");
        let mut r = referral(&first);
        let again = ReferralInput {
            door: "self".into(),
            given_name: "ana ".into(),
            family_name: "SILVA".into(),
            masshealth_id: Some("100012345678".into()),
            ..input()
        }
        .validate(&catalog(), TODAY)
        .expect("valid");
        assert!(r.same_person(&again));
        r.merge(&again, "2026-05-03T00:00:00Z");
        assert_eq!(r.doors, [Door::Hospital, Door::SelfReferral]);
        assert_eq!(r.arrivals, 2);
        assert_eq!(r.masshealth_id.as_deref(), Some("100012345678"), "the missing ID is filled in");
        assert_eq!(r.age_days(TODAY), 31);
        let someone_else = ReferralInput { date_of_birth: "1990-02-04".into(), ..input() }.validate(&catalog(), TODAY).unwrap();
        assert!(!r.same_person(&someone_else));
    }

    #[test]
    fn a_referral_names_every_problem() {
        let bad = ReferralInput {
            door: "window".into(),
            given_name: String::new(),
            date_of_birth: "2030-01-01".into(),
            masshealth_id: Some("123".into()),
            phone: None,
            language: "xx".into(),
            support: "magic".into(),
            ..input()
        };
        let fields: Vec<String> = bad.validate(&catalog(), TODAY).unwrap_err().0.into_iter().map(|e| e.field).collect();
        for f in ["door", "given_name", "date_of_birth", "masshealth_id", "language", "support"] {
            assert!(fields.iter().any(|x| x == f), "{f} missing from {fields:?}");
        }
        let unreachable = ReferralInput { phone: None, email: None, ..input() }.validate(&catalog(), TODAY).unwrap_err();
        assert_eq!(unreachable.0[0].code, "reach");
    }

    #[test]
    fn every_field_of_a_referral_is_labelled() {
        let r = referral(&input().validate(&catalog(), TODAY).unwrap());
        let serde_json::Value::Object(map) = serde_json::to_value(&r).unwrap() else { panic!("an object") };
        for k in map.keys() {
            assert!(<Referral as Labelled>::field_category(k).is_some(), "Referral.{k} has no label");
        }
    }
}
