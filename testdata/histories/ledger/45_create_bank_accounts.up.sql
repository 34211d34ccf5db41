CREATE TABLE bank_accounts (
    id             bigserial PRIMARY KEY,
    entity_id      bigint NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    account_id     bigint NOT NULL UNIQUE REFERENCES accounts (id),
    bank_name      text NOT NULL,
    iban           text,
    currency       char(3) NOT NULL REFERENCES currencies (code),
    opened_on      date
);
