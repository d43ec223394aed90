//! Every persona walks the pages it is offered on seeded data. Each link it
//! is shown opens for it (no 403 or 404), and each form it is shown is one
//! the policy lets that persona use; the actions a persona should have are
//! there, and those it should not are absent.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use accompany_domain::booking::{may_book, may_change_session};
use accompany_domain::groups::may_run_groups;
use accompany_domain::policy::{self, decide, Action, Actor, Relationship};
use accompany_domain::records::{Persona, TeamRole};

use crate::support::{catalog, TestApp};

/// The most pages one persona's walk opens, so that long lists do not make
/// the walk slow; lists are walked through their first rows.
const MAX_PAGES: usize = 60;

/// What a persona was offered: links (with the page that showed them) and
/// form actions, with ids replaced by `{id}`.
#[derive(Default)]
struct Walk {
    opened: BTreeMap<String, u16>,
    forms: BTreeSet<(String, String)>,
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("{name}=\"");
    let start = tag.find(&key)? + key.len();
    Some(&tag[start..start + tag[start..].find('"')?])
}

/// A path with every id-like segment replaced by `{id}`.
fn shape(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    path.split('/')
        .map(|seg| {
            let id_like = seg.len() >= 16 && seg.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
            if id_like {
                "{id}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Links that leave the walk: signing out, switching language, files.
fn skipped(href: &str) -> bool {
    !href.starts_with('/')
        || href.starts_with("//")
        || ["/logout", "/lang/", "/static/", "/calendar/", "/api/"].iter().any(|p| href.starts_with(p))
        || href.ends_with(".csv")
}

async fn walk(app: &TestApp, persona: Persona) -> Walk {
    let client = app.client();
    app.page_login(&client, persona).await;
    let mut w = Walk::default();
    let mut queue = VecDeque::from(["/home".to_string()]);
    let mut seen_shapes = BTreeMap::<String, usize>::new();
    while let Some(path) = queue.pop_front() {
        if w.opened.len() >= MAX_PAGES || w.opened.contains_key(&path) {
            continue;
        }
        let r = client.get(app.url(&path)).send().await.expect("open a page");
        let mut status = r.status().as_u16();
        if status == 303 || status == 302 {
            // A page that sends the persona on (the workforce menu to its first
            // page) counts as open unless it sends them to sign in.
            let to = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            if !to.starts_with("/login") {
                status = 200;
                queue.push_front(to);
            }
            w.opened.insert(path.clone(), status);
            continue;
        }
        w.opened.insert(path.clone(), status);
        if status != 200 {
            continue;
        }
        let html = r.text().await.unwrap_or_default();
        for (at, _) in html.match_indices("<a ") {
            let tag = &html[at..at + html[at..].find('>').unwrap_or(0)];
            if let Some(href) = attr(tag, "href").map(|h| h.replace("&amp;", "&")) {
                // Two rows of the same list are enough to know the list's links work.
                let n = seen_shapes.entry(shape(&href)).or_default();
                *n += 1;
                if !skipped(&href) && *n <= 2 {
                    queue.push_back(href);
                }
            }
        }
        for (at, _) in html.match_indices("<form") {
            let tag = &html[at..at + html[at..].find('>').unwrap_or(0)];
            let method = attr(tag, "method").unwrap_or("get").to_ascii_lowercase();
            let action = attr(tag, "action").unwrap_or(&path).to_string();
            w.forms.insert((method, shape(&action)));
        }
    }
    w
}

/// The way a persona stands to the members whose pages it is shown on
/// seeded data: its own record, its caseload, the teams it sits on, its
/// organization. Record-level rules are asked with it.
fn usual_relationship(p: Persona) -> Relationship {
    let mut rel = Relationship::default();
    match p {
        Persona::Member => rel.is_self = true,
        Persona::PeerWorker => rel.team_role = Some(TeamRole::Peer),
        Persona::CareCoordinator => rel.team_role = Some(TeamRole::CareCoordinator),
        Persona::Supervisor => rel.supervises_members_peer = true,
        Persona::OrganizationAdmin | Persona::BillingOffice => rel.in_actor_organization = true,
        _ => {}
    }
    rel
}

/// The rule of the policy behind each form a page may offer, by the form's
/// action. A form missing from this table fails the test: every new form
/// names the rule that decides who sees it.
fn rule_for(method: &str, action: &str, p: Persona) -> Option<bool> {
    let actor = Actor { user_id: "u".into(), username: "u".into(), persona: p, organization_id: Some("o".into()), member_id: None };
    let rel = usual_relationship(p);
    let update = decide(&actor, Action::Update, &rel).is_permit();
    Some(match (method, action) {
        // Searches and filters only narrow what the page already shows.
        ("get", _) => true,
        ("post", "/logout" | "/account/password") => true,
        (
            "post",
            "/choose" | "/choose/peer" | "/choose/end" | "/sharing" | "/sharing/withdraw" | "/sharing/firewall" | "/sharing/firewall/remove",
        ) => policy::chooses_own_peer(p),
        ("post", "/sharing/requests/answer") => policy::chooses_own_peer(p),
        ("post", "/members") => policy::may_create_members(p),
        ("post", "/members/{id}") => policy::may_edit_member_record(p) && update,
        ("post", "/members/{id}/health") => update,
        ("post", "/members/{id}/diagnoses" | "/members/{id}/diagnoses/{id}/end") => policy::may_record_diagnosis(&actor, &rel).is_permit(),
        ("post", "/members/{id}/enrolment-code") => {
            policy::may_issue_enrolment_codes(p) && policy::may_issue_enrolment_code(&actor, &rel).is_permit()
        }
        ("post", "/members/{id}/goals" | "/members/{id}/goals/{id}") => policy::may_write_goal(&actor, &rel).is_permit(),
        ("post", "/members/{id}/goals/{id}/progress") => policy::may_record_progress(&actor, &rel).is_permit(),
        ("post", "/members/{id}/contacts" | "/members/{id}/contact-log" | "/members/{id}/contact-log/{id}") => {
            policy::logs_contacts(p) && policy::may_write_contact_note(&actor, &rel).is_permit()
        }
        ("post", "/sessions/book") => policy::books_sessions(p) && may_book(&actor, &rel, true, false).is_permit(),
        ("post", "/sessions/{id}/reschedule" | "/sessions/{id}/cancel") => may_change_session(&actor, &rel, p == Persona::PeerWorker).is_permit(),
        ("post", "/availability" | "/availability/remove") => policy::keeps_hours(p),
        ("post", "/reach" | "/reach/calendar") => policy::books_sessions(p),
        ("post", "/groups/new") => may_run_groups(&actor).is_permit(),
        ("post", "/referrals") => policy::decide_referrals(&actor, Action::Create).is_permit(),
        ("post", "/referrals/{id}/status" | "/referrals/{id}/enrol") => policy::may_work_referral_queue(p),
        ("post", "/matching/batch") => policy::runs_matching(p),
        ("post", "/equity/what-if") => policy::runs_matching(p),
        ("post", "/workforce/workers/{id}/sessions") => policy::may_record_supervision_sessions(p),
        ("post", "/workforce/workers/{id}/credentials") => policy::may_record_credentials(p),
        ("post", "/emergency") => accompany_domain::privacy::may_break_glass(p, &catalog().privacy),
        (
            "post",
            "/members/{id}/billing/coverage" | "/members/{id}/billing/coverage/{id}/end" | "/members/{id}/billing/authorizations/{id}/decision",
        ) => policy::keeps_billing(p) && policy::may_record_billing(&actor, &rel).is_permit(),
        ("post", "/members/{id}/billing/authorizations") => policy::may_request_authorization(&actor, &rel).is_permit(),
        ("post", "/privacy/review") => policy::sees_privacy_office(p),
        // Offered when the reader keeps some funder's contracts (their own organization's, for an admin of a plan).
        ("post", "/contracts") => policy::may_keep_contract(&actor, "o").is_permit(),
        // Claims of the reader's own organization (every organization's, for a state admin).
        (
            "post",
            "/billing/claims/export" | "/billing/claims/import" | "/billing/claims/batches/{id}/submitted" | "/billing/claims/{id}/correction",
        ) => policy::may_bill_for(&actor, "o").is_permit(),
        _ => return None,
    })
}

type PersonaRule = fn(Persona) -> bool;

/// Whether the policy lets the persona read some outcome-measures report
/// (an organization admin: their own organization's).
fn reads_measures(p: Persona) -> bool {
    let actor = Actor { user_id: "u".into(), username: "u".into(), persona: p, organization_id: Some("o".into()), member_id: None };
    policy::may_read_measures(&actor, None).is_ok()
}
type Form = (&'static str, &'static str);

/// Forms each persona must be offered on seeded data, because the policy
/// gives it the action and seeded data has a record to act on.
fn must_offer(p: Persona) -> Vec<Form> {
    let mut wanted = vec![("post", "/logout"), ("post", "/account/password")];
    let rules: [(PersonaRule, Form); 12] = [
        (policy::chooses_own_peer, ("post", "/choose")),
        (policy::may_create_members, ("post", "/members")),
        (policy::logs_contacts, ("post", "/members/{id}/contacts")),
        (policy::may_issue_enrolment_codes, ("post", "/members/{id}/enrolment-code")),
        (policy::keeps_hours, ("post", "/availability")),
        (policy::may_refer, ("post", "/referrals")),
        (policy::runs_matching, ("post", "/matching/batch")),
        (policy::keeps_billing, ("post", "/members/{id}/billing/coverage")),
        (policy::keeps_billing, ("post", "/billing/claims/import")),
        (reads_measures, ("get", "/measures")),
        (reads_measures, ("get", "/equity")),
        (policy::runs_matching, ("post", "/equity/what-if")),
    ];
    wanted.extend(rules.iter().filter(|(rule, _)| rule(p)).map(|(_, form)| *form));
    if accompany_domain::privacy::may_break_glass(p, &catalog().privacy) {
        wanted.push(("post", "/emergency"));
    }
    wanted
}

#[tokio::test]
async fn every_persona_is_offered_what_the_policy_permits_and_nothing_else() {
    let app = TestApp::seeded(60).await;
    for persona in Persona::ALL {
        let w = walk(&app, persona).await;
        let broken: Vec<_> = w.opened.iter().filter(|(_, s)| **s != 200).collect();
        assert!(broken.is_empty(), "{persona:?} is offered links that do not open for it: {broken:?}");
        for (method, action) in &w.forms {
            match rule_for(method, action, persona) {
                None => panic!("{method} {action} is offered to {persona:?} but names no rule of the policy in this test's table"),
                Some(permitted) => assert!(permitted, "{persona:?} is offered {method} {action}, which the policy does not give it"),
            }
        }
        for (method, action) in must_offer(persona) {
            assert!(
                w.forms.contains(&(method.to_string(), action.to_string())),
                "{persona:?} should be offered {method} {action}; it was offered {:?}",
                w.forms
            );
        }
    }
}
