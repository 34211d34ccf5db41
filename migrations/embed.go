// Package migrations is guard's example migration history: a small blog
// (users, posts, comments, a view and an enum) whose last migration renames
// users.email, the breaking change guard exists to stop. The demo, the
// examples and the tests use it.
package migrations

import "embed"

// FS holds the migration files at its root.
//
//go:embed *.sql
var FS embed.FS
