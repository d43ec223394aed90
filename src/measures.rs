//! `accompany measures`: recompute the outcome measures' rollups (the
//! nightly job) and print the report, as text or JSON.

use std::time::Instant;

use accompany_domain::measures::report::Dimension;
use accompany_store::measures::{MeasuresReport, ReportFilter};
use accompany_store::{Store, StoreError};
use anyhow::bail;
use indicatif::{ProgressBar, ProgressStyle};

/// Recompute every member, with a progress bar unless `quiet`.
pub async fn rebuild(store: &Store, as_user: Option<&str>, quiet: bool) -> anyhow::Result<()> {
    let access = crate::matching::actor(store, as_user).await?;
    let started = Instant::now();
    let bar = if quiet { ProgressBar::hidden() } else { ProgressBar::new(0) };
    bar.set_style(
        ProgressStyle::with_template("{msg:>8} [{bar:40}] {human_pos}/{human_len} ({per_sec}, {eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("members");
    let mut progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let done = access.rebuild_measures(&mut progress).await.map_err(explain)?;
    bar.finish_and_clear();
    eprintln!("Recomputed {} members ({} follow-up cases) in {:.1} s.", done.members, done.cases, started.elapsed().as_secs_f64());
    Ok(())
}

/// Print every measure after suppression.
pub async fn report(store: &Store, filter: ReportFilter, json: bool, as_user: Option<&str>) -> anyhow::Result<()> {
    let access = crate::matching::actor(store, as_user).await?;
    let report = access.measures_report(&filter, accompany_store::today_date()).await.map_err(explain)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", text(&report));
    }
    Ok(())
}

fn explain(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Invalid(i) => anyhow::anyhow!("{}", i.0.iter().map(|f| format!("--{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ")),
        StoreError::Denied(why) => anyhow::anyhow!("refused: {why}; give a state admin's or your organization admin's account with --as"),
        other => other.into(),
    }
}

/// "fewer than 11" stands for every value the small-cell rule withholds.
const HIDDEN: &str = "<11";

fn text(r: &MeasuresReport) -> String {
    let mut out = String::new();
    let period = match (&r.from, &r.to) {
        (None, None) => "all time".to_string(),
        (f, t) => format!("{} to {}", f.as_deref().unwrap_or("the start"), t.as_deref().unwrap_or("today")),
    };
    out.push_str(&format!("Outcome measures as of {}, {period}", r.as_of));
    if let Some(o) = &r.organization {
        out.push_str(&format!(", organization {o}"));
    }
    out.push('\n');
    match &r.built_at {
        Some(b) => out.push_str(&format!("Last rebuilt {b}; {} members still to recompute.\n", r.stale_members)),
        None => out.push_str("Never rebuilt: run `accompany measures rebuild` (nightly).\n"),
    }
    out.push_str(&format!("Values from 1 to 10, and any that would reveal one, are shown as {HIDDEN}.\n\n"));
    out.push_str(&format!("{:<24} {:>6} {:>12} {:>12} {:>8}  {}\n", "measure", "days", "numerator", "denominator", "rate", "name"));
    for m in &r.measures {
        let days = m.days.map(|d| d.to_string()).unwrap_or_default();
        let rate = m.total.percent.map(|p| format!("{p:.1}%")).text(HIDDEN);
        out.push_str(&format!(
            "{:<24} {:>6} {:>12} {:>12} {:>8}  {}\n",
            format!("{} v{}", m.code, m.version),
            days,
            m.total.numerator.text(HIDDEN),
            m.total.denominator.text(HIDDEN),
            rate,
            m.name
        ));
    }
    let a = &r.acute_care_use;
    out.push_str(&format!(
        "\n{} v{}: {} ({} days before and after; per 1,000 member-months, peer minus comparison)\n",
        a.code, a.version, a.name, a.window_days
    ));
    match &a.estimate {
        None => out.push_str("  no estimate: the peer group or the comparison group is empty\n"),
        Some(e) => {
            out.push_str(&format!("  peer members {}, comparison members {}\n", e.peer.members.text(HIDDEN), e.comparison.members.text(HIDDEN)));
            for (what, est) in [("ED visits", e.ed_visits), ("admissions", e.admissions), ("inpatient days", e.inpatient_days)] {
                let shown = est.map(|x| format!("{:+.1} (95% interval {:+.1} to {:+.1})", x.value, x.low, x.high)).text(HIDDEN);
                out.push_str(&format!("  {what:<15} {shown}\n"));
            }
        }
    }
    // The breakdown with the most groups shown is often the peer's; the
    // text report gives each dimension's group count and leaves details to --json.
    if let Some(m) = r.measures.first() {
        let counts: Vec<String> = Dimension::ALL
            .iter()
            .filter_map(|d| m.breakdowns.iter().find(|b| b.dimension == *d).map(|b| format!("{} {}", b.groups.len(), d.as_str())))
            .collect();
        out.push_str(&format!("\nBroken down by {} groups: see --json.\n", counts.join(", ")));
    }
    out
}

/// `--from` and `--to` as dates.
pub fn filter(from: Option<&str>, to: Option<&str>, organization: Option<String>) -> anyhow::Result<ReportFilter> {
    let (from, to) = (crate::claims::day("--from", from)?, crate::claims::day("--to", to)?);
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            bail!("--from {f} is after --to {t}; give the earlier day first");
        }
    }
    Ok(ReportFilter { from, to, organization })
}
