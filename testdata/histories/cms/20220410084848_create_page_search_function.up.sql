CREATE OR REPLACE FUNCTION search_pages(p_site_id bigint, q text, max_results integer DEFAULT 20)
RETURNS TABLE (page_id bigint, title text, slug text, rank real)
LANGUAGE sql STABLE AS $$
    SELECT p.id, p.title, p.slug, ts_rank(p.search_vector, query) AS rank
      FROM pages p, websearch_to_tsquery('english', q) AS query
     WHERE p.site_id = p_site_id
       AND p.deleted_at IS NULL
       AND p.status = 'published'
       AND p.search_vector @@ query
     ORDER BY rank DESC
     LIMIT max_results
$$;
