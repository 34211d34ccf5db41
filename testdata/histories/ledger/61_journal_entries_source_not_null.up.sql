BEGIN;
ALTER TABLE journal_entries VALIDATE CONSTRAINT journal_entries_source_check;
ALTER TABLE journal_entries ALTER COLUMN source SET DEFAULT 'manual';
ALTER TABLE journal_entries ALTER COLUMN source SET NOT NULL;
COMMIT;
