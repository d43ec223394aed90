//! Seeding works for every seed, not only the ones the demo uses. What
//! varies with the seed is the generator, not the database, so the worlds
//! are seeded on SQLite in both runs; every other test seeds PostgreSQL too,
//! and so does the second seed of the acute-care test, whose rows are
//! loaded by importers of their own.

use std::time::Instant;

use accompany::seed::{seed, today};
use accompany_synthetic::Plan;
use sqlx::Connection;

use crate::support::TestDb;

#[tokio::test]
async fn fifty_worlds_seed_with_the_members_asked_for() {
    let started = Instant::now();
    for s in 1..=50u64 {
        let db = TestDb::sqlite().await;
        let store = db.connect().await;
        // The command line's worker count for 200 members.
        let plan = Plan { seed: s, members: 200, workers: 60, today: today() };
        let report = seed(&store, plan, true).await.unwrap_or_else(|e| panic!("seed {s}: {e:#}"));
        assert_eq!(report.members, 200, "seed {s}");
        assert!(!report.credentials.is_empty(), "seed {s}: no demo accounts");
        let mut conn = <sqlx::AnyConnection as Connection>::connect(&db.url).await.expect("connect");
        let (members,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM members").fetch_one(&mut conn).await.expect("count");
        assert_eq!(members, 200, "seed {s}");
        let _ = conn.close().await;
        store.close().await;
    }
    eprintln!("50 worlds of 200 members seeded in {:.1} s", started.elapsed().as_secs_f64());
}

/// One number from the database.
async fn number(conn: &mut sqlx::AnyConnection, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&mut *conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    n
}

#[tokio::test]
async fn seeded_members_have_acute_care_peer_contacts_and_referrals_at_their_rates() {
    use accompany_domain::claim_data::Icd10;
    use accompany_domain::events::{EventKind, ValidEvent};
    use accompany_synthetic::events::expected_per_member_year;

    const MEMBERS: u64 = 2_000;
    for s in [5u64, 6] {
        let db = if s == 5 { TestDb::sqlite().await } else { TestDb::new().await };
        let store = db.connect().await;
        let today = today();
        let plan = Plan { seed: s, members: MEMBERS, workers: 60, today };
        let report = seed(&store, plan, true).await.unwrap_or_else(|e| panic!("seed {s}: {e:#}"));
        let mut conn = <sqlx::AnyConnection as Connection>::connect(&db.url).await.expect("connect");
        let day = accompany_domain::records::format_date(today);

        // Each kind near its rate per member-year (the events cover one year).
        for kind in EventKind::ALL {
            let n = number(&mut conn, &format!("SELECT COUNT(*) FROM care_events WHERE kind = '{}'", kind.as_str())).await;
            let per_year = n as f64 / MEMBERS as f64;
            let expected = expected_per_member_year(kind);
            assert!((0.7 * expected..1.3 * expected).contains(&per_year), "seed {s}, {kind:?}: {per_year} a member-year, expected {expected}");
        }
        assert_eq!(report.events as i64, number(&mut conn, "SELECT COUNT(*) FROM care_events").await, "seed {s}");
        // About a third of admissions come through the ED the same day.
        let admissions = number(&mut conn, "SELECT COUNT(*) FROM care_events WHERE kind = 'admission'").await;
        let through_ed = number(
            &mut conn,
            "SELECT COUNT(*) FROM care_events a WHERE a.kind = 'admission' AND EXISTS (SELECT 1 FROM care_events e \
             WHERE e.member_id = a.member_id AND e.kind = 'ed-visit' AND e.start_date = a.start_date)",
        )
        .await;
        assert!((0.2..0.5).contains(&(through_ed as f64 / admissions as f64)), "seed {s}: {through_ed} of {admissions}");
        // Nothing after today; discharges on or after admissions.
        let late = format!("SELECT COUNT(*) FROM care_events WHERE start_date > '{day}' OR end_date > '{day}' OR end_date < start_date");
        assert_eq!(number(&mut conn, &late).await, 0, "seed {s}");
        assert_eq!(number(&mut conn, "SELECT COUNT(*) FROM care_events WHERE kind = 'admission' AND end_date IS NULL").await, 0);

        // Labels follow the diagnoses: a substance-use principal diagnosis or a
        // Part 2 program is substance use, and every label is the domain's.
        let mislabelled = "SELECT COUNT(*) FROM care_events WHERE (diagnoses LIKE '[\"F1%' OR part2 = 1) AND category <> 'substance-use'";
        assert_eq!(number(&mut conn, mislabelled).await, 0, "seed {s}");
        assert!(number(&mut conn, "SELECT COUNT(*) FROM care_events WHERE part2 = 1").await > 0, "seed {s}: no Part 2 visit");
        let rows: Vec<(String, String, i64, String)> =
            sqlx::query_as("SELECT kind, diagnoses, part2, category FROM care_events").fetch_all(&mut conn).await.expect("events");
        for (kind, diagnoses, part2, category) in rows {
            let codes: Vec<String> = serde_json::from_str(&diagnoses).expect("diagnoses are JSON");
            let v = ValidEvent {
                masshealth_id: String::new(),
                kind: EventKind::parse(&kind).expect("a kind"),
                start: today,
                end: None,
                facility: None,
                diagnoses: codes.iter().map(|c| Icd10::from_stored(c).expect("a stored code")).collect(),
                part2: part2 != 0,
                external_id: None,
            };
            assert_eq!(v.category().as_str(), category, "seed {s}: {kind} {diagnoses} part2={part2}");
        }

        // Contacts: by the member's peer, within the relationship, none after today.
        let contacts = number(&mut conn, "SELECT COUNT(*) FROM contact_notes").await;
        let peers = number(&mut conn, "SELECT COUNT(*) FROM team_members WHERE team_role = 'peer'").await;
        assert!(peers > 100 && contacts > 3 * peers && contacts < 40 * peers, "seed {s}: {contacts} contacts for {peers} peers");
        let strangers = "SELECT COUNT(*) FROM contact_notes n WHERE NOT EXISTS (SELECT 1 FROM team_members t WHERE t.member_id = n.member_id \
             AND t.user_id = n.author_id AND t.team_role = 'peer' AND n.contact_date >= t.since AND (t.until IS NULL OR n.contact_date <= t.until))";
        assert_eq!(number(&mut conn, strangers).await, 0, "seed {s}");
        assert_eq!(number(&mut conn, &format!("SELECT COUNT(*) FROM contact_notes WHERE contact_date > '{day}'")).await, 0, "seed {s}");
        // The peer row starts on the first contact; about a quarter have ended.
        let starts = "SELECT COUNT(*) FROM team_members t WHERE t.team_role = 'peer' AND t.since <> \
             (SELECT MIN(n.contact_date) FROM contact_notes n WHERE n.member_id = t.member_id)";
        assert_eq!(number(&mut conn, starts).await, 0, "seed {s}");
        let ended = number(&mut conn, "SELECT COUNT(*) FROM team_members WHERE team_role = 'peer' AND until IS NOT NULL").await;
        assert!((0.15..0.35).contains(&(ended as f64 / peers as f64)), "seed {s}: {ended} of {peers} ended");

        // Every member with a peer was referred before the first contact, and enrolled.
        let unreferred = "SELECT COUNT(*) FROM team_members t WHERE t.team_role = 'peer' AND NOT EXISTS (SELECT 1 FROM referrals r \
             WHERE r.member_id = t.member_id AND r.status = 'enrolled' AND SUBSTR(r.first_arrived_at, 1, 10) < \
             (SELECT MIN(n.contact_date) FROM contact_notes n WHERE n.member_id = t.member_id))";
        assert_eq!(number(&mut conn, unreferred).await, 0, "seed {s}");
        // The waiting members (preferences, no peer): referred, still waiting, never contacted.
        let no_peer = "NOT EXISTS (SELECT 1 FROM team_members t WHERE t.member_id = p.member_id AND t.team_role = 'peer')";
        let waiting = number(&mut conn, &format!("SELECT COUNT(*) FROM member_preferences p WHERE {no_peer}")).await;
        assert!(waiting > 0, "seed {s}: nobody waits");
        let unreferred = format!(
            "SELECT COUNT(*) FROM member_preferences p WHERE {no_peer} AND NOT EXISTS (SELECT 1 FROM referrals r \
             WHERE r.member_id = p.member_id AND r.status IN ('new', 'contacted'))"
        );
        assert_eq!(number(&mut conn, &unreferred).await, 0, "seed {s}");
        let contacted = format!(
            "SELECT COUNT(*) FROM member_preferences p WHERE {no_peer} AND EXISTS (SELECT 1 FROM contact_notes n WHERE n.member_id = p.member_id)"
        );
        assert_eq!(number(&mut conn, &contacted).await, 0, "seed {s}");
        // Members who chose their peer said what they wanted; their peer is still with them.
        let chose = number(&mut conn, "SELECT COUNT(*) FROM member_preferences p WHERE EXISTS (SELECT 1 FROM team_members t WHERE t.member_id = p.member_id AND t.team_role = 'peer')").await;
        let chose_and_ended = "SELECT COUNT(*) FROM member_preferences p WHERE EXISTS (SELECT 1 FROM team_members t WHERE t.member_id = p.member_id \
             AND t.team_role = 'peer') AND NOT EXISTS (SELECT 1 FROM team_members t WHERE t.member_id = p.member_id AND t.team_role = 'peer' AND t.until IS NULL)";
        assert!(chose > peers / 3, "seed {s}: {chose} of {peers} members with a peer said what they wanted");
        assert_eq!(number(&mut conn, chose_and_ended).await, 0, "seed {s}");
        assert_eq!(report.referrals as i64, number(&mut conn, "SELECT COUNT(*) FROM referrals").await);
        assert_eq!(report.referrals as i64, peers + waiting, "seed {s}: one referral per peer member and per waiting member");

        // A waiting person asking again is found by name and date of birth: the
        // seeded requests are keyed as arrivals are.
        let (given, family, born): (String, String, String) = sqlx::query_as(
            "SELECT r.given_name, r.family_name, r.date_of_birth FROM referrals r JOIN member_preferences p ON p.member_id = r.member_id \
             ORDER BY r.id LIMIT 1",
        )
        .fetch_one(&mut conn)
        .await
        .expect("a waiting request");
        let again = accompany_domain::referral::ReferralInput {
            door: "self".into(),
            given_name: given.to_uppercase(),
            family_name: family,
            date_of_birth: born,
            phone: Some("617-555-0142".into()),
            language: "en".into(),
            support: "mental-health".into(),
            ..Default::default()
        };
        let merged = store.self_refer(&again, "127.0.0.1").await.expect("arrival");
        assert_eq!(merged.arrivals, 2, "seed {s}: the same person's request");
        assert_eq!(number(&mut conn, "SELECT COUNT(*) FROM referrals").await, report.referrals as i64);

        // The demo member: an ED visit three days ago and a stay from 20 to 15 days ago.
        let ago = |n: i64| accompany_domain::records::format_date(today - time::Duration::days(n));
        let demo = format!(
            "SELECT COUNT(*) FROM care_events e JOIN users u ON u.member_id = e.member_id WHERE u.username = 'member' AND \
             ((e.kind = 'ed-visit' AND e.start_date = '{}' AND e.category = 'mental-health') OR \
              (e.kind = 'admission' AND e.start_date = '{}' AND e.end_date = '{}' AND e.diagnoses LIKE '[\"F331\"%'))",
            ago(3),
            ago(20),
            ago(15)
        );
        assert_eq!(number(&mut conn, &demo).await, 2, "seed {s}");
        let _ = conn.close().await;
        store.close().await;
    }
}
