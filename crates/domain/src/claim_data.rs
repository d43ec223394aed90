//! The data a claim needs, each piece with its privacy label: a member's
//! diagnoses (ICD-10-CM, labelled by code range), postal addresses and
//! administrative sex, and the identifiers of billing and rendering
//! providers (NPI, EIN, NUCC taxonomy). Pure formats and rules; the store
//! keeps them and the gate decides who sees them.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::error::{FieldError, Invalid};
use crate::privacy::{Category, Labelled};
use crate::records::Id;

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

// --- ICD-10-CM ---------------------------------------------------------------

/// An ICD-10-CM code, held without its dot (as a claim's HI segment carries
/// it) and shown with it ("F11.20").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Icd10(String);

impl Icd10 {
    /// A letter, a digit, a letter or digit, then optionally a dot and 1 to 4
    /// letters or digits (the dot may be left out). Case is not significant.
    pub fn parse(text: &str) -> Option<Icd10> {
        let t = text.trim().to_ascii_uppercase();
        let (head, tail) = match t.split_once('.') {
            Some((h, rest)) => {
                if rest.is_empty() {
                    return None;
                }
                (h.to_string(), rest.to_string())
            }
            None if t.len() > 3 && t.is_ascii() => (t[..3].to_string(), t[3..].to_string()),
            None => (t.clone(), String::new()),
        };
        let h: Vec<char> = head.chars().collect();
        let head_ok = h.len() == 3 && h[0].is_ascii_uppercase() && h[1].is_ascii_digit() && h[2].is_ascii_alphanumeric();
        let tail_ok = tail.len() <= 4 && tail.chars().all(|c| c.is_ascii_alphanumeric());
        (head_ok && tail_ok).then(|| Icd10(format!("{head}{tail}")))
    }

    /// A code as stored (without the dot); `None` when it is not one.
    pub fn from_stored(stored: &str) -> Option<Icd10> {
        Icd10::parse(stored).filter(|c| c.0 == stored)
    }

    /// Without the dot, as stored and as a claim carries it.
    pub fn claim_form(&self) -> &str {
        &self.0
    }

    /// With the dot after the third character, as people read it.
    pub fn display(&self) -> String {
        if self.0.len() > 3 {
            format!("{}.{}", &self.0[..3], &self.0[3..])
        } else {
            self.0.clone()
        }
    }

    /// The privacy label of a diagnosis with this code.
    pub fn category(&self) -> Category {
        diagnosis_category(&self.0)
    }
}

/// The privacy label of a diagnosis by its code (with or without the dot):
/// F10-F19 (mental and behavioural disorders due to psychoactive substance
/// use) are substance use, under 42 CFR Part 2; the other F codes are
/// mental health; B20 (HIV disease) and Z21 (asymptomatic HIV infection)
/// are HIV; anything else belongs to the care plan.
pub fn diagnosis_category(code: &str) -> Category {
    let c = code.trim().to_ascii_uppercase();
    let head: String = c.chars().take(3).collect();
    let mut chars = head.chars();
    match (chars.next(), chars.next(), chars.next()) {
        (Some('F'), Some('1'), Some(d)) if d.is_ascii_digit() => Category::SubstanceUse,
        (Some('F'), _, _) => Category::MentalHealth,
        _ if head == "B20" || head == "Z21" => Category::Hiv,
        _ => Category::CarePlan,
    }
}

/// A diagnosis on a member's record, labelled by its code.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    pub id: Id,
    pub member_id: Id,
    /// ICD-10-CM, with its dot (a claim carries it without).
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[A-Z][0-9][A-Z0-9](\.[A-Z0-9]{1,4})?$"))]
    pub code: String,
    /// The label the code carries: substance-use, mental-health, hiv or care-plan.
    pub category: Category,
    pub description: Option<String>,
    #[serde(with = "iso_date")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub start_date: Date,
    #[serde(with = "iso_date::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub end_date: Option<Date>,
    pub recorded_by: String,
    pub recorded_at: String,
    pub version: i64,
}

impl Labelled for Diagnosis {
    const NAME: &'static str = "Diagnosis";
    /// Every field carries the diagnosis's own label; `CarePlan` stands for
    /// "the label the code gives" (see [`Labelled::value_category`]).
    fn field_category(field: &str) -> Option<Category> {
        matches!(
            field,
            "id" | "member_id" | "code" | "category" | "description" | "start_date" | "end_date" | "recorded_by" | "recorded_at" | "version"
        )
        .then_some(Category::CarePlan)
    }
    fn value_category(&self, field: &str) -> Option<Category> {
        Self::field_category(field).map(|_| self.category)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DiagnosisInput {
    /// ICD-10-CM, with or without the dot: F11.20, F1120, Z59.0.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::icd10))]
    pub code: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::title_opt))]
    pub description: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::calendar_day))]
    pub start_date: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::day_or_blank))]
    pub end_date: Option<String>,
}

/// A checked diagnosis, before it has an id.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidDiagnosis {
    pub code: Icd10,
    pub description: Option<String>,
    pub start_date: Date,
    pub end_date: Option<Date>,
}

impl DiagnosisInput {
    pub fn validate(&self) -> Result<ValidDiagnosis, Invalid> {
        let mut errs = Invalid::default();
        within(&mut errs, "code", &self.code, crate::limits::text::IDENTIFIER);
        let code = Icd10::parse(&self.code);
        if code.is_none() {
            errs.push(
                FieldError::new(
                    "code",
                    "icd10",
                    "an ICD-10-CM code is a letter, a digit, a letter or digit, then optionally a dot and up to 4 more, e.g. F11.20",
                )
                .arg("value", self.code.trim()),
            );
        }
        let description = optional(&self.description);
        if let Some(d) = &self.description {
            crate::limits::check_text(&mut errs, "description", d.trim(), crate::limits::text::TITLE);
            within(&mut errs, "description", d, crate::limits::text::TITLE);
        }
        let start_date = crate::limits::parse_day(&self.start_date);
        if start_date.is_none() {
            errs.push(FieldError::new("start_date", "date-format", "write the start date as YYYY-MM-DD"));
        }
        let end_date = end_after(&mut errs, "end_date", self.end_date.as_deref(), start_date);
        errs.finish()?;
        match (code, start_date) {
            (Some(code), Some(start_date)) => Ok(ValidDiagnosis { code, description, start_date, end_date }),
            _ => Err(Invalid::one("code", "required", "is required")),
        }
    }
}

/// Ending a diagnosis: the day it ended.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EndDiagnosisInput {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::calendar_day))]
    pub end_date: String,
}

impl EndDiagnosisInput {
    /// The end day, not before the diagnosis started.
    pub fn validate(&self, start: Date) -> Result<Date, Invalid> {
        let mut errs = Invalid::default();
        within(&mut errs, "end_date", &self.end_date, crate::limits::text::IDENTIFIER);
        if self.end_date.trim().is_empty() {
            errs.push(FieldError::new("end_date", "required", "is required"));
        }
        let end = end_after(&mut errs, "end_date", Some(&self.end_date), Some(start));
        errs.finish()?;
        end.ok_or_else(|| Invalid::one("end_date", "required", "is required"))
    }
}

fn end_after(errs: &mut Invalid, field: &str, text: Option<&str>, start: Option<Date>) -> Option<Date> {
    let text = text.map(str::trim).filter(|t| !t.is_empty())?;
    match crate::limits::parse_day(text) {
        Some(d) if start.is_some_and(|s| d < s) => {
            errs.push(FieldError::new(field, "end-before-start", "is before the start date"));
            None
        }
        Some(d) => Some(d),
        None => {
            errs.push(FieldError::new(field, "date-format", "write the end date as YYYY-MM-DD, or leave it empty"));
            None
        }
    }
}

fn optional(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

// --- Provider identifiers -----------------------------------------------------

/// The check digit of an NPI whose first nine digits are `first9`: the Luhn
/// digit computed over the prefix 80840 followed by those nine digits (the
/// CMS rule). `None` unless `first9` is nine ASCII digits.
pub fn npi_check_digit(first9: &str) -> Option<u8> {
    if first9.len() != 9 || !first9.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let payload: Vec<u32> = "80840".bytes().chain(first9.bytes()).map(|b| u32::from(b - b'0')).collect();
    // The check digit will stand to the right, so the rightmost payload
    // digit is the first to be doubled.
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    Some(((10 - sum % 10) % 10) as u8)
}

/// A National Provider Identifier: ten digits, the last the check digit.
pub fn is_valid_npi(npi: &str) -> bool {
    npi.len() == 10 && npi.bytes().all(|b| b.is_ascii_digit()) && npi_check_digit(&npi[..9]) == Some(npi.as_bytes()[9] - b'0')
}

/// An employer identification number: nine digits, with or without the
/// dash after the second; held as nine digits.
pub fn parse_ein(text: &str) -> Option<String> {
    let t = text.trim();
    let digits: String = match t.as_bytes().get(2) {
        Some(b'-') => format!("{}{}", &t[..2], &t[3..]),
        _ => t.to_string(),
    };
    (digits.len() == 9 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// An EIN as people write it: 12-3456789.
pub fn format_ein(ein: &str) -> String {
    if ein.len() == 9 && ein.is_ascii() {
        format!("{}-{}", &ein[..2], &ein[2..])
    } else {
        ein.to_string()
    }
}

/// A NUCC health-care provider taxonomy code: 3 digits, 6 letters or digits,
/// then X (175T00000X peer specialist, 172V00000X community health worker).
/// Held in capitals.
pub fn parse_taxonomy(text: &str) -> Option<String> {
    let t = text.trim().to_ascii_uppercase();
    let b = t.as_bytes();
    let ok = b.len() == 10 && b[..3].iter().all(u8::is_ascii_digit) && b[3..9].iter().all(u8::is_ascii_alphanumeric) && b[9] == b'X';
    ok.then_some(t)
}

/// A ZIP code: 5 digits, or ZIP+4 (12345-6789).
pub fn is_zip(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    match b.len() {
        5 => digits(b),
        10 => digits(&b[..5]) && b[5] == b'-' && digits(&b[6..]),
        _ => false,
    }
}

/// A ZIP+4 code (12345-6789), which a billing provider's address needs.
pub fn is_zip_plus4(text: &str) -> bool {
    text.len() == 10 && is_zip(text)
}

/// A state as its two-letter postal code, held in capitals.
pub fn parse_state(text: &str) -> Option<String> {
    let t = text.trim().to_ascii_uppercase();
    (t.len() == 2 && t.bytes().all(|b| b.is_ascii_uppercase())).then_some(t)
}

/// Sex for administrative purposes, as a claim carries it (X12 DMG03 F, M
/// or U). It is not the gender a member describes in their own words.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AdministrativeSex {
    Female,
    Male,
    Unknown,
}

impl AdministrativeSex {
    pub const ALL: [AdministrativeSex; 3] = [Self::Female, Self::Male, Self::Unknown];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Female => "female",
            Self::Male => "male",
            Self::Unknown => "unknown",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }
    /// The X12 DMG03 code.
    pub fn x12(self) -> &'static str {
        match self {
            Self::Female => "F",
            Self::Male => "M",
            Self::Unknown => "U",
        }
    }
}

/// A street address; the city is the record's own `city`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PostalAddress {
    pub line1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    /// Two-letter postal code, e.g. MA.
    pub state: String,
    /// 12345 or 12345-6789.
    pub zip: String,
}

/// A street address as sent; the whole object is left out (or null) when
/// there is none.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AddressInput {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::place))]
    pub line1: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::place_opt))]
    pub line2: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::state))]
    pub state: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::zip))]
    pub zip: String,
}

/// A billing provider's address as sent: as [`AddressInput`], with ZIP+4.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct BillingAddressInput {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::place))]
    pub line1: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::place_opt))]
    pub line2: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::state))]
    pub state: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::zip_plus4))]
    pub zip: String,
}

impl BillingAddressInput {
    pub fn of(a: &PostalAddress) -> BillingAddressInput {
        BillingAddressInput { line1: a.line1.clone(), line2: a.line2.clone(), state: a.state.clone(), zip: a.zip.clone() }
    }
    fn as_address(&self) -> AddressInput {
        AddressInput { line1: self.line1.clone(), line2: self.line2.clone(), state: self.state.clone(), zip: self.zip.clone() }
    }
}

/// Refuse text longer than its kind allows, spaces included (as sent).
fn within(errs: &mut Invalid, field: &str, raw: &str, limit: crate::limits::TextLimit) {
    if raw.chars().count() > limit.max_chars {
        errs.push(
            FieldError::new(field, "too-long", format!("is too long: at most {} characters", limit.max_chars))
                .arg("max", limit.max_chars.to_string()),
        );
    }
}

impl AddressInput {
    pub fn of(a: &PostalAddress) -> AddressInput {
        AddressInput { line1: a.line1.clone(), line2: a.line2.clone(), state: a.state.clone(), zip: a.zip.clone() }
    }

    /// Check an address under `field` (`address`, `billing_address`);
    /// `zip_plus4` asks for the 4 extra digits a billing provider needs.
    pub fn validate(&self, errs: &mut Invalid, field: &str, zip_plus4: bool) -> Option<PostalAddress> {
        let before = errs.0.len();
        let place = crate::limits::text::PLACE;
        let line1 = errs.required(&format!("{field}.line1"), &self.line1, place);
        within(errs, &format!("{field}.line1"), &self.line1, place);
        let line2 = optional(&self.line2);
        if let Some(raw) = &self.line2 {
            crate::limits::check_text(errs, &format!("{field}.line2"), raw.trim(), place);
            within(errs, &format!("{field}.line2"), raw, place);
        }
        let id = crate::limits::text::IDENTIFIER;
        within(errs, &format!("{field}.state"), &self.state, id);
        within(errs, &format!("{field}.zip"), &self.zip, id);
        let state = parse_state(&self.state);
        if state.is_none() {
            errs.push(FieldError::new(format!("{field}.state"), "state", "give the state as its two-letter code, e.g. MA"));
        }
        let zip = self.zip.trim();
        let zip_ok = if zip_plus4 { is_zip_plus4(zip) } else { is_zip(zip) };
        if !zip_ok {
            let (code, message) = if zip_plus4 {
                ("zip-plus4", "give the ZIP+4 code, e.g. 01608-1234")
            } else {
                ("zip", "give the ZIP code as 5 digits or ZIP+4, e.g. 01608 or 01608-1234")
            };
            errs.push(FieldError::new(format!("{field}.zip"), code, message));
        }
        if errs.0.len() > before {
            return None;
        }
        Some(PostalAddress { line1, line2, state: state.unwrap_or_default(), zip: zip.to_string() })
    }
}

/// A billing provider's identifiers, as held and shown: the tax id as
/// 12-3456789, the taxonomy in capitals.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ProviderIds {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9]{10}$"))]
    pub npi: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9]{2}-[0-9]{7}$"))]
    pub tax_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9]{3}[A-Z0-9]{6}X$"))]
    pub taxonomy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<PostalAddress>,
}

impl ProviderIds {
    /// Check the identifiers a billing provider gives: a valid NPI, EIN and
    /// taxonomy, and, with an NPI, a billing address with ZIP+4.
    pub fn check(
        errs: &mut Invalid,
        npi: &Option<String>,
        tax_id: &Option<String>,
        taxonomy: &Option<String>,
        address: &Option<BillingAddressInput>,
    ) -> ProviderIds {
        for (field, raw) in [("tax_id", tax_id), ("taxonomy", taxonomy)] {
            if let Some(r) = raw {
                within(errs, field, r, crate::limits::text::IDENTIFIER);
            }
        }
        let npi = check_npi(errs, "npi", npi);
        let tax_id = optional(tax_id).and_then(|t| match parse_ein(&t) {
            Some(e) => Some(format_ein(&e)),
            None => {
                errs.push(FieldError::new("tax_id", "ein", "a tax id (EIN) is 9 digits, e.g. 12-3456789"));
                None
            }
        });
        let taxonomy = optional(taxonomy).and_then(|t| {
            let parsed = parse_taxonomy(&t);
            if parsed.is_none() {
                errs.push(FieldError::new("taxonomy", "taxonomy", "a NUCC taxonomy code is 3 digits, 6 letters or digits, then X, e.g. 175T00000X"));
            }
            parsed
        });
        let billing_address = address.as_ref().and_then(|a| a.as_address().validate(errs, "billing_address", true));
        if npi.is_some() && address.is_none() {
            errs.push(FieldError::new(
                "billing_address",
                "npi-needs-billing",
                "a billing provider with an NPI needs a billing address with ZIP+4, e.g. 01608-1234",
            ));
        }
        ProviderIds { npi, tax_id, taxonomy, billing_address }
    }
}

/// An optional NPI under `field`: blank for none, else 10 digits that check.
pub fn check_npi(errs: &mut Invalid, field: &str, npi: &Option<String>) -> Option<String> {
    if let Some(raw) = npi {
        within(errs, field, raw, crate::limits::text::IDENTIFIER);
    }
    let n = optional(npi)?;
    if is_valid_npi(&n) {
        Some(n)
    } else {
        errs.push(FieldError::new(
            field,
            "npi",
            "an NPI is 10 digits and its last digit must check (Luhn with prefix 80840); copy it again from NPPES",
        ));
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icd10_codes_are_held_without_the_dot_and_shown_with_it() {
        let c = Icd10::parse("f11.20").unwrap();
        assert_eq!(c.claim_form(), "F1120");
        assert_eq!(c.display(), "F11.20");
        assert_eq!(Icd10::parse("F1120"), Some(c));
        assert_eq!(Icd10::parse(" Z59.0 ").unwrap().display(), "Z59.0");
        assert_eq!(Icd10::parse("B20").unwrap().display(), "B20");
        assert_eq!(Icd10::parse("S72.001A").unwrap().claim_form(), "S72001A");
        for bad in ["", "F", "F1", "11.2", "FF1.2", "F11.", "F11.20345", "F11.2.0", "F1120345", "F11-20", "É11.2", "F11.2 0"] {
            assert_eq!(Icd10::parse(bad), None, "{bad:?}");
        }
        assert!(Icd10::from_stored("F1120").is_some());
        assert!(Icd10::from_stored("F11.20").is_none());
    }

    #[test]
    fn diagnoses_are_labelled_by_code_range() {
        for (code, c) in [
            ("F10.20", Category::SubstanceUse),
            ("F11.20", Category::SubstanceUse),
            ("F19", Category::SubstanceUse),
            ("F1910", Category::SubstanceUse),
            ("F01.50", Category::MentalHealth),
            ("F20.9", Category::MentalHealth),
            ("F32.A", Category::MentalHealth),
            ("F99", Category::MentalHealth),
            ("F09", Category::MentalHealth),
            ("B20", Category::Hiv),
            ("Z21", Category::Hiv),
            ("B19.20", Category::CarePlan),
            ("Z20.6", Category::CarePlan),
            ("Z59.0", Category::CarePlan),
            ("E11.9", Category::CarePlan),
        ] {
            assert_eq!(diagnosis_category(code), c, "{code}");
            assert_eq!(Icd10::parse(code).unwrap().category(), c, "{code}");
        }
    }

    #[test]
    fn a_diagnosis_input_names_each_bad_field() {
        let ok = DiagnosisInput { code: "F11.20".into(), start_date: "2025-01-02".into(), ..Default::default() }.validate().unwrap();
        assert_eq!(ok.code.claim_form(), "F1120");
        let bad = DiagnosisInput { code: "11".into(), start_date: "2025-13-01".into(), end_date: Some("x".into()), description: None };
        let fields: Vec<_> = bad.validate().unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["code", "start_date", "end_date"]);
        let early = DiagnosisInput { code: "F11.20".into(), start_date: "2025-01-02".into(), end_date: Some("2025-01-01".into()), description: None };
        assert_eq!(early.validate().unwrap_err().0[0].code, "end-before-start");
        let start = time::macros::date!(2025 - 01 - 02);
        assert!(EndDiagnosisInput { end_date: "2025-01-01".into() }.validate(start).is_err());
        assert!(EndDiagnosisInput { end_date: "".into() }.validate(start).is_err());
        assert_eq!(EndDiagnosisInput { end_date: "2025-02-01".into() }.validate(start), Ok(time::macros::date!(2025 - 02 - 01)));
    }

    #[test]
    fn npi_check_digits_follow_the_cms_rule() {
        // CMS's worked example: 123456789 takes check digit 3.
        assert_eq!(npi_check_digit("123456789"), Some(3));
        assert!(is_valid_npi("1234567893"));
        assert!(!is_valid_npi("1234567890"));
        assert!(!is_valid_npi("123456789"));
        assert!(!is_valid_npi("12345678931"));
        assert!(!is_valid_npi("123456789a"));
        assert!(!is_valid_npi("１234567893"));
        // Every first nine digits have exactly one valid check digit.
        for first9 in ["100000000", "199999999", "287654321", "155555555"] {
            let valid: Vec<u8> = (0..10).filter(|d| is_valid_npi(&format!("{first9}{d}"))).collect();
            assert_eq!(valid.len(), 1, "{first9}");
        }
        assert_eq!(npi_check_digit("12345678"), None);
    }

    #[test]
    fn eins_taxonomies_zips_and_states() {
        assert_eq!(parse_ein("12-3456789").as_deref(), Some("123456789"));
        assert_eq!(parse_ein("123456789").as_deref(), Some("123456789"));
        assert_eq!(format_ein("123456789"), "12-3456789");
        for bad in ["12-345678", "1-23456789", "12345678a", "", "12--3456789", "é2-3456789"] {
            assert_eq!(parse_ein(bad), None, "{bad:?}");
        }
        assert_eq!(parse_taxonomy("175t00000x").as_deref(), Some("175T00000X"));
        assert!(parse_taxonomy("172V00000X").is_some());
        for bad in ["175T00000", "17AT00000X", "175T00000Y", "175T0000-X", ""] {
            assert_eq!(parse_taxonomy(bad), None, "{bad:?}");
        }
        assert!(is_zip("01608") && is_zip("01608-1234") && is_zip_plus4("01608-1234"));
        for bad in ["1608", "016081", "01608-123", "01608 1234", "0160a", "01608-12345"] {
            assert!(!is_zip(bad), "{bad:?}");
        }
        assert!(!is_zip_plus4("01608"));
        assert_eq!(parse_state("ma").as_deref(), Some("MA"));
        assert_eq!(parse_state("Mass"), None);
        assert_eq!(parse_state("M1"), None);
    }

    #[test]
    fn addresses_name_each_bad_part() {
        let mut errs = Invalid::default();
        let a = AddressInput { line1: "12 Main St".into(), line2: None, state: "ma".into(), zip: "01608".into() };
        assert_eq!(a.validate(&mut errs, "address", false).unwrap().state, "MA");
        assert!(errs.0.is_empty());
        assert_eq!(a.validate(&mut errs, "billing_address", true), None);
        assert_eq!(errs.0[0].field, "billing_address.zip");
        let mut errs = Invalid::default();
        let bad = AddressInput { line1: " ".into(), line2: None, state: "Mass".into(), zip: "1234".into() };
        assert_eq!(bad.validate(&mut errs, "address", false), None);
        let fields: Vec<_> = errs.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["address.line1", "address.state", "address.zip"]);
    }

    #[test]
    fn administrative_sex_is_x12() {
        assert_eq!(AdministrativeSex::ALL.map(AdministrativeSex::x12), ["F", "M", "U"]);
        for s in AdministrativeSex::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
            assert_eq!(AdministrativeSex::parse(s.as_str()), Some(s));
        }
    }
}
