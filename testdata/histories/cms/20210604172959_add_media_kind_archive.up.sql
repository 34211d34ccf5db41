-- zip uploads (theme packs)
ALTER TYPE media_kind ADD VALUE IF NOT EXISTS 'archive';
