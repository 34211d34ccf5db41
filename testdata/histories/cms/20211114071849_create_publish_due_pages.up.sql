CREATE OR REPLACE PROCEDURE publish_due_pages()
LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE pages p
       SET status = 'published', published_at = s.publish_at
      FROM scheduled_publications s
     WHERE s.page_id = p.id
       AND s.publish_at <= now()
       AND p.status <> 'published';

    DELETE FROM scheduled_publications WHERE publish_at <= now();
END
$$;
