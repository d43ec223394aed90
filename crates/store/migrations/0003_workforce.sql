-- Keeping the workforce whole: credentials, continuing education, training,
-- supervision notes and positions (job descriptions with pay bands).
-- Portable SQL, like 0001: text ids and dates, BIGINT numbers, JSON as text.

CREATE TABLE credentials (
    id TEXT PRIMARY KEY,
    worker_id TEXT NOT NULL REFERENCES workers(id),
    kind TEXT NOT NULL,
    issuer TEXT,
    issued_on TEXT NOT NULL,
    expires_on TEXT,
    evidence TEXT,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX credentials_worker ON credentials(worker_id, kind);
CREATE INDEX credentials_expires ON credentials(expires_on);

CREATE TABLE ce_entries (
    id TEXT PRIMARY KEY,
    worker_id TEXT NOT NULL REFERENCES workers(id),
    title TEXT NOT NULL,
    tenths BIGINT NOT NULL,
    completed_on TEXT NOT NULL,
    program_id TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX ce_entries_worker ON ce_entries(worker_id, completed_on);

CREATE TABLE training_enrolments (
    id TEXT PRIMARY KEY,
    worker_id TEXT NOT NULL REFERENCES workers(id),
    program_id TEXT NOT NULL,
    cohort TEXT NOT NULL,
    status TEXT NOT NULL,
    attended_tenths BIGINT NOT NULL,
    exam TEXT,
    completed_on TEXT,
    certificate_id TEXT REFERENCES credentials(id),
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX training_enrolments_worker ON training_enrolments(worker_id);
CREATE INDEX training_enrolments_program ON training_enrolments(program_id, cohort);

-- 130 CMR 418.410: frequency, format, signature and credentials, content.
CREATE TABLE supervision_sessions (
    id TEXT PRIMARY KEY,
    worker_id TEXT NOT NULL REFERENCES workers(id),
    supervisor_id TEXT NOT NULL REFERENCES workers(id),
    held_on TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    format TEXT NOT NULL,
    topics TEXT NOT NULL,
    signature TEXT NOT NULL,
    supervisor_credentials TEXT NOT NULL,
    recorded_by TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX supervision_sessions_worker ON supervision_sessions(worker_id, held_on);
CREATE INDEX supervision_sessions_supervisor ON supervision_sessions(supervisor_id, held_on);

CREATE TABLE positions (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    title TEXT NOT NULL,
    role_id TEXT,
    program TEXT NOT NULL,
    setting TEXT NOT NULL,
    education TEXT NOT NULL,
    tasks TEXT NOT NULL,
    pay_min_cents BIGINT NOT NULL,
    pay_max_cents BIGINT NOT NULL,
    leadership BIGINT NOT NULL,
    worker_id TEXT REFERENCES workers(id),
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX positions_organization ON positions(organization_id, program);
CREATE INDEX positions_worker ON positions(worker_id);
