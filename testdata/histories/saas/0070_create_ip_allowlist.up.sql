CREATE TABLE ip_allowlist_entries (
  id          bigserial PRIMARY KEY,
  org_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  cidr        cidr NOT NULL,
  label       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ip_allowlist_entries_org_cidr_key UNIQUE (org_id, cidr)
);
