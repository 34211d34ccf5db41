CREATE TABLE invoice_lines (
    invoice_id   bigint NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    line_no      smallint NOT NULL,
    description  text NOT NULL,
    quantity     numeric(12, 3) NOT NULL DEFAULT 1 CHECK (quantity > 0),
    unit_price   numeric(19, 4) NOT NULL,
    amount       numeric(19, 4) GENERATED ALWAYS AS (round(quantity * unit_price, 4)) STORED,
    revenue_account_id bigint NOT NULL REFERENCES accounts (id),
    PRIMARY KEY (invoice_id, line_no)
);
