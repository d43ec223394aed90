-- Member choice of a peer: the member's preferences, the facts matching
-- needs about workers that their record does not hold, notifications to
-- peers and care coordinators, and the time members spend without a peer.

-- One row per member who said what they want of a peer; every version is
-- also in record_versions (entity 'preferences').
CREATE TABLE member_preferences (
    member_id TEXT PRIMARY KEY REFERENCES members(id),
    data TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);

-- How a worker meets members and where from. A worker without a row meets
-- in person and by phone, from the centre of their town. Choosing a peer
-- updates the row inside its transaction: that row lock serializes
-- concurrent choices of the same peer on both databases.
CREATE TABLE worker_matching (
    worker_id TEXT PRIMARY KEY REFERENCES workers(id),
    data TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    text_key TEXT NOT NULL,
    args TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX notifications_user ON notifications(user_id, created_at);

-- A member without a peer after their peer left or the relationship ended:
-- open until a new peer is chosen or assigned. The departing peer's role
-- and organization let the batch keep what it can of the relationship.
CREATE TABLE peer_gaps (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members(id),
    worker_id TEXT REFERENCES workers(id),
    role_id TEXT,
    organization_id TEXT,
    source TEXT,
    reason TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX peer_gaps_open ON peer_gaps(ended_at, member_id);
CREATE INDEX peer_gaps_member ON peer_gaps(member_id);
CREATE INDEX peer_gaps_worker ON peer_gaps(worker_id);

-- Caseload counts: active peer memberships by peer, from the index alone.
CREATE INDEX team_members_active_role ON team_members(team_role, until, user_id);
