package guard_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/guard"
	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/pgtest"
)

func TestUpAppliesAndRecordsHistory(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	var events []guard.EventKind
	r := runner(t, url, example(t, 6), guard.WithProgress(func(e guard.Event) { events = append(events, e.Kind) }))
	res, err := r.Up(ctx, 4)
	assert.NoError(t, err)
	assert.Equal(t, 4, len(res.Applied))
	assert.Equal(t, source.V(4), res.Version)
	assert.Equal(t, "000001_create_users.up.sql", res.Applied[0].File)
	assert.Equal(t, 1, res.Applied[0].Attempts)
	assert.Equal(t, 4, len(res.Plan.Steps))
	assert.Equal(t, diff.TableAdded, res.Plan.Steps[0].Changes.Tables[0].Items[0].Kind, "each change is attributed to its file")
	assert.Equal(t, 0, len(res.Plan.HistoryDrift))
	assert.Equal(t, []guard.EventKind{guard.EventShadow,
		guard.EventStepStart, guard.EventStepDone, guard.EventStepStart, guard.EventStepDone,
		guard.EventStepStart, guard.EventStepDone, guard.EventStepStart, guard.EventStepDone}, events)
	v, dirty := version(t, url)
	assert.Equal(t, int64(4), v)
	assert.False(t, dirty)
	assert.Equal(t, 4, query[int](t, url, `SELECT count(*) FROM guard_history WHERE direction = 'up' AND length(sha256) = 64 AND applied_by = current_user AND client_pid > 0`))

	res, err = r.Up(ctx, 0)
	assert.NoError(t, err)
	assert.Equal(t, 2, len(res.Applied))
	assert.Equal(t, source.V(6), res.Version)

	res, err = r.Up(ctx, 0)
	assert.NoError(t, err)
	assert.Equal(t, 0, len(res.Applied), "nothing to do is a result")
	assert.Equal(t, source.V(6), res.Version)
	assert.Zero(t, res.Plan.Shadow, "nothing pending needs no shadow")
}

// lockContract locks every table of the live database in mode and writes
// the contract file, returning its path.
func lockContract(t *testing.T, url string, mode contract.Mode) string {
	t.Helper()
	conn := pgtest.Connect(t, url)
	live, err := schema.Inspect(context.Background(), conn)
	assert.NoError(t, err)
	c := contract.New()
	_, err = c.Lock(live, nil, mode, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	assert.NoError(t, err)
	path := filepath.Join(t.TempDir(), "guard.contract.json")
	assert.NoError(t, c.Save(path))
	return path
}

func TestBlockedPlanRunsNothingOnTheTarget(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	// Versions 1..5 applied by plain golang-migrate: guard has no history yet.
	golangMigrate(t, url, example(t, 5))
	path := lockContract(t, url, contract.ModeAuto)
	before := query[string](t, url, `SELECT string_agg(table_name || '.' || column_name, ',' ORDER BY table_name, column_name) FROM information_schema.columns WHERE table_schema = 'public'`)

	r := runner(t, url, example(t, 6), guard.WithContract(path))
	plan, err := r.Plan(ctx)
	assert.NoError(t, err)
	assert.True(t, plan.Blocked)
	assert.Equal(t, 1, len(plan.Steps))
	assert.Equal(t, "000006_rename_users_email.up.sql", plan.Steps[0].File)
	item := plan.Steps[0].Changes.Tables[0].Items[0]
	assert.Equal(t, diff.ColumnRenamed, item.Kind)
	assert.Equal(t, diff.Breaking, item.Impact)
	assert.True(t, plan.Contract.Tables[0].Blocked)

	_, err = r.Up(ctx, 0)
	var blocked *guard.BlockedError
	assert.True(t, errors.As(err, &blocked), "%v", err)
	assert.Contains(t, err.Error(), "public.users")
	assert.NotEqual(t, "", blocked.Hint())

	// Nothing ran on the target: same columns, same version, no history table.
	assert.Equal(t, before, query[string](t, url, `SELECT string_agg(table_name || '.' || column_name, ',' ORDER BY table_name, column_name) FROM information_schema.columns WHERE table_schema = 'public'`))
	v, dirty := version(t, url)
	assert.Equal(t, int64(5), v)
	assert.False(t, dirty)
	assert.False(t, query[bool](t, url, `SELECT to_regclass('guard_history') IS NOT NULL`))

	// --allow-breaking applies it anyway, and says so.
	r = runner(t, url, example(t, 6), guard.WithContract(path), guard.WithAllowBreaking())
	res, err := r.Up(ctx, 0)
	assert.NoError(t, err)
	assert.True(t, res.AllowedBreaking)
	assert.Equal(t, 1, len(res.Applied))
	assert.NotEqual(t, 0, len(res.Warnings))
}

func TestAutoModePromotesSafeChanges(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	golangMigrate(t, url, example(t, 4))
	path := lockContract(t, url, contract.ModeAuto)
	r := runner(t, url, example(t, 6), guard.WithContract(path), guard.WithClock(func() time.Time { return time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC) }))
	res, err := r.Up(ctx, 1) // 000005_add_users_bio: a nullable column, safe
	assert.NoError(t, err)
	assert.Equal(t, 1, len(res.Applied))
	assert.Equal(t, []string{"public.users"}, res.Promoted)
	c, err := contract.Load(path)
	assert.NoError(t, err)
	lt := c.Locked("public.users")
	assert.NotZero(t, lt.Snapshot.Column("bio"))
	assert.Equal(t, time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC), *lt.PromotedAt)

	// The rename is breaking: blocked, and the contract stays as it is.
	_, err = r.Up(ctx, 0)
	var blocked *guard.BlockedError
	assert.True(t, errors.As(err, &blocked))
}

func TestUnwritableContractDoesNotFailAnAppliedDeploy(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	golangMigrate(t, url, example(t, 4))
	path := lockContract(t, url, contract.ModeAuto)
	// Readable but not writable, even for root, as in a read-only image:
	// /proc/self/fd/N reads the file, but nothing can be created beside it.
	f, err := os.Open(path)
	assert.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	readOnly := fmt.Sprintf("/proc/self/fd/%d", f.Fd())

	r := runner(t, url, example(t, 5), guard.WithContract(readOnly))
	res, err := r.Up(ctx, 0)
	assert.NoError(t, err, "the migration is in: the deploy must not fail")
	assert.Equal(t, 1, len(res.Applied))
	assert.Equal(t, 0, len(res.Promoted))
	assert.Contains(t, strings.Join(res.Warnings, "\n"), "guard contract promote --table public.users")
	v, dirty := version(t, url)
	assert.Equal(t, int64(5), v)
	assert.False(t, dirty)
}

func TestPlanReportsHistoryDrift(t *testing.T) {
	url := pgtest.DB(t)
	golangMigrate(t, url, example(t, 5))
	pgtest.Exec(t, url, `ALTER TABLE users ADD COLUMN nickname text; DROP INDEX IF EXISTS posts_author_id_idx`)
	plan, err := runner(t, url, example(t, 6)).Plan(context.Background())
	assert.NoError(t, err)
	var objects []string
	for _, ch := range plan.HistoryDrift {
		objects = append(objects, string(ch.Kind)+" "+ch.Object)
	}
	assert.SliceContains(t, objects, "column_added public.users.nickname")
	assert.Contains(t, plan.Warnings[0], "history drift")
	assert.False(t, plan.Blocked, "no contract: nothing blocked")
}

func TestEditedAppliedFileIsRefused(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	fsys := files("1_a.up.sql", "CREATE TABLE a (id int);", "2_b.up.sql", "CREATE TABLE b (id int);")
	_, err := runner(t, url, fsys).Up(ctx, 0)
	assert.NoError(t, err)

	fsys["1_a.up.sql"].Data = []byte("CREATE TABLE a (id bigint);")
	fsys["3_c.up.sql"] = files("x", "CREATE TABLE c (id int);")["x"]
	_, err = runner(t, url, fsys).Up(ctx, 0)
	var edited *guard.EditedError
	assert.True(t, errors.As(err, &edited), "%v", err)
	assert.Equal(t, 1, len(edited.Files))
	assert.Equal(t, "1_a.up.sql", edited.Files[0].File)
	assert.Equal(t, 64, len(edited.Files[0].Recorded))
	assert.NotEqual(t, edited.Files[0].Recorded, edited.Files[0].Current)
	assert.Contains(t, err.Error(), edited.Files[0].Recorded)
	assert.Contains(t, err.Error(), edited.Files[0].Current)
	assert.False(t, query[bool](t, url, `SELECT to_regclass('c') IS NOT NULL`))

	res, err := runner(t, url, fsys, guard.WithAllowEdited()).Up(ctx, 0)
	assert.NoError(t, err)
	assert.Equal(t, 1, len(res.Applied))

	// Versions plain golang-migrate applied have no history: nothing to compare.
	other := pgtest.DB(t)
	golangMigrate(t, other, files("1_a.up.sql", "CREATE TABLE a (id int);"))
	_, err = runner(t, other, fsys).Up(ctx, 0)
	assert.NoError(t, err)
}

func TestLockWaitNamesTheHolderAndNeverQueues(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	cfg := config(t, url)
	cfg.RuntimeParams["application_name"] = "holder-app"
	holder, err := pgxConnect(ctx, cfg)
	assert.NoError(t, err)
	defer holder.Close(ctx)
	var pid int
	var db, sch string
	assert.NoError(t, holder.QueryRow(ctx, `SELECT pg_backend_pid(), current_database(), current_schema()`).Scan(&pid, &db, &sch))
	_, err = holder.Exec(ctx, `SELECT pg_advisory_lock($1)`, guard.LockKey(db, sch, "schema_migrations"))
	assert.NoError(t, err)

	waiting := -1
	var seen *guard.LockHolder
	r := runner(t, url, example(t, 2), guard.WithLockWait(300*time.Millisecond), guard.WithProgress(func(e guard.Event) {
		if e.Kind == guard.EventLockWait {
			seen = e.Holder
			waiting = query[int](t, url, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)
		}
	}))
	_, err = r.Up(ctx, 0)
	var lw *guard.LockWaitError
	assert.True(t, errors.As(err, &lw), "%v", err)
	assert.Equal(t, pid, lw.Holder.PID)
	assert.Equal(t, "holder-app", lw.Holder.ApplicationName)
	assert.Contains(t, err.Error(), "holder-app")
	assert.Equal(t, pid, seen.PID)
	assert.Equal(t, 0, waiting, "a waiting guard polls: no session queues in pg_locks")
	assert.False(t, query[bool](t, url, `SELECT to_regclass('schema_migrations') IS NOT NULL`))

	// Once the holder lets go, guard proceeds.
	_, err = holder.Exec(ctx, `SELECT pg_advisory_unlock_all()`)
	assert.NoError(t, err)
	res, err := r.Up(ctx, 0)
	assert.NoError(t, err)
	assert.Equal(t, 2, len(res.Applied))
}

func TestLockTimeoutRetriesThenFailsCleanly(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	fsys := files("1_t.up.sql", "CREATE TABLE t (id int);", "2_x.up.sql", "ALTER TABLE t ADD COLUMN x int;")
	_, err := runner(t, url, fsys).Up(ctx, 1)
	assert.NoError(t, err)

	// A reader in an open transaction holds ACCESS SHARE on t.
	reader := pgtest.Connect(t, url)
	tx, err := reader.Begin(ctx)
	assert.NoError(t, err)
	_, err = tx.Exec(ctx, `SELECT * FROM t`)
	assert.NoError(t, err)

	var retries []guard.Event
	r := runner(t, url, fsys, guard.WithLockTimeout(50*time.Millisecond), guard.WithLockRetries(2), guard.WithRetryBackoff(time.Millisecond),
		guard.WithProgress(func(e guard.Event) {
			if e.Kind == guard.EventStepRetry {
				retries = append(retries, e)
			}
		}))
	_, err = r.Up(ctx, 0)
	var me *guard.MigrationError
	assert.True(t, errors.As(err, &me), "%v", err)
	assert.Equal(t, 3, me.Attempts)
	assert.False(t, me.Dirty)
	assert.Equal(t, "2_x.up.sql", me.File)
	var pgErr *pgconn.PgError
	assert.True(t, errors.As(err, &pgErr))
	assert.Equal(t, pgerrcode.LockNotAvailable, pgErr.Code)
	assert.Equal(t, 2, len(retries))
	assert.Contains(t, me.Hint(), "lock")
	v, dirty := version(t, url)
	assert.Equal(t, int64(1), v)
	assert.False(t, dirty, "failed cleanly: not dirty")
	assert.False(t, query[bool](t, url, `SELECT EXISTS (SELECT FROM information_schema.columns WHERE table_name = 't' AND column_name = 'x')`))
	assert.Equal(t, 0, query[int](t, url, `SELECT count(*) FROM guard_history WHERE version = 2`))

	// It succeeds once the reader lets go during the retries.
	r = runner(t, url, fsys, guard.WithLockTimeout(50*time.Millisecond), guard.WithLockRetries(3), guard.WithRetryBackoff(time.Millisecond),
		guard.WithProgress(func(e guard.Event) {
			if e.Kind == guard.EventStepRetry {
				assert.NoError(t, tx.Rollback(ctx))
			}
		}))
	res, err := r.Up(ctx, 0)
	assert.NoError(t, err)
	assert.Equal(t, 2, res.Applied[0].Attempts)
	v, dirty = version(t, url)
	assert.Equal(t, int64(2), v)
	assert.False(t, dirty)
}

func TestUpAppliesTheFilesItPlanned(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	planned := "CREATE TABLE a (id int);"
	fsys := files("1_a.up.sql", planned)
	r := runner(t, url, fsys, guard.WithProgress(func(e guard.Event) {
		if e.Kind == guard.EventShadow {
			// Edited between the plan and the apply.
			fsys["1_a.up.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE b (id int);")}
		}
	}))
	res, err := r.Up(ctx, 0)
	assert.NoError(t, err)
	assert.Equal(t, "table_added", string(res.Plan.Steps[0].Changes.Tables[0].Items[0].Kind))
	assert.Equal(t, "public.a", res.Plan.Steps[0].Changes.Tables[0].Table)
	assert.Equal(t, 1, query[int](t, url, `SELECT count(*) FROM pg_tables WHERE tablename = 'a'`))
	assert.Equal(t, 0, query[int](t, url, `SELECT count(*) FROM pg_tables WHERE tablename = 'b'`))
	sum := sha256.Sum256([]byte(planned))
	assert.Equal(t, hex.EncodeToString(sum[:]), query[string](t, url, `SELECT sha256 FROM guard_history`))
}
