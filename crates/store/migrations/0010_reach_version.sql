-- How to reach a person changes only from the version that was read, like
-- every other record.
ALTER TABLE reach_preferences ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
