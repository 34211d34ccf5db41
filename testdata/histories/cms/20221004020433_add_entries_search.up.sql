ALTER TABLE entries ADD COLUMN search_text tsvector
    GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce(data ->> 'title', '') || ' ' || coalesce(data ->> 'summary', ''))) STORED;
