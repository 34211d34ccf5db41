ALTER TABLE users ALTER COLUMN email TYPE email_address;
ALTER TABLE invitations ALTER COLUMN email TYPE email_address;
ALTER TABLE organizations ALTER COLUMN billing_email TYPE email_address;
