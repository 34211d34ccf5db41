CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    entity_id   bigint,
    table_name  text NOT NULL,
    row_pk      text NOT NULL,
    action      char(1) NOT NULL CHECK (action IN ('I', 'U', 'D')),
    actor       text NOT NULL DEFAULT coalesce(nullif(current_setting('app.user', true), ''), current_user),
    old_row     jsonb,
    new_row     jsonb,
    at          timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX audit_log_table_row_idx ON audit_log (table_name, row_pk);

CREATE FUNCTION audit_journal_entries() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_log (entity_id, table_name, row_pk, action, old_row, new_row)
    VALUES (coalesce(NEW.entity_id, OLD.entity_id), TG_TABLE_NAME,
            coalesce(NEW.id, OLD.id)::text, left(TG_OP, 1),
            CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END,
            CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END);
    RETURN NULL;
END
$$;

CREATE TRIGGER journal_entries_audit
    AFTER INSERT OR UPDATE OR DELETE ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION audit_journal_entries();

REVOKE ALL ON audit_log FROM PUBLIC;
