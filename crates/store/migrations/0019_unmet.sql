-- The unmatched report of each batch run (or dry run): what network
-- adequacy shows as unmet demand, by language and blocking constraint.
CREATE TABLE batch_reports (
    id TEXT PRIMARY KEY,
    run_at TEXT NOT NULL,
    run_by TEXT REFERENCES users(id),
    -- The organization an organization admin's batch was limited to; NULL: the state's.
    organization_id TEXT,
    applied BIGINT NOT NULL,
    waiting BIGINT NOT NULL,
    served BIGINT NOT NULL,
    -- The GapSummary as JSON: counts by language, town, support and reason.
    gap TEXT NOT NULL
);
CREATE INDEX batch_reports_scope ON batch_reports(organization_id, run_at);
