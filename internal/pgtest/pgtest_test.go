package pgtest_test

import (
	"context"
	"testing"

	"github.com/alecthomas/assert/v2"
	"github.com/schemaguard/guard/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestDBIsFreshAndUsable(t *testing.T) {
	url := pgtest.DB(t)
	pgtest.Exec(t, url, "CREATE TABLE t (id int); INSERT INTO t VALUES (1)")
	conn := pgtest.Connect(t, url)
	var n int
	assert.NoError(t, conn.QueryRow(context.Background(), "SELECT count(*) FROM t").Scan(&n))
	assert.Equal(t, 1, n)
	var db string
	assert.NoError(t, conn.QueryRow(context.Background(), "SELECT current_database()").Scan(&db))
	assert.Contains(t, db, "guard_test_")
}

func TestDBsAreIsolated(t *testing.T) {
	a, b := pgtest.DB(t), pgtest.DB(t)
	assert.NotEqual(t, a, b)
	pgtest.Exec(t, a, "CREATE TABLE only_in_a (id int)")
	var reg *string
	assert.NoError(t, pgtest.Connect(t, b).QueryRow(context.Background(), "SELECT to_regclass('only_in_a')::text").Scan(&reg))
	assert.Zero(t, reg)
}
