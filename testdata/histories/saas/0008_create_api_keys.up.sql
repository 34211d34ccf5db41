-- API keys are shown once; we keep the first 8 characters to find the row
-- and a sha256 of the whole key to check it.
CREATE TABLE api_keys (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id        uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name          text NOT NULL,
  prefix        char(8) NOT NULL,
  key_hash      bytea NOT NULL,
  created_by    uuid REFERENCES users (id) ON DELETE SET NULL,
  last_used_at  timestamptz,
  revoked_at    timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_keys_org_id_idx ON api_keys (org_id);
