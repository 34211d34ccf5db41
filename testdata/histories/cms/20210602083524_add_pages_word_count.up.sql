-- stored generated column: shown in the page list, sorted on by editors
ALTER TABLE pages
    ADD COLUMN word_count integer
    GENERATED ALWAYS AS (coalesce(array_length(regexp_split_to_array(btrim(body), E'\\s+'), 1), 0)) STORED;
