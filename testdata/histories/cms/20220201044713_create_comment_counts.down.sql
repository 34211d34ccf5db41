DROP TRIGGER comments_count ON comments;
DROP FUNCTION pages_comment_count();
ALTER TABLE pages DROP COLUMN comment_count;
