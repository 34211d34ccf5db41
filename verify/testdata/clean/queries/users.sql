-- name: GetUser :one
SELECT id, email, name, bio FROM users
WHERE id = $1;

-- name: FindUsersByEmail :many
SELECT * FROM users WHERE email LIKE '%@' || sqlc.arg(domain);

-- name: CreateUser :one
INSERT INTO users (email, name) VALUES (@email, @name)
RETURNING *;
