CREATE TABLE currencies (
    id         bigserial PRIMARY KEY,
    account_id bigint REFERENCES accounts (id) ON DELETE SET NULL,
    note       text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX currencies_account_id_idx ON currencies (account_id);
