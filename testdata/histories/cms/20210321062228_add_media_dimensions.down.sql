ALTER TABLE media
    DROP COLUMN height,
    DROP COLUMN width;
