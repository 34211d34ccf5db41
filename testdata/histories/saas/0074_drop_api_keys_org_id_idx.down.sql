CREATE INDEX IF NOT EXISTS api_keys_org_id_idx ON api_keys (org_id);
