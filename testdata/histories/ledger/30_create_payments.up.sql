CREATE TABLE payments (
    id              bigserial PRIMARY KEY,
    entity_id       bigint NOT NULL REFERENCES entities (id) ON DELETE RESTRICT,
    customer_id     bigint REFERENCES customers (id) ON DELETE RESTRICT,
    received_on     date NOT NULL,
    amount          numeric(19, 4) NOT NULL CHECK (amount > 0),
    currency        char(3) NOT NULL REFERENCES currencies (code),
    reference       text,
    entry_id        bigint REFERENCES journal_entries (id),
    created_at      timestamptz NOT NULL DEFAULT now()
);
