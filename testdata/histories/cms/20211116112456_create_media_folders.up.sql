CREATE TABLE media_folders (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id    bigint NOT NULL REFERENCES sites ON DELETE CASCADE,
    parent_id  bigint REFERENCES media_folders ON DELETE CASCADE,
    name       text NOT NULL,
    UNIQUE NULLS NOT DISTINCT (site_id, parent_id, name)
);

ALTER TABLE media ADD COLUMN folder_id bigint REFERENCES media_folders ON DELETE SET NULL;
