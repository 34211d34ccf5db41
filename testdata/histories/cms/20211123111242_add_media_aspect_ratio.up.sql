ALTER TABLE media ADD COLUMN aspect_ratio numeric(8, 4)
    GENERATED ALWAYS AS (CASE WHEN height > 0 THEN round(width::numeric / height, 4) END) STORED;
