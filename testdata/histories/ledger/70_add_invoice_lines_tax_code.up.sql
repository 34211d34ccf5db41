ALTER TABLE invoice_lines ADD COLUMN tax_code_id bigint REFERENCES tax_codes (id);
ALTER TABLE invoice_lines ADD COLUMN tax_amount numeric(19, 4) NOT NULL DEFAULT 0 CHECK (tax_amount >= 0);
