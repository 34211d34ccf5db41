-- The API sets app.entity_id for each request (SET LOCAL); a session that
-- did not set it sees nothing. The table owner (migrations, jobs) bypasses
-- the policies as usual.
ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE fiscal_periods ENABLE ROW LEVEL SECURITY;
ALTER TABLE journal_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE journal_lines ENABLE ROW LEVEL SECURITY;

CREATE POLICY accounts_entity_isolation ON accounts
    USING (entity_id = nullif(current_setting('app.entity_id', true), '')::bigint);

CREATE POLICY fiscal_periods_entity_isolation ON fiscal_periods
    USING (entity_id = nullif(current_setting('app.entity_id', true), '')::bigint);

CREATE POLICY journal_entries_entity_isolation ON journal_entries
    USING (entity_id = nullif(current_setting('app.entity_id', true), '')::bigint)
    WITH CHECK (entity_id = nullif(current_setting('app.entity_id', true), '')::bigint);

CREATE POLICY journal_lines_entity_isolation ON journal_lines
    USING (EXISTS (
        SELECT 1 FROM journal_entries e
         WHERE e.id = journal_lines.entry_id
           AND e.entity_id = nullif(current_setting('app.entity_id', true), '')::bigint
    ));
