-- name: ListPosts :many
SELECT p.id, p.title, u.name AS author
FROM posts p
JOIN users u ON u.id = p.author_id
WHERE p.author_id = sqlc.narg('author_id') OR sqlc.narg('author_id') IS NULL
ORDER BY p.id;
