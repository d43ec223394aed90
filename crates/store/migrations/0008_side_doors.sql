-- Enrolment codes, requests to join a care team, the team's change history,
-- the public door's attempts, emergency access details, and which members
-- each audited list disclosed.

-- A one-time code that links a new account to an existing member record.
-- Only hashes of its two parts are kept.
CREATE TABLE enrolment_codes (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members(id),
    selector_hash TEXT NOT NULL UNIQUE,
    verifier_hash TEXT NOT NULL,
    issued_by TEXT NOT NULL REFERENCES users(id),
    delivery TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    wrong_tries BIGINT NOT NULL,
    used_at TEXT,
    used_by TEXT REFERENCES users(id),
    void_at TEXT
);
CREATE INDEX enrolment_codes_member ON enrolment_codes(member_id);

-- Someone asks to join a member's team; the member or their plan answers.
CREATE TABLE team_requests (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    team_role TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    answered_by TEXT REFERENCES users(id),
    answered_at TEXT
);
CREATE INDEX team_requests_member ON team_requests(member_id, status);

-- Every change to a care team, for the member to see.
CREATE TABLE team_changes (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    team_role TEXT NOT NULL,
    change TEXT NOT NULL,
    changed_by TEXT REFERENCES users(id),
    at TEXT NOT NULL
);
CREATE INDEX team_changes_member ON team_changes(member_id, at);

-- Every try at the public doors, successful or not, by hashed key (client
-- address, MassHealth ID, username), for throttling.
CREATE TABLE public_attempts (
    key_hash TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX public_attempts_key ON public_attempts(key_hash, at);

ALTER TABLE break_glass ADD COLUMN organization_id TEXT;
ALTER TABLE break_glass ADD COLUMN reason_category TEXT;

-- The members one audited list disclosed, by the list's event.
CREATE TABLE audit_listed_members (
    seq BIGINT NOT NULL,
    member_id TEXT NOT NULL
);
CREATE INDEX audit_listed_members_member ON audit_listed_members(member_id, seq);

-- Enrolment codes go to people who have no account yet: an outbox row may
-- have no user. (SQLite cannot drop NOT NULL in place, so the table is rebuilt.)
CREATE TABLE outbox_rebuilt (
    id TEXT PRIMARY KEY,
    user_id TEXT REFERENCES users(id),
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
INSERT INTO outbox_rebuilt (id, user_id, channel, address, lang, text_key, args, status, attempts, next_attempt_at, last_error, created_at, delivered_at)
    SELECT id, user_id, channel, address, lang, text_key, args, status, attempts, next_attempt_at, last_error, created_at, delivered_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_rebuilt RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
