package schema_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/internal/benchschema"
	"github.com/schemaguard/guard/internal/pgtest"
)

// parallel makes Inspect read over two connections whatever the size of the
// database.
var parallel = schema.WithParallelMinCatalog(0)

// countingConn connects to url with a configuration that counts the
// connections made from it (Inspect's second connection is made from a copy).
func countingConn(t *testing.T, url string) (*pgx.Conn, *atomic.Int32) {
	t.Helper()
	cfg, err := pgx.ParseConfig(url)
	assert.NoError(t, err)
	var connects atomic.Int32
	cfg.AfterConnect = func(context.Context, *pgconn.PgConn) error {
		connects.Add(1)
		return nil
	}
	conn, err := pgx.ConnectConfig(t.Context(), cfg)
	assert.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn, &connects
}

// waitBackends waits until n sessions are connected to the database of conn.
func waitBackends(t *testing.T, conn *pgx.Conn, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var got int
	for {
		err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()`).Scan(&got)
		if err != nil {
			t.Fatalf("sessions connected: %d, want %d (%v)", got, n, err)
		}
		if got == n {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("sessions connected: %d, want %d", got, n)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Over two connections, Inspect reads exactly what it reads over one, and
// closes the second connection.
func TestInspectParallelSameAsSerial(t *testing.T) {
	url := pgtest.DB(t)
	pgtest.Exec(t, url, representativeDDL)
	conn, connects := countingConn(t, url)

	serial, err := schema.Inspect(t.Context(), conn, representativeScope, schema.WithParallelism(1))
	assert.NoError(t, err)
	assert.Equal(t, int32(1), connects.Load())
	assertSchema(t, representativeSchema(), serial)

	got, err := schema.Inspect(t.Context(), conn, representativeScope, parallel)
	assert.NoError(t, err)
	assert.Equal(t, int32(2), connects.Load(), "Inspect did not open a second connection")
	assertSchema(t, serial, got)
	waitBackends(t, conn, 1)

	// A small database is read over one connection.
	_, err = schema.Inspect(t.Context(), conn, representativeScope)
	assert.NoError(t, err)
	assert.Equal(t, int32(2), connects.Load())
}

func TestInspectParallelBenchSchema(t *testing.T) {
	conn := pgtest.Connect(t, pgtest.DB(t))
	assert.NoError(t, benchschema.Build(t.Context(), conn, 100))

	serial, err := schema.Inspect(t.Context(), conn, schema.WithParallelism(1))
	assert.NoError(t, err)
	got, err := schema.Inspect(t.Context(), conn, parallel)
	assert.NoError(t, err)
	want, err := serial.CanonicalJSON()
	assert.NoError(t, err)
	gotJSON, err := got.CanonicalJSON()
	assert.NoError(t, err)
	assert.Equal(t, string(want), string(gotJSON))
}

// When the second connection cannot be had, Inspect reads everything over
// the first.
func TestInspectParallelFallsBack(t *testing.T) {
	url := pgtest.DB(t)
	pgtest.Exec(t, url, representativeDDL)
	// A role allowed a single connection: the second is refused.
	role := "guard_inspect_" + pgtest.RandomSuffix()
	admin := pgtest.Server(t)
	pgtest.Exec(t, admin, fmt.Sprintf("CREATE ROLE %s LOGIN CONNECTION LIMIT 1", role))
	t.Cleanup(func() { pgtest.Exec(t, admin, "DROP ROLE "+role) })
	cfg, err := pgx.ParseConfig(url)
	assert.NoError(t, err)
	cfg.User, cfg.Password = role, ""
	conn, err := pgx.ConnectConfig(t.Context(), cfg)
	assert.NoError(t, err)
	defer conn.Close(t.Context())

	got, err := schema.Inspect(t.Context(), conn, representativeScope, parallel)
	assert.NoError(t, err)
	assertSchema(t, representativeSchema(), got)
}

func TestInspectParallelPool(t *testing.T) {
	url := pgtest.DB(t)
	pgtest.Exec(t, url, representativeDDL)
	for _, tc := range []struct {
		maxConns int32
		acquires int64 // by Inspect
	}{
		{maxConns: 4, acquires: 2},
		{maxConns: 1, acquires: 1}, // no connection to spare
	} {
		t.Run(fmt.Sprint(tc.maxConns, "conns"), func(t *testing.T) {
			cfg, err := pgxpool.ParseConfig(url)
			assert.NoError(t, err)
			cfg.MaxConns = tc.maxConns
			pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
			assert.NoError(t, err)
			defer pool.Close()

			before := pool.Stat().AcquireCount()
			got, err := schema.Inspect(t.Context(), pool, representativeScope, parallel)
			assert.NoError(t, err)
			assertSchema(t, representativeSchema(), got)
			assert.Equal(t, tc.acquires, pool.Stat().AcquireCount()-before)
			assert.Equal(t, int32(0), pool.Stat().AcquiredConns())
		})
	}
}

// A transaction is read over alone: its own changes are visible to it only.
func TestInspectParallelNotInTransaction(t *testing.T) {
	url := pgtest.DB(t)
	conn, connects := countingConn(t, url)
	tx, err := conn.Begin(t.Context())
	assert.NoError(t, err)
	defer tx.Rollback(t.Context()) //nolint:errcheck
	_, err = tx.Exec(t.Context(), "CREATE TABLE uncommitted (id int PRIMARY KEY)")
	assert.NoError(t, err)

	got, err := schema.Inspect(t.Context(), tx, parallel)
	assert.NoError(t, err)
	assert.Equal(t, int32(1), connects.Load())
	assert.Equal(t, []string{"id"}, got.Table("public", "uncommitted").PrimaryKey.Columns)
}

func TestWithParallelismRejectsZero(t *testing.T) {
	_, err := schema.Inspect(t.Context(), nil, schema.WithParallelism(0))
	var oe *schema.OptionError
	assert.True(t, errors.As(err, &oe), "error %v is not an *OptionError", err)
	assert.Equal(t, "WithParallelism", oe.Option)
	assert.NotEqual(t, "", oe.Hint())
}
