CREATE TABLE media_variants (
    media_id     uuid NOT NULL REFERENCES media ON DELETE CASCADE,
    variant      text NOT NULL,
    storage_key  text NOT NULL UNIQUE,
    width        integer,
    height       integer,
    byte_size    bigint NOT NULL,
    PRIMARY KEY (media_id, variant)
);
