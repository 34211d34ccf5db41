ALTER TABLE organizations DROP COLUMN trial_ends_at;
