ALTER TABLE organizations ALTER COLUMN billing_email TYPE citext;
ALTER TABLE invitations ALTER COLUMN email TYPE citext;
ALTER TABLE users ALTER COLUMN email TYPE citext;
