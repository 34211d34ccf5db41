DROP FUNCTION category_path(bigint);
