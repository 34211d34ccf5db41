package guard_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard"
	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/internal/pgtest"
)

// cic is a table, then a concurrent index on it.
var cic = []string{
	"1_t.up.sql", "CREATE TABLE t (a int);",
	"2_ix.up.sql", "CREATE INDEX CONCURRENTLY t_a ON t (a);",
}

// oldTransaction opens a transaction on url and leaves it open (idle in
// transaction); the returned function ends it.
func oldTransaction(t *testing.T, url string) (pid uint32, end func()) {
	t.Helper()
	ctx := context.Background()
	conn := pgtest.Connect(t, url)
	tx, err := conn.Begin(ctx)
	assert.NoError(t, err)
	var one int
	assert.NoError(t, tx.QueryRow(ctx, "SELECT 1").Scan(&one))
	return conn.PgConn().PID(), func() { _ = tx.Rollback(ctx) }
}

// awaitWaiting polls until a session of the test's database runs a
// CREATE INDEX CONCURRENTLY that waits (on a lock or a virtual xid), and
// returns its pid.
func awaitWaiting(t *testing.T, url string) int {
	t.Helper()
	conn := pgtest.Connect(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		var pid int
		err := conn.QueryRow(ctx, `SELECT pid FROM pg_stat_activity
			WHERE datname = current_database() AND query ILIKE 'CREATE INDEX CONCURRENTLY%' AND wait_event_type = 'Lock'`).Scan(&pid)
		if err == nil {
			return pid
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			t.Fatal(err)
		}
		select {
		case <-ctx.Done():
			t.Fatal("no CREATE INDEX CONCURRENTLY waits")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func indexes(t *testing.T, url string) []string {
	t.Helper()
	return query[[]string](t, url, `SELECT coalesce(array_agg(c.relname::text || CASE WHEN i.indisvalid THEN '' ELSE ' INVALID' END ORDER BY c.relname), '{}')
		FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 't'::regclass`)
}

// A CREATE INDEX CONCURRENTLY waits for an old transaction beyond the
// migration session's lock_timeout: it runs under the concurrent lock
// timeout instead, and succeeds once the old transaction ends.
func TestConcurrentIndexWaitsPastLockTimeout(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	fsys := files(cic...)
	r := runner(t, url, fsys, guard.WithLockTimeout(300*time.Millisecond), guard.WithLockRetries(0))
	_, err := r.Up(ctx, 1)
	assert.NoError(t, err)

	_, end := oldTransaction(t, url)
	done := make(chan error, 1)
	go func() {
		_, err := r.Up(ctx, 0)
		done <- err
	}()
	pid := awaitWaiting(t, url)
	// It goes on waiting past three times the 300ms lock_timeout (by the
	// server's clock, polled): it would have failed on it.
	conn := pgtest.Connect(t, url)
	for waited := false; !waited; {
		err := conn.QueryRow(ctx, `SELECT clock_timestamp() - query_start > interval '900 ms' FROM pg_stat_activity
			WHERE pid = $1 AND query ILIKE 'CREATE INDEX CONCURRENTLY%' AND state = 'active'`, pid).Scan(&waited)
		assert.NoError(t, err, "the index build stopped waiting")
		<-time.After(20 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("up returned while the old transaction was open: %v", err)
	default:
	}
	end()
	assert.NoError(t, <-done)
	v, dirty := version(t, url)
	assert.Equal(t, int64(2), v)
	assert.False(t, dirty)
	assert.Equal(t, []string{"t_a"}, indexes(t, url))
}

// With the concurrent lock timeout short too, the index build fails on it:
// guard drops the INVALID index it left and the version is clean at the
// one before the file, so that a later run starts clean.
func TestConcurrentIndexTimeoutLeavesNoInvalidIndex(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	fsys := files(cic...)
	r := runner(t, url, fsys, guard.WithLockTimeout(300*time.Millisecond), guard.WithLockRetries(0),
		guard.WithConcurrentLockTimeout(300*time.Millisecond), guard.WithNoAutoRecover())
	_, err := r.Up(ctx, 1)
	assert.NoError(t, err)

	_, end := oldTransaction(t, url)
	_, err = r.Up(ctx, 0)
	var me *guard.MigrationError
	assert.True(t, errors.As(err, &me), "%v", err)
	assert.False(t, me.Dirty, "%v", err)
	assert.Equal(t, []string{}, indexes(t, url))
	v, dirty := version(t, url)
	assert.Equal(t, int64(1), v)
	assert.False(t, dirty)

	// A later run, under the default timeouts (a short one is a bet on
	// no other snapshot in the database while the index builds), applies
	// it.
	end()
	_, err = runner(t, url, fsys, guard.WithNoAutoRecover()).Up(ctx, 0)
	assert.NoError(t, err)
	assert.Equal(t, []string{"t_a"}, indexes(t, url))
}

// An interrupted CREATE INDEX CONCURRENTLY (cancelled while it waits for an
// old transaction) leaves an INVALID index and, under golang-migrate, a
// dirty version: the diagnosis is partial, not "applied but unrecorded";
// recover drops the invalid index and sets the version before the file,
// and the next up applies it.
func TestInterruptedConcurrentIndexIsPartial(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	fsys := files(cic...)
	r := runner(t, url, fsys, guard.WithNoAutoRecover())
	_, err := r.Up(ctx, 1)
	assert.NoError(t, err)

	// The build, as golang-migrate runs it, cancelled mid-way.
	_, end := oldTransaction(t, url)
	conn := pgtest.Connect(t, url)
	_, err = conn.Exec(ctx, "UPDATE schema_migrations SET version = 2, dirty = true")
	assert.NoError(t, err)
	built := make(chan error, 1)
	go func() {
		_, err := conn.Exec(ctx, "CREATE INDEX CONCURRENTLY t_a ON t (a)")
		built <- err
	}()
	pid := awaitWaiting(t, url)
	pgtest.Exec(t, url, fmt.Sprintf("SELECT pg_cancel_backend(%d)", pid))
	assert.Error(t, <-built)
	end()
	assert.Equal(t, []string{"t_a INVALID"}, indexes(t, url))

	st, err := r.Status(ctx)
	assert.NoError(t, err)
	assert.NotZero(t, st.Diagnosis, "%v", st.Warnings)
	assert.Equal(t, guard.StatePartial, st.Diagnosis.State, st.Diagnosis.Message)
	assert.True(t, st.Diagnosis.Recoverable, st.Diagnosis.Message)
	assert.Equal(t, []string{"public.t_a"}, st.Diagnosis.InvalidIndexes)
	var sawValidity bool
	for _, c := range st.Diagnosis.Candidates {
		for _, ch := range c.Differences {
			sawValidity = sawValidity || ch.Kind == diff.IndexValidityChanged
		}
	}
	assert.True(t, sawValidity, "%+v", st.Diagnosis.Candidates)

	// up does not recover it by itself: the file runs outside a transaction.
	_, err = r.Up(ctx, 0)
	var de *guard.DirtyError
	assert.True(t, errors.As(err, &de), "%v", err)

	rec, err := r.Recover(ctx)
	assert.NoError(t, err)
	assert.True(t, rec.Recovered)
	assert.Equal(t, "1", rec.Version.String())
	assert.Equal(t, []string{}, indexes(t, url))
	v, dirty := version(t, url)
	assert.Equal(t, int64(1), v)
	assert.False(t, dirty)

	_, err = r.Up(ctx, 0)
	assert.NoError(t, err)
	assert.Equal(t, []string{"t_a"}, indexes(t, url))
	v, dirty = version(t, url)
	assert.Equal(t, int64(2), v)
	assert.False(t, dirty)
}
