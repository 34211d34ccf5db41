package cli_test

import (
	"strings"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/internal/cli"
	"github.com/schemaguard/guard/internal/pgtest"
)

// Ten guard processes migrate one database at once through a real
// PgBouncer in transaction pooling mode, with its default settings (no
// ignore_startup_parameters): every one exits 0, every body runs exactly
// once (a slow one, one with its own transaction, a concurrent index), the
// version is clean at the head, and no advisory lock is left on any server
// session of the pool.
func TestTenConcurrentUpsThroughPgBouncerApplyEachMigrationOnce(t *testing.T) {
	url := pgtest.DB(t)
	pooled := pgtest.PgBouncer(t, url)
	pgtest.Exec(t, url, "ALTER DATABASE "+mgQuery[string](t, url, "SELECT quote_ident(current_database())")+" SET guardtest.sleep = '0.3'")
	files := sideEffectHistory("CREATE TABLE t2 (id int);\nINSERT INTO side_effects VALUES (2);\n" + sleepSQL)
	files = append(files,
		"6_own_transactions.up.sql", "BEGIN;\nCREATE TABLE t6 (id int);\nCOMMIT;\nBEGIN;\nINSERT INTO side_effects VALUES (6);\nCOMMIT;",
		"7_t6_id.up.sql", "CREATE INDEX CONCURRENTLY t6_id ON t6 (id);",
		"8_mark.up.sql", "INSERT INTO side_effects VALUES (8);",
		"8_unmark.down.sql", "DELETE FROM side_effects WHERE version = 8;",
	)
	dir := mgProject(t, files...)
	assert.Equal(t, 8, concurrentUps(t, dir, pooled, 10), "each migration applied by exactly one process")
	assert.Equal(t, map[int]int{1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 8: 1}, sideEffects(t, url))
	assert.Equal(t, 8, mgQuery[int](t, url, `SELECT version FROM schema_migrations`))
	assert.False(t, mgQuery[bool](t, url, `SELECT dirty FROM schema_migrations`))
	assert.True(t, mgQuery[bool](t, url, `SELECT indisvalid FROM pg_index WHERE indexrelid = 't6_id'::regclass`))
	// The pool's server sessions are still open: none holds an advisory lock.
	assert.Equal(t, 0, mgQuery[int](t, url, `SELECT count(*)::int FROM pg_locks
		WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`),
		"advisory locks left")

	// The other commands work through the pooler too.
	r := mgRun(t, dir, pooled, "migrate", "status")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "8")
	r = mgRun(t, dir, pooled, "migrate", "down", "1")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 7, mgQuery[int](t, url, `SELECT version FROM schema_migrations`))
	assert.Equal(t, map[int]int{1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1}, sideEffects(t, url))
}

// --pooler says how the URL reaches the server; a value it does not know
// is a usage error that changes nothing.
func TestPoolerFlag(t *testing.T) {
	url := pgtest.DB(t)
	pooled := pgtest.PgBouncer(t, url)
	dir := mgProject(t, sideEffectHistory("")...)
	r := mgRun(t, dir, pooled, "migrate", "up", "--pooler", "sometimes")
	assert.Equal(t, cli.ExitUsage, r.code, r.stderr)
	assert.Contains(t, r.stderr, "--pooler")
	assert.Equal(t, 1, strings.Count(strings.TrimSpace(strings.Split(r.stderr, "hint:")[0]), "\n")+1, r.stderr)
	assert.False(t, mgQuery[bool](t, url, `SELECT to_regclass('schema_migrations') IS NOT NULL`))

	r = mgRun(t, dir, pooled, "migrate", "up", "--pooler", "transaction")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, map[int]int{1: 1, 2: 1, 3: 1, 4: 1, 5: 1}, sideEffects(t, url))
}
