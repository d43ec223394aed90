//! For whom peer support works: how people describe themselves mapped to
//! the categories reports use (with OMB race and ethnicity codes where they
//! apply), age bands, and the tables of network adequacy, equity and 003's
//! Appendix A, every count through the one small-cell rule.
//!
//! The member's own words stay in their record; a report only ever shows
//! the category. Words the catalog does not map are counted as
//! "self-described", a question not answered as "not answered".

mod tables;
mod unmet;
pub mod what_if;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::catalog::Localized;
use crate::matching::normalize_value;

pub use crate::measures::report::suppress_rate_groups;
pub use tables::{quantile, suppress_distributions, wait_figures, Characteristic, EquityDimension, ShownShare, ShownWait, WaitCounts};
pub use unmet::{suppress_unmet, ShownCount, ShownUnmet};

/// The category of an answer the catalog does not map.
pub const SELF_DESCRIBED: &str = "self-described";
/// The category of a question not answered.
pub const NOT_ANSWERED: &str = "not-answered";

/// A side of a person that reports count by category.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportedDimension {
    Gender,
    Race,
    Ethnicity,
    SexualOrientation,
}

impl ReportedDimension {
    pub const ALL: [ReportedDimension; 4] = [Self::Gender, Self::Race, Self::Ethnicity, Self::SexualOrientation];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gender => "gender",
            Self::Race => "race",
            Self::Ethnicity => "ethnicity",
            Self::SexualOrientation => "sexual-orientation",
        }
    }

    /// The matching dimension a worker's identity statement of this side has.
    pub fn of_identity(d: crate::matching::IdentityDimension) -> Option<ReportedDimension> {
        use crate::matching::IdentityDimension as I;
        match d {
            I::Gender => Some(Self::Gender),
            I::Race => Some(Self::Race),
            I::Ethnicity => Some(Self::Ethnicity),
            I::SexualOrientation => Some(Self::SexualOrientation),
            _ => None,
        }
    }
}

/// One reporting category and the words that people use for it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportingCategory {
    pub dimension: ReportedDimension,
    pub code: String,
    /// The CDC Race and Ethnicity Code Set code of the OMB category, where one applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omb: Option<String>,
    pub name: Localized,
    /// Words that put an answer in this category, compared normalized; the
    /// longest phrase found in an answer wins.
    pub terms: Vec<String>,
    pub source: String,
}

/// An age band of a report, `min` to `max` years inclusive (`max` absent: and over).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgeBand {
    pub code: String,
    pub min: u32,
    #[serde(default)]
    pub max: Option<u32>,
    pub name: Localized,
}

/// How reports group people, as the catalog says.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ReportingSettings {
    /// From 0 up, without gaps or overlaps.
    pub age_bands: Vec<AgeBand>,
    pub age_bands_source: String,
    pub categories: Vec<ReportingCategory>,
    /// Days within which a request for a peer counts as filled promptly.
    pub prompt_days: Vec<u32>,
    pub prompt_days_source: String,
    /// Days without a logged contact after which a supervisor's dashboard
    /// flags a supervisee.
    pub no_activity_days: u32,
    pub no_activity_days_source: String,
}

/// Words of `text`, lower-cased, split at anything but letters, digits and hyphens.
fn words(text: &str) -> Vec<String> {
    normalize_value(text).split(|c: char| !(c.is_alphanumeric() || c == '-')).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

fn contains_phrase(haystack: &[String], phrase: &[String]) -> bool {
    !phrase.is_empty() && haystack.windows(phrase.len()).any(|w| w == phrase)
}

impl ReportingSettings {
    /// Rules the types cannot express; the error names the fix.
    pub fn check(&self) -> Result<(), String> {
        let mut next = 0u32;
        for (i, b) in self.age_bands.iter().enumerate() {
            if b.min != next {
                return Err(format!("age_bands[{i}] ({}) starts at {} but must start at {next}: bands run from 0 up without gaps", b.code, b.min));
            }
            match b.max {
                Some(max) if max < b.min => return Err(format!("age_bands[{i}] ({}) ends before it starts", b.code)),
                Some(max) => next = max + 1,
                None if i + 1 != self.age_bands.len() => return Err(format!("age_bands[{i}] ({}) is open-ended but is not the last band", b.code)),
                None => {}
            }
        }
        if self.age_bands.last().is_some_and(|b| b.max.is_some()) {
            return Err("the last of age_bands must have no max, so that every age has a band".into());
        }
        let mut seen_codes = std::collections::HashSet::new();
        let mut seen_terms = std::collections::HashMap::new();
        for (i, c) in self.categories.iter().enumerate() {
            if c.code == SELF_DESCRIBED || c.code == NOT_ANSWERED {
                return Err(format!("categories[{i}]: {:?} is kept for answers the catalog does not map; choose another code", c.code));
            }
            if !seen_codes.insert((c.dimension, c.code.clone())) {
                return Err(format!("categories[{i}]: {} {:?} appears twice", c.dimension.as_str(), c.code));
            }
            for t in &c.terms {
                let key = words(t);
                if key.is_empty() {
                    return Err(format!("categories[{i}] ({}) has an empty term", c.code));
                }
                if let Some(other) = seen_terms.insert((c.dimension, key), c.code.clone()) {
                    return Err(format!("categories[{i}]: the term {t:?} is in both {other:?} and {:?}", c.code));
                }
            }
        }
        if self.prompt_days.is_empty() || self.prompt_days.windows(2).any(|w| w[0] >= w[1]) {
            return Err("prompt_days must list at least one number of days, ascending".into());
        }
        if self.no_activity_days == 0 {
            return Err("no_activity_days must be at least 1".into());
        }
        Ok(())
    }

    /// The category of an answer: the category whose longest term appears
    /// in it, else self-described; nothing said is not answered.
    pub fn categorize(&self, dimension: ReportedDimension, answer: Option<&str>) -> &str {
        let Some(answer) = answer.map(words).filter(|w| !w.is_empty()) else { return NOT_ANSWERED };
        self.categories
            .iter()
            .filter(|c| c.dimension == dimension)
            .flat_map(|c| c.terms.iter().map(move |t| (c, words(t))))
            .filter(|(_, t)| contains_phrase(&answer, t))
            .max_by_key(|(_, t)| t.len())
            .map_or(SELF_DESCRIBED, |(c, _)| c.code.as_str())
    }

    /// The band of someone born on `born`, on `on`.
    pub fn age_band(&self, born: Date, on: Date) -> &str {
        let mut age = on.year() - born.year();
        if (on.month() as u8, on.day()) < (born.month() as u8, born.day()) {
            age -= 1;
        }
        let age = age.max(0) as u32;
        self.age_bands.iter().find(|b| b.min <= age && b.max.is_none_or(|m| age <= m)).map_or(NOT_ANSWERED, |b| b.code.as_str())
    }

    /// The category's name, for pages and tables.
    pub fn category_name(&self, dimension: ReportedDimension, code: &str, lang: &str) -> Option<&str> {
        self.categories.iter().find(|c| c.dimension == dimension && c.code == code).map(|c| c.name.get(lang))
    }

    pub fn age_band_name(&self, code: &str, lang: &str) -> Option<&str> {
        self.age_bands.iter().find(|b| b.code == code).map(|b| b.name.get(lang))
    }

    /// Every category of a dimension, in catalog order: a table lists them all, even empty.
    pub fn categories_of(&self, dimension: ReportedDimension) -> impl Iterator<Item = &ReportingCategory> {
        self.categories.iter().filter(move |c| c.dimension == dimension)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use time::macros::date;

    fn settings() -> ReportingSettings {
        Catalog::massachusetts().expect("catalog").reporting
    }

    #[test]
    fn the_longest_phrase_wins_and_unknown_words_are_self_described() {
        let s = settings();
        let race = ReportedDimension::Race;
        assert_eq!(s.categorize(race, Some("Black")), "black");
        assert_eq!(s.categorize(race, Some("I identify as Black.")), "black");
        assert_eq!(s.categorize(race, Some("White and Asian")), "more-than-one");
        assert_eq!(s.categorize(race, Some("Pardo")), SELF_DESCRIBED);
        assert_eq!(s.categorize(race, Some("  ")), NOT_ANSWERED);
        assert_eq!(s.categorize(race, None), NOT_ANSWERED);
        let eth = ReportedDimension::Ethnicity;
        assert_eq!(s.categorize(eth, Some("Non-Hispanic")), "not-hispanic-or-latino", "a hyphenated word is one word");
        assert_eq!(s.categorize(eth, Some("Puerto Rican")), "hispanic-or-latino");
        let g = ReportedDimension::Gender;
        assert_eq!(s.categorize(g, Some("I'm a transgender woman.")), "transgender-woman");
        assert_eq!(s.categorize(g, Some("I'm a woman and a mom.")), "woman");
    }

    #[test]
    fn every_age_has_one_band_and_birthdays_count_on_the_day() {
        let s = settings();
        assert_eq!(s.age_band(date!(2000 - 06 - 15), date!(2021 - 06 - 14)), "under-21");
        assert_eq!(s.age_band(date!(2000 - 06 - 15), date!(2021 - 06 - 15)), "21-30");
        assert_eq!(s.age_band(date!(1950 - 01 - 01), date!(2026 - 01 - 01)), "51-plus");
        for b in &s.age_bands {
            assert_eq!(s.age_band(date!(1900 - 01 - 01).replace_year(2000 - b.min as i32).unwrap(), date!(2000 - 01 - 01)), b.code);
        }
    }

    #[test]
    fn a_catalog_with_gaps_or_a_term_twice_is_refused_with_the_fix() {
        let mut s = settings();
        s.age_bands[1].min += 1;
        assert!(s.check().unwrap_err().contains("without gaps"));
        let mut s = settings();
        let t = s.categories[0].terms[0].clone();
        let other = s.categories.iter().position(|c| c.dimension == s.categories[0].dimension && c.code != s.categories[0].code).unwrap();
        s.categories[other].terms.push(t.to_uppercase());
        assert!(s.check().unwrap_err().contains("is in both"));
        let mut s = settings();
        s.categories[0].code = SELF_DESCRIBED.into();
        assert!(s.check().unwrap_err().contains("choose another code"));
    }

    #[test]
    fn the_catalog_maps_every_answer_the_synthetic_world_gives_that_names_a_category() {
        let s = settings();
        for (d, answer, code) in [
            (ReportedDimension::Race, "African American", "black"),
            (ReportedDimension::Race, "Caucasian", "white"),
            (ReportedDimension::Race, "Vietnamese", "asian"),
            (ReportedDimension::Race, "American Indian (Wampanoag)", "american-indian-or-alaska-native"),
            (ReportedDimension::Race, "Middle Eastern or North African", "middle-eastern-or-north-african"),
            (ReportedDimension::SexualOrientation, "Straight", "heterosexual"),
            (ReportedDimension::SexualOrientation, "Same-gender loving", "gay-or-lesbian"),
            (ReportedDimension::Gender, "Genderqueer", "non-binary"),
        ] {
            assert_eq!(s.categorize(d, Some(answer)), code, "{answer}");
        }
        for c in &s.categories {
            if matches!(c.dimension, ReportedDimension::Race | ReportedDimension::Ethnicity) && c.omb.is_some() {
                assert!(c.omb.as_deref().is_some_and(|o| o.len() == 6 && o.as_bytes()[4] == b'-'), "{}: CDC codes look like 2054-5", c.code);
            }
        }
    }
}
