DROP TRIGGER orders_audit ON orders;
DROP FUNCTION audit_orders();
DROP TABLE audit_log;
