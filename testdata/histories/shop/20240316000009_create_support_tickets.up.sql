CREATE TABLE support_tickets (
    id         bigserial PRIMARY KEY,
    account_id bigint REFERENCES accounts (id) ON DELETE SET NULL,
    note       text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX support_tickets_account_id_idx ON support_tickets (account_id);
