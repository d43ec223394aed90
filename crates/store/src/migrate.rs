//! Versioned schema migrations, the same SQL on both databases. Each runs in
//! its own transaction and is recorded, so a failed one leaves nothing half done.

use sqlx::{AnyPool, Row};

use crate::{now_text, Result, StoreError};

/// (version, name, SQL) in order. Never edit a shipped migration; add one.
/// Versions need not be contiguous: each is applied when it is missing.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "records", include_str!("../migrations/0001_records.sql")),
    (2, "privacy", include_str!("../migrations/0002_privacy.sql")),
    (3, "workforce", include_str!("../migrations/0003_workforce.sql")),
    (4, "referrals", include_str!("../migrations/0004_referrals.sql")),
    (5, "matching", include_str!("../migrations/0005_matching.sql")),
    (6, "contacts_goals", include_str!("../migrations/0006_contacts_goals.sql")),
    (7, "booking_groups", include_str!("../migrations/0007_booking_groups.sql")),
    (8, "side_doors", include_str!("../migrations/0008_side_doors.sql")),
    (9, "edges", include_str!("../migrations/0009_edges.sql")),
    (10, "reach_version", include_str!("../migrations/0010_reach_version.sql")),
    (11, "billing", include_str!("../migrations/0011_billing.sql")),
    (12, "claim_data", include_str!("../migrations/0012_claim_data.sql")),
    (13, "contracts", include_str!("../migrations/0013_contracts.sql")),
    (14, "claims", include_str!("../migrations/0014_claims.sql")),
    (15, "events", include_str!("../migrations/0015_events.sql")),
    (16, "measures", include_str!("../migrations/0016_measures.sql")),
    (17, "equity", include_str!("../migrations/0017_equity.sql")),
    (18, "activity", include_str!("../migrations/0018_activity.sql")),
    (19, "unmet", include_str!("../migrations/0019_unmet.sql")),
];

/// The part of a migration for one database: lines after `-- @sqlite` or
/// `-- @postgres` are kept only for that database, and `-- @both` returns
/// to lines for both. A migration without markers is for both.
fn for_backend(sql: &str, sqlite: bool) -> String {
    let mut keep = true;
    let mut out = String::with_capacity(sql.len());
    for line in sql.lines() {
        match line.trim() {
            "-- @both" => keep = true,
            "-- @sqlite" => keep = sqlite,
            "-- @postgres" => keep = !sqlite,
            _ if keep => {
                out.push_str(line);
                out.push('\n');
            }
            _ => {}
        }
    }
    out
}

pub(crate) async fn run(pool: &AnyPool) -> Result<Vec<&'static str>> {
    sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
        .execute(pool)
        .await?;
    let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>(0))
        .collect::<Result<_, _>>()?;
    let sqlite = pool.connect_options().database_url.scheme().starts_with("sqlite");
    let mut done = Vec::new();
    for &(version, name, sql) in MIGRATIONS {
        if applied.contains(&version) {
            continue;
        }
        let fail = |source| StoreError::Migration { version, name, source };
        let mut tx = pool.begin().await?;
        sqlx::raw_sql(&for_backend(sql, sqlite)).execute(&mut *tx).await.map_err(fail)?;
        sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(version)
            .bind(name)
            .bind(now_text())
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        done.push(name);
    }
    Ok(done)
}

/// Drop every table in the database's current schema.
pub(crate) async fn drop_all(pool: &AnyPool) -> Result<()> {
    let sqlite = pool.connect_options().database_url.scheme().starts_with("sqlite");
    let list = if sqlite {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    } else {
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
    };
    let tables: Vec<String> = sqlx::query(list).fetch_all(pool).await?.iter().map(|r| r.try_get::<String, _>(0)).collect::<Result<_, _>>()?;
    let mut conn = pool.acquire().await?;
    if sqlite {
        sqlx::raw_sql("PRAGMA foreign_keys = OFF").execute(&mut *conn).await?;
    }
    for t in tables {
        let quoted = format!("\"{}\"", t.replace('"', "\"\""));
        let sql = if sqlite { format!("DROP TABLE IF EXISTS {quoted}") } else { format!("DROP TABLE IF EXISTS {quoted} CASCADE") };
        sqlx::raw_sql(&sql).execute(&mut *conn).await?;
    }
    if sqlite {
        sqlx::raw_sql("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn sections_go_to_their_database() {
        let sql = "A;\n-- @sqlite\nS;\n-- @postgres\nP;\n-- @both\nB;\n";
        assert_eq!(super::for_backend(sql, true), "A;\nS;\nB;\n");
        assert_eq!(super::for_backend(sql, false), "A;\nP;\nB;\n");
    }
}
