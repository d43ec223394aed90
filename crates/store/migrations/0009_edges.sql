-- The edges: an audit trail the database cannot rewrite by itself, sign-in
-- delays recorded atomically, idle sessions, and tokens tied to the sign-in
-- that made them.
--
-- Sections marked "-- @sqlite" or "-- @postgres" run only on that database;
-- "-- @both" returns to SQL both accept.

-- @both
-- Events before this sequence number were chained with plain SHA-256 (they
-- predate the keyed chain); from it on, every link is an HMAC under the
-- audit key, which is kept outside the database.
CREATE TABLE audit_keyed (
    id BIGINT PRIMARY KEY,
    from_seq BIGINT NOT NULL
);
INSERT INTO audit_keyed (id, from_seq) SELECT 1, seq + 1 FROM audit_head WHERE id = 1;

-- Failed sign-ins, one row per username and one per client address: how
-- many in a row and when the last one was. Updated under a row lock, so
-- parallel guesses are counted one after another.
CREATE TABLE sign_in_failures (
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    failures BIGINT NOT NULL,
    last_at TEXT NOT NULL,
    not_before TEXT NOT NULL,
    PRIMARY KEY (kind, subject)
);

-- Sessions end after a while without use as well as at their fixed expiry.
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT NOT NULL DEFAULT '';
-- A token made by signing in to the API belongs to that sign-in: signing
-- out ends it.
ALTER TABLE api_tokens ADD COLUMN session_hash TEXT;
CREATE INDEX api_tokens_user ON api_tokens(user_id);
-- Calendar feed links expire; those made before count a year from creation.
ALTER TABLE calendar_feeds ADD COLUMN expires_at TEXT NOT NULL DEFAULT '';
-- Failed sign-ins are counted in sign_in_failures now.
DROP TABLE login_failures;

-- @sqlite
CREATE TRIGGER audit_events_append_only_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_append_only_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_keyed_fixed_update BEFORE UPDATE ON audit_keyed
BEGIN SELECT RAISE(ABORT, 'the start of the keyed audit chain is fixed'); END;
CREATE TRIGGER audit_keyed_fixed_delete BEFORE DELETE ON audit_keyed
BEGIN SELECT RAISE(ABORT, 'the start of the keyed audit chain is fixed'); END;

-- @postgres
CREATE OR REPLACE FUNCTION accompany_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only (% on %)', TG_OP, TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION accompany_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
FOR EACH STATEMENT EXECUTE FUNCTION accompany_append_only();
CREATE TRIGGER audit_keyed_fixed BEFORE UPDATE OR DELETE ON audit_keyed
FOR EACH ROW EXECUTE FUNCTION accompany_append_only();
