//! Seeding works for every seed, not only the ones the demo uses. What
//! varies with the seed is the generator, not the database, so the worlds
//! are seeded on SQLite in both runs; every other test seeds PostgreSQL too.

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
