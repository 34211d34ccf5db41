ALTER TABLE invitations DROP CONSTRAINT IF EXISTS invitations_expiry_check;
