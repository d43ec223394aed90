-- The unmatched report of each batch run (or dry run): what network
-- adequacy shows as unmet demand, by language and blocking constraint.
CREATE TABLE batch_reports (
    id TEXT PRIMARY KEY,
    run_at TEXT NOT NULL,
    -- Who ran it, as the audit trail names them (the command line runs as a system actor).
    run_by TEXT NOT NULL,
    -- The organization an organization admin's batch was limited to; NULL: the state's.
    organization_id TEXT,
    applied BIGINT NOT NULL,
    waiting BIGINT NOT NULL,
    served BIGINT NOT NULL,
    -- The GapSummary as JSON: counts by language, town, support and reason.
    gap TEXT NOT NULL
);
CREATE INDEX batch_reports_scope ON batch_reports(organization_id, run_at);
