-- guard contract enforce remove: everything install.sql created.
DROP EVENT TRIGGER IF EXISTS guard_enforce_ddl_command_end;
DROP EVENT TRIGGER IF EXISTS guard_enforce_sql_drop;
DROP SCHEMA IF EXISTS guard_enforce CASCADE;
