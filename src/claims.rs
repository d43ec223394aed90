//! `accompany claims`: write the ready claims as X12 837P or CSV batches,
//! write an existing batch again, and read a payer's 999, 277CA or 835.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use accompany_domain::records::parse_date;
use accompany_store::claims::{BatchFormat, ClaimScope, ExportedBatch};
use accompany_store::{Store, StoreError};
use anyhow::bail;

use crate::matching::actor;

pub struct ExportOptions {
    pub format: String,
    pub payer: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub organization: Option<String>,
    pub batch: Option<String>,
    pub output: PathBuf,
    pub as_user: Option<String>,
}

pub(crate) fn day(flag: &str, text: Option<&str>) -> anyhow::Result<Option<time::Date>> {
    match text {
        None => Ok(None),
        Some(t) => match parse_date(t) {
            Some(d) => Ok(Some(d)),
            None => bail!("{flag} {t:?} is not a date; write it as YYYY-MM-DD"),
        },
    }
}

fn explain(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Invalid(i) => anyhow::anyhow!("{}", i.0.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("; ")),
        StoreError::NotFound => {
            anyhow::anyhow!("no such batch among the organizations you bill for; list them on /billing/claims or GET /api/v1/claims/batches")
        }
        StoreError::Denied(why) => anyhow::anyhow!("not permitted: {why}; act as a billing office account with --as USER"),
        other => other.into(),
    }
}

/// Where batch `n` of `count` is written: the file asked for when there is
/// one batch, else the file's name with the batch's interchange number.
fn path_for(output: &Path, b: &ExportedBatch, count: usize) -> PathBuf {
    if count == 1 {
        return output.to_path_buf();
    }
    let stem = output.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "claims".into());
    let ext = output.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
    output.with_file_name(format!("{stem}-{:09}{ext}", b.batch.interchange_control))
}

pub async fn export(store: &Store, o: ExportOptions) -> anyhow::Result<()> {
    let Some(format) = BatchFormat::parse(&o.format) else { bail!("--format {:?} is not one we write; use x12 or csv", o.format) };
    let access = actor(store, o.as_user.as_deref()).await?;
    let written = match &o.batch {
        Some(id) => vec![access.rewrite_batch(id, format).await.map_err(explain)?],
        None => {
            let scope = ClaimScope {
                payer: o.payer.clone(),
                from: day("--from", o.from.as_deref())?,
                to: day("--to", o.to.as_deref())?,
                organization: o.organization.clone(),
            };
            if let Some(p) = &scope.payer {
                if store.catalog().payer(p).is_none() {
                    let ids: Vec<&str> = store.catalog().payers.iter().map(|p| p.id.as_str()).collect();
                    bail!("--payer {p:?} is not a payer in the catalog; use one of: {}", ids.join(", "));
                }
            }
            let written = access.export_claims(&scope, format).await.map_err(explain)?;
            if written.is_empty() {
                let pending = access.pending_claims(&scope).await.map_err(explain)?;
                let mut holds: BTreeMap<&str, usize> = BTreeMap::new();
                for h in pending.held.iter().filter_map(|c| c.hold.as_ref()) {
                    *holds.entry(h.code()).or_default() += 1;
                }
                let held = if holds.is_empty() {
                    "no claims are held either".to_string()
                } else {
                    format!("held: {}", holds.iter().map(|(k, n)| format!("{n} {k}")).collect::<Vec<_>>().join(", "))
                };
                bail!(
                    "nothing is billable between {} and {} that is not already in a batch ({held}); see /billing/claims for what each hold needs",
                    pending.from,
                    pending.to
                );
            }
            written
        }
    };
    let count = written.len();
    for b in &written {
        let path = path_for(&o.output, b, count);
        std::fs::write(&path, &b.file).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        eprintln!(
            "{}: batch {} for {} to {}: {} {}, ${}, sha256 {}",
            path.display(),
            b.batch.id,
            b.batch.organization_name,
            b.batch.payer_id,
            b.batch.claim_count,
            if b.batch.encounters { "encounters" } else { "claims" },
            accompany_domain::claims::dollars(b.batch.total_cents),
            b.sha256
        );
    }
    Ok(())
}

pub async fn import(store: &Store, file: &Path, as_user: Option<&str>) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let access = actor(store, as_user).await?;
    let r = access.import_claim_response(&text).await.map_err(explain)?;
    eprintln!(
        "{}: a {} for {} claims: {} accepted, {} rejected, {} paid, {} denied{}",
        file.display(),
        r.kind,
        r.matched,
        r.accepted,
        r.rejected,
        r.paid,
        r.denied,
        r.payment_cents.map(|c| format!(", payment ${}", accompany_domain::claims::dollars(c))).unwrap_or_default()
    );
    if !r.unmatched.is_empty() {
        eprintln!("Not among your claims: {}", r.unmatched.join(", "));
    }
    Ok(())
}

/// A month of claims at state scale, in memory: `contacts` billable
/// contacts of members spread over organizations, workers and payers,
/// grouped into claims, their diagnoses chosen, checked and written as
/// 837P files, one per organization and payer. Prints each stage's time.
pub fn bench(contacts: usize, seed: u64) -> anyhow::Result<()> {
    use accompany_domain::billing::PayerKind;
    use accompany_domain::claim_data::{AdministrativeSex, Icd10, PostalAddress};
    use accompany_domain::claims::build::{
        claim_diagnoses, claim_place_of_service, group_lines, period_of, pointers, BillableLine, ClaimKey, DatedDiagnosis,
    };
    use accompany_domain::claims::{x12, Batch, BillingProvider, Claim, Envelope, Frequency, PayerParty, ServiceLine, Subscriber};
    use rand::{Rng, SeedableRng};
    use std::time::Instant;

    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let members = (contacts / 6).max(1);
    let organizations = 200;
    let workers = 10_000;
    let payers = [
        ("masshealth", PayerKind::Medicaid),
        ("one-care", PayerKind::MedicareMedicaid),
        ("aco", PayerKind::Aco),
        ("managed-care", PayerKind::ManagedCare),
    ];
    let month = time::macros::date!(2026 - 10 - 01);
    let started = Instant::now();
    let lines: Vec<(ClaimKey, BillableLine)> = (0..contacts)
        .map(|i| {
            let member = rng.gen_range(0..members);
            let worker = member % workers;
            let date = month + time::Duration::days(rng.gen_range(0..31));
            let units = rng.gen_range(1..8);
            let key = ClaimKey {
                member_id: format!("m{member}"),
                organization_id: format!("o{}", worker % organizations),
                rendering_user_id: format!("w{worker}"),
                payer_id: payers[member % payers.len()].0.into(),
                authorization: (member % 3 == 0).then(|| format!("PA-{member}")),
                period: period_of(date),
            };
            let line = BillableLine {
                contact_id: format!("c{i}"),
                date,
                code: "H0038".into(),
                modifiers: if i % 7 == 0 { vec!["HF".into(), "HQ".into()] } else { vec![] },
                units,
                charge_cents: 2_000 * i64::from(units),
                place_of_service: Some(if i % 4 == 0 { "10" } else { "11" }.into()),
            };
            (key, line)
        })
        .collect();
    let generated = started.elapsed();
    let t = Instant::now();
    let grouped = group_lines(lines);
    let diagnoses = [
        DatedDiagnosis { code: Icd10::parse("F33.1").expect("code"), start: month - time::Duration::days(400), end: None },
        DatedDiagnosis { code: Icd10::parse("F10.21").expect("code"), start: month - time::Duration::days(400), end: None },
    ];
    let mut batches: std::collections::BTreeMap<(String, String), Vec<Claim>> = std::collections::BTreeMap::new();
    for (n, (key, lines)) in grouped.into_iter().enumerate() {
        let dates: Vec<time::Date> = lines.iter().map(|l| l.date).collect();
        let Ok(dx) = claim_diagnoses(&diagnoses, &dates, &|c| accompany_domain::policy::may_disclose_for_payment(c, n % 5 == 0)) else { continue };
        let place = claim_place_of_service(&lines);
        let kind = payers.iter().find(|p| p.0 == key.payer_id).map_or(PayerKind::Medicaid, |p| p.1);
        let claim = Claim {
            id: format!("AC{n:010}"),
            frequency: Frequency::Original,
            original_reference: None,
            subscriber: Subscriber {
                family_name: "Member".into(),
                given_name: key.member_id.clone(),
                member_id: format!("1000{:08}", n % 100_000_000),
                address: None,
                date_of_birth: time::macros::date!(1980 - 01 - 01),
                sex: AdministrativeSex::Unknown,
            },
            payer: PayerParty { name: key.payer_id.to_uppercase(), id: key.payer_id.to_uppercase(), kind },
            rendering: None,
            authorization: key.authorization.clone(),
            authorized: None,
            lines: lines
                .iter()
                .map(|l| ServiceLine {
                    code: l.code.clone(),
                    modifiers: l.modifiers.clone(),
                    charge_cents: l.charge_cents,
                    units: l.units,
                    date: l.date,
                    place_of_service: l.place_of_service.clone().filter(|p| *p != place),
                    pointers: pointers(dx.len()),
                })
                .collect(),
            place_of_service: place,
            diagnoses: dx,
        };
        batches.entry((key.organization_id.clone(), key.payer_id.clone())).or_default().push(claim);
    }
    let built = t.elapsed();
    let t = Instant::now();
    let (mut bytes, mut claims, mut files) = (0usize, 0usize, 0u32);
    for ((org, payer), list) in batches {
        files += 1;
        claims += list.len();
        let envelope = Envelope {
            sender_id: "ACCOMPANY".into(),
            sender_name: "Accompany".into(),
            contact_name: "Billing office".into(),
            contact_phone: "6175550100".into(),
            receiver_id: payer.to_uppercase(),
            receiver_name: payer.to_uppercase(),
            interchange_control: files,
            group_control: files,
            created: time::macros::datetime!(2026-11-01 02:00),
            production: false,
        };
        let billing = BillingProvider {
            name: format!("Organization {org}"),
            npi: "1234567893".into(),
            tax_id: "043456789".into(),
            taxonomy: "175T00000X".into(),
            city: "Boston".into(),
            address: PostalAddress { line1: "100 Main St".into(), line2: None, state: "MA".into(), zip: "02108-1234".into() },
        };
        let batch = Batch { id: format!("B{files:09}"), encounters: false, billing, claims: list };
        bytes += x12::write_837p(&envelope, &batch).map_err(|e| anyhow::anyhow!("{e}"))?.len();
    }
    let written = t.elapsed();
    println!(
        "{contacts} contacts (generated in {:.2} s) -> {claims} claims in {files} files, {:.1} MB of 837P\n  built (grouped, diagnoses chosen): {:.2} s\n  checked and written: {:.2} s\n  built and written: {:.2} s ({:.0} contacts/s)",
        generated.as_secs_f64(),
        bytes as f64 / 1e6,
        built.as_secs_f64(),
        written.as_secs_f64(),
        (built + written).as_secs_f64(),
        contacts as f64 / (built + written).as_secs_f64()
    );
    Ok(())
}
