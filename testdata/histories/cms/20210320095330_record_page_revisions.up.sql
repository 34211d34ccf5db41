-- Every change of a page's title or body keeps the previous version.
CREATE FUNCTION record_page_revision() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    next_rev integer;
BEGIN
    IF NEW.title IS DISTINCT FROM OLD.title OR NEW.body IS DISTINCT FROM OLD.body THEN
        SELECT coalesce(max(revision), 0) + 1 INTO next_rev
          FROM page_revisions WHERE page_id = OLD.id;
        INSERT INTO page_revisions (page_id, revision, title, body, author_id)
        VALUES (OLD.id, next_rev, OLD.title, OLD.body, OLD.author_id);
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER pages_record_revision
    AFTER UPDATE OF title, body ON pages
    FOR EACH ROW EXECUTE FUNCTION record_page_revision();
