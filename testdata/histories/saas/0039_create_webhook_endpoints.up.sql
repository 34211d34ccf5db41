CREATE TABLE webhook_endpoints (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  url         text NOT NULL CHECK (url ~ '^https://'),
  secret      text NOT NULL DEFAULT encode(gen_random_bytes(32), 'base64'),
  events      text[] NOT NULL DEFAULT ARRAY['*'],
  disabled_at timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_org_id_idx ON webhook_endpoints (org_id);
