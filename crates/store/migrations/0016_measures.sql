-- Outcome measures rolled up per member, so that a report sums small rows
-- instead of reading every event and contact. Every write that changes what
-- a member's measures read (a contact, an event, a peer joining or leaving,
-- a referral, a goal, the member's own record) marks the member stale, by
-- trigger, in the writer's transaction; a report first recomputes stale
-- members, and `accompany measures rebuild` recomputes everyone.

-- One row per member with a peer, a referral or goals: what a report is broken down by, the before-and-after
-- counts of acute care, the peer relationship and goals.
CREATE TABLE measure_members (
    member_id TEXT PRIMARY KEY REFERENCES members(id),
    -- The member's peer (the current one, else the last), the peer's
    -- employer, the member's plan and the region of their town.
    peer_user_id TEXT,
    organization_id TEXT,
    plan_id TEXT,
    region TEXT,
    -- 'peer' (indexed at the first peer contact), 'comparison' (referred,
    -- never matched, indexed at the referral) or NULL.
    cohort TEXT,
    index_date TEXT,
    before_ed BIGINT NOT NULL,
    before_admissions BIGINT NOT NULL,
    before_days BIGINT NOT NULL,
    after_ed BIGINT NOT NULL,
    after_admissions BIGINT NOT NULL,
    after_days BIGINT NOT NULL,
    -- Days from the first peer contact to the last day with the peer, when
    -- the relationship has ended.
    retained_days BIGINT,
    -- The peer's role rule of connections: the last day of its first
    -- window, and whether the contacts in it met the rule.
    engagement_due TEXT,
    engaged BIGINT,
    goals BIGINT NOT NULL,
    goals_achieved BIGINT NOT NULL
);
CREATE INDEX measure_members_cohort ON measure_members(cohort, index_date);
CREATE INDEX measure_members_organization ON measure_members(organization_id);

-- One row per case of a follow-up measure: its index day, the day after it
-- of the first follow-up within 30 days (NULL: none), and the member's
-- groups, so that a report reads this table alone.
CREATE TABLE measure_cases (
    member_id TEXT NOT NULL REFERENCES members(id),
    measure TEXT NOT NULL,
    index_date TEXT NOT NULL,
    followed_up_on_day BIGINT,
    peer_user_id TEXT,
    organization_id TEXT,
    plan_id TEXT,
    region TEXT
);
CREATE INDEX measure_cases_member ON measure_cases(member_id);
-- Covers the report's one scan, grouped in this order: no table reads.
CREATE INDEX measure_cases_report ON measure_cases(measure, peer_user_id, organization_id, plan_id, region, index_date, followed_up_on_day);

CREATE TABLE measure_stale (
    member_id TEXT PRIMARY KEY
);

-- When everyone was last recomputed.
CREATE TABLE measure_builds (
    id BIGINT PRIMARY KEY,
    built_at TEXT NOT NULL,
    members BIGINT NOT NULL
);

-- Members already here have never been computed.
INSERT INTO measure_stale (member_id) SELECT id FROM members;

-- @sqlite
CREATE TRIGGER measure_stale_contact_insert AFTER INSERT ON contact_notes BEGIN INSERT OR IGNORE INTO measure_stale (member_id) VALUES (NEW.member_id); END;
CREATE TRIGGER measure_stale_contact_update AFTER UPDATE ON contact_notes BEGIN INSERT OR IGNORE INTO measure_stale (member_id) VALUES (NEW.member_id); END;
CREATE TRIGGER measure_stale_event_insert AFTER INSERT ON care_events BEGIN INSERT OR IGNORE INTO measure_stale (member_id) VALUES (NEW.member_id); END;
CREATE TRIGGER measure_stale_team_insert AFTER INSERT ON team_members BEGIN INSERT OR IGNORE INTO measure_stale (member_id) VALUES (NEW.member_id); END;
CREATE TRIGGER measure_stale_team_update AFTER UPDATE ON team_members BEGIN INSERT OR IGNORE INTO measure_stale (member_id) VALUES (NEW.member_id); END;
CREATE TRIGGER measure_stale_referral_insert AFTER INSERT ON referrals WHEN NEW.member_id IS NOT NULL BEGIN INSERT OR IGNORE INTO measure_stale (member_id) VALUES (NEW.member_id); END;
CREATE TRIGGER measure_stale_referral_update AFTER UPDATE ON referrals WHEN NEW.member_id IS NOT NULL BEGIN INSERT OR IGNORE INTO measure_stale (member_id) VALUES (NEW.member_id); END;
CREATE TRIGGER measure_stale_goal_insert AFTER INSERT ON recovery_goals BEGIN INSERT OR IGNORE INTO measure_stale (member_id) VALUES (NEW.member_id); END;
CREATE TRIGGER measure_stale_goal_update AFTER UPDATE ON recovery_goals BEGIN INSERT OR IGNORE INTO measure_stale (member_id) VALUES (NEW.member_id); END;
CREATE TRIGGER measure_stale_member_insert AFTER INSERT ON members BEGIN INSERT OR IGNORE INTO measure_stale (member_id) VALUES (NEW.id); END;
CREATE TRIGGER measure_stale_member_update AFTER UPDATE ON members BEGIN INSERT OR IGNORE INTO measure_stale (member_id) VALUES (NEW.id); END;
-- @postgres
-- Statement triggers with transition tables: a bulk load marks each
-- member once per statement, not once per row.
CREATE FUNCTION measure_mark_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO measure_stale (member_id) SELECT DISTINCT member_id FROM changed WHERE member_id IS NOT NULL ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE FUNCTION measure_mark_member_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO measure_stale (member_id) SELECT id FROM changed ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER measure_stale_contact_insert AFTER INSERT ON contact_notes REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION measure_mark_stale();
CREATE TRIGGER measure_stale_contact_update AFTER UPDATE ON contact_notes REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION measure_mark_stale();
CREATE TRIGGER measure_stale_event_insert AFTER INSERT ON care_events REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION measure_mark_stale();
CREATE TRIGGER measure_stale_team_insert AFTER INSERT ON team_members REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION measure_mark_stale();
CREATE TRIGGER measure_stale_team_update AFTER UPDATE ON team_members REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION measure_mark_stale();
CREATE TRIGGER measure_stale_referral_insert AFTER INSERT ON referrals REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION measure_mark_stale();
CREATE TRIGGER measure_stale_referral_update AFTER UPDATE ON referrals REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION measure_mark_stale();
CREATE TRIGGER measure_stale_goal_insert AFTER INSERT ON recovery_goals REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION measure_mark_stale();
CREATE TRIGGER measure_stale_goal_update AFTER UPDATE ON recovery_goals REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION measure_mark_stale();
CREATE TRIGGER measure_stale_member_insert AFTER INSERT ON members REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION measure_mark_member_stale();
CREATE TRIGGER measure_stale_member_update AFTER UPDATE ON members REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION measure_mark_member_stale();
