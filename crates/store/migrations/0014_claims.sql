-- Claims: billable contacts gathered per member, billing organization,
-- rendering worker, payer, authorization and month, written in batches
-- (one X12 837P interchange each). Control numbers come from counters so
-- they are unique and increasing; a contact is billed once, which the
-- primary key of `billed_contacts` enforces, so a second export never
-- duplicates a claim.
CREATE TABLE claim_counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO claim_counters (name, value) VALUES ('interchange', 0);
INSERT INTO claim_counters (name, value) VALUES ('group', 0);
INSERT INTO claim_counters (name, value) VALUES ('claim', 0);

CREATE TABLE claim_batches (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    payer_id TEXT NOT NULL,
    encounters BIGINT NOT NULL,
    interchange_control BIGINT NOT NULL UNIQUE,
    group_control BIGINT NOT NULL,
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    claim_count BIGINT NOT NULL,
    total_cents BIGINT NOT NULL,
    file_sha256 TEXT NOT NULL,
    status TEXT NOT NULL,
    acknowledgement TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    submitted_at TEXT,
    submitted_by TEXT
);
CREATE INDEX claim_batches_organization ON claim_batches(organization_id, created_at);

CREATE TABLE claims (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    batch_id TEXT NOT NULL REFERENCES claim_batches(id),
    member_id TEXT NOT NULL REFERENCES members(id),
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    rendering_user_id TEXT NOT NULL,
    payer_id TEXT NOT NULL,
    authorization_number TEXT,
    period TEXT NOT NULL,
    frequency TEXT NOT NULL,
    replaces_claim_id TEXT REFERENCES claims(id),
    status TEXT NOT NULL,
    status_detail TEXT,
    place_of_service TEXT NOT NULL,
    diagnoses TEXT NOT NULL,
    total_cents BIGINT NOT NULL,
    paid_cents BIGINT,
    payer_claim_number TEXT,
    adjustments TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX claims_batch ON claims(batch_id);
CREATE INDEX claims_organization ON claims(organization_id, status, period);
CREATE INDEX claims_member ON claims(member_id);

CREATE TABLE claim_lines (
    claim_id TEXT NOT NULL REFERENCES claims(id),
    line_number BIGINT NOT NULL,
    contact_id TEXT NOT NULL REFERENCES contact_notes(id),
    service_date TEXT NOT NULL,
    code TEXT NOT NULL,
    modifiers TEXT NOT NULL,
    units BIGINT NOT NULL,
    charge_cents BIGINT NOT NULL,
    place_of_service TEXT,
    PRIMARY KEY (claim_id, line_number)
);

CREATE TABLE billed_contacts (
    contact_id TEXT PRIMARY KEY REFERENCES contact_notes(id),
    claim_id TEXT NOT NULL REFERENCES claims(id)
);
CREATE INDEX billed_contacts_claim ON billed_contacts(claim_id);

-- Acknowledgement and remittance files as imported: which kind, its hash,
-- and how many claims it matched.
CREATE TABLE claim_responses (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    file_sha256 TEXT NOT NULL UNIQUE,
    matched BIGINT NOT NULL,
    unmatched BIGINT NOT NULL,
    payment_cents BIGINT,
    imported_by TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
