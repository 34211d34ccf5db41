-- Block editor: a page body becomes a list of typed blocks. body stays as
-- the rendered fallback for now.
CREATE TABLE page_blocks (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    page_id   bigint NOT NULL REFERENCES pages ON DELETE CASCADE,
    position  integer NOT NULL,
    kind      text NOT NULL,
    data      jsonb NOT NULL DEFAULT '{}',
    UNIQUE (page_id, position) DEFERRABLE INITIALLY DEFERRED
);
