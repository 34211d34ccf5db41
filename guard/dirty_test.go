package guard_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard"
	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/migrator"
	"github.com/schemaguard/guard/internal/pgtest"
)

func TestDirtyDatabaseIsDiagnosed(t *testing.T) {
	for _, tc := range []struct {
		name    string
		second  string // the up file of version 2
		applied uint64 // versions applied cleanly before the dirt
		by_hand string // what the interrupted migration left
		dirtyAt int64
		state   guard.DirtyState
		to      int64 // what recover sets, -2 when it refuses
		diffs   map[int64][]string
	}{
		{name: "not applied", second: "CREATE TABLE b (id int);", applied: 1, dirtyAt: 2,
			state: guard.StateNotApplied, to: 1},
		{name: "applied but unrecorded", second: "CREATE TABLE b (id int);", applied: 1, by_hand: "CREATE TABLE b (id int);", dirtyAt: 2,
			state: guard.StateApplied, to: 2},
		{name: "partial", second: "CREATE TABLE b (id int);\nCREATE TABLE c (id int);", applied: 1, by_hand: "CREATE TABLE b (id int);", dirtyAt: 2,
			state: guard.StatePartial, to: -2,
			diffs: map[int64][]string{1: {"table_added public.b"}, 2: {"table_removed public.c"}}},
		{name: "data only", second: "INSERT INTO a VALUES (1);", applied: 1, dirtyAt: 2,
			state: guard.StateAmbiguous, to: -2},
		{name: "revert not run", second: "CREATE TABLE b (id int);", applied: 2, dirtyAt: 1,
			state: guard.StateNotApplied, to: 2},
		{name: "revert of the first ran", second: "CREATE TABLE b (id int);", applied: 0, dirtyAt: -1,
			state: guard.StateApplied, to: -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := pgtest.DB(t)
			ctx := context.Background()
			fsys := files("1_a.up.sql", "CREATE TABLE a (id int);", "1_a.down.sql", "DROP TABLE a;",
				"2_b.up.sql", tc.second, "2_b.down.sql", "SELECT 1;",
				"3_z.up.sql", "CREATE TABLE z (id int);")
			r := runner(t, url, fsys, guard.WithNoAutoRecover())
			if tc.applied > 0 {
				_, err := r.Up(ctx, int(tc.applied))
				assert.NoError(t, err)
			}
			if tc.by_hand != "" {
				pgtest.Exec(t, url, tc.by_hand)
			}
			pgtest.Exec(t, url, `CREATE TABLE IF NOT EXISTS schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
				TRUNCATE schema_migrations; INSERT INTO schema_migrations VALUES (`+itoa(tc.dirtyAt)+`, true)`)

			st, err := r.Status(ctx)
			assert.NoError(t, err)
			assert.True(t, st.Dirty)
			assert.Zero(t, st.Running)
			d := st.Diagnosis
			assert.NotZero(t, d, "%v", st.Warnings)
			assert.Equal(t, tc.state, d.State, d.Message)
			assert.Equal(t, tc.to != -2, d.Recoverable)
			for v, want := range tc.diffs {
				var got []string
				for _, c := range d.Candidates {
					if c.Version.Int() == v {
						for _, ch := range c.Differences {
							got = append(got, string(ch.Kind)+" "+ch.Object)
						}
					}
				}
				assert.Equal(t, want, got, "differences from version %d", v)
			}

			_, err = r.Plan(ctx)
			var de *guard.DirtyError
			assert.True(t, errors.As(err, &de), "%v", err)
			assert.Equal(t, tc.state, de.Diagnosis.State)
			_, err = r.Up(ctx, 0)
			assert.True(t, errors.As(err, &de), "%v", err)

			rec, err := r.Recover(ctx)
			if tc.to == -2 {
				var re *guard.RecoverError
				assert.True(t, errors.As(err, &re), "%v", err)
				_, dirty := version(t, url)
				assert.True(t, dirty, "a refused recover changes nothing")
				return
			}
			assert.NoError(t, err)
			assert.True(t, rec.Recovered)
			v, dirty := version(t, url)
			assert.Equal(t, tc.to, v)
			assert.False(t, dirty)
			assert.Equal(t, 1, query[int](t, url, `SELECT count(*) FROM guard_history WHERE direction = 'force'`))
			res, err := r.Up(ctx, 0)
			assert.NoError(t, err)
			assert.Equal(t, source.V(3), res.Version)
		})
	}
}

func itoa(v int64) string {
	b := []byte{}
	neg := v < 0
	if neg {
		v = -v
	}
	for {
		b = append([]byte{byte('0' + v%10)}, b...)
		v /= 10
		if v == 0 {
			break
		}
	}
	if neg {
		b = append([]byte{'-'}, b...)
	}
	return string(b)
}

// sleepy sleeps on the target only, not in shadow databases, so a test can
// catch it in the act.
const sleepy = "SELECT pg_sleep(CASE WHEN current_database() LIKE 'guard_shadow_%' THEN 0 ELSE 60 END);"

// waitForSleep polls pg_stat_activity until a guard migration session runs
// pg_sleep on the database at url.
func waitForSleep(t *testing.T, url string) {
	t.Helper()
	conn := pgtest.Connect(t, url)
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		var n int
		assert.NoError(t, conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name LIKE 'guard-migrate-%' AND state = 'active' AND query LIKE '%pg_sleep%'`).Scan(&n))
		if n > 0 {
			return
		}
		time.Sleep(20 * time.Millisecond) // polling a condition, not waiting for time to pass
	}
	t.Fatal("the migration never started sleeping")
}

func TestCancelReachesTheServerAndLeavesTheVersionClean(t *testing.T) {
	url := pgtest.DB(t)
	fsys := files("1_a.up.sql", "CREATE TABLE a (id int);", "2_b.up.sql", "CREATE TABLE b (id int);\n"+sleepy)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		waitForSleep(t, url)
		cancel()
	}()
	var m made
	_, err := runner(t, url, fsys, track(t, &m)).Up(ctx, 0)
	var me *guard.MigrationError
	assert.True(t, errors.As(err, &me), "%v", err)
	assert.True(t, me.Canceled)
	assert.Equal(t, "2_b.up.sql", me.File)
	assert.False(t, me.Dirty, "the file was rolled back: the version is clean again")
	assert.Contains(t, err.Error(), "2_b.up.sql")
	v, dirty := version(t, url)
	assert.Equal(t, int64(1), v)
	assert.False(t, dirty)
	assert.False(t, query[bool](t, url, `SELECT to_regclass('b') IS NOT NULL`))
	assert.Equal(t, 0, query[int](t, url, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()`), "the statement was cancelled on the server")
	assert.Equal(t, 0, query[int](t, url, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`), "locks released")
	assert.NotEqual(t, 0, len(m.shadows), "planned in a shadow")
	assert.Equal(t, []string{}, existing(t, m.shadows), "shadow dropped")
}

func TestOlderBinaryAgainstNewerDatabase(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	_, err := runner(t, url, example(t, 6)).Up(ctx, 0)
	assert.NoError(t, err)
	old := runner(t, url, example(t, 4))
	st, err := old.Status(ctx)
	assert.NoError(t, err)
	assert.True(t, st.Ahead)
	assert.Contains(t, st.Warnings[0], "newer than the head 4")
	res, err := old.Up(ctx, 0)
	assert.NoError(t, err, "up exits 0 with a warning")
	assert.True(t, res.Plan.Ahead)
	assert.Equal(t, 0, len(res.Applied))
	assert.Contains(t, res.Warnings[0], "older than the database")
	_, err = old.Down(ctx, 1)
	var uv *guard.UnknownVersionError
	assert.True(t, errors.As(err, &uv), "%v", err)
}

func TestDownAndGotoArePlannedAndGuardDataLoss(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	fsys := example(t, 6)
	_, err := runner(t, url, fsys).Up(ctx, 0)
	assert.NoError(t, err)

	// Reverting the rename loses nothing.
	res, err := runner(t, url, fsys).Down(ctx, 1)
	assert.NoError(t, err)
	assert.Equal(t, guard.Down, res.Plan.Direction)
	assert.Equal(t, "000006_rename_users_email.down.sql", res.Applied[0].File)
	assert.Equal(t, diff.ColumnRenamed, res.Plan.Steps[0].Changes.Tables[0].Items[0].Kind)
	assert.Equal(t, source.V(5), res.Version)

	// Reverting 5 drops users.bio: refused without consent, nothing run.
	_, err = runner(t, url, fsys).Down(ctx, 1)
	var dl *guard.DataLossError
	assert.True(t, errors.As(err, &dl), "%v", err)
	assert.Equal(t, "public.users.bio", dl.Changes[0].Object)
	v, _ := version(t, url)
	assert.Equal(t, int64(5), v)

	res, err = runner(t, url, fsys, guard.WithAllowDataLoss()).Goto(ctx, 2)
	assert.NoError(t, err)
	assert.Equal(t, 3, len(res.Applied))
	assert.Equal(t, source.V(2), res.Version)
	assert.Equal(t, 4, query[int](t, url, `SELECT count(*) FROM guard_history WHERE direction = 'down'`))

	res, err = runner(t, url, fsys).Goto(ctx, 4)
	assert.NoError(t, err)
	assert.Equal(t, guard.Up, res.Plan.Direction)
	assert.Equal(t, source.V(4), res.Version)

	res, err = runner(t, url, fsys, guard.WithAllowDataLoss()).Down(ctx, 0)
	assert.NoError(t, err)
	assert.Equal(t, 4, len(res.Applied))
	assert.Zero(t, res.Version)
	assert.Equal(t, 0, query[int](t, url, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT IN ('schema_migrations', 'guard_history')`))
}

func TestForce(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	r := runner(t, url, example(t, 6))
	res, err := r.Force(ctx, source.V(3))
	assert.NoError(t, err)
	assert.Zero(t, res.Previous)
	assert.Equal(t, source.V(3), res.Version)
	v, dirty := version(t, url)
	assert.Equal(t, int64(3), v)
	assert.False(t, dirty)
	res, err = r.Force(ctx, source.None)
	assert.NoError(t, err)
	assert.Equal(t, source.V(3), res.Previous)
	v, _ = version(t, url)
	assert.Equal(t, int64(-1), v)
	assert.Equal(t, 2, query[int](t, url, `SELECT count(*) FROM guard_history WHERE direction = 'force'`))
}

func TestStatus(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	r := runner(t, url, example(t, 6))
	st, err := r.Status(ctx)
	assert.NoError(t, err)
	assert.Zero(t, st.Version)
	assert.Equal(t, 6, len(st.Pending))
	assert.False(t, query[bool](t, url, `SELECT to_regclass('schema_migrations') IS NOT NULL`), "status creates nothing")

	_, err = r.Up(ctx, 5)
	assert.NoError(t, err)
	pgtest.Exec(t, url, `ALTER TABLE users ADD COLUMN karma int`)
	path := lockContract(t, url, "auto")
	pgtest.Exec(t, url, `ALTER TABLE users DROP COLUMN bio`)
	r = runner(t, url, example(t, 6), guard.WithContract(path))
	st, err = r.Status(ctx)
	assert.NoError(t, err)
	assert.False(t, st.DriftChecked)
	assert.Equal(t, 0, len(st.HistoryDrift), "not checked without CheckDrift")
	st, err = r.Status(ctx, guard.CheckDrift())
	assert.NoError(t, err)
	assert.True(t, st.DriftChecked)
	assert.Equal(t, source.V(5), st.Version)
	assert.False(t, st.Dirty)
	assert.Equal(t, []guard.Migration{{Version: 6, Name: "rename_users_email", Up: "000006_rename_users_email.up.sql", Down: "000006_rename_users_email.down.sql"}}, st.Pending)
	var drift []string
	for _, ch := range st.HistoryDrift {
		drift = append(drift, string(ch.Kind)+" "+ch.Object)
	}
	assert.Equal(t, []string{"column_removed public.users.bio", "column_added public.users.karma"}, drift)
	assert.True(t, st.Contract.Blocked, "bio was dropped from a locked table")
	assert.Equal(t, source.V(5), st.LastApplied.Version)
}

func TestCreateMigration(t *testing.T) {
	dir := t.TempDir() + "/migrations"
	c, err := guard.CreateMigration(dir, "Add users")
	assert.NoError(t, err)
	assert.Equal(t, uint64(1), c.Version)
	assert.Equal(t, dir+"/000001_add_users.up.sql", c.Up)
	assert.Equal(t, dir+"/000001_add_users.down.sql", c.Down)
	c, err = guard.CreateMigration(dir, "rename email -> email_address")
	assert.NoError(t, err)
	assert.Equal(t, dir+"/000002_rename_email_email_address.up.sql", c.Up)
	_, err = guard.CreateMigration(dir, "  --  ")
	assert.Error(t, err)

	// The folder's width is kept; timestamp folders get the time.
	narrow := t.TempDir()
	assert.NoError(t, os.WriteFile(narrow+"/9_x.up.sql", nil, 0o644))
	c, err = guard.CreateMigration(narrow, "y")
	assert.NoError(t, err)
	assert.Equal(t, narrow+"/10_y.up.sql", c.Up)
	stamped := t.TempDir()
	assert.NoError(t, os.WriteFile(stamped+"/20240101120000_x.up.sql", nil, 0o644))
	c, err = guard.CreateMigrationAt(stamped, "y", time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
	assert.NoError(t, err)
	assert.Equal(t, uint64(20260304050607), c.Version)
}

func TestStatusSeesAMigrationInProgress(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	r := runner(t, url, files("1_a.up.sql", "CREATE TABLE a (id int);", "2_b.up.sql", "CREATE TABLE b (id int);"))
	_, err := r.Up(ctx, 1)
	assert.NoError(t, err)
	// golang-migrate marks the version dirty while a file runs, holding its lock.
	pgtest.Exec(t, url, `UPDATE schema_migrations SET version = 2, dirty = true`)
	holder := pgtest.Connect(t, url)
	var pid int
	var db, sch string
	assert.NoError(t, holder.QueryRow(ctx, `SELECT pg_backend_pid(), current_database(), current_schema()`).Scan(&pid, &db, &sch))
	id, err := migrator.LockID(db, source.Table{Schema: sch, Name: "schema_migrations"})
	assert.NoError(t, err)
	_, err = holder.Exec(ctx, `SELECT pg_advisory_lock($1)`, id)
	assert.NoError(t, err)

	st, err := r.Status(ctx)
	assert.NoError(t, err)
	assert.True(t, st.Dirty)
	assert.NotZero(t, st.Running)
	assert.Equal(t, pid, st.Running.PID)
	assert.Equal(t, "golang-migrate", st.Running.Lock)
	assert.Zero(t, st.Diagnosis, "nothing to diagnose while it runs")
}
