CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    table_name text NOT NULL,
    row_id     bigint NOT NULL,
    action     text NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
    at         timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION audit_orders() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    INSERT INTO audit_log (table_name, row_id, action)
    VALUES (TG_TABLE_NAME, coalesce(NEW.id, OLD.id), lower(TG_OP));
    RETURN coalesce(NEW, OLD);
END;
$body$;

CREATE TRIGGER orders_audit AFTER INSERT OR UPDATE OR DELETE ON orders
    FOR EACH ROW EXECUTE FUNCTION audit_orders();
