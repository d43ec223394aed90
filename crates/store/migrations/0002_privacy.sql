-- Member-controlled privacy: sharing choices (with 42 CFR Part 2 consent),
-- the firewall, break-glass access, health information entries and peer
-- contact notes, and the labels and purpose of each audited access.

-- One row per decision; a new decision about the same recipient revokes the
-- previous one (revoked_at), so the history of consent is kept.
CREATE TABLE sharing_choices (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members(id),
    recipient TEXT NOT NULL,
    categories TEXT NOT NULL,
    purposes TEXT NOT NULL,
    until TEXT,
    part2 TEXT,
    decided_by TEXT NOT NULL REFERENCES users(id),
    decided_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX sharing_choices_member ON sharing_choices(member_id, recipient);

-- People a member knows socially: they see nothing of the member.
CREATE TABLE firewall_entries (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    removed_at TEXT
);
CREATE INDEX firewall_entries_user ON firewall_entries(user_id, member_id);
CREATE INDEX firewall_entries_member ON firewall_entries(member_id);

CREATE TABLE break_glass (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL,
    started_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    reviewed_by TEXT REFERENCES users(id),
    reviewed_at TEXT
);
CREATE INDEX break_glass_user ON break_glass(user_id, member_id);
CREATE INDEX break_glass_member ON break_glass(member_id);

CREATE TABLE health_entries (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members(id),
    category TEXT NOT NULL,
    text TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users(id),
    recorded_at TEXT NOT NULL
);
CREATE INDEX health_entries_member ON health_entries(member_id, recorded_at);

CREATE TABLE contact_notes (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members(id),
    author_id TEXT NOT NULL REFERENCES users(id),
    contact_date TEXT NOT NULL,
    duration_minutes BIGINT NOT NULL,
    modality TEXT NOT NULL,
    setting TEXT NOT NULL,
    note TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX contact_notes_member ON contact_notes(member_id, contact_date);
CREATE INDEX contact_notes_author ON contact_notes(author_id, contact_date);

-- Added to the audit chain: the member the event is about (entity_id may
-- name a note or an entry), the categories disclosed and the purpose.
-- Events written before these columns hash as they did.
ALTER TABLE audit_events ADD COLUMN member_id TEXT;
ALTER TABLE audit_events ADD COLUMN categories TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN purpose TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_events_member ON audit_events(member_id, seq);
CREATE INDEX audit_events_actor ON audit_events(actor_username, seq);
