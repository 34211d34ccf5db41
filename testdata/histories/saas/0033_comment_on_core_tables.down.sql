COMMENT ON TABLE audit_events IS NULL;
COMMENT ON COLUMN api_keys.key_hash IS NULL;
COMMENT ON COLUMN api_keys.prefix IS NULL;
COMMENT ON TABLE memberships IS NULL;
COMMENT ON TABLE organizations IS NULL;
