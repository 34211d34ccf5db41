package guard_test

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/pgtest"
)

// failWithGolangMigrate runs every file of fsys with plain golang-migrate
// and expects it to fail: the version is left dirty.
func failWithGolangMigrate(t testing.TB, url string, fsys fs.FS) {
	t.Helper()
	assert.Error(t, plainUp(t, url, fsys))
}

// A file that runs in one transaction and failed half-way was rolled back:
// the live schema is the version before it, "not applied", not "cannot
// diagnose".
func TestFailedTransactionalFileIsNotApplied(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	fsys := files("1_a.up.sql", "CREATE TABLE a (id int);",
		"2_b.up.sql", "CREATE TABLE b (id int);\nSELECT 1/0;",
		"3_z.up.sql", "CREATE TABLE z (id int);")
	failWithGolangMigrate(t, url, fsys)
	v, dirty := version(t, url)
	assert.Equal(t, int64(2), v)
	assert.True(t, dirty)

	r := runner(t, url, fsys, guard.WithNoAutoRecover())
	st, err := r.Status(ctx)
	assert.NoError(t, err)
	assert.NotZero(t, st.Diagnosis, "%v", st.Warnings)
	assert.Equal(t, guard.StateNotApplied, st.Diagnosis.State, st.Diagnosis.Message)
	assert.True(t, st.Diagnosis.Recoverable)
	assert.Equal(t, source.V(1), st.Diagnosis.RecoverTo)
	assert.Contains(t, st.Diagnosis.Candidates[1].Unreachable, "division by zero")

	_, err = r.Up(ctx, 0)
	var de *guard.DirtyError
	assert.True(t, errors.As(err, &de), "%v", err)
	assert.Equal(t, guard.StateNotApplied, de.Diagnosis.State)
	_, dirty = version(t, url)
	assert.True(t, dirty, "WithNoAutoRecover leaves it dirty")
}

// logged records a runner's log.
type logged struct {
	mu   sync.Mutex
	recs []record
}

type record struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

func (l *logged) Enabled(context.Context, slog.Level) bool { return true }
func (l *logged) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logged) WithGroup(string) slog.Handler            { return l }

func (l *logged) Handle(_ context.Context, r slog.Record) error {
	rec := record{level: r.Level, msg: r.Message, attrs: map[string]string{}}
	r.Attrs(func(a slog.Attr) bool {
		rec.attrs[a.Key] = a.Value.String()
		return true
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = append(l.recs, rec)
	return nil
}

func (l *logged) all() []record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]record(nil), l.recs...)
}

// dirtyAt marks the version table dirty at v, as a guard or golang-migrate
// killed (or cut off) in the middle of a file leaves it.
func dirtyAt(t testing.TB, url string, v int64) {
	t.Helper()
	pgtest.Exec(t, url, `CREATE TABLE IF NOT EXISTS schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
		TRUNCATE schema_migrations; INSERT INTO schema_migrations VALUES (`+itoa(v)+`, true)`)
}

// Up recovers an exactly diagnosed dirty state of a file that runs in one
// transaction, says so loudly, and goes on.
func TestUpRecoversAnExactDirtyStateByItself(t *testing.T) {
	for _, tc := range []struct {
		name    string
		byHand  string // what the interrupted file left
		state   guard.DirtyState
		to      int64
		applied int
	}{
		{name: "not applied", state: guard.StateNotApplied, to: 1, applied: 2},
		{name: "applied but unrecorded", byHand: "CREATE TABLE b (id int);", state: guard.StateApplied, to: 2, applied: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := pgtest.DB(t)
			ctx := context.Background()
			fsys := files("1_a.up.sql", "CREATE TABLE a (id int);",
				"2_b.up.sql", "CREATE TABLE b (id int);",
				"3_z.up.sql", "CREATE TABLE z (id int);")
			m := &logged{}
			r := runner(t, url, fsys, guard.WithLogger(slog.New(m)))
			_, err := r.Up(ctx, 1)
			assert.NoError(t, err)
			if tc.byHand != "" {
				pgtest.Exec(t, url, tc.byHand)
			}
			dirtyAt(t, url, 2)

			// Plan agrees with up: it would recover.
			p, err := r.Plan(ctx)
			assert.NoError(t, err)
			assert.Equal(t, source.V(uint64(tc.to)), p.Version)
			_, dirty := version(t, url)
			assert.True(t, dirty, "plan changes nothing")

			res, err := r.Up(ctx, 0)
			assert.NoError(t, err)
			assert.Equal(t, source.V(3), res.Version)
			assert.Equal(t, tc.applied, len(res.Applied))
			warned := false
			for _, w := range res.Warnings {
				if strings.Contains(w, "RECOVERED AUTOMATICALLY") && strings.Contains(w, "dirty at version 2") && strings.Contains(w, "set to "+itoa(tc.to)) {
					warned = true
				}
			}
			assert.True(t, warned, "%v", res.Warnings)
			logged := false
			for _, rec := range m.all() {
				if rec.level == slog.LevelWarn && rec.msg == "dirty database recovered automatically" &&
					rec.attrs["dirty_version"] == "2" && rec.attrs["diagnosis"] == string(tc.state) && rec.attrs["version"] == itoa(tc.to) {
					logged = true
				}
			}
			assert.True(t, logged, "a WARN log names the dirty version, the diagnosis and the version set")
			v, dirty := version(t, url)
			assert.Equal(t, int64(3), v)
			assert.False(t, dirty)
			assert.Equal(t, 1, query[int](t, url, `SELECT count(*) FROM guard_history WHERE direction = 'force' AND version = $1`, tc.to))
		})
	}
}

// A fixed file after a failed one: up recovers the rolled-back version and
// runs the fixed file.
func TestUpRecoversAFailedFileAndRunsItsFix(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	failed := files("1_a.up.sql", "CREATE TABLE a (id int);",
		"2_b.up.sql", "CREATE TABLE b (id int);\nSELECT 1/0;")
	failWithGolangMigrate(t, url, failed)
	fixed := files("1_a.up.sql", "CREATE TABLE a (id int);",
		"2_b.up.sql", "CREATE TABLE b (id int);")
	res, err := runner(t, url, fixed).Up(ctx, 0)
	assert.NoError(t, err)
	assert.Equal(t, source.V(2), res.Version)
	assert.Equal(t, 1, len(res.Applied))
	assert.True(t, query[bool](t, url, `SELECT to_regclass('b') IS NOT NULL`))
}

// What up does not recover by itself: a file that runs outside a
// transaction (its data may have committed in part), partial and
// ambiguous states.
func TestUpDoesNotRecoverWhatTheSchemaCannotProve(t *testing.T) {
	for _, tc := range []struct {
		name   string
		second string
		byHand string
		state  guard.DirtyState
		says   string
	}{
		{name: "outside a transaction", second: "CREATE INDEX CONCURRENTLY a_id ON a (id);",
			state: guard.StateNotApplied, says: "2_b.up.sql runs outside a transaction: its data changes may have committed in part"},
		{name: "transaction control", second: "BEGIN;\nCREATE TABLE b (id int);\nCOMMIT;\nINSERT INTO a VALUES (1);",
			byHand: "CREATE TABLE b (id int);", state: guard.StateApplied, says: "runs outside a transaction"},
		{name: "partial", second: "CREATE TABLE b (id int);\nCREATE TABLE c (id int);", byHand: "CREATE TABLE b (id int);",
			state: guard.StatePartial, says: "partial"},
		{name: "ambiguous", second: "INSERT INTO a VALUES (1);", state: guard.StateAmbiguous, says: "ambiguous"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := pgtest.DB(t)
			ctx := context.Background()
			r := runner(t, url, files("1_a.up.sql", "CREATE TABLE a (id int);", "2_b.up.sql", tc.second))
			_, err := r.Up(ctx, 1)
			assert.NoError(t, err)
			if tc.byHand != "" {
				pgtest.Exec(t, url, tc.byHand)
			}
			dirtyAt(t, url, 2)
			_, err = r.Up(ctx, 0)
			var de *guard.DirtyError
			assert.True(t, errors.As(err, &de), "%v", err)
			assert.NotZero(t, de.Diagnosis)
			assert.Equal(t, tc.state, de.Diagnosis.State)
			assert.Contains(t, err.Error(), tc.says)
			v, dirty := version(t, url)
			assert.Equal(t, int64(2), v)
			assert.True(t, dirty)
		})
	}
}

// A dirty database while plain golang-migrate still holds its lock: up
// waits within the lock wait, says a migration is running (naming it), and
// goes on normally when the migration finishes during the wait.
func TestUpWaitsForARunningMigration(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	fsys := files("1_a.up.sql", "CREATE TABLE a (id int);",
		"2_b.up.sql", "CREATE TABLE b (id int);",
		"3_z.up.sql", "CREATE TABLE z (id int);")
	_, err := runner(t, url, fsys).Up(ctx, 1)
	assert.NoError(t, err)
	cfg := config(t, url)
	cfg.RuntimeParams["application_name"] = "plain-migrate"
	holder, err := pgx.ConnectConfig(ctx, cfg)
	assert.NoError(t, err)
	defer holder.Close(ctx)
	pid := scalar[int](t, holder, `SELECT pg_backend_pid()`)
	_, migrateKey := keys(t, holder)
	_, err = holder.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrateKey)
	assert.NoError(t, err)
	dirtyAt(t, url, 2) // file 2 "running": nothing of it is there yet

	_, err = runner(t, url, fsys, guard.WithLockWait(200*time.Millisecond)).Up(ctx, 0)
	var de *guard.DirtyError
	assert.True(t, errors.As(err, &de), "%v", err)
	assert.NotZero(t, de.Running)
	assert.Equal(t, pid, de.Running.PID)
	assert.Zero(t, de.Diagnosis, "nothing is diagnosed under a running file")
	assert.Contains(t, err.Error(), "a migration is running")
	assert.Contains(t, err.Error(), "plain-migrate")
	assert.NotContains(t, de.Hint(), "run `guard migrate recover`")
	_, dirty := version(t, url)
	assert.True(t, dirty, "not recovered under a running file")

	_, err = runner(t, url, fsys, guard.WithLockWait(200*time.Millisecond)).Recover(ctx)
	assert.True(t, errors.As(err, &de), "recover waits too: %v", err)
	assert.NotZero(t, de.Running)

	// The migration finishes while guard waits: guard goes on normally.
	r := runner(t, url, fsys, guard.WithLockWait(time.Minute), guard.WithProgress(func(e guard.Event) {
		if e.Kind == guard.EventLockWait && e.Holder != nil && e.Holder.Lock == "golang-migrate" && e.Holder.PID == pid {
			_, err := holder.Exec(ctx, `CREATE TABLE b (id int); UPDATE schema_migrations SET dirty = false`)
			assert.NoError(t, err)
			_, err = holder.Exec(ctx, `SELECT pg_advisory_unlock($1)`, migrateKey)
			assert.NoError(t, err)
		}
	}))
	res, err := r.Up(ctx, 0)
	assert.NoError(t, err)
	assert.Equal(t, source.V(3), res.Version)
	assert.Equal(t, 1, len(res.Applied))
	assert.Equal(t, "3_z.up.sql", res.Applied[0].File)
	assert.Equal(t, 0, query[int](t, url, `SELECT count(*) FROM guard_history WHERE direction = 'force'`))
}
