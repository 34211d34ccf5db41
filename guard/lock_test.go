package guard_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/migrator"
	"github.com/schemaguard/guard/internal/pgtest"
)

// connectAs opens a connection to url as user ("" for the URL's), immune to
// the idle_session_timeout the tests set on their databases, closed when
// the test ends.
func connectAs(t testing.TB, url, user string) *pgx.Conn {
	t.Helper()
	cfg := config(t, url)
	if user != "" {
		cfg.User = user
	}
	cfg.RuntimeParams["idle_session_timeout"] = "0"
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	assert.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// poll waits until cond holds, failing the test if it never does.
func poll(t testing.TB, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	give := time.After(time.Minute)
	for !cond() {
		select {
		case <-give:
			t.Fatalf("gave up waiting: %s", what)
		case <-tick.C:
		}
	}
}

func scalar[T any](t testing.TB, conn *pgx.Conn, sql string, args ...any) T {
	t.Helper()
	var v T
	assert.NoError(t, conn.QueryRow(context.Background(), sql, args...).Scan(&v))
	return v
}

// keys returns guard's and golang-migrate's lock keys for the default
// version table of the database at url.
func keys(t testing.TB, conn *pgx.Conn) (guardKey, migrateKey int64) {
	t.Helper()
	var db, sch string
	assert.NoError(t, conn.QueryRow(context.Background(), `SELECT current_database(), current_schema()`).Scan(&db, &sch))
	id, err := migrator.LockID(db, source.DefaultTable().In(sch))
	assert.NoError(t, err)
	return guard.LockKey(db, sch, source.DefaultTableName), id
}

// Reproduction of issue 9 §2: with idle_session_timeout on the database,
// guard's sessions, idle while a file runs (here in the shadow too) and
// between files, must survive and the history must be complete.
func TestIdleSessionTimeoutKeepsTheLockAndTheHistory(t *testing.T) {
	for _, tc := range []struct {
		name    string
		options func(t *testing.T) []guard.Option
	}{
		// The shadows go to the server's maintenance database, out of reach
		// of the target's setting.
		{"shadow URL", func(t *testing.T) []guard.Option { return []guard.Option{guard.WithShadowURL(pgtest.Server(t))} }},
		// The shadows go to the target's own server: the provider's
		// connection to the target database idles while the slow file
		// replays in the shadow, and must outlive the setting.
		{"target server", func(*testing.T) []guard.Option { return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := pgtest.DB(t)
			watch := connectAs(t, url, "")
			db := scalar[string](t, watch, `SELECT current_database()`)
			pgtest.Exec(t, url, `ALTER DATABASE `+pgx.Identifier{db}.Sanitize()+` SET idle_session_timeout = '300ms'`)
			fsys := files("1_slow.up.sql", "SELECT pg_sleep(1.5);", "2_b.up.sql", "CREATE TABLE b (id int);")
			opts := append(tc.options(t), guard.WithShadowCache(false), guard.WithProgress(func(e guard.Event) {
				if e.Kind == guard.EventStepDone && e.Step.Version == 1 {
					// Between the files, golang-migrate's sessions idle for
					// longer than the timeout (or are ended by it).
					poll(t, "golang-migrate's sessions idle for 1s", func() bool {
						return scalar[bool](t, watch, `SELECT NOT EXISTS (SELECT FROM pg_stat_activity
							WHERE datname = current_database() AND application_name LIKE 'guard-migrate-%'
							  AND (state <> 'idle' OR now() - state_change < interval '1s'))`)
					})
				}
			}))
			r := runner(t, url, fsys, opts...)
			res, err := r.Up(context.Background(), 0)
			assert.NoError(t, err)
			assert.Equal(t, 2, len(res.Applied))
			v, dirty := version(t, url)
			assert.Equal(t, int64(2), v)
			assert.False(t, dirty)
			assert.Equal(t, 2, scalar[int](t, watch, `SELECT count(*) FROM guard_history WHERE direction = 'up'`))
		})
	}
}

// A connection killer ends guard's lock session (or all of guard's
// sessions) while a file runs: the file is applied and recorded, and guard
// stops before the next one with a *LockLostError naming it.
func TestLostLockStopsBeforeTheNextFile(t *testing.T) {
	for _, tc := range []struct{ name, kill string }{
		{"lock session", `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
			AND classid = ($1::bigint >> 32)::oid AND objid = ($1::bigint & 4294967295)::oid AND objsubid = 1`},
		{"every guard session", `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name LIKE 'guard migrate pid=%' AND $1::bigint IS NOT NULL`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := pgtest.DB(t)
			ctx := context.Background()
			gate := connectAs(t, url, "")
			guardKey, _ := keys(t, gate)
			// The first file waits on an advisory lock the test holds (in
			// the target database only: the shadow's replay does not wait).
			_, err := gate.Exec(ctx, `SELECT pg_advisory_lock(4242)`)
			assert.NoError(t, err)
			fsys := files(
				"1_gate.up.sql", "SELECT pg_advisory_lock(4242); SELECT pg_advisory_unlock(4242); CREATE TABLE a (id int);",
				"2_b.up.sql", "CREATE TABLE b (id int);")
			r := runner(t, url, fsys, guard.WithLockTimeout(time.Minute))
			done := make(chan error, 1)
			go func() { _, err := r.Up(ctx, 0); done <- err }()

			poll(t, "the first file waits on the gate", func() bool {
				return scalar[bool](t, gate, `SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = 4242
					AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))`)
			})
			assert.NotEqual(t, 0, scalar[int](t, gate, `SELECT count(*) FROM (`+tc.kill+`) k`, guardKey))
			poll(t, "guard's lock is released", func() bool {
				return scalar[bool](t, gate, `SELECT pg_try_advisory_lock($1) AND pg_advisory_unlock($1)`, guardKey)
			})
			_, err = gate.Exec(ctx, `SELECT pg_advisory_unlock(4242)`)
			assert.NoError(t, err)

			err = <-done
			var lost *guard.LockLostError
			assert.True(t, errors.As(err, &lost), "%v", err)
			assert.Equal(t, 1, len(lost.Applied))
			assert.Equal(t, "1_gate.up.sql", lost.Applied[0].File)
			assert.NotZero(t, lost.Next)
			assert.Equal(t, "2_b.up.sql", lost.Next.File)
			assert.Contains(t, err.Error(), "1_gate.up.sql")
			assert.Contains(t, err.Error(), "stopped before 2_b.up.sql")
			assert.NotEqual(t, "", lost.Hint())
			v, dirty := version(t, url)
			assert.Equal(t, int64(1), v)
			assert.False(t, dirty)
			assert.False(t, scalar[bool](t, gate, `SELECT to_regclass('b') IS NOT NULL`), "nothing runs without the lock")
			assert.Equal(t, 1, scalar[int](t, gate, `SELECT count(*) FROM guard_history WHERE version = 1 AND direction = 'up' AND length(sha256) = 64`),
				"the applied file is recorded")

			// The next run applies the rest.
			res, err := r.Up(ctx, 0)
			assert.NoError(t, err)
			assert.Equal(t, 1, len(res.Applied))
			assert.Equal(t, 2, scalar[int](t, gate, `SELECT count(*) FROM guard_history`))
		})
	}
}

// plainRole creates a login role with no privileges (dropped when the test
// ends) and returns its name.
func plainRole(t *testing.T) string {
	t.Helper()
	role := "guard_plain_" + pgtest.RandomSuffix()
	pgtest.Exec(t, pgtest.Server(t), `CREATE ROLE `+role+` LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`)
	t.Cleanup(func() { pgtest.Exec(t, pgtest.Server(t), `DROP ROLE IF EXISTS `+role) })
	return role
}

// Reproduction of issue 9 §3: a plain role, which cannot read another
// role's backend_start in pg_stat_activity, waits for guard's lock and then
// golang-migrate's, held by another role, and Status works meanwhile.
func TestPlainRoleWaitsForTheLocks(t *testing.T) {
	role := plainRole(t) // before the database: dropped after it
	url := pgtest.DB(t)
	db := scalar[string](t, connectAs(t, url, ""), `SELECT current_database()`)
	pgtest.Exec(t, url, `ALTER DATABASE `+pgx.Identifier{db}.Sanitize()+` OWNER TO `+role)
	ctx := context.Background()

	holder := connectAs(t, url, "")
	pid := scalar[int](t, holder, `SELECT pg_backend_pid()`)
	guardKey, migrateKey := keys(t, holder)
	_, err := holder.Exec(ctx, `SELECT pg_advisory_lock($1), pg_advisory_lock($2)`, guardKey, migrateKey)
	assert.NoError(t, err)

	cfg := config(t, url)
	cfg.User = role
	assert.False(t, scalar[bool](t, connectAs(t, url, role), `SELECT pg_has_role('pg_read_all_stats', 'member') OR rolsuper FROM pg_roles WHERE rolname = current_user`))
	src, err := source.Load(files("1_a.up.sql", "CREATE TABLE a (id int);"), ".", "migrations")
	assert.NoError(t, err)
	holders := make(chan *guard.LockHolder, 4)
	r, err := guard.New(cfg, src, guard.WithShadowURL(pgtest.Server(t)), guard.WithShadowCache(false), guard.WithLockWait(time.Minute),
		guard.WithProgress(func(e guard.Event) {
			if e.Kind == guard.EventLockWait {
				holders <- e.Holder
			}
		}))
	assert.NoError(t, err)

	st, err := r.Status(ctx)
	assert.NoError(t, err)
	assert.NotZero(t, st.Running)
	assert.Equal(t, pid, st.Running.PID)
	assert.Equal(t, "golang-migrate", st.Running.Lock)
	assert.True(t, st.Running.Since.IsZero(), "unknown to a plain role")

	done := make(chan error, 1)
	go func() { _, err := r.Up(ctx, 0); done <- err }()
	for _, which := range []string{"guard", "golang-migrate"} {
		h := <-holders
		assert.NotZero(t, h, which)
		assert.Equal(t, pid, h.PID, which)
		assert.Equal(t, which, h.Lock)
		assert.Equal(t, "postgres", h.User)
		key := guardKey
		if which == "golang-migrate" {
			key = migrateKey
		}
		assert.True(t, scalar[bool](t, holder, `SELECT pg_advisory_unlock($1)`, key))
	}
	assert.NoError(t, <-done)
	v, dirty := version(t, url)
	assert.Equal(t, int64(1), v)
	assert.False(t, dirty)
}

// golang-migrate's own lock, held by a plain migrate process, is named as
// such and waited for within the lock wait, not reported as lock_timeout.
func TestGolangMigrateLockIsNamedAndWaitedFor(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	cfg := config(t, url)
	cfg.RuntimeParams["application_name"] = "plain-migrate"
	holder, err := pgx.ConnectConfig(ctx, cfg)
	assert.NoError(t, err)
	defer holder.Close(ctx)
	pid := scalar[int](t, holder, `SELECT pg_backend_pid()`)
	_, migrateKey := keys(t, holder)
	_, err = holder.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrateKey)
	assert.NoError(t, err)

	fsys := files("1_a.up.sql", "CREATE TABLE a (id int);")
	// lock_timeout is far shorter than the lock wait: it must not end the wait.
	_, err = runner(t, url, fsys, guard.WithLockWait(2*time.Second), guard.WithLockTimeout(100*time.Millisecond), guard.WithLockRetries(0)).Up(ctx, 0)
	var lw *guard.LockWaitError
	assert.True(t, errors.As(err, &lw), "%v", err)
	assert.Equal(t, "golang-migrate", lw.Lock)
	assert.NotZero(t, lw.Holder)
	assert.Equal(t, pid, lw.Holder.PID)
	assert.Contains(t, err.Error(), "another golang-migrate process holds its lock")
	assert.Contains(t, err.Error(), "plain-migrate")
	assert.Contains(t, lw.Hint(), "golang-migrate")
	assert.False(t, query[bool](t, url, `SELECT to_regclass('a') IS NOT NULL`))

	// Released while guard waits: guard goes on.
	r := runner(t, url, fsys, guard.WithLockWait(time.Minute), guard.WithLockTimeout(100*time.Millisecond), guard.WithProgress(func(e guard.Event) {
		if e.Kind == guard.EventLockWait && e.Holder != nil && e.Holder.Lock == "golang-migrate" {
			_, err := holder.Exec(ctx, `SELECT pg_advisory_unlock($1)`, migrateKey)
			assert.NoError(t, err)
		}
	}))
	res, err := r.Up(ctx, 0)
	assert.NoError(t, err)
	assert.Equal(t, 1, len(res.Applied))
}

// A file applied whose history row was lost (guard ended between the file
// and its row) is recorded by the next run, marked recovered; versions
// plain golang-migrate applied before guard ever ran are not.
func TestUpRecoversLostHistoryRows(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	fsys := files("1_a.up.sql", "CREATE TABLE a (id int);", "2_b.up.sql", "CREATE TABLE b (id int);", "3_c.up.sql", "CREATE TABLE c (id int);")
	golangMigrate(t, url, files("1_a.up.sql", "CREATE TABLE a (id int);"))
	_, err := runner(t, url, files("1_a.up.sql", "CREATE TABLE a (id int);", "2_b.up.sql", "CREATE TABLE b (id int);")).Up(ctx, 0)
	assert.NoError(t, err)
	// Version 3 applied, its row lost: what a guard killed right after the
	// file leaves.
	golangMigrate(t, url, fsys)
	fsys["4_d.up.sql"] = files("x", "CREATE TABLE d (id int);")["x"]

	res, err := runner(t, url, fsys).Up(ctx, 0)
	assert.NoError(t, err)
	assert.Equal(t, 1, len(res.Applied))
	assert.Contains(t, strings.Join(res.Warnings, "\n"), "recovered")
	assert.Contains(t, strings.Join(res.Warnings, "\n"), "3_c.up.sql")
	type row struct {
		Version   int64
		Recovered bool
		SHA256    string
	}
	conn := pgtest.Connect(t, url)
	rows, err := conn.Query(ctx, `SELECT version, recovered, sha256 FROM guard_history ORDER BY id`)
	assert.NoError(t, err)
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
	assert.NoError(t, err)
	sum := sha256.Sum256([]byte("CREATE TABLE c (id int);"))
	assert.Equal(t, 3, len(got), "%v", got)
	assert.Equal(t, []int64{2, 3, 4}, []int64{got[0].Version, got[1].Version, got[2].Version}, "version 1 (plain golang-migrate, before guard) stays without a row")
	assert.Equal(t, []bool{false, true, false}, []bool{got[0].Recovered, got[1].Recovered, got[2].Recovered})
	assert.Equal(t, hex.EncodeToString(sum[:]), got[1].SHA256)

	// Nothing more to recover.
	res, err = runner(t, url, fsys).Up(ctx, 0)
	assert.NoError(t, err)
	assert.NotContains(t, strings.Join(res.Warnings, "\n"), "recovered")
	assert.Equal(t, 3, query[int](t, url, `SELECT count(*) FROM guard_history`))
}

// guard's lock session ended while planning: nothing is applied.
func TestLockLostWhilePlanningAppliesNothing(t *testing.T) {
	url := pgtest.DB(t)
	watch := connectAs(t, url, "")
	guardKey, _ := keys(t, watch)
	r := runner(t, url, files("1_a.up.sql", "CREATE TABLE a (id int);"), guard.WithProgress(func(e guard.Event) {
		if e.Kind != guard.EventShadow {
			return
		}
		assert.Equal(t, 1, scalar[int](t, watch, `SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND granted
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
			AND classid = ($1::bigint >> 32)::oid AND objid = ($1::bigint & 4294967295)::oid AND objsubid = 1`, guardKey))
		poll(t, "guard's lock is released", func() bool {
			return scalar[bool](t, watch, `SELECT pg_try_advisory_lock($1) AND pg_advisory_unlock($1)`, guardKey)
		})
	}))
	_, err := r.Up(context.Background(), 0)
	var lost *guard.LockLostError
	assert.True(t, errors.As(err, &lost), "%v", err)
	assert.Equal(t, 0, len(lost.Applied))
	assert.NotZero(t, lost.Next)
	assert.Equal(t, "1_a.up.sql", lost.Next.File)
	assert.Contains(t, err.Error(), "nothing was applied")
	assert.False(t, scalar[bool](t, watch, `SELECT to_regclass('a') IS NOT NULL`))
}
