DROP VIEW media_usage;
