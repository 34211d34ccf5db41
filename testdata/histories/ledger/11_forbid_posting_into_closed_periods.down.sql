DROP TRIGGER journal_entries_open_period ON journal_entries;
DROP FUNCTION forbid_closed_period();
