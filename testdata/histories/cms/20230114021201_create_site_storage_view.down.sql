DROP VIEW site_storage;
