-- The data a claim needs. A member's diagnoses: ICD-10-CM codes held
-- without the dot, each labelled by its code range (substance use, mental
-- health, HIV or care plan), versioned like other records.
CREATE TABLE diagnoses (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members(id),
    code TEXT NOT NULL,
    category TEXT NOT NULL,
    description TEXT,
    start_date TEXT NOT NULL,
    end_date TEXT,
    version BIGINT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users(id),
    recorded_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX diagnoses_member ON diagnoses(member_id, start_date);

-- Billing providers: NPI, tax id (nine digits), NUCC taxonomy and the
-- billing address (JSON: line1, line2, state, zip; the city is the
-- organization's own).
ALTER TABLE organizations ADD COLUMN npi TEXT;
ALTER TABLE organizations ADD COLUMN tax_id TEXT;
ALTER TABLE organizations ADD COLUMN taxonomy TEXT;
ALTER TABLE organizations ADD COLUMN billing_address TEXT;

-- Rendering providers: a worker's own NPI is kept in the worker's data.
