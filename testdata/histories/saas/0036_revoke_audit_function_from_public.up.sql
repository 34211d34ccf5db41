-- Functions are executable by PUBLIC by default; the audit trigger
-- function is only ever called by triggers.
REVOKE EXECUTE ON FUNCTION audit_row_change() FROM PUBLIC;
