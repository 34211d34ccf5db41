ALTER TABLE tags ADD COLUMN description text;
