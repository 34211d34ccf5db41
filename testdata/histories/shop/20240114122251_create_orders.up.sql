CREATE TABLE orders (
    id          bigserial PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status      order_status NOT NULL DEFAULT 'pending',
    total_cents integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_account_id_idx ON orders (account_id);
