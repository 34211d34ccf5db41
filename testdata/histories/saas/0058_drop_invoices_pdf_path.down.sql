ALTER TABLE invoices DROP COLUMN pdf_path;
