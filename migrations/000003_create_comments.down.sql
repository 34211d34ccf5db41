DROP VIEW published_posts;
DROP TABLE comments;
