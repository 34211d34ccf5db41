package cli_test

import (
	"context"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/internal/cli"
	"github.com/schemaguard/guard/internal/pgtest"
)

// --concurrent-lock-timeout bounds a CREATE INDEX CONCURRENTLY that waits
// for an old transaction, end to end: with it short, up fails (exit 1),
// the version is clean before the file and no INVALID index is left; once
// the old transaction ends, up builds it.
func TestConcurrentLockTimeoutFlag(t *testing.T) {
	url := pgtest.DB(t)
	dir := mgProject(t,
		"1_t.up.sql", "CREATE TABLE t (a int);",
		"2_t_a.up.sql", "CREATE INDEX CONCURRENTLY t_a ON t (a);",
	)
	r := mgRun(t, dir, url, "migrate", "up", "1")
	assert.Equal(t, 0, r.code, r.stderr)

	ctx := context.Background()
	conn := pgtest.Connect(t, url)
	tx, err := conn.Begin(ctx)
	assert.NoError(t, err)
	var one int
	assert.NoError(t, tx.QueryRow(ctx, "SELECT 1").Scan(&one))
	r = mgRun(t, dir, url, "migrate", "up", "--concurrent-lock-timeout", "300ms", "--lock-retries", "0", "--no-auto-recover")
	assert.Equal(t, cli.ExitError, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stderr, "2_t_a.up.sql")
	assert.Equal(t, 1, mgQuery[int](t, url, `SELECT version FROM schema_migrations`))
	assert.False(t, mgQuery[bool](t, url, `SELECT dirty FROM schema_migrations`))
	assert.Equal(t, 0, mgQuery[int](t, url, `SELECT count(*)::int FROM pg_class WHERE relname = 't_a'`), "no INVALID index left")

	assert.NoError(t, tx.Rollback(ctx))
	r = mgRun(t, dir, url, "migrate", "up", "--concurrent-lock-timeout", "300ms")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.True(t, mgQuery[bool](t, url, `SELECT indisvalid FROM pg_index WHERE indexrelid = 't_a'::regclass`))
}
