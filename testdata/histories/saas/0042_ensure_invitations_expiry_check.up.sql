-- Some environments got this constraint by hand during the March incident;
-- add it only where it is missing.
DO $$
BEGIN
  IF NOT EXISTS (
    SELECT 1
      FROM pg_constraint
     WHERE conname = 'invitations_expiry_check'
       AND conrelid = 'invitations'::regclass
  ) THEN
    ALTER TABLE invitations
      ADD CONSTRAINT invitations_expiry_check CHECK (expires_at > created_at);
  END IF;
END
$$;
