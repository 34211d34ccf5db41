ALTER TABLE page_blocks DROP COLUMN reusable_block_id;
DROP TABLE reusable_blocks;
