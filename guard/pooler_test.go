package guard_test

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard"
	"github.com/schemaguard/guard/internal/pgtest"
)

// hasLog reports whether l holds a message that begins with prefix.
func hasLog(l *logged, prefix string) bool {
	for _, r := range l.all() {
		if strings.HasPrefix(r.msg, prefix) {
			return true
		}
	}
	return false
}

// targetSleep sleeps as long as the database's guardtest.sleep setting
// says: a test sets it on the target only, not on shadow databases.
const targetSleep = "SELECT pg_sleep(coalesce(nullif(current_setting('guardtest.sleep', true), ''), '0')::float);"

const pooledMsg = "the target is reached through a connection pooler"

// guard tells a transaction pooler by looking, and a direct connection
// as direct: only the first is planned and applied as behind a pooler.
func TestPoolerIsDetected(t *testing.T) {
	url := pgtest.DB(t)
	pooled := pgtest.PgBouncer(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a setting that did not reach the server would hang a test
	defer cancel()
	fsys := files("1_t.up.sql", "CREATE TABLE t (a int);", "2_u.up.sql", "CREATE TABLE u (a int);")

	direct := &logged{}
	_, err := runner(t, url, fsys, guard.WithLogger(slog.New(direct))).Up(ctx, 1)
	assert.NoError(t, err)
	assert.False(t, hasLog(direct, pooledMsg), "%v", direct.all())

	through := &logged{}
	_, err = runner(t, pooled, fsys, guard.WithLogger(slog.New(through))).Up(ctx, 0)
	assert.NoError(t, err)
	assert.True(t, hasLog(through, pooledMsg), "%v", through.all())
	v, dirty := version(t, url)
	assert.Equal(t, int64(2), v)
	assert.False(t, dirty)
}

// Behind a transaction pooler, lock_timeout still bounds a file's wait for
// a lock (it is set in the file's transaction: as a startup parameter it
// would be refused, or dropped): a file blocked by another session fails
// on it, leaves no trace, and runs once the other session is gone.
func TestPoolerLockTimeoutIsSetInTheFilesTransaction(t *testing.T) {
	url := pgtest.DB(t)
	pooled := pgtest.PgBouncer(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a setting that did not reach the server would hang a test
	defer cancel()
	fsys := files("1_t.up.sql", "CREATE TABLE t (a int);", "2_t_b.up.sql", "ALTER TABLE t ADD COLUMN b int;")
	r := runner(t, pooled, fsys, guard.WithLockTimeout(200*time.Millisecond), guard.WithLockRetries(0), guard.WithNoAutoRecover())
	_, err := r.Up(ctx, 1)
	assert.NoError(t, err)

	conn := pgtest.Connect(t, url)
	tx, err := conn.Begin(ctx)
	assert.NoError(t, err)
	_, err = tx.Exec(ctx, "LOCK TABLE t IN ACCESS SHARE MODE")
	assert.NoError(t, err)
	_, err = r.Up(ctx, 0)
	var me *guard.MigrationError
	assert.True(t, errors.As(err, &me), "%v", err)
	assert.Contains(t, err.Error(), "lock timeout")
	assert.False(t, me.Dirty, "%v", err)
	v, dirty := version(t, url)
	assert.Equal(t, int64(1), v)
	assert.False(t, dirty)

	assert.NoError(t, tx.Rollback(ctx))
	_, err = r.Up(ctx, 0)
	assert.NoError(t, err)
	v, _ = version(t, url)
	assert.Equal(t, int64(2), v)
}

// Behind a transaction pooler, a CREATE INDEX CONCURRENTLY (which no
// setting can reach) that waits for an old transaction longer than the
// concurrent lock timeout is cancelled as lock_timeout would: the INVALID
// index is dropped and the version is clean before the file; once the old
// transaction ends, it is built.
func TestPoolerConcurrentIndexLockWaitIsBounded(t *testing.T) {
	url := pgtest.DB(t)
	pooled := pgtest.PgBouncer(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a setting that did not reach the server would hang a test
	defer cancel()
	r := runner(t, pooled, files(cic...), guard.WithLockRetries(0), guard.WithNoAutoRecover(),
		guard.WithConcurrentLockTimeout(300*time.Millisecond))
	_, err := r.Up(ctx, 1)
	assert.NoError(t, err)

	_, end := oldTransaction(t, url)
	_, err = r.Up(ctx, 0)
	var me *guard.MigrationError
	assert.True(t, errors.As(err, &me), "%v", err)
	assert.Contains(t, err.Error(), "lock timeout")
	assert.False(t, me.Dirty, "%v", err)
	assert.Equal(t, []string{}, indexes(t, url))
	v, dirty := version(t, url)
	assert.Equal(t, int64(1), v)
	assert.False(t, dirty)

	end()
	_, err = r.Up(ctx, 0)
	assert.NoError(t, err)
	assert.Equal(t, []string{"t_a"}, indexes(t, url))
}

// A setting of the URL that a transaction pooler cannot pass is refused
// with a one-line error and a hint, and nothing is changed; statement_timeout
// is made in each file's transaction instead.
func TestPoolerURLSettings(t *testing.T) {
	db := pgtest.DB(t)
	pooled := pgtest.PgBouncer(t, db)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a setting that did not reach the server would hang a test
	defer cancel()
	fsys := files("1_t.up.sql", "CREATE TABLE t (a int);", "2_slow.up.sql", "SELECT pg_sleep(5);")

	withParam := func(k, v string) string {
		u, err := url.Parse(pooled)
		assert.NoError(t, err)
		q := u.Query()
		q.Set(k, v)
		u.RawQuery = q.Encode()
		return u.String()
	}
	for _, mode := range []guard.Pooler{guard.PoolerAuto, guard.PoolerTransaction} {
		_, err := runner(t, withParam("search_path", "app"), fsys, guard.WithPooler(mode)).Up(ctx, 0)
		assert.Error(t, err)
		assert.Contains(t, err.Error(), "search_path")
		assert.NotContains(t, err.Error(), "\n")
		var h interface{ Hint() string }
		assert.True(t, errors.As(err, &h), "%T", err)
		assert.Contains(t, h.Hint(), "ALTER ROLE")
		assert.False(t, query[bool](t, db, `SELECT to_regclass('schema_migrations') IS NOT NULL`))
	}

	_, err := runner(t, withParam("statement_timeout", "300ms"), fsys, guard.WithLockRetries(0), guard.WithNoAutoRecover()).Up(ctx, 0)
	var me *guard.MigrationError
	assert.True(t, errors.As(err, &me), "%v", err)
	assert.Equal(t, "2_slow.up.sql", me.File)
	assert.Contains(t, err.Error(), "statement timeout")
	v, dirty := version(t, db)
	assert.Equal(t, int64(1), v)
	assert.False(t, dirty)
}

// Two guards behind a pooler take turns: the one that waits names the
// holder of guard's lock, a transaction-scoped lock, and gets it when the
// first is done; no advisory lock is left on the pool's server sessions.
func TestPoolerLockIsHeldForTheRun(t *testing.T) {
	url := pgtest.DB(t)
	pooled := pgtest.PgBouncer(t, url)
	pgtest.Exec(t, url, "ALTER DATABASE "+query[string](t, url, "SELECT quote_ident(current_database())")+" SET guardtest.sleep = '1'")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a setting that did not reach the server would hang a test
	defer cancel()
	fsys := files("1_t.up.sql", "CREATE TABLE t (a int);\n"+targetSleep, "2_u.up.sql", "CREATE TABLE u (a int);")
	first := runner(t, pooled, fsys)
	second := runner(t, pooled, fsys, guard.WithLockWait(100*time.Millisecond))
	done := make(chan error, 1)
	go func() { _, err := first.Up(ctx, 0); done <- err }()
	conn := pgtest.Connect(t, url)
	for sleeping := false; !sleeping; {
		assert.NoError(t, conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_stat_activity
			WHERE datname = current_database() AND query LIKE '%pg_sleep%' AND state = 'active' AND pid <> pg_backend_pid())`).Scan(&sleeping))
		time.Sleep(20 * time.Millisecond) // polling a condition
	}
	_, err := second.Up(ctx, 0)
	var lw *guard.LockWaitError
	assert.True(t, errors.As(err, &lw), "%v", err)
	assert.NotZero(t, lw.Holder)
	assert.NoError(t, <-done)
	res, err := second.Up(ctx, 0)
	assert.NoError(t, err)
	assert.Equal(t, 0, len(res.Applied))
	assert.Equal(t, 0, query[int](t, url, `SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory'
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`))
}

// Behind a transaction pooler the live schema is not copied (pg_dump's
// session settings would reach other clients): history drift is planned
// on the replayed history, with a warning that says why; a pending file
// that needs a hand-made object fails with the reason and a hint.
func TestPoolerDoesNotCopyTheLiveSchema(t *testing.T) {
	url := pgtest.DB(t)
	pooled := pgtest.PgBouncer(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	fsys := files("1_t.up.sql", "CREATE TABLE t (a int);", "2_u.up.sql", "CREATE TABLE u (a int);", "3_legacy.up.sql", "ALTER TABLE legacy ADD COLUMN b int;")
	r := runner(t, pooled, fsys)
	_, err := r.Up(ctx, 1)
	assert.NoError(t, err)
	pgtest.Exec(t, url, `CREATE TABLE legacy (id int)`)

	res, err := r.Up(ctx, 1)
	assert.NoError(t, err)
	assert.Equal(t, guard.StartHistory, res.Plan.Shadow.Start)
	assert.Contains(t, res.Plan.Shadow.StartReason, "transaction pooler")
	p, err := r.Plan(ctx)
	assert.Error(t, err)
	assert.True(t, p == nil)
	assert.Contains(t, err.Error(), "transaction pooler")
	var h interface{ Hint() string }
	assert.True(t, errors.As(err, &h), "%T", err)
	assert.Contains(t, h.Hint(), "directly")
	v, _ := version(t, url)
	assert.Equal(t, int64(2), v)
}
