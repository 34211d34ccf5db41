CREATE TABLE invitations (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id       uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  email        citext NOT NULL,
  role         membership_role NOT NULL DEFAULT 'member',
  token        text NOT NULL DEFAULT encode(gen_random_bytes(24), 'hex'),
  invited_by   uuid REFERENCES users (id) ON DELETE SET NULL,
  expires_at   timestamptz NOT NULL DEFAULT now() + interval '7 days',
  accepted_at  timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT invitations_token_key UNIQUE (token)
);

-- one pending invitation per address and organization
CREATE UNIQUE INDEX invitations_pending_email_idx
  ON invitations (org_id, email)
  WHERE accepted_at IS NULL;
