COMMENT ON COLUMN gift_cards.note IS NULL;
