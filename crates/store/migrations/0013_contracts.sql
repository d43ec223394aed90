-- Contracts between a funder (a health plan, an ACO or a state agency) and
-- the organization it pays for peer work: payment model, dates, budget and
-- the services promised (catalog role ids, JSON). A contract replaces the
-- single `organizations.contracted_by` link: each such link becomes a
-- fee-for-service network contract under the managed-care payer from the
-- day the organization was recorded, with no services listed until an
-- administrator lists them.
CREATE TABLE contracts (
    id TEXT PRIMARY KEY,
    funder_id TEXT NOT NULL REFERENCES organizations(id),
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    payer_id TEXT NOT NULL,
    payment_model TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT,
    budget_cents BIGINT,
    services TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX contracts_organization ON contracts(organization_id, start_date);
CREATE INDEX contracts_funder ON contracts(funder_id, start_date);

INSERT INTO contracts (id, funder_id, organization_id, payer_id, payment_model, start_date, end_date, budget_cents, services, version, created_at, updated_at)
SELECT 'contract-' || id, contracted_by, id, 'managed-care', 'fee-for-service', substr(created_at, 1, 10), NULL, NULL, '[]', 1, created_at, created_at
FROM organizations WHERE contracted_by IS NOT NULL;

ALTER TABLE organizations DROP COLUMN contracted_by;

-- A state agency says which one, as the catalog payer it funds through.
ALTER TABLE organizations ADD COLUMN agency TEXT;

-- A contact is priced as a group's when it is a meeting's attendance.
CREATE INDEX group_attendance_contact ON group_attendance(contact_note_id);
