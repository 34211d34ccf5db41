-- PostgreSQL cannot drop an enum value: rebuild the type without it.
ALTER TABLE posts ALTER COLUMN status DROP DEFAULT;
UPDATE posts SET status = 'draft' WHERE status = 'archived';
ALTER TYPE post_status RENAME TO post_status_old;
CREATE TYPE post_status AS ENUM ('draft', 'published');
DROP VIEW published_posts;
ALTER TABLE posts ALTER COLUMN status TYPE post_status USING status::text::post_status;
ALTER TABLE posts ALTER COLUMN status SET DEFAULT 'draft';
DROP TYPE post_status_old;
CREATE VIEW published_posts AS
    SELECT p.id, p.title, u.name AS author, p.created_at
    FROM posts p JOIN users u ON u.id = p.author_id
    WHERE p.status = 'published';
