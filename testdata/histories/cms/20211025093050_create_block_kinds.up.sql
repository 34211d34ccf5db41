CREATE TABLE block_kinds (
    kind         text PRIMARY KEY,
    label        text NOT NULL,
    schema       jsonb NOT NULL DEFAULT '{}'
);

INSERT INTO block_kinds (kind, label) VALUES
    ('paragraph', 'Paragraph'),
    ('heading', 'Heading'),
    ('image', 'Image'),
    ('quote', 'Quote'),
    ('embed', 'Embed')
ON CONFLICT DO NOTHING;

ALTER TABLE page_blocks ADD CONSTRAINT page_blocks_kind_fkey FOREIGN KEY (kind) REFERENCES block_kinds (kind);
