-- What pays for a member's peer support: their coverage by payer (payer
-- ids come from the catalog) and the units each payer authorized for a
-- role. Both carry the Billing label.
CREATE TABLE coverage (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members(id),
    payer_id TEXT NOT NULL,
    plan_name TEXT,
    subscriber_id TEXT,
    priority BIGINT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT,
    initiating_visit TEXT,
    version BIGINT NOT NULL,
    created_by TEXT REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX coverage_member ON coverage(member_id, priority, start_date);

CREATE TABLE authorizations (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members(id),
    role_id TEXT NOT NULL,
    payer_id TEXT NOT NULL,
    number TEXT,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    units BIGINT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    requested_by TEXT REFERENCES users(id),
    recorded_by TEXT REFERENCES users(id),
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX authorizations_member ON authorizations(member_id, role_id, payer_id, start_date);
CREATE INDEX authorizations_status ON authorizations(status, created_at);
