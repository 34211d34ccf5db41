CREATE TABLE customers (
    id             bigserial PRIMARY KEY,
    entity_id      bigint NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    name           text NOT NULL,
    email          text,
    tax_number     text,
    currency       char(3) NOT NULL REFERENCES currencies (code),
    receivable_account_id bigint REFERENCES accounts (id),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_entity_id_idx ON customers (entity_id);
