CREATE TYPE media_kind AS ENUM ('image', 'video', 'audio', 'document');
ALTER TABLE media ADD COLUMN kind media_kind NOT NULL DEFAULT 'document';
UPDATE media SET kind = 'image' WHERE content_type LIKE 'image/%';
UPDATE media SET kind = 'video' WHERE content_type LIKE 'video/%';
UPDATE media SET kind = 'audio' WHERE content_type LIKE 'audio/%';
