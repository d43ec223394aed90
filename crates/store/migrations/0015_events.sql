-- Acute-care events reported for members: ED visits, inpatient stays
-- (start = admission, end = discharge) and outpatient mental-health and
-- substance-use visits, with diagnoses (ICD-10-CM without the dot, JSON,
-- principal first), facility, the label the diagnoses give, and whether
-- the sender's file says the record comes from a 42 CFR Part 2 program.
-- The sender's own id keeps a file sent twice from being recorded twice.
CREATE TABLE care_events (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members(id),
    kind TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT,
    facility TEXT,
    diagnoses TEXT NOT NULL,
    category TEXT NOT NULL,
    part2 BIGINT NOT NULL,
    external_id TEXT UNIQUE,
    imported_by TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE INDEX care_events_member ON care_events(member_id, start_date);
CREATE INDEX care_events_kind ON care_events(kind, start_date);
