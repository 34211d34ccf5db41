CREATE TABLE bank_transactions (
    id               bigserial PRIMARY KEY,
    bank_account_id  bigint NOT NULL REFERENCES bank_accounts (id) ON DELETE CASCADE,
    booked_on        date NOT NULL,
    amount           numeric(19, 4) NOT NULL CHECK (amount <> 0),
    description      text NOT NULL DEFAULT '',
    external_id      text NOT NULL,
    entry_id         bigint REFERENCES journal_entries (id),
    imported_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT bank_transactions_external_key UNIQUE (bank_account_id, external_id)
);
