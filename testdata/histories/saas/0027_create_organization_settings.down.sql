DROP TABLE IF EXISTS organization_settings;
