//! What if we hired: peers described in a structured form join the pool,
//! the batch is solved again on the same waiting list, and the two results
//! are compared (members matched, concordance, unmet demand by language and
//! by reason) through the small-cell rule.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::matching::{
    assign, concordance, Assignment, IdentityAttribute, IdentityDimension, Modality, PeerFacts, PeerProfile, Preferences, SourceKind,
};
use crate::measures::report::ShownRate;
use crate::measures::Rate;
use crate::records::{Id, TimeOfDay, Visibility};
use crate::stats::{CellId, Suppressed, Table};
use crate::{FieldError, Invalid};

/// Most peers one line of a what-if may hire.
pub const MOST_HIRES: u32 = 200;
/// Most lines of hires, and most statements or topics on a line: a what-if is solved while the asker waits.
pub const MOST_LINES: usize = 20;

/// One line of hires as a program admin describes it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct HireInput {
    /// Catalog role id, e.g. certified-peer-specialist.
    pub role: String,
    /// How many such peers, 1 to 200.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 200))]
    pub count: u32,
    /// Catalog language codes the peers speak.
    pub languages: Vec<String>,
    /// What the peers say of themselves, e.g. gender "woman", race "Black".
    #[serde(default)]
    pub identity: Vec<HireStatement>,
    /// Catalog lived-experience topics the peers share.
    #[serde(default)]
    pub lived_experience: Vec<String>,
    /// Catalog town the peers work from.
    #[serde(default)]
    pub town: Option<String>,
    /// The employer: an organization id (the store checks it).
    pub organization: String,
    /// Members each peer takes, from 1 to the role's caseload cap (the cap when left out).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub caseload: Option<u32>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HireStatement {
    pub dimension: IdentityDimension,
    pub value: String,
}

/// A checked line of hires.
#[derive(Debug, Clone, PartialEq)]
pub struct Hire {
    pub role: String,
    pub count: u32,
    pub languages: Vec<String>,
    pub identity: Vec<(IdentityDimension, String)>,
    pub lived_experience: Vec<String>,
    pub town: Option<String>,
    pub organization: Id,
    pub caseload: u32,
}

/// Check hires against the catalog; every problem is named by its field (`hires[i].field`).
pub fn validate_hires(input: &[HireInput], catalog: &Catalog) -> Result<Vec<Hire>, Invalid> {
    let mut errs = Invalid::default();
    if input.is_empty() {
        errs.push(FieldError::new("hires", "required", "describe at least one line of hires"));
    }
    if input.len() > MOST_LINES {
        errs.push(FieldError::new("hires", "too-many", "describe at most 20 lines of hires"));
        return Err(errs);
    }
    let mut out = Vec::new();
    for (i, h) in input.iter().enumerate() {
        let at = |f: &str| format!("hires[{i}].{f}");
        let role = catalog.role(&h.role);
        if role.is_none() {
            errs.push(FieldError::new(at("role"), "unknown-choice", "choose a role of the catalog (GET /api/v1/roles)"));
        }
        if !(1..=MOST_HIRES).contains(&h.count) {
            errs.push(FieldError::new(at("count"), "out-of-range", "hire from 1 to 200 peers on a line"));
        }
        if h.languages.is_empty() {
            errs.push(FieldError::new(at("languages"), "required", "name at least one language the peers speak"));
        }
        for l in &h.languages {
            if !catalog.languages.iter().any(|c| &c.code == l) {
                errs.push(FieldError::new(at("languages"), "unknown-choice", "use the catalog's language codes, e.g. en, es, pt"));
            }
        }
        if h.identity.len() > MOST_LINES || h.lived_experience.len() > MOST_LINES || h.languages.len() > MOST_LINES {
            errs.push(FieldError::new(at("identity"), "too-many", "give at most 20 languages, statements and topics on a line"));
            continue;
        }
        for s in &h.identity {
            if s.dimension == IdentityDimension::Language {
                errs.push(FieldError::new(at("identity"), "unknown-choice", "give languages in languages, not as identity"));
            }
            if s.value.trim().is_empty() || s.value.chars().count() > 200 {
                errs.push(FieldError::new(at("identity"), "length", "say each side of who the peers are in 1 to 200 characters"));
            }
        }
        for t in &h.lived_experience {
            if !catalog.lived_experience_topics.iter().any(|c| &c.id == t) {
                errs.push(FieldError::new(at("lived_experience"), "unknown-choice", "use the catalog's lived-experience topics"));
            }
        }
        if let Some(t) = &h.town {
            if catalog.town(t).is_none() {
                errs.push(FieldError::new(at("town"), "unknown-choice", "choose a town of the catalog"));
            }
        }
        if h.organization.trim().is_empty() {
            errs.push(FieldError::new(at("organization"), "required", "name the organization that hires them"));
        }
        let cap = role.map_or(0, |r| r.caseload_cap);
        let caseload = h.caseload.unwrap_or(cap);
        if role.is_some() && !(1..=cap).contains(&caseload) {
            errs.push(FieldError::new(at("caseload"), "out-of-range", "a caseload runs from 1 to the role's caseload cap"));
        }
        out.push(Hire {
            role: h.role.clone(),
            count: h.count,
            languages: h.languages.clone(),
            identity: h.identity.iter().map(|s| (s.dimension, s.value.clone())).collect(),
            lived_experience: h.lived_experience.clone(),
            town: h.town.clone(),
            organization: h.organization.trim().to_string(),
            caseload,
        });
    }
    errs.finish()?;
    Ok(out)
}

/// The hires as peers matching can place: meeting every way, at every time
/// but nights, from their town, as sources of their organization's kind.
pub fn hypothetical_peers(hires: &[Hire], sources: &BTreeMap<String, SourceKind>, catalog: &Catalog) -> Result<Vec<PeerProfile>, Invalid> {
    let mut out = Vec::new();
    for (line, h) in hires.iter().enumerate() {
        for n in 0..h.count {
            let facts = PeerFacts {
                // Sorts after real ids, which are UUIDs in hex.
                worker_id: format!("~what-if-{line:03}-{n:03}"),
                role_id: h.role.clone(),
                organization_id: h.organization.clone(),
                source: sources.get(&h.organization).copied().unwrap_or(SourceKind::Vendor),
                languages: h.languages.clone(),
                identity: h
                    .identity
                    .iter()
                    .map(|(dimension, value)| IdentityAttribute { dimension: *dimension, value: value.clone(), visibility: Visibility::Members })
                    .collect(),
                lived_experience: h
                    .lived_experience
                    .iter()
                    .map(|t| crate::matching::LivedExperience { topic: t.clone(), visibility: Visibility::Members })
                    .collect(),
                modalities: Modality::ALL.to_vec(),
                times: vec![TimeOfDay::Daytime, TimeOfDay::Evening, TimeOfDay::Weekend],
                location: h.town.as_deref().and_then(|t| catalog.town(t)).map(|t| crate::matching::GeoPoint { lat: t.lat, lon: t.lon }),
                town: h.town.clone(),
                remaining_capacity: h.caseload,
            };
            out.push(PeerProfile::new(facts, catalog)?);
        }
    }
    Ok(out)
}

/// One batch's result, counted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub waiting: u64,
    pub matched: u64,
    /// Matched members with a "must" (or "prefer") wish about who the peer is, and those whose peer meets them all.
    pub must_met: Rate,
    pub prefer_met: Rate,
    pub unmet_by_language: BTreeMap<String, u64>,
    pub unmet_by_reason: BTreeMap<String, u64>,
}

/// Count an assignment of `members` to `peers`.
pub fn outcome(members: &[(Id, Preferences)], peers: &[PeerProfile], a: &Assignment, catalog: &Catalog) -> Outcome {
    let prefs: BTreeMap<&str, &Preferences> = members.iter().map(|(id, p)| (id.as_str(), p)).collect();
    let by_id: BTreeMap<&str, &PeerProfile> = peers.iter().map(|p| (p.worker_id(), p)).collect();
    let mut o = Outcome { waiting: members.len() as u64, matched: a.pairs.len() as u64, ..Default::default() };
    for pair in &a.pairs {
        let (Some(p), Some(peer)) = (prefs.get(pair.member_id.as_str()), by_id.get(pair.worker_id.as_str())) else { continue };
        let c = concordance(p, peer, catalog);
        for (met, rate) in [(c.must, &mut o.must_met), (c.prefer, &mut o.prefer_met)] {
            if let Some(met) = met {
                rate.denominator += 1;
                rate.numerator += u64::from(met);
            }
        }
    }
    for u in &a.unmatched {
        let language = prefs.get(u.member_id.as_str()).and_then(|p| p.languages.first()).cloned().unwrap_or_else(|| super::NOT_ANSWERED.into());
        *o.unmet_by_language.entry(language).or_default() += 1;
        *o.unmet_by_reason.entry(u.reason.code()).or_default() += 1;
    }
    o
}

/// The batch on the waiting list as the pool is, and with the hires.
pub fn what_if(members: &[(Id, Preferences)], pool: &[PeerProfile], hires: &[PeerProfile], catalog: &Catalog) -> (Outcome, Outcome) {
    let now = assign(members, pool, catalog);
    let mut with: Vec<PeerProfile> = pool.to_vec();
    with.extend_from_slice(hires);
    let then = assign(members, &with, catalog);
    (outcome(members, pool, &now, catalog), outcome(members, &with, &then, catalog))
}

/// A count before and after the hires, as it may be shown.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShownChange {
    pub key: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub before: Suppressed<u64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub after: Suppressed<u64>,
    /// After less before.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub change: Suppressed<i64>,
}

/// The comparison as it may leave the program: every count and each
/// change between them through the rule.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShownWhatIf {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub waiting: Suppressed<u64>,
    pub matched: ShownChange,
    pub must_met_before: ShownRate,
    pub must_met_after: ShownRate,
    pub prefer_met_before: ShownRate,
    pub prefer_met_after: ShownRate,
    pub unmet_by_language: Vec<ShownChange>,
    pub unmet_by_reason: Vec<ShownChange>,
}

/// Cells of a count that can only fall (or only rise): the smaller, the
/// difference and the larger, with the larger their sum.
struct Moving {
    smaller: CellId,
    difference: CellId,
    larger: CellId,
    rising: bool,
}

fn moving(t: &mut Table, before: u64, after: u64) -> Moving {
    let rising = after >= before;
    let (s, l) = if rising { (before, after) } else { (after, before) };
    let m = Moving { smaller: t.cell(s), difference: t.cell(l - s), larger: t.cell(l), rising };
    t.sum(&[m.smaller, m.difference], m.larger);
    m
}

impl Moving {
    fn before_after(&self) -> (CellId, CellId) {
        if self.rising {
            (self.smaller, self.larger)
        } else {
            (self.larger, self.smaller)
        }
    }
}

fn shown_change(t: &Table, key: String, m: &Moving) -> ShownChange {
    let (before, after) = m.before_after();
    let d = t.get(m.difference).map(|d| if m.rising { d as i64 } else { -(d as i64) });
    ShownChange { key, before: t.get(before), after: t.get(after), change: d }
}

fn shown_rate(r: Rate) -> ShownRate {
    crate::measures::report::suppress_rate_groups::<()>(r, &[]).0
}

/// A list's rows (key, before, after) and their cells (key, before, after, change).
type ChangeRows = (Vec<(String, u64, u64)>, Vec<(String, CellId, CellId, CellId)>);

/// Suppress a comparison. Unmet demand only falls when peers are added,
/// and each list adds up to the members left unmatched.
pub fn suppress_what_if(before: &Outcome, after: &Outcome) -> ShownWhatIf {
    let mut t = Table::new();
    let waiting = t.cell(before.waiting);
    let matched = moving(&mut t, before.matched, after.matched);
    let unmet = moving(&mut t, before.waiting - before.matched, after.waiting - after.matched);
    let ((mb, ma), (ub, ua)) = (matched.before_after(), unmet.before_after());
    t.sum(&[mb, ub], waiting);
    t.sum(&[ma, ua], waiting);
    let mut lists = Vec::new();
    for (b, a) in [(&before.unmet_by_language, &after.unmet_by_language), (&before.unmet_by_reason, &after.unmet_by_reason)] {
        let keys: std::collections::BTreeSet<&String> = b.keys().chain(a.keys()).collect();
        let rows: Vec<(String, u64, u64)> =
            keys.into_iter().map(|k| (k.clone(), b.get(k).copied().unwrap_or(0), a.get(k).copied().unwrap_or(0))).collect();
        let cells: Vec<(String, CellId, CellId)> = rows.iter().map(|(k, b, a)| (k.clone(), t.cell(*b), t.cell(*a))).collect();
        t.sum(&cells.iter().map(|c| c.1).collect::<Vec<_>>(), ub);
        t.sum(&cells.iter().map(|c| c.2).collect::<Vec<_>>(), ua);
        // A row's change is its own cell too, so that a small one is hidden.
        let diffs: Vec<(String, CellId, CellId, CellId)> = rows
            .iter()
            .zip(&cells)
            .map(|((_, b, a), (k, cb, ca))| {
                let d = t.cell(b.abs_diff(*a));
                if b >= a {
                    t.sum(&[*ca, d], *cb);
                } else {
                    t.sum(&[*cb, d], *ca);
                }
                (k.clone(), *cb, *ca, d)
            })
            .collect();
        lists.push((rows, diffs));
    }
    let t = t.suppress();
    let list = |(rows, diffs): &ChangeRows| {
        rows.iter()
            .zip(diffs)
            .map(|((_, b, a), (k, cb, ca, d))| ShownChange {
                key: k.clone(),
                before: t.get(*cb),
                after: t.get(*ca),
                change: t.get(*d).map(|d| if a >= b { d as i64 } else { -(d as i64) }),
            })
            .collect()
    };
    ShownWhatIf {
        waiting: t.get(waiting),
        matched: shown_change(&t, "matched".into(), &matched),
        must_met_before: shown_rate(before.must_met),
        must_met_after: shown_rate(after.must_met),
        prefer_met_before: shown_rate(before.prefer_met),
        prefer_met_after: shown_rate(after.prefer_met),
        unmet_by_language: list(&lists[0]),
        unmet_by_reason: list(&lists[1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::{PreferencesInput, SupportKind};
    use crate::stats::small;

    fn catalog() -> Catalog {
        Catalog::massachusetts().unwrap()
    }

    fn waiting(n: usize, language: &str) -> Vec<(Id, Preferences)> {
        let c = catalog();
        (0..n)
            .map(|i| {
                let p = PreferencesInput { support: Some(SupportKind::MentalHealth), languages: vec![language.into()], ..Default::default() };
                (format!("m-{language}-{i:03}"), p.validate(&c).unwrap())
            })
            .collect()
    }

    fn hire(language: &str, count: u32, caseload: u32) -> HireInput {
        HireInput {
            role: "certified-peer-specialist".into(),
            count,
            languages: vec![language.into()],
            organization: "org-1".into(),
            caseload: Some(caseload),
            ..Default::default()
        }
    }

    #[test]
    fn hiring_spanish_speakers_matches_the_spanish_speakers_who_wait() {
        let c = catalog();
        let mut members = waiting(31, "es");
        members.extend(waiting(20, "pt"));
        let hires = validate_hires(&[hire("es", 2, 10)], &c).unwrap();
        let peers = hypothetical_peers(&hires, &BTreeMap::new(), &c).unwrap();
        assert_eq!(peers.len(), 2);
        let (before, after) = what_if(&members, &[], &peers, &c);
        assert_eq!((before.matched, after.matched), (0, 20));
        assert_eq!(after.unmet_by_language.get("es"), Some(&11));
        assert_eq!(after.unmet_by_language.get("pt"), Some(&20));
        let shown = suppress_what_if(&before, &after);
        assert_eq!(shown.matched.change, Suppressed::Shown(20));
        let es = shown.unmet_by_language.iter().find(|r| r.key == "es").unwrap();
        assert_eq!((es.before, es.after, es.change), (Suppressed::Shown(31), Suppressed::Shown(11), Suppressed::Shown(-20)));
    }

    #[test]
    fn a_small_change_is_hidden_and_cannot_be_worked_out() {
        let c = catalog();
        let members = waiting(40, "es");
        let peers = hypothetical_peers(&validate_hires(&[hire("es", 1, 4)], &c).unwrap(), &BTreeMap::new(), &c).unwrap();
        let (before, after) = what_if(&members, &[], &peers, &c);
        let shown = suppress_what_if(&before, &after);
        assert!(shown.matched.change.is_hidden());
        let values = [shown.matched.before, shown.matched.after];
        assert!(values.iter().any(|v| v.is_hidden()), "before and after together would give the 4 away: {shown:?}");
        for row in shown.unmet_by_language.iter().chain(&shown.unmet_by_reason) {
            for v in [row.before, row.after].iter().filter_map(|v| v.shown().copied()) {
                assert!(!small(v));
            }
            if let (Suppressed::Shown(b), Suppressed::Shown(a)) = (row.before, row.after) {
                assert!(!small(b.abs_diff(a)), "{row:?}");
            }
        }
    }

    #[test]
    fn bad_hires_are_named_field_by_field() {
        let c = catalog();
        let bad = HireInput { role: "astronaut".into(), count: 0, languages: vec!["xx".into()], town: Some("Atlantis".into()), ..Default::default() };
        let e = validate_hires(&[bad], &c).unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        for f in ["hires[0].role", "hires[0].count", "hires[0].languages", "hires[0].town", "hires[0].organization"] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
        let too_many = HireInput { caseload: Some(10_000), ..hire("es", 1, 1) };
        assert_eq!(validate_hires(&[too_many], &c).unwrap_err().0[0].field, "hires[0].caseload");
    }
}
