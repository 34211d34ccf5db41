-- Enum values cannot be dropped: rebuild the type without 'billing'.
-- Fails if a membership or invitation still has the role.
ALTER TYPE membership_role RENAME TO membership_role_old;
CREATE TYPE membership_role AS ENUM ('owner', 'admin', 'member');

ALTER TABLE memberships ALTER COLUMN role DROP DEFAULT;
ALTER TABLE memberships ALTER COLUMN role TYPE membership_role USING role::text::membership_role;
ALTER TABLE memberships ALTER COLUMN role SET DEFAULT 'member';

ALTER TABLE invitations ALTER COLUMN role DROP DEFAULT;
ALTER TABLE invitations ALTER COLUMN role TYPE membership_role USING role::text::membership_role;
ALTER TABLE invitations ALTER COLUMN role SET DEFAULT 'member';

DROP TYPE membership_role_old;
