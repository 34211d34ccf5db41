-- a validated constraint cannot be "unvalidated": put back the NOT VALID one
ALTER TABLE invoices DROP CONSTRAINT invoices_amounts_check;
ALTER TABLE invoices
  ADD CONSTRAINT invoices_amounts_check
  CHECK (amount_due >= 0 AND amount_paid >= 0 AND amount_paid <= amount_due) NOT VALID;
