CREATE OR REPLACE FUNCTION site_stats(p_site_id bigint)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    result jsonb;
BEGIN
    SELECT jsonb_build_object(
               'pages',     (SELECT count(*) FROM pages WHERE site_id = p_site_id AND deleted_at IS NULL),
               'published', (SELECT count(*) FROM pages WHERE site_id = p_site_id AND status = 'published' AND deleted_at IS NULL),
               'media',     (SELECT count(*) FROM media WHERE site_id = p_site_id AND deleted_at IS NULL),
               'comments',  (SELECT count(*) FROM comments c JOIN pages p ON p.id = c.page_id WHERE p.site_id = p_site_id))
      INTO result;
    RETURN result;
END
$$;
