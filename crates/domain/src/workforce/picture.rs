//! The workforce picture: counts with small cells suppressed.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;
use time::Date;

use super::positions::Position;
use super::wf_date;
use crate::catalog::Catalog;
use crate::records::{Visibility, Worker};
use crate::stats::{self, per_mille, CellId, Suppressed, Table};

/// A count as the picture shows it: withheld under the small-cell rule
/// ([`crate::stats`]) when it is 1 to 10 or could be worked out from the rest.
pub type Cell = Suppressed<u64>;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Picture {
    #[serde(with = "wf_date")]
    pub from: Date,
    #[serde(with = "wf_date")]
    pub to: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub headcount: Cell,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::counts_by_label))]
    pub by_role: Vec<(String, Cell)>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::counts_by_label))]
    pub by_language: Vec<(String, Cell)>,
    /// (dimension, the worker's own words, count), from statements not kept private.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::counts_by_two_labels))]
    pub by_identity: Vec<(String, String, Cell)>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub vacancies: Cell,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub hires: Cell,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub departures: Cell,
    /// Departures per 100 average headcount over the period, one decimal
    /// (×10); withheld when departures or the average headcount is small.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub turnover_per_mille: Suppressed<u64>,
    /// Distinct supervisors of active workers, by the supervisees' role.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::counts_by_label))]
    pub supervisors_by_role: Vec<(String, Cell)>,
    /// Active workers in peer roles who lead: supervise others or hold a leadership position.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub peers_in_leadership: Cell,
}

/// Identity dimensions a worker may describe (statement topics).
pub const IDENTITY_TOPICS: [&str; 6] = ["gender", "race", "ethnicity", "sexual-orientation", "faith", "age-band"];

/// The picture of `workers` (all, active or not) and `positions` over `from..=to`.
pub fn picture(catalog: &Catalog, workers: &[Worker], positions: &[Position], from: Date, to: Date) -> Picture {
    let active_on = |w: &Worker, d: Date| w.employment_start <= d && w.employment_end.is_none_or(|e| e >= d);
    let active: Vec<&Worker> = workers.iter().filter(|w| active_on(w, to)).collect();
    let tally = |it: &mut dyn Iterator<Item = String>| {
        let mut m: BTreeMap<String, u64> = BTreeMap::new();
        for k in it {
            *m.entry(k).or_default() += 1;
        }
        m
    };
    let roles = tally(&mut active.iter().map(|w| w.role_id.clone()));
    let languages = tally(&mut active.iter().flat_map(|w| w.languages.clone()));
    let mut ident: BTreeMap<(String, String), u64> = BTreeMap::new();
    for w in &active {
        for s in w.statements.iter().filter(|s| s.visibility != Visibility::Private && IDENTITY_TOPICS.contains(&s.topic.as_str())) {
            *ident.entry((s.topic.clone(), s.text.trim().to_string())).or_default() += 1;
        }
    }
    let hires = workers.iter().filter(|w| w.employment_start >= from && w.employment_start <= to).count() as u64;
    let departures = workers.iter().filter(|w| w.employment_end.is_some_and(|e| e >= from && e <= to)).count() as u64;
    let at_start = workers.iter().filter(|w| active_on(w, from)).count() as u64;
    let active_ids: HashSet<&str> = active.iter().map(|w| w.id.as_str()).collect();
    let mut sup: BTreeMap<String, HashSet<&str>> = BTreeMap::new();
    for w in &active {
        if let Some(s) = w.supervisor_id.as_deref().filter(|s| active_ids.contains(s)) {
            sup.entry(w.role_id.clone()).or_default().insert(s);
        }
    }
    let leaders: HashSet<&str> = active
        .iter()
        .filter_map(|w| w.supervisor_id.as_deref())
        .chain(positions.iter().filter(|p| p.leadership).filter_map(|p| p.worker_id.as_deref()))
        .collect();
    let peers_in_leadership = active
        .iter()
        .filter(|w| leaders.contains(w.id.as_str()))
        .filter(|w| catalog.role(&w.role_id).is_some_and(|r| r.requires_lived_experience()))
        .count() as u64;

    // Every count goes through one table. Roles partition the headcount, so
    // they are a sum; languages, identities and supervisors overlap and are not.
    let mut t = Table::new();
    let headcount = t.cell(active.len() as u64);
    let role_cells: Vec<(String, CellId)> = roles.into_iter().map(|(r, n)| (r, t.cell(n))).collect();
    t.sum(&role_cells.iter().map(|(_, c)| *c).collect::<Vec<_>>(), headcount);
    let language_cells: Vec<(String, CellId)> = languages.into_iter().map(|(l, n)| (l, t.cell(n))).collect();
    let identity_cells: Vec<(String, String, CellId)> = ident.into_iter().map(|((d, x), n)| (d, x, t.cell(n))).collect();
    let supervisor_cells: Vec<(String, CellId)> = sup.into_iter().map(|(r, s)| (r, t.cell(s.len() as u64))).collect();
    let vacancies = t.cell(positions.iter().filter(|p| p.worker_id.is_none()).count() as u64);
    let hires = t.cell(hires);
    let departures_cell = t.cell(departures);
    let leaders = t.cell(peers_in_leadership);
    let t = t.suppress();
    // Turnover over the average headcount; its numerator must be shown too.
    let turnover = match t.get(departures_cell) {
        Suppressed::Shown(d) => stats::rate(d, (at_start + active.len() as u64) / 2, |_, _| per_mille(2 * d, at_start + active.len() as u64)),
        Suppressed::Hidden => Suppressed::Hidden,
    };
    Picture {
        from,
        to,
        headcount: t.get(headcount),
        by_role: role_cells.into_iter().map(|(r, c)| (r, t.get(c))).collect(),
        by_language: language_cells.into_iter().map(|(l, c)| (l, t.get(c))).collect(),
        by_identity: identity_cells.into_iter().map(|(d, x, c)| (d, x, t.get(c))).collect(),
        vacancies: t.get(vacancies),
        hires: t.get(hires),
        departures: t.get(departures_cell),
        turnover_per_mille: turnover,
        supervisors_by_role: supervisor_cells.into_iter().map(|(r, c)| (r, t.get(c))).collect(),
        peers_in_leadership: t.get(leaders),
    }
}
