CREATE INDEX CONCURRENTLY IF NOT EXISTS journal_lines_account_entry_idx ON journal_lines (account_id, entry_id);
