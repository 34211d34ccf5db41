CREATE VIEW live_pages AS
    SELECT id, site_id, parent_id, author_id, title, slug, body, status, published_at, created_at, updated_at
      FROM pages
     WHERE deleted_at IS NULL;
