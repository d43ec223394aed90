//! What the catalog says about outcome measures: the value sets that decide
//! which diagnoses are mental illness or substance use, the FHIR Encounter
//! classes that make an event an ED visit, a stay or an outpatient visit,
//! each measure's code and version, and the settings a deployment chooses.

use serde::{Deserialize, Serialize};

use crate::claim_data::Icd10;

/// A range of three-character ICD-10-CM categories, "F10-F19", or one, "F32".
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CategoryRange {
    first: String,
    last: String,
}

impl CategoryRange {
    fn contains(&self, code: &Icd10) -> bool {
        let head = &code.claim_form()[..3];
        self.first.as_str() <= head && head <= self.last.as_str()
    }
}

impl TryFrom<String> for CategoryRange {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let (first, last) = s.split_once('-').unwrap_or((&s, &s));
        let category = |c: &str| {
            let c = c.trim().to_ascii_uppercase();
            let ok = c.len() == 3 && Icd10::parse(&c).is_some();
            ok.then_some(c).ok_or_else(|| format!("{s:?} is not an ICD-10-CM category or range of them, like F10-F19"))
        };
        let (first, last) = (category(first)?, category(last)?);
        if first > last {
            return Err(format!("{s:?} runs backwards"));
        }
        Ok(CategoryRange { first, last })
    }
}

impl From<CategoryRange> for String {
    fn from(r: CategoryRange) -> String {
        if r.first == r.last {
            r.first
        } else {
            format!("{}-{}", r.first, r.last)
        }
    }
}

/// The diagnoses a measure admits: those in an included range and in no
/// excluded one.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueSet {
    pub include: Vec<CategoryRange>,
    #[serde(default)]
    pub exclude: Vec<CategoryRange>,
    pub source: String,
}

impl ValueSet {
    pub fn contains(&self, code: &Icd10) -> bool {
        self.include.iter().any(|r| r.contains(code)) && !self.exclude.iter().any(|r| r.contains(code))
    }

    fn of(include: &[&str], exclude: &[&str], source: &str) -> ValueSet {
        let ranges = |xs: &[&str]| xs.iter().filter_map(|x| CategoryRange::try_from(x.to_string()).ok()).collect();
        ValueSet { include: ranges(include), exclude: ranges(exclude), source: source.into() }
    }
}

/// The two value sets the follow-up measures read.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ValueSets {
    pub mental_illness: ValueSet,
    pub substance_use: ValueSet,
}

impl Default for ValueSets {
    /// Mental illness F01-F99 except F10-F19; substance use F10-F19.
    fn default() -> Self {
        ValueSets {
            mental_illness: ValueSet::of(&["F01-F99"], &["F10-F19"], "ICD-10-CM chapter 5 without the F10-F19 block"),
            substance_use: ValueSet::of(&["F10-F19"], &[], "ICD-10-CM F10-F19"),
        }
    }
}

/// The FHIR R4 `Encounter.class` codes (v3 ActCode) read as each kind of event.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncounterClasses {
    pub emergency: Vec<String>,
    pub inpatient: Vec<String>,
    /// Outpatient visits: mental health or substance use by the principal diagnosis.
    pub outpatient: Vec<String>,
    pub source: String,
}

impl Default for EncounterClasses {
    fn default() -> Self {
        let codes = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect();
        EncounterClasses {
            emergency: codes(&["EMER"]),
            inpatient: codes(&["IMP", "ACUTE", "NONAC"]),
            outpatient: codes(&["AMB", "VR", "HH"]),
            source: "HL7 v3 ActCode".into(),
        }
    }
}

/// One measure as the catalog names it: the code and version this build
/// computes, so a reported rate says which rules produced it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureDefinition {
    pub code: String,
    pub version: u32,
    pub name: crate::catalog::Localized,
    pub source: String,
}

/// Outcome measures as a deployment runs them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureSettings {
    pub value_sets: ValueSets,
    pub encounter_classes: EncounterClasses,
    /// Whether a peer contact counts as follow-up in FUM-style.
    pub fum_peer_contact_counts: bool,
    /// Why, in words, for whoever reads a FUM-style rate.
    pub fum_peer_contact_counts_why: String,
    /// The seed of the bootstrap interval, so a report is the same each time it is asked.
    pub bootstrap_seed: u64,
    #[serde(default)]
    pub definitions: Vec<MeasureDefinition>,
    pub source: String,
}

impl Default for MeasureSettings {
    fn default() -> Self {
        MeasureSettings {
            value_sets: ValueSets::default(),
            encounter_classes: EncounterClasses::default(),
            fum_peer_contact_counts: super::FUM_PEER_CONTACT_COUNTS,
            fum_peer_contact_counts_why:
                "Not confirmed that NCQA's FUM credits a peer support service; a program does not credit its own service unasked.".into(),
            bootstrap_seed: 1,
            definitions: super::MEASURES
                .iter()
                .map(|(code, version)| MeasureDefinition {
                    code: code.to_string(),
                    version: *version,
                    name: crate::catalog::Localized([("en".to_string(), code.to_string())].into()),
                    source: "this version's definition".into(),
                })
                .collect(),
            source: "deployment setting".into(),
        }
    }
}

impl MeasureSettings {
    /// The follow-up measures this deployment reports, FUM-style with its setting.
    pub fn follow_up_specs(&self) -> [super::MeasureSpec; 4] {
        [super::FUA_STYLE, super::fum_style(self.fum_peer_contact_counts), super::FUH_STYLE, super::PEER_AFTER_ACUTE_CARE]
    }

    /// What is wrong with the settings, in words: every definition must name
    /// a measure this build computes, at the version it computes.
    pub fn check(&self) -> Result<(), String> {
        let known: Vec<(&str, u32)> = super::MEASURES.iter().map(|m| (m.0, m.1)).collect();
        for d in &self.definitions {
            match known.iter().find(|(code, _)| *code == d.code) {
                None => return Err(format!("measure {:?} is not one this version computes: {}", d.code, codes(&known))),
                Some((_, v)) if *v != d.version => {
                    return Err(format!("measure {:?} is computed at version {v}, not {}", d.code, d.version));
                }
                _ => {}
            }
        }
        for (code, _) in &known {
            if !self.definitions.iter().any(|d| d.code == *code) {
                return Err(format!("measure {code:?} has no definition: add it with its version and source"));
            }
        }
        if self.encounter_classes.emergency.is_empty() || self.encounter_classes.inpatient.is_empty() || self.encounter_classes.outpatient.is_empty()
        {
            return Err("every kind of encounter class needs at least one code".into());
        }
        Ok(())
    }

    /// The definition of `code`, when the catalog has one.
    pub fn definition(&self, code: &str) -> Option<&MeasureDefinition> {
        self.definitions.iter().find(|d| d.code == code)
    }
}

fn codes(known: &[(&str, u32)]) -> String {
    known.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn icd(c: &str) -> Icd10 {
        Icd10::parse(c).unwrap()
    }

    #[test]
    fn the_standard_value_sets_split_the_f_chapter() {
        let s = ValueSets::default();
        assert!(s.mental_illness.contains(&icd("F01.50")) && s.mental_illness.contains(&icd("F99")) && s.mental_illness.contains(&icd("F32.1")));
        assert!(
            !s.mental_illness.contains(&icd("F10.20")) && !s.mental_illness.contains(&icd("F19.10")) && !s.mental_illness.contains(&icd("G30.9"))
        );
        assert!(s.substance_use.contains(&icd("F10.20")) && s.substance_use.contains(&icd("F19.99")) && !s.substance_use.contains(&icd("F20.9")));
    }

    #[test]
    fn ranges_are_read_and_refused_in_words() {
        assert_eq!(String::from(CategoryRange::try_from("f10-F19".to_string()).unwrap()), "F10-F19");
        assert_eq!(String::from(CategoryRange::try_from("F32".to_string()).unwrap()), "F32");
        assert!(CategoryRange::try_from("F19-F10".to_string()).unwrap_err().contains("backwards"));
        assert!(CategoryRange::try_from("F1".to_string()).unwrap_err().contains("F10-F19"));
    }

    #[test]
    fn definitions_must_match_what_this_build_computes() {
        let mut s = MeasureSettings::default();
        assert_eq!(s.check(), Ok(()));
        let fua = s.definitions.remove(0);
        assert!(s.check().unwrap_err().contains("has no definition"));
        s.definitions.push(fua);
        s.definitions[0].version += 1;
        assert!(s.check().unwrap_err().contains("computed at version"));
    }
}
