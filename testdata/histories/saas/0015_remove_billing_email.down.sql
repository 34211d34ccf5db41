ALTER TABLE organizations DROP COLUMN IF EXISTS billing_email;
