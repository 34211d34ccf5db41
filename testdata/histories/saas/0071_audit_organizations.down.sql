DROP TRIGGER audit_organizations ON organizations;
