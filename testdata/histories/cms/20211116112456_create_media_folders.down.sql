ALTER TABLE media DROP COLUMN folder_id;
DROP TABLE media_folders;
