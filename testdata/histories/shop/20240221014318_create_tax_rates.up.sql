CREATE TABLE tax_rates (
    id         bigserial PRIMARY KEY,
    account_id bigint REFERENCES accounts (id) ON DELETE SET NULL,
    note       text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tax_rates_account_id_idx ON tax_rates (account_id);
