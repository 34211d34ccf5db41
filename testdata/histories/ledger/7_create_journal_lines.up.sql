-- Amounts are numeric(19,4), never float. A line is a debit or a credit,
-- never both, never zero.
CREATE TABLE journal_lines (
    entry_id    bigint NOT NULL REFERENCES journal_entries (id) ON DELETE CASCADE,
    line_no     smallint NOT NULL,
    account_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE RESTRICT,
    debit       numeric(19, 4) NOT NULL DEFAULT 0,
    credit      numeric(19, 4) NOT NULL DEFAULT 0,
    memo        text,
    PRIMARY KEY (entry_id, line_no),
    CONSTRAINT journal_lines_amounts_check CHECK (debit >= 0 AND credit >= 0 AND (debit = 0) <> (credit = 0))
);
CREATE INDEX journal_lines_account_id_idx ON journal_lines (account_id);
