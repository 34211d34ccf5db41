ALTER TABLE tags ADD COLUMN slug text;
UPDATE tags SET slug = trim(both '-' from regexp_replace(lower(name::text), '[^a-z0-9]+', '-', 'g'))
 WHERE slug IS NULL;
