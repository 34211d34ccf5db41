DROP TABLE page_translations;
