ALTER TABLE price_lists DROP COLUMN status;
