DROP FUNCTION IF EXISTS audit_row_change();
