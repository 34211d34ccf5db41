DROP TABLE ip_allowlist_entries;
