package migrator_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // pgx5:// for plain golang-migrate
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/migrator"
	"github.com/schemaguard/guard/internal/pgtest"
	"github.com/schemaguard/guard/migrations"
)

// versionRow is a row of golang-migrate's version table.
type versionRow struct {
	Version int64
	Dirty   bool
}

func example(t *testing.T) *migrator.Source {
	t.Helper()
	src, err := migrator.Load(migrations.FS, ".", "example")
	assert.NoError(t, err)
	return src
}

func openDB(t *testing.T, dbURL string, src *migrator.Source, opts ...migrator.Option) *migrator.DB {
	t.Helper()
	cfg, err := dburl.Parse(dbURL)
	assert.NoError(t, err)
	db, err := migrator.OpenDB(t.Context(), cfg, src, opts...)
	assert.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, db.Close()) })
	return db
}

// plain opens the database with golang-migrate itself, the way its CLI
// does: a pgx5:// URL with the x- options in query.
func plain(t *testing.T, dbURL string, fsys fs.FS, query ...string) *migrate.Migrate {
	t.Helper()
	u, err := url.Parse(dbURL)
	assert.NoError(t, err)
	u.Scheme = "pgx5"
	q := u.Query()
	for i := 0; i+1 < len(query); i += 2 {
		q.Set(query[i], query[i+1])
	}
	u.RawQuery = q.Encode()
	src, err := iofs.New(fsys, ".")
	assert.NoError(t, err)
	m, err := migrate.NewWithSourceInstance("iofs", src, u.String())
	assert.NoError(t, err)
	t.Cleanup(func() {
		srcErr, dbErr := m.Close()
		assert.NoError(t, errors.Join(srcErr, dbErr))
	})
	return m
}

func rows(t *testing.T, dbURL, table string) []versionRow {
	t.Helper()
	conn := pgtest.Connect(t, dbURL)
	r, err := conn.Query(t.Context(), "SELECT version, dirty FROM "+table+" ORDER BY version")
	assert.NoError(t, err)
	out, err := pgx.CollectRows(r, pgx.RowToStructByPos[versionRow])
	assert.NoError(t, err)
	return out
}

func tables(t *testing.T, dbURL string) []string {
	t.Helper()
	conn := pgtest.Connect(t, dbURL)
	var names []string
	err := conn.QueryRow(t.Context(), `SELECT coalesce(array_agg(tablename::text ORDER BY tablename), '{}') FROM pg_tables WHERE schemaname = 'public'`).Scan(&names)
	assert.NoError(t, err)
	return names
}

// ignoreNoChange is how golang-migrate's CLI treats ErrNoChange.
func ignoreNoChange(err error) error {
	if errors.Is(err, migrate.ErrNoChange) {
		return nil
	}
	return err
}

func TestSameVersionTableAsGolangMigrate(t *testing.T) {
	src := example(t)
	oursURL, theirsURL := pgtest.DB(t), pgtest.DB(t)
	db := openDB(t, oursURL, src)
	m := plain(t, theirsURL, migrations.FS)
	ctx := t.Context()

	ops := []struct {
		name   string
		ours   func() error
		theirs func() error
	}{
		{"up 2", func() error { _, err := db.Up(ctx, 2); return err }, func() error { return m.Steps(2) }},
		{"up all", func() error { _, err := db.Up(ctx, 0); return err }, m.Up},
		{"up all again", func() error { _, err := db.Up(ctx, 0); return err }, func() error { return ignoreNoChange(m.Up()) }},
		{"down 1", func() error { _, err := db.Down(ctx, 1); return err }, func() error { return m.Steps(-1) }},
		{"migrate 3", func() error { _, err := db.Migrate(ctx, 3); return err }, func() error { return m.Migrate(3) }},
		{"migrate 5", func() error { _, err := db.Migrate(ctx, 5); return err }, func() error { return m.Migrate(5) }},
		{"down all", func() error { _, err := db.Down(ctx, 0); return err }, m.Down},
		{"up all from nothing", func() error { _, err := db.Up(ctx, 0); return err }, m.Up},
		// The schema is at 6 but recorded at 2: down of 2 fails (comments
		// depend on posts) and leaves the version dirty, the same way.
		{"force 2", func() error { return db.Force(ctx, 2) }, func() error { return m.Force(2) }},
		{"failing down", func() error { _, err := db.Down(ctx, 0); return err }, m.Down},
		{"force none", func() error { return db.Force(ctx, -1) }, func() error { return m.Force(-1) }},
	}
	for _, op := range ops {
		oursErr, theirsErr := op.ours(), op.theirs()
		assert.Equal(t, theirsErr != nil, oursErr != nil, "%s: ours %v, golang-migrate %v", op.name, oursErr, theirsErr)
		theirs := rows(t, theirsURL, "schema_migrations")
		assert.Equal(t, theirs, rows(t, oursURL, "schema_migrations"), op.name)
		assert.Equal(t, tables(t, theirsURL), tables(t, oursURL), op.name)
	}
	// The failing down is reported with its file, and left the version dirty.
	assert.NoError(t, db.Force(ctx, 2))
	_, err := db.Down(ctx, 0)
	var me *migrator.MigrationError
	assert.True(t, errors.As(err, &me), "got %v", err)
	assert.Equal(t, "000002_create_posts.down.sql", me.File)
	assert.True(t, me.Dirty)
	assert.Equal(t, int64(1), me.DirtyVersion)
	assert.Equal(t, []versionRow{{1, true}}, rows(t, oursURL, "schema_migrations"))
	var pgErr *pgconn.PgError
	assert.True(t, errors.As(err, &pgErr))
	assert.Equal(t, pgerrcode.DependentObjectsStillExist, pgErr.Code)
	assert.Contains(t, me.Hint(), "dirty at version 1")

	_, err = db.Up(ctx, 0)
	var dirty *migrator.DirtyError
	assert.True(t, errors.As(err, &dirty), "got %v", err)
	assert.Equal(t, int64(1), dirty.Version)
}

func TestStepsAndHooks(t *testing.T) {
	src := example(t)
	dbURL := pgtest.DB(t)
	var events []string
	db := openDB(t, dbURL, src,
		migrator.WithBeforeStep(func(s migrator.Step) { events = append(events, "→ "+s.File) }),
		migrator.WithAfterStep(func(s migrator.Step, took time.Duration, err error) {
			events = append(events, fmt.Sprintf("%s ok=%t", s.Migration.Label(), err == nil && took > 0))
		}))
	ctx := t.Context()

	pending, err := db.Pending(ctx)
	assert.NoError(t, err)
	assert.Equal(t, 6, len(pending))

	applied, err := db.Up(ctx, 2)
	assert.NoError(t, err)
	assert.Equal(t, []string{
		"→ 000001_create_users.up.sql", "000001_create_users ok=true",
		"→ 000002_create_posts.up.sql", "000002_create_posts ok=true",
	}, events)
	assert.Equal(t, 2, len(applied))
	assert.Equal(t, migrator.Step{Migration: src.Migrations[1], Direction: migrator.DirectionUp, File: "000002_create_posts.up.sql", To: 2}, applied[1].Step)

	v, dirty, ok, err := db.Version(ctx)
	assert.NoError(t, err)
	assert.Equal(t, [3]any{uint64(2), false, true}, [3]any{v, dirty, ok})

	applied, err = db.Migrate(ctx, 2)
	assert.NoError(t, err)
	assert.Equal(t, 0, len(applied), "already there: nothing to do")

	applied, err = db.Down(ctx, 5)
	assert.NoError(t, err)
	var got []string
	for _, a := range applied {
		got = append(got, fmt.Sprintf("%s→%d", a.File, a.To))
	}
	assert.Equal(t, []string{"000002_create_posts.down.sql→1", "000001_create_users.down.sql→-1"}, got)
	_, _, ok, err = db.Version(ctx)
	assert.NoError(t, err)
	assert.False(t, ok)

	_, err = db.Migrate(ctx, 42)
	assert.Error(t, err)

	assert.NoError(t, db.Force(ctx, 42))
	_, err = db.Up(ctx, 0)
	var unknown *migrator.UnknownVersionError
	assert.True(t, errors.As(err, &unknown), "got %v", err)
	assert.Equal(t, uint64(42), unknown.Version)
}

func TestVersionNeverCreatesTheTable(t *testing.T) {
	dbURL := pgtest.DB(t)
	db := openDB(t, dbURL, example(t))
	v, dirty, ok, err := db.Version(t.Context())
	assert.NoError(t, err)
	assert.Equal(t, [3]any{uint64(0), false, false}, [3]any{v, dirty, ok})
	_, err = db.Pending(t.Context())
	assert.NoError(t, err)

	conn := pgtest.Connect(t, dbURL)
	var exists bool
	assert.NoError(t, conn.QueryRow(t.Context(), `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists))
	assert.False(t, exists, "reading the version must not create the table")

	// An empty table (created by golang-migrate, nothing applied) is no version too.
	pgtest.Exec(t, dbURL, `CREATE TABLE schema_migrations (version bigint not null primary key, dirty boolean not null)`)
	_, _, ok, err = db.Version(t.Context())
	assert.NoError(t, err)
	assert.False(t, ok)
	pgtest.Exec(t, dbURL, `INSERT INTO schema_migrations VALUES (-1, true)`)
	_, dirty, ok, err = db.Version(t.Context())
	assert.NoError(t, err)
	assert.True(t, dirty && !ok, "golang-migrate's dirty no-version row")
}

func TestCustomMigrationsTable(t *testing.T) {
	src := example(t)
	t.Run("plain name", func(t *testing.T) {
		oursURL, theirsURL := pgtest.DB(t), pgtest.DB(t)
		db := openDB(t, oursURL, src, migrator.WithMigrationsTable("guard_versions"))
		_, err := db.Up(t.Context(), 3)
		assert.NoError(t, err)
		assert.NoError(t, plain(t, theirsURL, migrations.FS, "x-migrations-table", "guard_versions").Steps(3))
		assert.Equal(t, rows(t, theirsURL, "guard_versions"), rows(t, oursURL, "guard_versions"))
		assert.Equal(t, []string{"comments", "guard_versions", "posts", "users"}, tables(t, oursURL))

		// golang-migrate continues from ours, on the same table.
		assert.NoError(t, plain(t, oursURL, migrations.FS, "x-migrations-table", "guard_versions").Up())
		v, _, _, err := db.Version(t.Context())
		assert.NoError(t, err)
		assert.Equal(t, src.Head(), v)
	})
	t.Run("quoted schema and table", func(t *testing.T) {
		oursURL, theirsURL := pgtest.DB(t), pgtest.DB(t)
		for _, u := range []string{oursURL, theirsURL} {
			pgtest.Exec(t, u, `CREATE SCHEMA meta`)
		}
		const name = `"meta"."Versions"`
		db := openDB(t, oursURL, src, migrator.WithMigrationsTable(name), migrator.WithMigrationsTableQuoted())
		schema, table := db.Table()
		assert.Equal(t, [2]string{"meta", "Versions"}, [2]string{schema, table})
		_, err := db.Up(t.Context(), 2)
		assert.NoError(t, err)
		assert.NoError(t, plain(t, theirsURL, migrations.FS, "x-migrations-table", name, "x-migrations-table-quoted", "true").Steps(2))
		assert.Equal(t, rows(t, theirsURL, name), rows(t, oursURL, name))
		assert.Equal(t, []versionRow{{2, false}}, rows(t, oursURL, name))
		v, _, ok, err := db.Version(t.Context())
		assert.NoError(t, err)
		assert.True(t, ok)
		assert.Equal(t, uint64(2), v)
	})
	t.Run("quoted name must be quoted", func(t *testing.T) {
		cfg, err := dburl.Parse(pgtest.Server(t))
		assert.NoError(t, err)
		_, err = migrator.OpenDB(t.Context(), cfg, src, migrator.WithMigrationsTable("meta.versions"), migrator.WithMigrationsTableQuoted())
		assert.Error(t, err)
	})
}

func TestFailingMigrationLeavesDirtyLikeGolangMigrate(t *testing.T) {
	fsys := fstest.MapFS{
		"1_a.up.sql":   {Data: []byte("CREATE TABLE a (id int);\n")},
		"1_a.down.sql": {Data: []byte("DROP TABLE a;\n")},
		"2_b.up.sql":   {Data: []byte("CREATE TABLE b (id int);\nSELECT nope FROM b;\n")},
		"2_b.down.sql": {Data: []byte("DROP TABLE b;\n")},
	}
	src, err := migrator.Load(fsys, ".", "mapfs")
	assert.NoError(t, err)
	oursURL, theirsURL := pgtest.DB(t), pgtest.DB(t)
	db := openDB(t, oursURL, src)

	applied, err := db.Up(t.Context(), 0)
	assert.Error(t, plain(t, theirsURL, fsys).Up())
	assert.Equal(t, rows(t, theirsURL, "schema_migrations"), rows(t, oursURL, "schema_migrations"))
	assert.Equal(t, []versionRow{{2, true}}, rows(t, oursURL, "schema_migrations"))
	assert.Equal(t, 1, len(applied))

	var me *migrator.MigrationError
	assert.True(t, errors.As(err, &me), "got %v", err)
	assert.Equal(t, "2_b.up.sql", me.File)
	assert.Equal(t, [2]int{2, 8}, [2]int{me.Line, me.Column})
	assert.True(t, me.Dirty && !me.Canceled)
	assert.Contains(t, err.Error(), "2_b.up.sql (line 2, column 8)")
	assert.Contains(t, err.Error(), `column "nope" does not exist`)

	_, dirty, _, err := db.Version(t.Context())
	assert.NoError(t, err)
	assert.True(t, dirty)
	_, err = db.Up(t.Context(), 0)
	var de *migrator.DirtyError
	assert.True(t, errors.As(err, &de), "got %v", err)
	assert.NotEqual(t, "", de.Hint())
}

func TestInteropWithGolangMigrate(t *testing.T) {
	src := example(t)
	dbURL := pgtest.DB(t)
	m := plain(t, dbURL, migrations.FS)
	assert.NoError(t, m.Migrate(3))

	db := openDB(t, dbURL, src)
	v, dirty, ok, err := db.Version(t.Context())
	assert.NoError(t, err)
	assert.Equal(t, [3]any{uint64(3), false, true}, [3]any{v, dirty, ok})
	applied, err := db.Up(t.Context(), 0)
	assert.NoError(t, err)
	assert.Equal(t, 3, len(applied))
	assert.Equal(t, "000004_add_post_archived_status.up.sql", applied[0].File)

	// And back: golang-migrate reads what we wrote and goes down from it.
	mv, mdirty, err := m.Version()
	assert.NoError(t, err)
	assert.Equal(t, [2]any{uint(6), false}, [2]any{mv, mdirty})
	assert.NoError(t, m.Steps(-2))
	v, _, _, err = db.Version(t.Context())
	assert.NoError(t, err)
	assert.Equal(t, uint64(4), v)
	_, err = db.Down(t.Context(), 0)
	assert.NoError(t, err)
	_, _, err = m.Version()
	assert.IsError(t, err, migrate.ErrNilVersion)
	assert.Equal(t, []string{"schema_migrations"}, tables(t, dbURL))
}

// waitFor polls query (which must return one boolean) until it is true.
func waitFor(t *testing.T, ctx context.Context, dbURL, query string, args ...any) {
	t.Helper()
	conn := pgtest.Connect(t, dbURL)
	for {
		var yes bool
		if err := conn.QueryRow(ctx, query, args...).Scan(&yes); err != nil {
			t.Fatalf("poll %q: %v", query, err)
		}
		if yes {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("poll %q: %v", query, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestCancelReachesTheServer(t *testing.T) {
	fsys := fstest.MapFS{
		"1_sleep.up.sql": {Data: []byte("SELECT pg_sleep(30);\n")},
	}
	src, err := migrator.Load(fsys, ".", "mapfs")
	assert.NoError(t, err)
	dbURL := pgtest.DB(t)
	db := openDB(t, dbURL, src)
	dbName := strings.TrimPrefix(must(url.Parse(dbURL)).Path, "/")

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		defer cancel()
		waitFor(t, t.Context(), dbURL, `SELECT EXISTS (SELECT FROM pg_stat_activity
			WHERE application_name = $1 AND state = 'active' AND query LIKE 'SELECT pg_sleep(30)%')`, db.ApplicationName())
	}()
	_, err = db.Up(ctx, 0)

	var me *migrator.MigrationError
	assert.True(t, errors.As(err, &me), "got %v", err)
	assert.True(t, me.Canceled)
	assert.Equal(t, "1_sleep.up.sql", me.File)
	assert.IsError(t, err, context.Canceled)
	var pgErr *pgconn.PgError
	assert.True(t, errors.As(err, &pgErr), "the statement must have been cancelled by the server: %v", err)
	assert.Equal(t, pgerrcode.QueryCanceled, pgErr.Code)

	conn := pgtest.Connect(t, dbURL)
	var sleeping int
	assert.NoError(t, conn.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'SELECT pg_sleep(30)%' AND state = 'active'`, dbName).Scan(&sleeping))
	assert.Equal(t, 0, sleeping)
	// golang-migrate marks a failed migration dirty, cancelled or not.
	assert.Equal(t, []versionRow{{1, true}}, rows(t, dbURL, "schema_migrations"))
}

func TestCancelWhileWaitingForGolangMigrateLock(t *testing.T) {
	dbURL := pgtest.DB(t)
	db := openDB(t, dbURL, example(t))
	dbName := strings.TrimPrefix(must(url.Parse(dbURL)).Path, "/")

	// The lock golang-migrate's CLI takes for this database.
	id, err := database.GenerateAdvisoryLockId("/"+dbName, "public", "schema_migrations")
	assert.NoError(t, err)
	holder := pgtest.Connect(t, dbURL)
	_, err = holder.Exec(t.Context(), `SELECT pg_advisory_lock($1::bigint)`, id)
	assert.NoError(t, err)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		defer cancel()
		waitFor(t, t.Context(), dbURL, `SELECT EXISTS (SELECT FROM pg_stat_activity
			WHERE application_name = $1 AND wait_event_type = 'Lock' AND query LIKE '%pg_advisory_lock%')`, db.ApplicationName())
	}()
	_, err = db.Up(ctx, 0)
	assert.IsError(t, err, context.Canceled)
	var pgErr *pgconn.PgError
	assert.True(t, errors.As(err, &pgErr), "got %v", err)
	assert.Equal(t, pgerrcode.QueryCanceled, pgErr.Code)

	// Once the holder lets go, the same DB migrates: nothing stayed locked.
	_, err = holder.Exec(t.Context(), `SELECT pg_advisory_unlock($1::bigint)`, id)
	assert.NoError(t, err)
	applied, err := db.Up(t.Context(), 0)
	assert.NoError(t, err)
	assert.Equal(t, 6, len(applied))
}

func TestPosition(t *testing.T) {
	for _, tc := range []struct {
		text      string
		pos       int
		line, col int
		ok        bool
	}{
		{"SELECT x", 8, 1, 8, true},
		{"a;\nSELECT nope", 11, 2, 8, true},
		{"é;\r\nSELECT x", 12, 2, 8, true},
		{"abc", 4, 0, 0, false},
		{"abc", 0, 0, 0, false},
	} {
		line, col, ok := migrator.Position(tc.text, tc.pos)
		if diff := cmp.Diff([3]any{tc.line, tc.col, tc.ok}, [3]any{line, col, ok}); diff != "" {
			t.Errorf("Position(%q, %d): %s", tc.text, tc.pos, diff)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestStatementTimeoutKeepsTheSession(t *testing.T) {
	src, err := migrator.Load(fstest.MapFS{
		"1_slow.up.sql": {Data: []byte("SELECT pg_sleep(30);\n")},
		"2_ok.up.sql":   {Data: []byte("CREATE TABLE ok (id int);\n")},
	}, ".", "mapfs")
	assert.NoError(t, err)
	dbURL := pgtest.DB(t)
	db := openDB(t, dbURL, src, migrator.WithStatementTimeout(100*time.Millisecond))

	_, err = db.Up(t.Context(), 0)
	var me *migrator.MigrationError
	assert.True(t, errors.As(err, &me), "got %v", err)
	assert.Equal(t, "1_slow.up.sql", me.File)
	assert.False(t, me.Canceled)
	var pgErr *pgconn.PgError
	assert.True(t, errors.As(err, &pgErr), "the server cancelled the statement: %v", err)
	assert.Equal(t, pgerrcode.QueryCanceled, pgErr.Code)
	assert.Equal(t, []versionRow{{1, true}}, rows(t, dbURL, "schema_migrations"))

	// The session survived the timeout: force past the slow file and go on.
	assert.NoError(t, db.Force(t.Context(), 1))
	applied, err := db.Up(t.Context(), 0)
	assert.NoError(t, err)
	assert.Equal(t, 1, len(applied))
	assert.Equal(t, []versionRow{{2, false}}, rows(t, dbURL, "schema_migrations"))
}
