DROP TABLE page_locks;
