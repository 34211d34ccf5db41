CREATE TABLE reusable_blocks (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id     bigint NOT NULL REFERENCES sites ON DELETE CASCADE,
    name        text NOT NULL,
    kind        text NOT NULL REFERENCES block_kinds (kind),
    data        jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (site_id, name)
);

CREATE TRIGGER reusable_blocks_touch_updated_at BEFORE UPDATE ON reusable_blocks
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

ALTER TABLE page_blocks ADD COLUMN reusable_block_id bigint REFERENCES reusable_blocks ON DELETE SET NULL;
