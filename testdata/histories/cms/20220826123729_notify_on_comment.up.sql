CREATE OR REPLACE FUNCTION notify_page_author_of_comment() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO notifications (user_id, kind, payload)
    SELECT p.author_id, 'comment', jsonb_build_object('page_id', p.id, 'comment_id', NEW.id)
      FROM pages p
     WHERE p.id = NEW.page_id AND p.author_id IS NOT NULL;
    RETURN NULL;
END
$$;

CREATE TRIGGER comments_notify_author AFTER INSERT ON comments
    FOR EACH ROW EXECUTE FUNCTION notify_page_author_of_comment();
