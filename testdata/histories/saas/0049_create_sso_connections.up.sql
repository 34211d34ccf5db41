CREATE TABLE sso_connections (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id         uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  idp_entity_id  text NOT NULL,
  sso_url        text NOT NULL,
  certificate    text NOT NULL,
  email_domains  citext[] NOT NULL DEFAULT '{}',
  enforced       boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT sso_connections_org_id_key UNIQUE (org_id)
);

CREATE TRIGGER set_updated_at
  BEFORE UPDATE ON sso_connections
  FOR EACH ROW
  EXECUTE FUNCTION trigger_set_updated_at();

CREATE TRIGGER audit_sso_connections
  AFTER INSERT OR UPDATE OR DELETE ON sso_connections
  FOR EACH ROW EXECUTE FUNCTION audit_row_change();
