//! FHIR R4 resources checked by an independent validator: Medplum's
//! `validateResource`, through `.ci/fhir/validate.mjs` (versions pinned in
//! `.ci/fhir/package.json`). Tests call `assert_valid_fhir` on what the
//! server produces.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

/// The validator script, or why there is none. In CI a missing validator is a failure.
pub fn fhir_validator() -> Option<PathBuf> {
    let script = std::env::var_os("ACCOMPANY_FHIR_VALIDATOR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/fhir/validate.mjs"));
    let installed = script.is_file() && script.parent().is_some_and(|dir| dir.join("node_modules/@medplum/core").is_dir());
    let node = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    if installed && node {
        return Some(script);
    }
    let missing = if installed { "node is not on PATH".to_string() } else { format!("{} or its node_modules is missing", script.display()) };
    let why = format!("FHIR VALIDATION SKIPPED: {missing}; install with `npm ci --prefix .ci/fhir`");
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{why} (CI=true requires it)");
    }
    eprintln!("\n*** {why} ***\n");
    None
}

/// Run the validator on the resources, written as NDJSON; its exit status and report.
fn validate(script: &Path, resources: &[Value]) -> (Output, String) {
    let mut file = tempfile::Builder::new().suffix(".ndjson").tempfile().unwrap();
    for resource in resources {
        writeln!(file, "{resource}").unwrap();
    }
    file.flush().unwrap();
    let out = Command::new("node").arg(script).arg(file.path()).output().expect("run the FHIR validator");
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out, report)
}

/// Check resources with Medplum's validator when it is there (in CI it must be).
pub fn assert_valid_fhir(resources: &[Value]) {
    assert!(!resources.is_empty(), "no FHIR resources to validate");
    let Some(script) = fhir_validator() else { return };
    let (out, report) = validate(&script, resources);
    assert!(out.status.success(), "the FHIR validator rejected a resource:\n{report}");
    // A validator that read nothing would also exit 0.
    assert!(report.contains(&format!("{} resource(s) checked, 0 rejected", resources.len())), "{report}");
}

fn measure_report() -> Value {
    let population = |code: &str, count: u32| json!({ "code": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/measure-population", "code": code }] }, "count": count });
    json!({
        "resourceType": "MeasureReport",
        "id": "peer-contacts-2026-q1",
        "status": "complete",
        "type": "summary",
        "measure": "https://example.org/fhir/Measure/peer-contact-rate",
        "period": { "start": "2026-01-01", "end": "2026-03-31" },
        "group": [{
            "population": [population("initial-population", 40), population("denominator", 40), population("numerator", 30)],
            "measureScore": { "value": 0.75 }
        }]
    })
}

#[test]
fn medplum_accepts_a_valid_measure_report() {
    assert_valid_fhir(&[measure_report()]);
}

#[test]
fn medplum_rejects_an_invalid_resource() {
    let Some(script) = fhir_validator() else { return };
    let mut bad = measure_report();
    bad["status"] = json!("bogus");
    bad["unknownElement"] = json!(true);
    let (out, report) = validate(&script, &[measure_report(), bad]);
    assert!(!out.status.success(), "the FHIR validator accepted an invalid resource:\n{report}");
    // Both faults are reported, each at its FHIRPath.
    assert!(report.contains("MeasureReport.status") && report.contains("MeasureReport.unknownElement"), "{report}");
    assert!(report.contains("2 resource(s) checked, 1 rejected"), "{report}");
}
