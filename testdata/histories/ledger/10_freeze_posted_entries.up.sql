-- Posted entries are immutable: correct them with a reversing entry.
CREATE FUNCTION forbid_posted_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    e_id bigint;
BEGIN
    e_id := CASE WHEN TG_OP = 'INSERT' THEN NEW.entry_id ELSE OLD.entry_id END;
    IF EXISTS (SELECT 1 FROM journal_entries WHERE id = e_id AND posted_at IS NOT NULL) THEN
        RAISE EXCEPTION 'journal entry % is posted: post a reversal instead', e_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

CREATE TRIGGER journal_lines_frozen
    BEFORE INSERT OR UPDATE OR DELETE ON journal_lines
    FOR EACH ROW EXECUTE FUNCTION forbid_posted_changes();
