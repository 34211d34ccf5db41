-- notes were varchar(200) in the first design; keep text
ALTER TABLE gift_cards ALTER COLUMN note TYPE text;
COMMENT ON COLUMN gift_cards.note IS 'free text from the back office';
