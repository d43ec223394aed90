//! An organization's worker activity and referral funnel, end to end: the
//! figures agree with counts taken the slow way from the tables (one query
//! per worker, journeys in Rust) for two seeds of the synthetic world; the
//! page shows what the store answers and no count from 1 to 10; only state
//! admins and the organization's own admins read it, every refusal and
//! every read is audited; and the page is axe-clean in a real browser.

use std::collections::{HashMap, HashSet};

use accompany_domain::activity::window_start;
use accompany_domain::funnel::{weighted_median, Step};
use accompany_domain::records::{format_date, Persona};
use accompany_domain::stats::{small, Suppressed};
use accompany_store::funnel::OrganizationActivity;
use fantoccini::Locator;
use sqlx::{AnyConnection, Connection, Row};
use time::Date;

use crate::browser::{assert_accessible, browser, driver, sign_in};
use crate::equity_pages::{charts, wait_for_text};
use crate::support::TestApp;

/// Enough members that some counts are shown and some withheld.
const MEMBERS: u64 = 300;
const WITHHELD: &str = "withheld";
const PATH: &str = "/workforce/activity";

fn day(s: &str) -> Date {
    accompany_domain::records::parse_date(&s[..10]).unwrap()
}

/// What the slow way counts for one organization.
struct Counted {
    /// (worker id, caseload, contacts in the window, last contact), by worker id.
    workers: HashMap<String, (u64, u64, Option<Date>)>,
    steps: [u64; 5],
    /// The days of each step from the one before, per referral.
    days: [Vec<(i64, u64)>; 5],
}

async fn connect(app: &TestApp) -> AnyConnection {
    <AnyConnection as Connection>::connect(&app.db.url).await.unwrap()
}

/// Count the organization's activity the slow way: every worker on their
/// own, and every referral's journey worked out here.
async fn count_slowly(app: &TestApp, organization: &str, today: Date) -> Counted {
    let mut conn = connect(app).await;
    let from = window_start(today);
    let mut workers = HashMap::new();
    let rows = sqlx::query("SELECT id, user_id, employment_start, employment_end FROM workers WHERE employer_id = $1")
        .bind(organization)
        .fetch_all(&mut conn)
        .await
        .unwrap();
    for r in rows {
        let start = day(&r.get::<String, _>("employment_start"));
        let end: Option<String> = r.get("employment_end");
        if start > today || end.is_some_and(|e| day(&e) <= today) {
            continue;
        }
        let (mut caseload, mut recent, mut last) = (0, 0, None);
        if let Some(user) = r.get::<Option<String>, _>("user_id") {
            let team = sqlx::query("SELECT member_id, team_role, until FROM team_members WHERE user_id = $1")
                .bind(&user)
                .fetch_all(&mut conn)
                .await
                .unwrap();
            let members: HashSet<String> = team
                .iter()
                .filter(|t| t.get::<String, _>("team_role") == "peer" && t.get::<Option<String>, _>("until").is_none())
                .map(|t| t.get("member_id"))
                .collect();
            caseload = members.len() as u64;
            for c in sqlx::query("SELECT contact_date FROM contact_notes WHERE author_id = $1").bind(&user).fetch_all(&mut conn).await.unwrap() {
                let d = day(&c.get::<String, _>(0));
                if d <= today {
                    recent += u64::from(d >= from);
                    last = last.max(Some(d));
                }
            }
        }
        workers.insert(r.get("id"), (caseload, recent, last));
    }

    let created: HashMap<String, Date> = sqlx::query("SELECT id, created_at FROM members")
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("id"), day(&r.get::<String, _>("created_at"))))
        .collect();
    let mut peers: HashMap<String, Vec<(String, Date)>> = HashMap::new();
    for r in sqlx::query("SELECT member_id, user_id, since FROM team_members WHERE team_role = 'peer'").fetch_all(&mut conn).await.unwrap() {
        peers.entry(r.get("member_id")).or_default().push((r.get("user_id"), day(&r.get::<String, _>("since"))));
    }
    let mut notes: HashMap<String, Vec<(String, Date)>> = HashMap::new();
    for r in sqlx::query("SELECT member_id, author_id, contact_date FROM contact_notes").fetch_all(&mut conn).await.unwrap() {
        notes.entry(r.get("member_id")).or_default().push((r.get("author_id"), day(&r.get::<String, _>("contact_date"))));
    }
    let (mut steps, mut days) = ([0u64; 5], <[Vec<(i64, u64)>; 5]>::default());
    let referrals = sqlx::query("SELECT status, member_id, first_arrived_at FROM referrals WHERE organization_id = $1")
        .bind(organization)
        .fetch_all(&mut conn)
        .await
        .unwrap();
    for r in referrals {
        steps[0] += 1;
        let status: String = r.get("status");
        let member: Option<String> = r.get("member_id");
        let Some(enrolled) = member.as_ref().and_then(|m| created.get(m)) else {
            steps[1] += u64::from(status == "contacted" || status == "enrolled");
            continue;
        };
        let member = member.as_deref().unwrap();
        steps[1] += 1;
        steps[2] += 1;
        days[2].push(((*enrolled - day(&r.get::<String, _>("first_arrived_at"))).whole_days().max(0), 1));
        let Some(matched) = peers.get(member).and_then(|p| p.iter().map(|(_, since)| *since).min()) else { continue };
        steps[3] += 1;
        days[3].push(((matched - *enrolled).whole_days().max(0), 1));
        let of_peers = |author: &String| peers[member].iter().any(|(u, _)| u == author);
        let Some(first) = notes.get(member).and_then(|n| n.iter().filter(|(a, _)| of_peers(a)).map(|(_, d)| *d).min()) else { continue };
        steps[4] += 1;
        days[4].push(((first - matched).whole_days().max(0), 1));
    }
    let _ = conn.close().await;
    Counted { workers, steps, days }
}

/// A shown count is the count; a withheld one is withheld for a reason
/// the rule allows; a count from 1 to 10 is never shown.
fn agrees(what: &str, shown: Suppressed<u64>, counted: u64) {
    match shown {
        Suppressed::Shown(n) => assert_eq!(n, counted, "{what}"),
        Suppressed::Hidden => {}
    }
    if small(counted) {
        assert!(shown.is_hidden(), "{what}: {counted} is from 1 to 10 and must be withheld");
    }
}

fn check(report: &OrganizationActivity, counted: &Counted) {
    assert_eq!(report.workers.len(), counted.workers.len(), "a row per active worker");
    let (mut caseloads, mut contacts) = (0, 0);
    for w in &report.workers {
        let (caseload, recent, last) = counted.workers[&w.worker_id];
        agrees(&format!("{} caseload", w.worker_id), w.figures.caseload, caseload);
        agrees(&format!("{} contacts", w.worker_id), w.figures.recent_contacts, recent);
        assert_eq!(w.figures.last_contact, last, "{} last contact", w.worker_id);
        assert_eq!(w.figures.days_since, last.map(|d| (report.as_of - d).whole_days()));
        caseloads += caseload;
        contacts += recent;
    }
    agrees("all caseloads", report.caseload_total, caseloads);
    agrees("all contacts", report.contacts_total, contacts);
    // A lone withheld cell of a column would fall to subtraction from its total.
    let caseloads_withheld =
        report.workers.iter().filter(|w| w.figures.caseload.is_hidden()).count() + usize::from(report.caseload_total.is_hidden());
    let contacts_withheld =
        report.workers.iter().filter(|w| w.figures.recent_contacts.is_hidden()).count() + usize::from(report.contacts_total.is_hidden());
    assert!(caseloads_withheld != 1 && contacts_withheld != 1, "complementary suppression");
    assert_eq!(report.funnel.iter().map(|s| s.step).collect::<Vec<_>>(), Step::ALL);
    for (i, s) in report.funnel.iter().enumerate() {
        agrees(s.step.as_str(), s.count, counted.steps[i]);
        if let Some(Suppressed::Shown(m)) = s.median_days {
            let people: u64 = counted.days[i].iter().map(|(_, n)| n).sum();
            assert!(people >= 11, "a median over {people} people");
            assert_eq!(Some(m), weighted_median(&mut counted.days[i].clone()), "{} median", s.step.as_str());
        }
        // No two shown steps differ by 1 to 10.
        for later in &report.funnel[i + 1..] {
            if let (Some(a), Some(b)) = (s.count.shown(), later.count.shown()) {
                assert!(!small(a - b), "{} and {} give {} away", s.step.as_str(), later.step.as_str(), a - b);
            }
        }
    }
}

/// The cells of each body row of the table `id`, the row's header first.
fn table_rows(html: &str, id: &str) -> Vec<Vec<String>> {
    let start = html.find(&format!("<table id=\"{id}\">")).unwrap_or_else(|| panic!("table {id} on the page"));
    let table = &html[start..start + html[start..].find("</table>").unwrap()];
    let body = &table[table.find("<tbody>").unwrap()..];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("<t")
                .skip(1)
                .filter(|c| c.starts_with('h') || c.starts_with('d'))
                .map(|c| unescape(&c[c.find('>').unwrap() + 1..c.find("</t").unwrap_or(c.len())]))
                .collect()
        })
        .collect()
}

fn unescape(s: &str) -> String {
    s.replace("&#39;", "'").replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").trim().to_string()
}

fn text(c: Suppressed<u64>) -> String {
    c.text(WITHHELD)
}

/// The page's tables say what the store answered, and no count on the
/// page, in a table or on a bar, is from 1 to 10.
fn page_agrees(html: &str, report: &OrganizationActivity) {
    let workers = table_rows(html, "workers");
    assert_eq!(workers.len(), report.workers.len() + 1, "a row per worker and the totals");
    for (row, w) in workers.iter().zip(&report.workers) {
        assert_eq!(row[0], format!("{} {}", w.given_name, w.family_name));
        assert_eq!((&row[2], &row[3]), (&text(w.figures.caseload), &text(w.figures.recent_contacts)), "{row:?}");
        assert_eq!(row[4], w.figures.last_contact.map_or("never".to_string(), format_date));
    }
    let totals = workers.last().unwrap();
    assert_eq!((&totals[2], &totals[3]), (&text(report.caseload_total), &text(report.contacts_total)));
    let funnel = table_rows(html, "funnel");
    assert_eq!(funnel.len(), 5);
    for (row, s) in funnel.iter().zip(&report.funnel) {
        assert_eq!(row[1], text(s.count), "{row:?}");
    }
    let counts = workers.iter().flat_map(|r| [&r[2], &r[3]]).chain(funnel.iter().map(|r| &r[1]));
    for c in counts {
        assert!(c == WITHHELD || c.parse::<u64>().is_ok_and(|n| !small(n)), "a count shown as {c:?}");
    }
    // The bars' words: each a count from the tables, never 1 to 10 and never a withheld value.
    for chart in ["workers-chart", "funnel-chart"] {
        let Some(start) = html.find(&format!("<svg class=\"bar-chart\" id=\"{chart}\"")) else { continue };
        let svg = &html[start..start + html[start..].find("</svg>").unwrap()];
        assert!(!svg.contains(" style="), "no style attributes: {svg}");
        for word in svg.split("<text class=\"chart-text\"").skip(1).filter_map(|t| Some(t[t.find('>')? + 1..t.find("</text>")?].to_string())) {
            let value = word.rsplit(": ").next().unwrap_or(&word);
            if let Ok(n) = value.parse::<u64>() {
                assert!(!small(n), "a bar says {word}");
            }
            assert_ne!(value, WITHHELD, "a withheld value is not drawn");
        }
    }
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let r = client.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The plan most referrals are made to, and the demo organization admin's organization.
async fn organizations(app: &TestApp) -> (String, String) {
    let mut conn = connect(app).await;
    let plan: String = sqlx::query(
        "SELECT organization_id FROM referrals WHERE organization_id IS NOT NULL GROUP BY organization_id ORDER BY COUNT(*) DESC, organization_id LIMIT 1",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap()
    .get(0);
    let own: String = sqlx::query("SELECT organization_id FROM users WHERE username = $1")
        .bind(&app.credential(Persona::OrganizationAdmin).username)
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get(0);
    let _ = conn.close().await;
    (plan, own)
}

async fn access(app: &TestApp, persona: Persona) -> accompany_store::Access {
    let user = app.store.user_by_username(&app.credential(persona).username).await.unwrap().unwrap();
    app.store.access(user.actor(), "test")
}

/// For two seeds: the store's figures for the admin's own organization
/// and for the plan most referrals go to agree with the slow count, and
/// the page shows the same, with no count from 1 to 10.
#[tokio::test]
async fn figures_agree_with_the_tables_and_the_page_shows_no_small_count() {
    for seed in [7, 23] {
        let app = TestApp::seeded_with(seed, MEMBERS).await;
        let today = accompany_store::today_date();
        let (plan, own) = organizations(&app).await;

        let state_admin = access(&app, Persona::StateAdmin).await;
        let org_admin = access(&app, Persona::OrganizationAdmin).await;
        let mine = org_admin.organization_activity(None, today).await.unwrap();
        assert_eq!(mine.organization_id, own);
        let theirs = state_admin.organization_activity(Some(&plan), today).await.unwrap();
        for report in [&mine, &theirs] {
            let counted = count_slowly(&app, &report.organization_id, today).await;
            check(report, &counted);
        }
        assert!(!mine.workers.is_empty(), "seed {seed}: the demo organization employs workers");
        assert!(theirs.funnel[0].count.shown().is_some_and(|n| *n > 0), "seed {seed}: referrals are made to the plan");
        let shown = mine.workers.iter().filter(|w| !w.figures.recent_contacts.is_hidden() || !w.figures.caseload.is_hidden()).count()
            + theirs.funnel.iter().filter(|s| !s.count.is_hidden()).count();
        assert!(shown > 0, "seed {seed}: some counts are shown");
        let withheld = mine.workers.iter().filter(|w| w.figures.recent_contacts.is_hidden() || w.figures.caseload.is_hidden()).count()
            + theirs.funnel.iter().filter(|s| s.count.is_hidden()).count();
        assert!(withheld > 0, "seed {seed}: some counts are withheld, so the rule is at work");

        let admin = app.client();
        app.page_login(&admin, Persona::OrganizationAdmin).await;
        let (status, html) = page(&app, &admin, PATH).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains(&mine.organization_name.replace('&', "&amp;")));
        page_agrees(&html, &mine);
        assert!(!html.contains("<select id=\"organization\""), "an organization admin reads their own organization only");

        let state = app.client();
        app.page_login(&state, Persona::StateAdmin).await;
        let (status, html) = page(&app, &state, &format!("{PATH}?organization={plan}")).await;
        assert_eq!(status, 200, "{html}");
        page_agrees(&html, &theirs);
        assert!(html.contains(&format!("<option value=\"{plan}\" selected>")), "the chosen organization is selected");

        // The funnel is kept between reads, and a change shows at the next one:
        // the referred members' peers are recorded in another role, a request moves back to new.
        app.exec(&format!(
            "UPDATE team_members SET team_role = 'care-coordinator' WHERE team_role = 'peer' AND member_id IN \
             (SELECT member_id FROM referrals WHERE organization_id = '{plan}' AND member_id IS NOT NULL)"
        ))
        .await;
        app.exec(&format!(
            "UPDATE referrals SET status = 'new' WHERE id = (SELECT MIN(id) FROM referrals WHERE organization_id = '{plan}' AND status = 'contacted')"
        ))
        .await;
        let again = state_admin.organization_activity(Some(&plan), today).await.unwrap();
        check(&again, &count_slowly(&app, &plan, today).await);
        assert_ne!(again.funnel, theirs.funnel, "seed {seed}: the change is read, not the kept funnel");
    }
}

/// Who is refused, and that every refusal and every read is in the audit
/// log with the entity, the organization and the decision.
#[tokio::test]
async fn only_state_admins_and_the_organizations_own_admins_read_it_and_every_answer_is_audited() {
    let app = TestApp::seeded(60).await;
    let (plan, own) = organizations(&app).await;
    let audited = |who: &str, decision: &str, organization: &str| {
        format!(
            "audit_events WHERE entity = 'organization-activity' AND action = 'report' AND actor_username = '{who}' \
             AND decision = '{decision}' AND entity_id = '{organization}' AND purpose = 'operations'"
        )
    };
    for persona in [Persona::PeerWorker, Persona::Supervisor, Persona::Member, Persona::CareCoordinator] {
        let who = app.credential(persona).username.clone();
        let denied = format!("audit_events WHERE entity = 'organization-activity' AND actor_username = '{who}' AND decision = 'deny'");
        let client = app.client();
        app.page_login(&client, persona).await;
        for path in [PATH.to_string(), format!("{PATH}?organization={own}")] {
            let before = app.count(&denied).await;
            let (status, html) = page(&app, &client, &path).await;
            assert_eq!(status, 403, "{persona:?} {path}");
            assert!(!html.contains("<table id=\"workers\"") && !html.contains("<table id=\"funnel\""), "{persona:?}: nothing of the report");
            assert_eq!(app.count(&denied).await, before + 1, "{persona:?} {path}: the refusal is audited");
        }
    }

    // Another organization's admin asking for an organization not theirs.
    let admin = app.client();
    app.page_login(&admin, Persona::OrganizationAdmin).await;
    let who = app.credential(Persona::OrganizationAdmin).username.clone();
    assert_ne!(plan, own);
    let before = app.count(&audited(&who, "deny", &plan)).await;
    let (status, html) = page(&app, &admin, &format!("{PATH}?organization={plan}")).await;
    assert_eq!(status, 403);
    assert!(!html.contains("<table id=\"funnel\""));
    assert_eq!(app.count(&audited(&who, "deny", &plan)).await, before + 1, "the refusal names the organization asked for");
    // Their own, asked for or not, is theirs, and the read is audited.
    for path in [PATH.to_string(), format!("{PATH}?organization={own}")] {
        let before = app.count(&audited(&who, "permit", &own)).await;
        let (status, _) = page(&app, &admin, &path).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(app.count(&audited(&who, "permit", &own)).await, before + 1, "{path}: the read is audited");
    }

    // A state admin chooses; an organization that is not there is not found; a read is audited.
    let state = app.client();
    app.page_login(&state, Persona::StateAdmin).await;
    let who = app.credential(Persona::StateAdmin).username.clone();
    let (status, html) = page(&app, &state, PATH).await;
    assert_eq!(status, 200);
    assert!(html.contains("<select id=\"organization\"") && !html.contains("<table id=\"workers\""), "the choice comes first");
    for missing in ["no-such-organization", "a%27%3B--", "%00"] {
        let (status, _) = page(&app, &state, &format!("{PATH}?organization={missing}")).await;
        assert_eq!(status, 404, "{missing}");
    }
    let before = app.count(&audited(&who, "permit", &plan)).await;
    let (status, _) = page(&app, &state, &format!("{PATH}?organization={plan}")).await;
    assert_eq!(status, 200);
    assert_eq!(app.count(&audited(&who, "permit", &plan)).await, before + 1);
}

/// The page in a real browser: the organization admin finds it in the
/// workforce navigation; a state admin chooses an organization with the
/// form; both tables have their charts; English and Spanish are axe-clean.
#[tokio::test]
async fn org_activity_page_is_accessible_in_a_real_browser() {
    let Some(d) = driver() else {
        eprintln!("\n*** ORGANIZATION ACTIVITY BROWSER TEST SKIPPED: no Chromium or chromedriver (see the notice above) ***\n");
        return;
    };
    let app = TestApp::seeded(MEMBERS).await;
    let (plan, _) = organizations(&app).await;
    let c = browser(&d, "en").await;
    sign_in(&c, &app, Persona::OrganizationAdmin).await;
    c.goto(&app.url("/workforce/picture")).await.unwrap();
    c.find(Locator::Css("nav.subnav a[href='/workforce/activity']")).await.expect("in the workforce navigation").click().await.unwrap();
    wait_for_text(&c, "Referral funnel").await;
    let all = charts(&c).await;
    assert_eq!(all.len(), 2, "a chart beside each table: {all:?}");
    for ch in &all {
        assert_eq!(ch["table"], true, "{ch}");
        if ch.get("empty").is_none() {
            assert_eq!(ch["role"], "img", "{ch}");
            assert_eq!(ch["style"], 0, "no style attributes: {ch}");
        }
    }
    assert_accessible(&c, "an organization's activity").await;
    c.close().await.unwrap();

    let es = browser(&d, "es").await;
    sign_in(&es, &app, Persona::StateAdmin).await;
    es.goto(&app.url(PATH)).await.unwrap();
    wait_for_text(&es, "Actividad y derivaciones").await;
    assert_accessible(&es, "the choice of organization, in Spanish").await;
    es.execute("document.getElementById('organization').value = arguments[0];", vec![serde_json::json!(plan)]).await.unwrap();
    es.find(Locator::Css("main form button[type=submit]")).await.unwrap().click().await.unwrap();
    let body = wait_for_text(&es, "Embudo de derivaciones").await;
    assert!(body.contains("Solicitada") && body.contains("Trabajadores en activo"), "{body}");
    assert_accessible(&es, "a plan's activity, in Spanish").await;
    es.close().await.unwrap();
}
