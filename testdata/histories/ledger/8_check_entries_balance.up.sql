-- Debits equal credits for every posted entry, checked at commit so that
-- the lines of an entry can be written one by one.
CREATE OR REPLACE FUNCTION check_entry_balanced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    e_id    bigint;
    posted  timestamptz;
    diff    numeric;
BEGIN
    IF TG_TABLE_NAME = 'journal_entries' THEN
        e_id := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        e_id := OLD.entry_id;
    ELSE
        e_id := NEW.entry_id;
    END IF;

    SELECT posted_at INTO posted FROM journal_entries WHERE id = e_id;
    IF posted IS NULL THEN
        RETURN NULL;
    END IF;

    SELECT coalesce(sum(debit), 0) - coalesce(sum(credit), 0) INTO diff
      FROM journal_lines WHERE entry_id = e_id;
    IF diff <> 0 THEN
        RAISE EXCEPTION 'journal entry % does not balance (debits - credits = %)', e_id, diff
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER journal_lines_balanced
    AFTER INSERT OR UPDATE OR DELETE ON journal_lines
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION check_entry_balanced();

CREATE CONSTRAINT TRIGGER journal_entries_balanced
    AFTER UPDATE OF posted_at ON journal_entries
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION check_entry_balanced();
