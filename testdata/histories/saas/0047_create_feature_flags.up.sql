CREATE TABLE feature_flags (
  key          text PRIMARY KEY,
  description  text NOT NULL DEFAULT '',
  enabled      boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE organization_feature_flags (
  org_id    uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  flag_key  text NOT NULL REFERENCES feature_flags (key) ON DELETE CASCADE ON UPDATE CASCADE,
  enabled   boolean NOT NULL,
  PRIMARY KEY (org_id, flag_key)
);
