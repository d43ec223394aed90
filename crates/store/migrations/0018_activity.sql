-- An organization's referral funnel reads the referrals made to it.
CREATE INDEX referrals_organization ON referrals(organization_id, status);
