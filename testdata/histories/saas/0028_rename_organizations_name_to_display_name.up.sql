ALTER TABLE organizations RENAME COLUMN name TO display_name;
