-- name: GetUser :one
SELECT id, email, name, bio FROM users
WHERE id = $1;

-- name: GetUserNickname :one
SELECT id,
       nickname
FROM users WHERE email = @email;

-- name: CreateUser :one
INSERT INTO users (email, name) VALUES (@email, @name)
RETURNING *;
