DROP VIEW invoice_totals;
