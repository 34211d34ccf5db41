ALTER TABLE organizations RENAME COLUMN display_name TO name;
