DROP TRIGGER journal_lines_frozen ON journal_lines;
DROP FUNCTION forbid_posted_changes();
