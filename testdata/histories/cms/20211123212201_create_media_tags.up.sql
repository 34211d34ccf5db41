CREATE TABLE media_tags (
    media_id  uuid NOT NULL REFERENCES media ON DELETE CASCADE,
    tag_id    bigint NOT NULL REFERENCES tags ON DELETE CASCADE,
    PRIMARY KEY (media_id, tag_id)
);
