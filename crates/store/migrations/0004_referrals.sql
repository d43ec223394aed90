-- No wrong door: requests for peer support from any door, one per person.

CREATE TABLE referrals (
    id TEXT PRIMARY KEY,
    member_id TEXT REFERENCES members(id),
    -- The organization whose coordinators take the request (the referring
    -- staff member's, or the health plan a person chose); NULL: anyone's.
    organization_id TEXT REFERENCES organizations(id),
    doors TEXT NOT NULL,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    person_key TEXT NOT NULL,
    date_of_birth TEXT NOT NULL,
    masshealth_id TEXT,
    phone TEXT,
    email TEXT,
    language TEXT NOT NULL,
    support TEXT NOT NULL,
    status TEXT NOT NULL,
    arrivals BIGINT NOT NULL,
    first_arrived_at TEXT NOT NULL,
    last_arrived_at TEXT NOT NULL,
    referred_by TEXT REFERENCES users(id)
);
CREATE INDEX referrals_masshealth ON referrals(masshealth_id);
CREATE INDEX referrals_person ON referrals(person_key, date_of_birth);
CREATE INDEX referrals_queue ON referrals(status, first_arrived_at);

-- Taken first by every arrival, so that two arrivals of the same person at
-- the same moment cannot both miss each other and make two requests.
CREATE TABLE referral_lock (
    id BIGINT PRIMARY KEY,
    arrivals BIGINT NOT NULL
);
INSERT INTO referral_lock (id, arrivals) VALUES (1, 0);
