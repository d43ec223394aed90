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

fn day(flag: &str, text: Option<&str>) -> anyhow::Result<Option<time::Date>> {
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
