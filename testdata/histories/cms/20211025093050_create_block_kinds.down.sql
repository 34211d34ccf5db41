ALTER TABLE page_blocks DROP CONSTRAINT page_blocks_kind_fkey;
DROP TABLE block_kinds;
