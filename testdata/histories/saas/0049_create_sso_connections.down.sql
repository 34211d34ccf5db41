DROP TABLE IF EXISTS sso_connections;
