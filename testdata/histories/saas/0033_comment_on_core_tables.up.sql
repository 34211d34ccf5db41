COMMENT ON TABLE organizations IS 'Tenants. Every customer-owned row carries an org_id.';
COMMENT ON TABLE memberships IS 'Which users belong to which organizations, and with what role.';
COMMENT ON COLUMN api_keys.prefix IS 'First 8 characters of the key, shown in the UI and used for lookup.';
COMMENT ON COLUMN api_keys.key_hash IS 'sha256 of the full key; the key itself is never stored.';
COMMENT ON TABLE audit_events IS 'Append-only. Partitioned by occurred_at.';
