CREATE TABLE stock_levels (
    id         bigserial PRIMARY KEY,
    account_id bigint REFERENCES accounts (id) ON DELETE SET NULL,
    note       text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stock_levels_account_id_idx ON stock_levels (account_id);
