INSERT INTO block_kinds (kind, label) VALUES
    ('gallery', 'Gallery'),
    ('code', 'Code'),
    ('table', 'Table'),
    ('form', 'Form')
ON CONFLICT (kind) DO NOTHING;
