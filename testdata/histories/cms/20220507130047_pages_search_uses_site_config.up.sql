CREATE OR REPLACE FUNCTION pages_search_vector_update() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    cfg regconfig;
BEGIN
    SELECT search_config INTO cfg FROM sites WHERE id = NEW.site_id;
    cfg := coalesce(cfg, 'english');
    NEW.search_vector :=
        setweight(to_tsvector(cfg, coalesce(NEW.title, '')), 'A') ||
        setweight(to_tsvector(cfg, coalesce(NEW.body, '')), 'B');
    RETURN NEW;
END
$$;
