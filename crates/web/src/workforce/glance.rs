//! A supervisor's supervisees at a glance: caseload, contacts in the last 30
//! days against the role's goal, the last contact, and flags for whoever
//! needs a word. Each name drills down to that supervisee's caseload. The
//! supervisor is not on the members' care teams: counts from 1 to 10 are
//! withheld, said in words and not drawn.

use accompany_domain::activity::ACTIVITY_WINDOW_DAYS;
use accompany_domain::stats::Suppressed;
use accompany_store::SuperviseeRow;

use crate::i18n::Tr;
use crate::page::charts::{Chart, Group, Series};

/// A count as the supervisor may see it: withheld from 1 to 10.
fn count(t: &Tr, n: Suppressed<u64>) -> String {
    n.text(&t.t("act-withheld"))
}

/// One supervisee's row.
pub struct GlanceRow {
    pub name: String,
    pub caseload_href: String,
    pub members: String,
    pub contacts: String,
    pub last: String,
    /// The flags in words; empty when all is well.
    pub flags: Vec<String>,
    pub no_activity: bool,
    pub below_goal: bool,
}

pub struct GlanceSection {
    pub summary: String,
    pub rows: Vec<GlanceRow>,
    pub chart: Chart,
}

pub fn section(t: &Tr, list: &[SuperviseeRow], no_activity_days: u32) -> GlanceSection {
    let mut sorted: Vec<&SuperviseeRow> = list.iter().collect();
    // Whoever needs a word first; then as the supervisees list has them.
    sorted.sort_by_key(|r| !(r.activity.no_activity || r.activity.below_goal));
    let rows: Vec<GlanceRow> = sorted.iter().map(|r| row(t, r, no_activity_days)).collect();
    let quiet = list.iter().filter(|r| r.activity.no_activity).count();
    let below = list.iter().filter(|r| r.activity.below_goal).count();
    let attention = list.iter().filter(|r| r.activity.no_activity || r.activity.below_goal).count();
    let summary = t.tn(
        "act-glance-summary",
        &[
            ("count", list.len().to_string()),
            ("attention", attention.to_string()),
            ("quiet", quiet.to_string()),
            ("days", no_activity_days.to_string()),
            ("below", below.to_string()),
        ],
    );
    let series = [Series { class: "series-a", name: t.t("act-series-contacts") }, Series { class: "series-b", name: t.t("act-series-goal") }];
    let groups: Vec<Group> = sorted
        .iter()
        .map(|r| {
            let a = &r.activity;
            let goal_words = a.goal_contacts.shown().map_or_else(|| t.t("act-no-goal"), u64::to_string);
            // A withheld value or a role without a goal is not drawn; the description counts them.
            let values = vec![(a.contacts.map(|n| n as f64), count(t, a.contacts)), (a.goal_contacts.map(|n| n as f64), goal_words)];
            Group { label: r.name.clone(), values }
        })
        .collect();
    let chart = Chart::counts(t, "glance-chart", t.t1("act-chart-title", "days", ACTIVITY_WINDOW_DAYS), &series, &groups);
    GlanceSection { summary, rows, chart }
}

fn row(t: &Tr, r: &SuperviseeRow, no_activity_days: u32) -> GlanceRow {
    let a = &r.activity;
    // A goal is withheld because it would give away the number of members,
    // not because it is small: it is said so, not "fewer than 11".
    let contacts = match (a.has_goal, a.goal_contacts) {
        (true, Suppressed::Shown(goal)) => t.tn("act-contacts-of-goal", &[("count", count(t, a.contacts)), ("goal", goal.to_string())]),
        (true, Suppressed::Hidden) => t.t1("act-contacts-goal-withheld", "count", count(t, a.contacts)),
        (false, _) => count(t, a.contacts),
    };
    let last = match a.quiet_days {
        Some(0) => t.t("act-last-today"),
        Some(days) => t.t1("act-last-days", "days", days),
        None => t.t("act-last-never"),
    };
    let mut flags = Vec::new();
    if a.no_activity {
        flags.push(t.t1("act-flag-no-activity", "days", no_activity_days));
    }
    if a.below_goal {
        flags.push(t.t("act-flag-below-goal"));
    }
    GlanceRow {
        name: r.name.clone(),
        caseload_href: format!("/workforce/workers/{}/caseload", r.worker_id),
        members: count(t, a.members),
        contacts,
        last,
        flags,
        no_activity: a.no_activity,
        below_goal: a.below_goal,
    }
}
