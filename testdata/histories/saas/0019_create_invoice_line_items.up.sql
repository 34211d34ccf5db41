CREATE TABLE invoice_line_items (
  id           bigserial PRIMARY KEY,
  invoice_id   uuid NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
  description  text NOT NULL,
  quantity     integer NOT NULL DEFAULT 1 CHECK (quantity > 0),
  unit_amount  numeric(12, 2) NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invoice_line_items_invoice_id_idx ON invoice_line_items (invoice_id);
