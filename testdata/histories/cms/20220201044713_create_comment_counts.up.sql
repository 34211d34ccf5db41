ALTER TABLE pages ADD COLUMN comment_count integer NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION pages_comment_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND NEW.status = 'approved' THEN
        UPDATE pages SET comment_count = comment_count + 1 WHERE id = NEW.page_id;
    ELSIF TG_OP = 'DELETE' AND OLD.status = 'approved' THEN
        UPDATE pages SET comment_count = comment_count - 1 WHERE id = OLD.page_id;
    ELSIF TG_OP = 'UPDATE' AND OLD.status IS DISTINCT FROM NEW.status THEN
        UPDATE pages
           SET comment_count = comment_count
               + (CASE WHEN NEW.status = 'approved' THEN 1 ELSE 0 END)
               - (CASE WHEN OLD.status = 'approved' THEN 1 ELSE 0 END)
         WHERE id = NEW.page_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER comments_count AFTER INSERT OR UPDATE OF status OR DELETE ON comments
    FOR EACH ROW EXECUTE FUNCTION pages_comment_count();
