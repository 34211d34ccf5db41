CREATE FUNCTION forbid_closed_period() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM fiscal_periods p
                WHERE p.id = NEW.period_id
                  AND (p.closed_at IS NOT NULL OR NEW.entry_date NOT BETWEEN p.starts_on AND p.ends_on)) THEN
        RAISE EXCEPTION 'entry date % is outside the open period %', NEW.entry_date, NEW.period_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER journal_entries_open_period
    BEFORE INSERT OR UPDATE OF entry_date, period_id ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION forbid_closed_period();
