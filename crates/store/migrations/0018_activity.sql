-- An organization's referral funnel reads the referrals made to it.
CREATE INDEX referrals_organization ON referrals(organization_id, status);
-- A member's first note from each of their peers: one index-only seek.
CREATE INDEX contact_notes_member_author ON contact_notes(member_id, author_id, contact_date);
