-- notes were varchar(200) in the first design; keep text
ALTER TABLE invoices ALTER COLUMN note TYPE text;
COMMENT ON COLUMN invoices.note IS 'free text from the back office';
