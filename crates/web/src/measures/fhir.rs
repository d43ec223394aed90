//! The measures report as FHIR R4 summary `MeasureReport`s: one per
//! measure, a group per window (or per kind of acute care), populations
//! with their counts, the rate as `measureScore`, and each breakdown as a
//! stratifier. A count the small-cell rule withholds is left out, never
//! sent as zero.

use accompany_domain::measures::report::{ShownRate, NONE};
use accompany_domain::measures::Estimate;
use accompany_domain::stats::Suppressed;
use accompany_store::measures::{AcuteCareUse, MeasureResult, MeasuresReport};
use serde_json::{json, Map, Value};

const POPULATION: &str = "http://terminology.hl7.org/CodeSystem/measure-population";
/// Our own code systems: the windows and breakdowns are ours, not a standard's.
const WINDOW: &str = "urn:accompany:measure-window";
const DIMENSION: &str = "urn:accompany:measure-stratifier";
const INTERVAL: &str = "urn:accompany:extension:bootstrap-95-interval";

/// The canonical URL of a measure at its version.
pub(crate) fn canonical(code: &str, version: u32) -> String {
    format!("urn:accompany:measure:{code}|{version}")
}

fn period(r: &MeasuresReport) -> Value {
    json!({ "start": r.from.clone().unwrap_or_else(|| "1900-01-01".into()), "end": r.to.clone().unwrap_or_else(|| r.as_of.clone()) })
}

fn population(code: &str, count: Suppressed<u64>) -> Value {
    let mut p = json!({ "code": { "coding": [{ "system": POPULATION, "code": code }] } });
    if let Suppressed::Shown(n) = count {
        p["count"] = json!(n);
    }
    p
}

/// Populations and score of one rate, into `target` (a group or a stratum).
fn rate_into(target: &mut Map<String, Value>, rate: &ShownRate) {
    target.insert("population".into(), json!([population("denominator", rate.denominator), population("numerator", rate.numerator)]));
    if let Suppressed::Shown(p) = rate.percent {
        target.insert("measureScore".into(), json!({ "value": p, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%" }));
    }
}

fn rate_group(m: &MeasureResult) -> Value {
    let mut g = Map::new();
    if let Some(days) = m.days {
        g.insert("code".into(), json!({ "coding": [{ "system": WINDOW, "code": days.to_string(), "display": format!("{days} days") }] }));
    }
    rate_into(&mut g, &m.total);
    let stratifiers: Vec<Value> = m
        .breakdowns
        .iter()
        .filter(|b| !b.groups.is_empty())
        .map(|b| {
            let strata: Vec<Value> = b
                .groups
                .iter()
                .map(|s| {
                    let mut st = Map::new();
                    let text = if s.key == NONE { format!("no {}", b.dimension.as_str()) } else { s.label.clone() };
                    st.insert(
                        "value".into(),
                        json!({ "coding": [{ "system": format!("{DIMENSION}:{}", b.dimension.as_str()), "code": s.key }], "text": text }),
                    );
                    rate_into(&mut st, &s.rate);
                    Value::Object(st)
                })
                .collect();
            json!({ "code": [{ "coding": [{ "system": DIMENSION, "code": b.dimension.as_str() }] }], "stratum": strata })
        })
        .collect();
    if !stratifiers.is_empty() {
        g.insert("stratifier".into(), Value::Array(stratifiers));
    }
    Value::Object(g)
}

fn header(r: &MeasuresReport, code: &str, version: u32) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("resourceType".into(), json!("MeasureReport"));
    m.insert("id".into(), json!(code.to_ascii_lowercase()));
    m.insert("status".into(), json!("complete"));
    m.insert("type".into(), json!("summary"));
    m.insert("measure".into(), json!(canonical(code, version)));
    m.insert("date".into(), json!(r.as_of));
    m.insert("period".into(), period(r));
    m
}

fn rate_report(r: &MeasuresReport, code: &str) -> Option<Value> {
    let results: Vec<&MeasureResult> = r.measures.iter().filter(|m| m.code == code).collect();
    let first = results.first()?;
    let mut m = header(r, code, first.version);
    m.insert("group".into(), Value::Array(results.iter().map(|x| rate_group(x)).collect()));
    Some(Value::Object(m))
}

fn acute_care_report(r: &MeasuresReport, a: &AcuteCareUse) -> Value {
    let mut m = header(r, &a.code, a.version);
    let mut groups = Vec::new();
    if let Some(e) = &a.estimate {
        for (what, est) in [("ed-visits", e.ed_visits), ("admissions", e.admissions), ("inpatient-days", e.inpatient_days)] {
            let mut g = Map::new();
            g.insert(
                "code".into(),
                json!({ "coding": [{ "system": WINDOW, "code": what }], "text": format!("{what} per 1,000 member-months, peer minus comparison") }),
            );
            g.insert("population".into(), json!([population("initial-population", e.peer.members)]));
            if let Suppressed::Shown(Estimate { value, low, high }) = est {
                g.insert(
                    "measureScore".into(),
                    json!({ "value": round(value), "unit": "per 1000 member-months",
                        "extension": [{ "url": INTERVAL, "valueRange": { "low": { "value": round(low) }, "high": { "value": round(high) } } }] }),
                );
            }
            groups.push(Value::Object(g));
        }
    }
    if !groups.is_empty() {
        m.insert("group".into(), Value::Array(groups));
    }
    Value::Object(m)
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// One measure's report, by code; `None` for an unknown code.
pub(crate) fn measure_report(r: &MeasuresReport, code: &str) -> Option<Value> {
    if code == r.acute_care_use.code {
        return Some(acute_care_report(r, &r.acute_care_use));
    }
    rate_report(r, code)
}

/// Every measure's report in a collection `Bundle`.
pub(crate) fn bundle(r: &MeasuresReport) -> Value {
    let mut codes: Vec<&str> = Vec::new();
    for m in &r.measures {
        if !codes.contains(&m.code.as_str()) {
            codes.push(&m.code);
        }
    }
    let mut entries: Vec<Value> = codes.iter().filter_map(|c| rate_report(r, c)).map(|res| json!({ "resource": res })).collect();
    entries.push(json!({ "resource": acute_care_report(r, &r.acute_care_use) }));
    json!({ "resourceType": "Bundle", "type": "collection", "timestamp": format!("{}T00:00:00Z", r.as_of), "entry": entries })
}
