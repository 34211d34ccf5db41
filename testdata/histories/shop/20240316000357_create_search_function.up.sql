CREATE FUNCTION product_search(q text) RETURNS SETOF products
LANGUAGE sql STABLE AS $$
    SELECT * FROM products WHERE title ILIKE '%' || q || '%' ORDER BY title
$$;
