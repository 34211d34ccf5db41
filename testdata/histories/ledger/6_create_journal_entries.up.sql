CREATE TABLE journal_entries (
    id                 bigserial PRIMARY KEY,
    entity_id          bigint NOT NULL REFERENCES entities (id) ON DELETE RESTRICT,
    period_id          bigint NOT NULL REFERENCES fiscal_periods (id) ON DELETE RESTRICT,
    entry_date         date NOT NULL,
    memo               text NOT NULL DEFAULT '',
    posted_at          timestamptz,
    reverses_entry_id  bigint REFERENCES journal_entries (id),
    created_by         text NOT NULL DEFAULT current_user,
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT journal_entries_not_self_reversal CHECK (reverses_entry_id <> id)
);
CREATE INDEX journal_entries_entity_date_idx ON journal_entries (entity_id, entry_date);
CREATE UNIQUE INDEX journal_entries_one_reversal ON journal_entries (reverses_entry_id) WHERE reverses_entry_id IS NOT NULL;
