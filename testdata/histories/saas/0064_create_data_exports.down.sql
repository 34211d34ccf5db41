DROP TABLE data_exports;
DROP TYPE export_status;
