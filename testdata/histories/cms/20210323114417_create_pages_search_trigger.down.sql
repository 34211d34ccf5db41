DROP TRIGGER IF EXISTS pages_search_vector_update ON pages;
DROP FUNCTION IF EXISTS pages_search_vector_update();
