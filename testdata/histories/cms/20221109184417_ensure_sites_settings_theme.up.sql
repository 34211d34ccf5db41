-- older sites were created before settings had a theme key
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM sites WHERE NOT settings ? 'theme') THEN
        UPDATE sites SET settings = settings || '{"theme": "default"}' WHERE NOT settings ? 'theme';
    END IF;
END
$$;
