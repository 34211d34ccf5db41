DROP FUNCTION product_search(text);
