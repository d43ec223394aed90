-- Availability and booking, peer-run groups, how people want to be
-- reached, the calendar feed and the outbox of messages to deliver.
-- Times of sessions and meetings are wall-clock text YYYY-MM-DDTHH:MM,
-- which sorts in time order.

-- A worker's weekly windows: the whole week is one JSON list, replaced at once.
CREATE TABLE worker_availability (
    worker_id TEXT PRIMARY KEY REFERENCES workers(id),
    windows TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);

-- One row per calendar written to ('worker:ID', 'member:ID'): booking updates the
-- rows of the worker and the member first, in a fixed order, so two
-- bookings for the same person wait for each other on both databases.
CREATE TABLE calendar_locks (
    owner TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);

CREATE TABLE peer_sessions (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members(id),
    worker_id TEXT NOT NULL REFERENCES workers(id),
    worker_user_id TEXT NOT NULL REFERENCES users(id),
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    modality TEXT NOT NULL,
    status TEXT NOT NULL,
    booked_by TEXT NOT NULL REFERENCES users(id),
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX peer_sessions_worker ON peer_sessions(worker_user_id, status, starts_at);
CREATE INDEX peer_sessions_member ON peer_sessions(member_id, status, starts_at);

CREATE TABLE peer_groups (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    language TEXT NOT NULL,
    modality TEXT NOT NULL,
    setting TEXT NOT NULL,
    place TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    open_to TEXT NOT NULL REFERENCES organizations(id),
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX peer_groups_open_to ON peer_groups(open_to);

CREATE TABLE group_leaders (
    group_id TEXT NOT NULL REFERENCES peer_groups(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_leaders_user ON group_leaders(user_id);

CREATE TABLE group_meetings (
    id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL REFERENCES peer_groups(id),
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL
);
CREATE INDEX group_meetings_group ON group_meetings(group_id, starts_at);
CREATE INDEX group_meetings_start ON group_meetings(starts_at);

-- A member in a group; leaving keeps the row (left_at) so attendance
-- already recorded still names a member who had joined.
CREATE TABLE group_members (
    id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL REFERENCES peer_groups(id),
    member_id TEXT NOT NULL REFERENCES members(id),
    joined_at TEXT NOT NULL,
    left_at TEXT
);
CREATE INDEX group_members_group ON group_members(group_id, left_at);
CREATE INDEX group_members_member ON group_members(member_id, left_at);

-- Who came to a meeting; each attendance is also a contact note of that member.
CREATE TABLE group_attendance (
    id TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES group_meetings(id),
    member_id TEXT NOT NULL REFERENCES members(id),
    contact_note_id TEXT NOT NULL REFERENCES contact_notes(id),
    recorded_by TEXT NOT NULL REFERENCES users(id),
    recorded_at TEXT NOT NULL,
    UNIQUE (meeting_id, member_id)
);

-- How a person wants to be reached beyond the app.
CREATE TABLE reach_preferences (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    channel TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    updated_at TEXT NOT NULL
);

-- The secret of a person's calendar feed URL: only its SHA-256 is kept.
CREATE TABLE calendar_feeds (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

-- Messages to deliver by email or text, written in the same transaction as
-- the change they tell of, delivered by a background worker with retries.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    lang TEXT NOT NULL,
    text_key TEXT NOT NULL,
    args TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    delivered_at TEXT
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
