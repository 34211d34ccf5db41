DROP TABLE page_blocks;
