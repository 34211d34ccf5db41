ALTER TABLE invoices DROP CONSTRAINT IF EXISTS invoices_amounts_check;
