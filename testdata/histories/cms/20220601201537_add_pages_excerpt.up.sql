ALTER TABLE pages ADD COLUMN excerpt text;
