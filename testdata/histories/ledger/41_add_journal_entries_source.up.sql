ALTER TABLE journal_entries ADD COLUMN source text;
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_source_check
    CHECK (source IN ('manual', 'invoice', 'payment', 'bank', 'closing', 'import')) NOT VALID;
