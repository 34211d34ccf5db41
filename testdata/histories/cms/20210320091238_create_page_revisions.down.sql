DROP TABLE page_revisions;
