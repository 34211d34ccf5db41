-- NOT VALID first: the table is large in production, validation comes next
ALTER TABLE invoices
  ADD CONSTRAINT invoices_amounts_check
  CHECK (amount_due >= 0 AND amount_paid >= 0 AND amount_paid <= amount_due) NOT VALID;
