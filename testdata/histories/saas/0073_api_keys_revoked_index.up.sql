CREATE INDEX CONCURRENTLY api_keys_active_org_idx ON api_keys (org_id) WHERE revoked_at IS NULL;
