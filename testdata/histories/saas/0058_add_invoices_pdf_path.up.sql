ALTER TABLE invoices ADD COLUMN pdf_path text;
