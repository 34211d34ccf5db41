DROP TRIGGER IF EXISTS audit_invitations ON invitations;
DROP TRIGGER IF EXISTS audit_api_keys ON api_keys;
DROP TRIGGER IF EXISTS audit_memberships ON memberships;
