-- Contacts with billing units, and the member's recovery goals.

-- When a contact began (HH:MM, the state's local time) and the catalog role
-- its units are counted under. Both may be empty: contacts logged before
-- these columns, and contacts other features record, count under the
-- author's role.
ALTER TABLE contact_notes ADD COLUMN start_time TEXT;
ALTER TABLE contact_notes ADD COLUMN role_id TEXT;

-- The member's own goals, in their words; steps are JSON text. Every
-- version is also in record_versions (entity 'recovery-goal').
CREATE TABLE recovery_goals (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members(id),
    goal TEXT NOT NULL,
    steps TEXT NOT NULL,
    target_date TEXT,
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX recovery_goals_member ON recovery_goals(member_id, created_at);

-- Dated progress on a goal, by the member or their peer.
CREATE TABLE goal_progress (
    id TEXT PRIMARY KEY,
    goal_id TEXT NOT NULL REFERENCES recovery_goals(id),
    member_id TEXT NOT NULL REFERENCES members(id),
    progress_date TEXT NOT NULL,
    note TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users(id),
    recorded_at TEXT NOT NULL
);
CREATE INDEX goal_progress_goal ON goal_progress(goal_id, progress_date);
