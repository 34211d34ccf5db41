ALTER TABLE media DROP COLUMN kind;
DROP TYPE media_kind;
