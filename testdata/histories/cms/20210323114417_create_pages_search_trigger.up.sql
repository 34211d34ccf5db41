CREATE OR REPLACE FUNCTION pages_search_vector_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(NEW.body, '')), 'B');
    RETURN NEW;
END
$$;

CREATE TRIGGER pages_search_vector_update
    BEFORE INSERT OR UPDATE OF title, body ON pages
    FOR EACH ROW EXECUTE FUNCTION pages_search_vector_update();
