BEGIN;
ALTER TABLE site_members DROP CONSTRAINT site_members_role_check;
ALTER TABLE site_members ADD CONSTRAINT site_members_role_check
    CHECK (role IN ('admin', 'editor', 'author', 'contributor', 'viewer'));
ALTER TABLE site_invitations DROP CONSTRAINT site_invitations_role_check;
ALTER TABLE site_invitations ADD CONSTRAINT site_invitations_role_check
    CHECK (role IN ('admin', 'editor', 'author', 'contributor', 'viewer'));
COMMIT;
