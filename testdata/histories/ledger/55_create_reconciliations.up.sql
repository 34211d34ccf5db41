CREATE TABLE reconciliations (
    id                bigserial PRIMARY KEY,
    bank_account_id   bigint NOT NULL REFERENCES bank_accounts (id) ON DELETE CASCADE,
    statement_period  daterange NOT NULL,
    opening_balance   numeric(19, 4) NOT NULL,
    closing_balance   numeric(19, 4) NOT NULL,
    completed_at      timestamptz,
    CONSTRAINT reconciliations_no_overlap EXCLUDE USING gist (
        bank_account_id WITH =,
        statement_period WITH &&
    )
);
