ALTER TABLE organizations ADD COLUMN IF NOT EXISTS billing_email citext;
