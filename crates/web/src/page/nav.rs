//! The navigation: one ordered table of links, each shown to whom the
//! policy says.

use accompany_domain::policy;
use accompany_domain::records::Persona;

use super::Layout;

pub struct NavLink {
    pub href: &'static str,
    pub label: String,
    pub current: bool,
}

/// Who a link is shown to.
#[derive(Clone, Copy)]
enum Shown {
    Everyone,
    SignedOut,
    SignedIn,
    /// Signed in as a persona the rule accepts.
    When(fn(Persona) -> bool),
    /// Signed in as a persona [`policy::offers_emergency_access`] accepts
    /// under the catalog's privacy defaults.
    Emergency,
}

/// Which pages mark a link as current.
#[derive(Clone, Copy)]
enum Current {
    Exact,
    /// Any page under the link's path.
    Section,
}

struct Row {
    href: &'static str,
    key: &'static str,
    shown: Shown,
    current: Current,
}

const fn row(href: &'static str, key: &'static str, shown: Shown) -> Row {
    Row { href, key, shown, current: Current::Exact }
}

/// Outcome measures: the personas the policy lets read some report.
fn reads_measures(p: Persona) -> bool {
    let actor = policy::Actor { user_id: String::new(), username: String::new(), persona: p, organization_id: Some(String::new()), member_id: None };
    policy::may_read_measures(&actor, None).is_ok()
}

/// Every link of the navigation, in the order shown.
const NAV: &[Row] = &[
    row("/get-support", "nav-get-support", Shown::SignedOut),
    row("/home", "nav-home", Shown::SignedIn),
    row("/choose", "nav-choose", Shown::When(policy::chooses_own_peer)),
    row("/sharing", "nav-sharing", Shown::When(policy::chooses_own_peer)),
    row("/privacy", "nav-privacy", Shown::When(policy::sees_privacy_office)),
    row("/members", "nav-caseload", Shown::When(policy::has_caseload)),
    row("/members", "nav-members", Shown::When(policy::sees_member_list)),
    row("/workers", "nav-workers", Shown::When(policy::sees_workers)),
    row("/members/new", "nav-new-member", Shown::When(policy::starts_member_records)),
    row("/organizations", "nav-organizations", Shown::When(policy::sees_organizations)),
    row("/matching", "nav-matching", Shown::When(policy::runs_matching)),
    row("/sessions", "nav-sessions", Shown::When(policy::books_sessions)),
    row("/availability", "nav-availability", Shown::When(policy::keeps_hours)),
    row("/groups", "nav-groups", Shown::When(policy::books_sessions)),
    row("/reach", "nav-reach", Shown::When(policy::books_sessions)),
    Row { href: "/workforce", key: "nav-workforce", shown: Shown::When(policy::sees_workforce), current: Current::Section },
    row("/billing/needs-authorization", "nav-billing", Shown::When(policy::keeps_billing)),
    Row { href: "/billing/claims", key: "nav-claims", shown: Shown::When(policy::keeps_billing), current: Current::Section },
    row("/contracts", "nav-contracts", Shown::When(policy::keeps_contracts)),
    row("/measures", "nav-measures", Shown::When(reads_measures)),
    row("/equity", "nav-equity", Shown::When(reads_measures)),
    row("/referrals", "nav-referrals", Shown::When(policy::may_work_referral_queue)),
    row("/referrals/new", "nav-refer", Shown::When(policy::may_refer)),
    row("/emergency", "nav-emergency", Shown::Emergency),
    row("/roles", "nav-roles", Shown::Everyone),
    row("/login", "nav-sign-in", Shown::SignedOut),
];

impl Layout {
    /// Navigation for whoever is signed in, or for someone who is not.
    pub fn nav(&self) -> Vec<NavLink> {
        let persona = self.user.as_ref().map(|u| u.persona);
        NAV.iter()
            .filter(|r| match (r.shown, persona) {
                (Shown::Everyone, _) => true,
                (Shown::SignedOut, p) => p.is_none(),
                (Shown::SignedIn, p) => p.is_some(),
                (Shown::When(rule), Some(p)) => rule(p),
                (Shown::Emergency, Some(_)) => self.emergency,
                (_, None) => false,
            })
            .map(|r| NavLink {
                href: r.href,
                label: self.t.t(r.key),
                current: match r.current {
                    Current::Exact => self.path == r.href,
                    Current::Section => self.path.starts_with(r.href),
                },
            })
            .collect()
    }
}
