DROP POLICY journal_lines_entity_isolation ON journal_lines;
DROP POLICY journal_entries_entity_isolation ON journal_entries;
DROP POLICY fiscal_periods_entity_isolation ON fiscal_periods;
DROP POLICY accounts_entity_isolation ON accounts;

ALTER TABLE journal_lines DISABLE ROW LEVEL SECURITY;
ALTER TABLE journal_entries DISABLE ROW LEVEL SECURITY;
ALTER TABLE fiscal_periods DISABLE ROW LEVEL SECURITY;
ALTER TABLE accounts DISABLE ROW LEVEL SECURITY;
