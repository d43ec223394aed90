-- Portable SQL: runs unchanged on SQLite and PostgreSQL. Identifiers are
-- UUID text, times are fixed-width UTC text (sortable), lists are JSON text.

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    contracted_by TEXT REFERENCES organizations(id),
    city TEXT,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX organizations_kind ON organizations(kind, name);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    persona TEXT NOT NULL,
    organization_id TEXT REFERENCES organizations(id),
    member_id TEXT,
    locale TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE members (
    id TEXT PRIMARY KEY,
    masshealth_id TEXT NOT NULL UNIQUE,
    medicare_id TEXT,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    -- The family name lower-cased by the application, for prefix search on an index.
    family_name_key TEXT NOT NULL,
    date_of_birth TEXT NOT NULL,
    primary_language TEXT,
    city TEXT,
    plan_id TEXT REFERENCES organizations(id),
    data TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX members_name ON members(family_name_key, id);
CREATE INDEX members_plan ON members(plan_id);
CREATE INDEX members_language ON members(primary_language);

CREATE TABLE workers (
    id TEXT PRIMARY KEY,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    role_id TEXT NOT NULL,
    employer_id TEXT NOT NULL REFERENCES organizations(id),
    employment_start TEXT NOT NULL,
    employment_end TEXT,
    city TEXT,
    user_id TEXT REFERENCES users(id),
    supervisor_id TEXT REFERENCES workers(id),
    data TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX workers_employer ON workers(employer_id, role_id);
CREATE INDEX workers_user ON workers(user_id);
CREATE INDEX workers_supervisor ON workers(supervisor_id);

CREATE TABLE team_members (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    team_role TEXT NOT NULL,
    since TEXT NOT NULL,
    until TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX team_members_member ON team_members(member_id);
CREATE INDEX team_members_user ON team_members(user_id, member_id);

-- Every version of every versioned record, with who wrote it, when and why.
CREATE TABLE record_versions (
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    data TEXT NOT NULL,
    changed_by TEXT,
    changed_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id, version)
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT
);

CREATE TABLE login_failures (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    client_addr TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX login_failures_username ON login_failures(username, at);
CREATE INDEX login_failures_addr ON login_failures(client_addr, at);

-- Who touched which member record, when, and what the policy decided.
-- Append-only and hash-chained: each event's hash covers its fields and the
-- previous event's hash, and audit_head holds the newest link, so that a
-- changed, deleted or reordered event breaks the chain.
CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    at TEXT NOT NULL,
    actor_user_id TEXT,
    actor_username TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT,
    decision TEXT NOT NULL,
    reason TEXT NOT NULL,
    client_addr TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_entity ON audit_events(entity_id, seq);
CREATE INDEX audit_events_at ON audit_events(at);

CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
