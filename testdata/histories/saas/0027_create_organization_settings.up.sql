CREATE TABLE organization_settings (
  org_id      uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
  settings    jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT organization_settings_is_object CHECK (jsonb_typeof(settings) = 'object')
);

CREATE TRIGGER set_updated_at
  BEFORE UPDATE ON organization_settings
  FOR EACH ROW
  EXECUTE FUNCTION trigger_set_updated_at();

INSERT INTO organization_settings (org_id)
SELECT id FROM organizations
ON CONFLICT (org_id) DO NOTHING;
