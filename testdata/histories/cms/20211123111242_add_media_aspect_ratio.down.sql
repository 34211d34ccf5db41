ALTER TABLE media DROP COLUMN aspect_ratio;
