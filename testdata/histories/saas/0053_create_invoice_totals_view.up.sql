CREATE VIEW invoice_totals AS
SELECT i.id AS invoice_id,
       i.org_id,
       i.currency,
       coalesce(sum(l.quantity * l.unit_amount), 0)::numeric(12, 2) AS lines_total,
       i.amount_due
  FROM invoices i
  LEFT JOIN invoice_lines l ON l.invoice_id = i.id
 GROUP BY i.id, i.org_id, i.currency, i.amount_due;
