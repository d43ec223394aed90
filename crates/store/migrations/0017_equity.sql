-- For whom: one row per member who asked for a peer or has had one, with
-- what network adequacy, equity and Appendix-A tables count: the member's
-- reporting categories (mapped by the catalog from their own words, which
-- stay in their record), the door they came through, how long they waited
-- for a peer and went without one, and whether their peer meets the
-- wishes they made about who the peer is. Recomputed with the outcome
-- measures, marked stale by the same triggers and by these below.
CREATE TABLE equity_members (
    member_id TEXT PRIMARY KEY REFERENCES members(id),
    plan_id TEXT,
    region TEXT,
    -- The member's peer (the current one, else the last): employer and role.
    organization_id TEXT,
    peer_role TEXT,
    date_of_birth TEXT NOT NULL,
    gender TEXT NOT NULL,
    race TEXT NOT NULL,
    ethnicity TEXT NOT NULL,
    sexual_orientation TEXT NOT NULL,
    language TEXT NOT NULL,
    how_connected TEXT NOT NULL,
    -- The first request for a peer, the first peer, and the days between.
    requested_on TEXT,
    first_peer_on TEXT,
    days_to_peer BIGINT,
    has_peer BIGINT NOT NULL,
    -- The last time the member was left without a peer: when, and the days
    -- until a new peer (NULL: still without one).
    gap_started_on TEXT,
    gap_days BIGINT,
    -- Whether the current peer meets the member's must and prefer wishes
    -- about who the peer is (NULL: no such wish, or no peer).
    must_met BIGINT,
    prefer_met BIGINT
);
CREATE INDEX equity_members_requested ON equity_members(requested_on);
CREATE INDEX equity_members_first_peer ON equity_members(first_peer_on);
CREATE INDEX equity_members_gap ON equity_members(gap_started_on);

-- Raised by every recompute: a report made from the rollups is kept until
-- the generation or the day changes.
CREATE TABLE measure_generation (
    id BIGINT PRIMARY KEY,
    generation BIGINT NOT NULL
);
INSERT INTO measure_generation (id, generation) VALUES (1, 0);

-- Everyone is computed again, so that the new rows exist.
INSERT INTO measure_stale (member_id) SELECT id FROM members WHERE id NOT IN (SELECT member_id FROM measure_stale);

-- @sqlite
CREATE TRIGGER measure_stale_preferences_insert AFTER INSERT ON member_preferences BEGIN INSERT OR IGNORE INTO measure_stale (member_id) VALUES (NEW.member_id); END;
CREATE TRIGGER measure_stale_preferences_update AFTER UPDATE ON member_preferences BEGIN INSERT OR IGNORE INTO measure_stale (member_id) VALUES (NEW.member_id); END;
CREATE TRIGGER measure_stale_gap_insert AFTER INSERT ON peer_gaps BEGIN INSERT OR IGNORE INTO measure_stale (member_id) VALUES (NEW.member_id); END;
CREATE TRIGGER measure_stale_gap_update AFTER UPDATE ON peer_gaps BEGIN INSERT OR IGNORE INTO measure_stale (member_id) VALUES (NEW.member_id); END;
-- @postgres
CREATE TRIGGER measure_stale_preferences_insert AFTER INSERT ON member_preferences REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION measure_mark_stale();
CREATE TRIGGER measure_stale_preferences_update AFTER UPDATE ON member_preferences REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION measure_mark_stale();
CREATE TRIGGER measure_stale_gap_insert AFTER INSERT ON peer_gaps REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION measure_mark_stale();
CREATE TRIGGER measure_stale_gap_update AFTER UPDATE ON peer_gaps REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION measure_mark_stale();
