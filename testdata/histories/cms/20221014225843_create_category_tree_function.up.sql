CREATE OR REPLACE FUNCTION category_path(p_id bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE up(id, parent_id, slug, depth) AS (
        SELECT id, parent_id, slug, 0 FROM categories WHERE id = p_id
        UNION ALL
        SELECT c.id, c.parent_id, c.slug, up.depth + 1
          FROM categories c JOIN up ON c.id = up.parent_id
    )
    SELECT string_agg(slug, '/' ORDER BY depth DESC) FROM up
$$;
