DROP TABLE page_tags;
DROP TABLE tags;
