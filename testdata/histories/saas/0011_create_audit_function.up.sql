CREATE OR REPLACE FUNCTION audit_row_change()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
DECLARE
  rec   jsonb;
  actor uuid;
BEGIN
  IF TG_OP = 'DELETE' THEN
    rec := to_jsonb(OLD);
  ELSE
    rec := to_jsonb(NEW);
  END IF;
  -- the application sets app.user_id per request; missing means a job
  actor := nullif(current_setting('app.user_id', true), '')::uuid;
  INSERT INTO audit_events (org_id, actor_id, table_name, action, row_data)
  VALUES ((rec ->> 'org_id')::uuid, actor, TG_TABLE_NAME, TG_OP, rec);
  RETURN NULL;
END;
$fn$;
