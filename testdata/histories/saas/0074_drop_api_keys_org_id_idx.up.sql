-- superseded by api_keys_active_org_idx for every query we run
DROP INDEX IF EXISTS api_keys_org_id_idx;
