package main

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// user is a row of the example users table at migration 6, where the email
// column is named email_address. A database still at 5 has no such column:
// the query fails, which is why the readiness probe keeps this binary out of
// service until the migrations are applied.
type user struct {
	ID        int64     `json:"id" db:"id"`
	Email     string    `json:"email" db:"email_address"`
	Name      string    `json:"name" db:"name"`
	Bio       *string   `json:"bio" db:"bio"`
	CreatedAt time.Time `json:"created_at" db:"created_at"`
}

const usersSQL = `SELECT id, email_address, name, bio, created_at FROM users ORDER BY id LIMIT 100`

// listUsers answers GET /users with up to 100 users as a JSON array.
func listUsers(pool *pgxpool.Pool, logger *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rows, err := pool.Query(r.Context(), usersSQL)
		var users []user
		if err == nil {
			users, err = pgx.CollectRows(rows, pgx.RowToStructByName[user])
		}
		if err != nil {
			logger.ErrorContext(r.Context(), "list users", "error", err.Error())
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		if users == nil {
			users = []user{}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(users)
	}
}
