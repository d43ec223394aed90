//! Acute-care events a plan or hospital reports for a member: emergency
//! department visits, inpatient stays, and outpatient mental-health and
//! substance-use visits, each with its diagnoses and facility. Read from a
//! CSV row or a FHIR R4 `Encounter`, checked into one form, and labelled:
//! sensitive by diagnosis, a 42 CFR Part 2 record only when the file says
//! it comes from a Part 2 program. Pure: the store matches members and keeps
//! the events.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::claim_data::Icd10;
use crate::error::{FieldError, Invalid};
use crate::measures::MeasureSettings;
use crate::privacy::Category;

/// What kind of care the event was.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    EdVisit,
    /// An inpatient stay: admitted on `start`, discharged on `end`.
    Admission,
    OutpatientMentalHealth,
    OutpatientSubstanceUse,
}

impl EventKind {
    pub const ALL: [EventKind; 4] = [Self::EdVisit, Self::Admission, Self::OutpatientMentalHealth, Self::OutpatientSubstanceUse];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::EdVisit => "ed-visit",
            Self::Admission => "admission",
            Self::OutpatientMentalHealth => "outpatient-mental-health",
            Self::OutpatientSubstanceUse => "outpatient-substance-use",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
}

/// One row of an events file, as written (see the README for the columns).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct EventRow {
    pub masshealth_id: String,
    pub kind: String,
    pub start: String,
    #[serde(default)]
    pub end: String,
    #[serde(default)]
    pub facility: String,
    /// ICD-10-CM codes, principal first, separated by spaces or semicolons.
    #[serde(default)]
    pub diagnoses: String,
    /// yes when the event comes from a 42 CFR Part 2 program.
    #[serde(default)]
    pub part2: String,
    /// The sender's own id for the event, so that a file sent twice is not
    /// recorded twice.
    #[serde(default)]
    pub external_id: String,
}

/// An event once checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidEvent {
    pub masshealth_id: String,
    pub kind: EventKind,
    pub start: Date,
    pub end: Option<Date>,
    pub facility: Option<String>,
    pub diagnoses: Vec<Icd10>,
    pub part2: bool,
    pub external_id: Option<String>,
}

impl ValidEvent {
    /// The label the event carries: substance use when it comes from a Part 2
    /// program or names a substance-use diagnosis, mental health when it
    /// names another mental or behavioural one, otherwise the care plan.
    /// (Reading a substance-use diagnosis outside a Part 2 program as Part 2
    /// errs on the member's side: it needs the member's consent to go.)
    pub fn category(&self) -> Category {
        let by_code: Vec<Category> = self.diagnoses.iter().map(Icd10::category).collect();
        if self.part2 || by_code.contains(&Category::SubstanceUse) || self.kind == EventKind::OutpatientSubstanceUse {
            Category::SubstanceUse
        } else if by_code.contains(&Category::MentalHealth) || self.kind == EventKind::OutpatientMentalHealth {
            Category::MentalHealth
        } else {
            Category::CarePlan
        }
    }
}

fn flag(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" | "no" | "n" | "false" | "0" => Some(false),
        "yes" | "y" | "true" | "1" => Some(true),
        _ => None,
    }
}

impl EventRow {
    /// Every problem of the row at once, by field.
    pub fn validate(&self) -> Result<ValidEvent, Invalid> {
        let mut errs = Invalid::default();
        let masshealth_id = self.masshealth_id.trim().to_string();
        if masshealth_id.is_empty() {
            errs.push(FieldError::new("masshealth_id", "required", "is required"));
        }
        let kind = EventKind::parse(&self.kind);
        if kind.is_none() {
            let choices = EventKind::ALL.map(EventKind::as_str).join(", ");
            errs.push(
                FieldError::new("kind", "unknown-choice", format!("{:?} is not one of {choices}", self.kind.trim()))
                    .arg("value", self.kind.trim())
                    .arg("choices", choices),
            );
        }
        let start = crate::limits::parse_day(&self.start);
        if start.is_none() {
            errs.push(FieldError::new("start", "date-format", "write the day as YYYY-MM-DD"));
        }
        let end = match self.end.trim() {
            "" => None,
            t => {
                let d = crate::limits::parse_day(t);
                if d.is_none() {
                    errs.push(FieldError::new("end", "date-format", "write the day as YYYY-MM-DD"));
                }
                d
            }
        };
        if let (Some(s), Some(e)) = (start, end) {
            if e < s {
                errs.push(FieldError::new("end", "end-before-start", "the discharge comes on or after the admission"));
            }
        }
        if kind == Some(EventKind::Admission) && end.is_none() && self.end.trim().is_empty() {
            errs.push(FieldError::new("end", "required", "an admission names its discharge day"));
        }
        let mut diagnoses = Vec::new();
        for code in self.diagnoses.split([' ', ';', ',']).map(str::trim).filter(|c| !c.is_empty()) {
            match Icd10::parse(code) {
                Some(c) => diagnoses.push(c),
                None => errs.push(FieldError::new("diagnoses", "icd10", format!("{code:?} is not an ICD-10-CM code"))),
            }
        }
        if self.diagnoses.trim().is_empty() {
            errs.push(FieldError::new("diagnoses", "required", "name at least the principal diagnosis"));
        }
        let part2 = flag(&self.part2);
        if part2.is_none() {
            errs.push(FieldError::new("part2", "yes-or-no", "write yes or no"));
        }
        let facility = Some(self.facility.trim().to_string()).filter(|f| !f.is_empty());
        if facility.as_ref().is_some_and(|f| f.chars().count() > 200) {
            errs.push(FieldError::new("facility", "too-long", "at most 200 characters"));
        }
        errs.finish()?;
        let (Some(kind), Some(start), Some(part2)) = (kind, start, part2) else {
            return Err(Invalid::one("kind", "required", "is required"));
        };
        Ok(ValidEvent {
            masshealth_id,
            kind,
            start,
            end,
            facility,
            diagnoses,
            part2,
            external_id: Some(self.external_id.trim().to_string()).filter(|e| !e.is_empty()),
        })
    }
}

const ICD10_SYSTEM: &str = "http://hl7.org/fhir/sid/icd-10-cm";

/// A FHIR R4 `Encounter` as an events row: `class.code` is read by the
/// catalog's encounter classes (EMER an ED visit; IMP, ACUTE or NONAC an
/// admission, `period.end` its discharge; AMB, VR or HH an outpatient visit,
/// substance use when the principal diagnosis is in that value set, else
/// mental health); the MassHealth ID is the subject's identifier; diagnoses are
/// the ICD-10-CM codings of `reasonCode` (principal first); the facility is
/// `serviceProvider.display`; a `meta.security` code `42CFRPart2` marks a
/// Part 2 record. Returns what is wrong with the resource in words.
pub fn from_fhir_encounter(resource: &serde_json::Value, settings: &MeasureSettings) -> Result<EventRow, String> {
    if resource["resourceType"] != "Encounter" {
        return Err(format!("a {} is not an Encounter", resource["resourceType"].as_str().unwrap_or("resource without a resourceType")));
    }
    let class = resource["class"]["code"].as_str().ok_or("the Encounter has no class.code")?;
    let codes: Vec<String> = resource["reasonCode"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["coding"].as_array().into_iter().flatten())
        .filter(|c| c["system"] == ICD10_SYSTEM)
        .filter_map(|c| c["code"].as_str().map(String::from))
        .collect();
    let classes = &settings.encounter_classes;
    let is = |codes: &[String]| codes.iter().any(|c| c == class);
    let kind = if is(&classes.emergency) {
        EventKind::EdVisit
    } else if is(&classes.inpatient) {
        EventKind::Admission
    } else if is(&classes.outpatient) {
        let substance = codes.first().and_then(|c| Icd10::parse(c)).is_some_and(|c| settings.value_sets.substance_use.contains(&c));
        if substance {
            EventKind::OutpatientSubstanceUse
        } else {
            EventKind::OutpatientMentalHealth
        }
    } else {
        let known: Vec<&str> = [&classes.emergency, &classes.inpatient, &classes.outpatient].into_iter().flatten().map(String::as_str).collect();
        return Err(format!("class {class:?} is not one we read: {}", known.join(", ")));
    };
    let masshealth_id =
        resource["subject"]["identifier"]["value"].as_str().ok_or("the Encounter's subject has no identifier.value (the MassHealth ID)")?;
    let day = |v: &serde_json::Value| v.as_str().map(|s| s.chars().take(10).collect::<String>()).unwrap_or_default();
    let part2 = resource["meta"]["security"].as_array().into_iter().flatten().any(|s| s["code"] == "42CFRPart2");
    Ok(EventRow {
        masshealth_id: masshealth_id.to_string(),
        kind: kind.as_str().into(),
        start: day(&resource["period"]["start"]),
        end: day(&resource["period"]["end"]),
        facility: resource["serviceProvider"]["display"].as_str().unwrap_or_default().to_string(),
        diagnoses: codes.join(" "),
        part2: if part2 { "yes".into() } else { "no".into() },
        external_id: resource["id"].as_str().unwrap_or_default().to_string(),
    })
}

/// How an events file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// A header row, then one event per row (the columns of [`EventRow`]).
    Csv,
    /// One FHIR R4 `Encounter` per line.
    Ndjson,
}

impl FileFormat {
    pub fn parse(s: &str) -> Option<FileFormat> {
        match s {
            "csv" => Some(FileFormat::Csv),
            "ndjson" => Some(FileFormat::Ndjson),
            _ => None,
        }
    }
}

/// The rows of an events file with their line numbers (a CSV's header is
/// line 1). Every line that cannot be read is reported, naming its line.
pub fn read_events(text: &str, format: FileFormat, settings: &MeasureSettings) -> Result<Vec<(usize, EventRow)>, Invalid> {
    let mut errs = Invalid::default();
    let mut rows = Vec::new();
    match format {
        FileFormat::Csv => {
            let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(text.as_bytes());
            for (i, row) in reader.deserialize::<EventRow>().enumerate() {
                let line = i + 2;
                match row {
                    Ok(r) => rows.push((line, r)),
                    Err(e) => errs.push(FieldError::new(
                        format!("line {line}"),
                        "csv",
                        format!("{e}; the columns are masshealth_id, kind, start and optionally end, facility, diagnoses, part2, external_id"),
                    )),
                }
            }
        }
        FileFormat::Ndjson => {
            for (i, l) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                let line = i + 1;
                match serde_json::from_str::<serde_json::Value>(l).map_err(|e| e.to_string()).and_then(|v| from_fhir_encounter(&v, settings)) {
                    Ok(r) => rows.push((line, r)),
                    Err(e) => errs.push(FieldError::new(format!("line {line}"), "encounter", e)),
                }
            }
        }
    }
    if rows.is_empty() && errs.0.is_empty() {
        errs.push(FieldError::new("file", "required", "the file holds no events"));
    }
    errs.finish()?;
    Ok(rows)
}

/// Days after an ED visit or a discharge in which the peer is told a
/// follow-up is due.
pub const FOLLOW_UP_DAYS: i64 = 7;

/// The day of the latest ED visit or discharge in the last
/// [`FOLLOW_UP_DAYS`] days (today included) that no peer contact has
/// followed: a contact on or after that day clears it. An ED visit counts
/// from the day the member left (its end when the file gives one); a stay
/// counts only from its discharge, since a member still in hospital cannot
/// be followed up yet. Outpatient visits are not acute care. `None` when
/// nothing is due.
pub fn follow_up_due(events: &[(EventKind, Date, Option<Date>)], peer_contacts: &[Date], today: Date) -> Option<Date> {
    let from = today - time::Duration::days(FOLLOW_UP_DAYS);
    let latest = events
        .iter()
        .filter_map(|&(kind, start, end)| match kind {
            EventKind::EdVisit => Some(end.unwrap_or(start)),
            EventKind::Admission => end,
            EventKind::OutpatientMentalHealth | EventKind::OutpatientSubstanceUse => None,
        })
        .filter(|d| (from..=today).contains(d))
        .max()?;
    (!peer_contacts.iter().any(|c| *c >= latest)).then_some(latest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(kind: &str, start: &str, end: &str, dx: &str, part2: &str) -> EventRow {
        EventRow {
            masshealth_id: "100012345678".into(),
            kind: kind.into(),
            start: start.into(),
            end: end.into(),
            diagnoses: dx.into(),
            part2: part2.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_row_is_checked_whole_and_labelled_by_its_diagnosis() {
        let v = row("ed-visit", "2026-10-03", "", "F33.1", "").validate().unwrap();
        assert_eq!((v.kind, v.category(), v.part2), (EventKind::EdVisit, Category::MentalHealth, false));
        let v = row("admission", "2026-10-03", "2026-10-09", "F10.21 F33.1", "no").validate().unwrap();
        assert_eq!(v.category(), Category::SubstanceUse, "a substance-use diagnosis");
        let v = row("ed-visit", "2026-10-03", "", "S52.5", "yes").validate().unwrap();
        assert_eq!(v.category(), Category::SubstanceUse, "from a Part 2 program, whatever the diagnosis");
        assert_eq!(row("ed-visit", "2026-10-03", "", "S52.5", "no").validate().unwrap().category(), Category::CarePlan);
        let e = row("visit", "03/10/2026", "2026-10-01", "F33.1 nonsense", "maybe").validate().unwrap_err();
        let fields: Vec<(&str, &str)> = e.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert_eq!(fields, [("kind", "unknown-choice"), ("start", "date-format"), ("diagnoses", "icd10"), ("part2", "yes-or-no")]);
        let e = row("admission", "2026-10-03", "", "F33.1", "").validate().unwrap_err();
        assert_eq!(e.0[0].field, "end", "an admission needs its discharge");
        let e = row("admission", "2026-10-03", "2026-10-01", "F33.1", "").validate().unwrap_err();
        assert_eq!(e.0[0].code, "end-before-start");
    }

    #[test]
    fn a_fhir_encounter_reads_as_a_row() {
        let enc = json!({
            "resourceType": "Encounter", "id": "enc-1", "status": "finished",
            "class": { "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP" },
            "subject": { "identifier": { "system": "https://www.mass.gov/masshealth", "value": "100012345678" } },
            "period": { "start": "2026-10-03T14:00:00-04:00", "end": "2026-10-09T10:00:00-04:00" },
            "reasonCode": [{ "coding": [{ "system": ICD10_SYSTEM, "code": "F33.1" }, { "system": "http://snomed.info/sct", "code": "35489007" }] }],
            "serviceProvider": { "display": "Worcester General" },
            "meta": { "security": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "42CFRPart2" }] }
        });
        let r = from_fhir_encounter(&enc, &MeasureSettings::default()).unwrap();
        assert_eq!(
            (r.kind.as_str(), r.start.as_str(), r.end.as_str(), r.diagnoses.as_str(), r.part2.as_str(), r.facility.as_str(), r.external_id.as_str()),
            ("admission", "2026-10-03", "2026-10-09", "F33.1", "yes", "Worcester General", "enc-1")
        );
        let amb = json!({ "resourceType": "Encounter", "class": { "code": "AMB" }, "subject": { "identifier": { "value": "1" } },
            "period": { "start": "2026-10-03" }, "reasonCode": [{ "coding": [{ "system": ICD10_SYSTEM, "code": "F11.20" }] }] });
        assert_eq!(from_fhir_encounter(&amb, &MeasureSettings::default()).unwrap().kind, "outpatient-substance-use");
        assert!(from_fhir_encounter(&json!({ "resourceType": "Patient" }), &MeasureSettings::default()).unwrap_err().contains("not an Encounter"));
        assert!(from_fhir_encounter(&json!({ "resourceType": "Encounter", "class": { "code": "FLD" } }), &MeasureSettings::default())
            .unwrap_err()
            .contains("FLD"));
    }

    #[test]
    fn a_file_names_every_line_it_cannot_read() {
        let csv = "masshealth_id,kind,start,end,facility,diagnoses,part2,external_id\n1,ed-visit,2026-10-03,,General,F33.1,no,a\n2,ed-visit\n";
        let e = read_events(csv, FileFormat::Csv, &MeasureSettings::default()).unwrap_err();
        assert_eq!(e.0.len(), 1);
        assert_eq!(e.0[0].field, "line 3");
        let ok = read_events("masshealth_id,kind,start\n1,ed-visit,2026-10-03\n", FileFormat::Csv, &MeasureSettings::default()).unwrap();
        assert_eq!((ok[0].0, ok[0].1.kind.as_str()), (2, "ed-visit"));
        let nd = "{\"resourceType\": \"Encounter\", \"class\": {\"code\": \"EMER\"}, \"subject\": {\"identifier\": {\"value\": \"1\"}}, \"period\": {\"start\": \"2026-10-03\"}}\n\nnot json\n";
        let e = read_events(nd, FileFormat::Ndjson, &MeasureSettings::default()).unwrap_err();
        assert_eq!(e.0.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), ["line 3"]);
        assert_eq!(read_events("", FileFormat::Ndjson, &MeasureSettings::default()).unwrap_err().0[0].field, "file");
    }

    mod follow_up {
        use super::super::*;
        use time::macros::date;

        const TODAY: Date = date!(2026 - 10 - 10);

        fn ago(days: i64) -> Date {
            TODAY - time::Duration::days(days)
        }

        #[test]
        fn a_visit_three_days_ago_with_no_contact_is_due() {
            assert_eq!(follow_up_due(&[(EventKind::EdVisit, ago(3), None)], &[ago(5)], TODAY), Some(ago(3)));
        }

        #[test]
        fn a_contact_the_same_day_clears_it() {
            assert_eq!(follow_up_due(&[(EventKind::EdVisit, ago(3), None)], &[ago(3)], TODAY), None);
            assert_eq!(follow_up_due(&[(EventKind::EdVisit, ago(3), None)], &[ago(1)], TODAY), None, "or any day after");
        }

        #[test]
        fn a_visit_eight_days_ago_is_not_due() {
            assert_eq!(follow_up_due(&[(EventKind::EdVisit, ago(8), None)], &[], TODAY), None);
            assert_eq!(follow_up_due(&[(EventKind::EdVisit, ago(7), None)], &[], TODAY), Some(ago(7)), "seven days ago still is");
        }

        #[test]
        fn a_stay_with_no_discharge_yet_is_not_due() {
            assert_eq!(follow_up_due(&[(EventKind::Admission, ago(2), None)], &[], TODAY), None);
        }

        #[test]
        fn a_discharge_two_days_ago_after_an_earlier_contact_is_due() {
            let stay = (EventKind::Admission, ago(12), Some(ago(2)));
            assert_eq!(follow_up_due(&[stay], &[ago(4), ago(3)], TODAY), Some(ago(2)));
        }

        #[test]
        fn the_latest_event_counts_and_outpatient_visits_do_not() {
            let events = [(EventKind::EdVisit, ago(5), None), (EventKind::EdVisit, ago(1), None), (EventKind::OutpatientMentalHealth, ago(0), None)];
            assert_eq!(follow_up_due(&events, &[ago(4)], TODAY), Some(ago(1)), "a contact between two visits clears only the first");
            assert_eq!(follow_up_due(&[(EventKind::OutpatientSubstanceUse, ago(1), None)], &[], TODAY), None);
        }
    }
}
