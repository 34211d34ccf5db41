CREATE TABLE refunds (
    id         bigserial PRIMARY KEY,
    account_id bigint REFERENCES accounts (id) ON DELETE SET NULL,
    note       text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refunds_account_id_idx ON refunds (account_id);
