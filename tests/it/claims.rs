//! 837P claims checked by an independent validator: batches of random
//! claims (several seeds; names with separators, many lines, modifiers,
//! diagnoses, replacements and encounters) written by the domain's writer
//! must each be accepted by pyx12, through `.ci/x12/validate.py`.

use std::path::Path;
use std::process::Command;

use accompany_domain::billing::PayerKind;
use accompany_domain::claim_data::{npi_check_digit, AdministrativeSex, Icd10, PostalAddress};
use accompany_domain::claims::x12::write_837p;
use accompany_domain::claims::{Batch, BillingProvider, Claim, Envelope, Frequency, PayerParty, Rendering, ServiceLine, Subscriber};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The Python that has pyx12, or why there is none. In CI a missing validator is a failure.
fn pyx12() -> Option<String> {
    let python = std::env::var("ACCOMPANY_PYX12_PYTHON").unwrap_or_else(|_| "python3".into());
    let found = Command::new(&python).args(["-c", "import pyx12"]).output().is_ok_and(|o| o.status.success());
    if found {
        return Some(python);
    }
    let why = format!("837P VALIDATION SKIPPED: {python} cannot import pyx12; install it with `pip install -r .ci/x12/requirements.txt`");
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{why} (CI=true requires it)");
    }
    eprintln!("\n*** {why} ***\n");
    None
}

fn npi(rng: &mut StdRng) -> String {
    let first9 = format!("{}{:08}", rng.gen_range(1..=2u32), rng.gen_range(0..100_000_000u32));
    format!("{first9}{}", npi_check_digit(&first9).unwrap())
}

const NAMES: [&str; 6] = ["Nguyễn", "O'Brien", "Smith*Jones", "Ana~María", "Lee:Park", "Da Silva^"];
const CODES: [&str; 8] = ["F33.1", "F10.21", "F11.20", "F41.1", "Z59.0", "F43.10", "F20.9", "Z91.19"];

fn pick(xs: &[&'static str], rng: &mut StdRng) -> &'static str {
    xs[rng.gen_range(0..xs.len())]
}

fn random_batch(seed: u64) -> Batch {
    let mut rng = StdRng::seed_from_u64(seed);
    let claims = (0..rng.gen_range(1..6))
        .map(|i| {
            let diagnoses: Vec<Icd10> = CODES[..rng.gen_range(1..=CODES.len())].iter().map(|c| Icd10::parse(c).unwrap()).collect();
            let lines = (0..rng.gen_range(1..8))
                .map(|_| {
                    let units = rng.gen_range(1..12);
                    ServiceLine {
                        code: "H0038".into(),
                        modifiers: ["HF", "HQ", "U1", "GT"][..rng.gen_range(0..=4)].iter().map(|m| m.to_string()).collect(),
                        charge_cents: i64::from(units) * rng.gen_range(500..5_000),
                        units,
                        date: time::macros::date!(2026 - 11 - 01) + time::Duration::days(rng.gen_range(0..29)),
                        place_of_service: rng.gen_bool(0.3).then(|| "02".to_string()),
                        pointers: (1..=rng.gen_range(1..=diagnoses.len().min(4)) as u8).collect(),
                    }
                })
                .collect();
            let frequency = [Frequency::Original, Frequency::Replacement, Frequency::Void][rng.gen_range(0..3)];
            Claim {
                id: format!("S{seed}-C{i}"),
                frequency,
                original_reference: (frequency != Frequency::Original).then(|| format!("PAYER{}", rng.gen_range(1000..9999))),
                place_of_service: pick(&["11", "12", "99", "10"], &mut rng).into(),
                subscriber: Subscriber {
                    family_name: pick(&NAMES, &mut rng).into(),
                    given_name: pick(&NAMES, &mut rng).into(),
                    member_id: format!("1000{:08}", rng.gen_range(0..100_000_000u32)),
                    address: rng.gen_bool(0.8).then(|| {
                        ("Worcester".to_string(), PostalAddress { line1: "12 Elm St".into(), line2: None, state: "MA".into(), zip: "01608".into() })
                    }),
                    date_of_birth: time::macros::date!(1960 - 01 - 01) + time::Duration::days(rng.gen_range(0..15_000)),
                    sex: AdministrativeSex::ALL[rng.gen_range(0..3)],
                },
                payer: PayerParty {
                    name: "MassHealth".into(),
                    id: "DMA7384".into(),
                    kind: [PayerKind::Medicaid, PayerKind::MedicareMedicaid, PayerKind::Medicare][rng.gen_range(0..3)],
                },
                diagnoses,
                rendering: rng.gen_bool(0.7).then(|| Rendering {
                    family_name: pick(&NAMES, &mut rng).into(),
                    given_name: "Dana".into(),
                    npi: npi(&mut rng),
                    taxonomy: "175T00000X".into(),
                }),
                authorization: rng.gen_bool(0.5).then(|| format!("PA-{}", rng.gen_range(1..9999))),
                lines,
            }
        })
        .collect();
    Batch {
        id: format!("BATCH-{seed}"),
        encounters: rng.gen_bool(0.3),
        billing: BillingProvider {
            name: "Bridgeway Peer Services, Inc.".into(),
            npi: npi(&mut rng),
            tax_id: format!("{:09}", rng.gen_range(10_000_000..999_999_999u32)),
            taxonomy: "175T00000X".into(),
            city: "Boston".into(),
            address: PostalAddress { line1: "100 Main St".into(), line2: Some("Suite 4".into()), state: "MA".into(), zip: "02108-1234".into() },
        },
        claims,
    }
}

#[test]
fn batches_of_random_claims_are_accepted_by_pyx12() {
    let Some(python) = pyx12() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for seed in [1_u64, 2, 3, 17, 2026] {
        let envelope = Envelope {
            sender_id: "ACCOMPANY".into(),
            sender_name: "Accompany".into(),
            contact_name: "Billing Office".into(),
            contact_phone: "6175550100".into(),
            receiver_id: "MASSHEALTH".into(),
            receiver_name: "MassHealth".into(),
            interchange_control: seed as u32,
            group_control: seed as u32,
            created: time::macros::datetime!(2026-11-30 10:15),
            production: false,
        };
        let path = dir.path().join(format!("batch-{seed}.837"));
        std::fs::write(&path, write_837p(&envelope, &random_batch(seed)).unwrap()).unwrap();
        files.push(path);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/x12/validate.py");
    let out = Command::new(&python).arg(script).args(&files).output().expect("run the validator");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "pyx12 rejected a batch:\n{report}\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(report.matches(": accepted").count(), files.len(), "{report}");
    // The validator is not a rubber stamp: a wrong segment count is rejected.
    let broken = dir.path().join("broken.837");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    let se = text.lines().find(|l| l.starts_with("SE*")).unwrap().to_string();
    std::fs::write(&broken, text.replace(&se, "SE*2*0001~")).unwrap();
    let out = Command::new(&python).arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/x12/validate.py")).arg(&broken).output().unwrap();
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stdout).contains("REJECTED"));
}
