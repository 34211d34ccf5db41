ALTER TABLE organizations ADD COLUMN trial_ends_at timestamptz;
