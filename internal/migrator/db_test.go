package migrator_test

import (
	"context"
	"errors"
	"io/fs"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // pgx5:// for plain golang-migrate
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/guard/source"
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

func example(t *testing.T) *source.Source {
	t.Helper()
	src, err := source.Load(migrations.FS, ".", "example")
	assert.NoError(t, err)
	return src
}

func load(t *testing.T, fsys fs.FS) *source.Source {
	t.Helper()
	src, err := source.Load(fsys, ".", "mapfs")
	assert.NoError(t, err)
	return src
}

// openDB opens the database at dbURL with the version in schema_migrations.
func openDB(t *testing.T, dbURL string, src *source.Source, opts ...migrator.Option) *migrator.DB {
	t.Helper()
	return openDBTable(t, dbURL, src, source.DefaultTable(), opts...)
}

func openDBTable(t *testing.T, dbURL string, src *source.Source, table source.Table, opts ...migrator.Option) *migrator.DB {
	t.Helper()
	cfg, err := dburl.Parse(dbURL)
	assert.NoError(t, err)
	db, err := migrator.OpenDB(t.Context(), cfg, src, table, opts...)
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

// version reads the DB's version, failing the test on error.
func version(t *testing.T, db *migrator.DB) (source.Version, bool) {
	t.Helper()
	v, dirty, err := db.Version(t.Context())
	assert.NoError(t, err)
	return v, dirty
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
	head := src.Head()
	// down1 reverts the database's version, one Run, as m.Steps(-1) does.
	down1 := func() error {
		v, _ := version(t, db)
		return db.Run(ctx, src.DownSteps(v, source.None)[0])
	}

	ops := []struct {
		name   string
		ours   func() error
		theirs func() error
	}{
		{"up 2", func() error { return db.Goto(ctx, source.V(2)) }, func() error { return m.Steps(2) }},
		{"up all", func() error { return db.Goto(ctx, head) }, m.Up},
		{"up all again", func() error { return db.Goto(ctx, head) }, func() error { return ignoreNoChange(m.Up()) }},
		{"down 1", down1, func() error { return m.Steps(-1) }},
		{"migrate 3", func() error { return db.Goto(ctx, source.V(3)) }, func() error { return m.Migrate(3) }},
		{"migrate 5", func() error { return db.Goto(ctx, source.V(5)) }, func() error { return m.Migrate(5) }},
		{"down all", func() error { return db.Goto(ctx, source.None) }, m.Down},
		{"up all from nothing", func() error { return db.Goto(ctx, head) }, m.Up},
		// The schema is at 6 but recorded at 2: down of 2 fails (comments
		// depend on posts) and leaves the version dirty, the same way.
		{"force 2", func() error { return db.Force(ctx, source.V(2)) }, func() error { return m.Force(2) }},
		{"failing down", func() error { return db.Goto(ctx, source.None) }, m.Down},
		{"force none", func() error { return db.Force(ctx, source.None) }, func() error { return m.Force(-1) }},
	}
	for _, op := range ops {
		oursErr, theirsErr := op.ours(), op.theirs()
		assert.Equal(t, theirsErr != nil, oursErr != nil, "%s: ours %v, golang-migrate %v", op.name, oursErr, theirsErr)
		theirs := rows(t, theirsURL, "schema_migrations")
		assert.Equal(t, theirs, rows(t, oursURL, "schema_migrations"), op.name)
		assert.Equal(t, tables(t, theirsURL), tables(t, oursURL), op.name)
	}
	// The failing down is reported with its file, and left the version dirty.
	assert.NoError(t, db.Force(ctx, source.V(2)))
	err := db.Goto(ctx, source.None)
	var me *source.FileError
	assert.True(t, errors.As(err, &me), "got %v", err)
	assert.Equal(t, "000002_create_posts.down.sql", me.Step.File)
	v, dirty := version(t, db)
	assert.True(t, dirty)
	assert.Equal(t, source.V(1), v)
	assert.Equal(t, []versionRow{{1, true}}, rows(t, oursURL, "schema_migrations"))
	var pgErr *pgconn.PgError
	assert.True(t, errors.As(err, &pgErr))
	assert.Equal(t, pgerrcode.DependentObjectsStillExist, pgErr.Code)

	err = db.Goto(ctx, head)
	assert.IsError(t, err, migrator.ErrDirty)
	dv, ok := migrator.DirtyVersion(err)
	assert.True(t, ok)
	assert.Equal(t, source.V(1), dv)
}

func TestRunAndGoto(t *testing.T) {
	src := example(t)
	dbURL := pgtest.DB(t)
	db := openDB(t, dbURL, src)
	ctx := t.Context()

	v, _ := version(t, db)
	assert.Equal(t, 6, len(src.UpSteps(v, src.Head())), "all pending")

	// The caller runs the steps it planned, one Run each.
	steps := src.UpSteps(v, source.V(2))
	assert.Equal(t, source.Step{Version: 2, Name: "create_posts", File: "000002_create_posts.up.sql", Direction: source.Up, To: source.V(2)}, steps[1])
	for _, st := range steps {
		assert.NoError(t, db.Run(ctx, st))
		v, dirty := version(t, db)
		assert.Equal(t, [2]any{st.To, false}, [2]any{v, dirty}, st.File)
	}
	assert.Equal(t, []string{"posts", "schema_migrations", "users"}, tables(t, dbURL))

	assert.NoError(t, db.Goto(ctx, source.V(2)), "already there: nothing to do")
	assert.Equal(t, []versionRow{{2, false}}, rows(t, dbURL, "schema_migrations"))

	var got []string
	for _, st := range src.DownSteps(source.V(2), source.None) {
		assert.NoError(t, db.Run(ctx, st))
		v, _ := version(t, db)
		got = append(got, st.File+"→"+v.String())
	}
	assert.Equal(t, []string{"000002_create_posts.down.sql→1", "000001_create_users.down.sql→none"}, got)
	v, _ = version(t, db)
	assert.True(t, v.IsNone())
	assert.Equal(t, []string{"schema_migrations"}, tables(t, dbURL))

	assert.Error(t, db.Goto(ctx, source.V(42)), "no such version")

	assert.NoError(t, db.Force(ctx, source.V(42)))
	err := db.Goto(ctx, src.Head())
	var unknown *source.UnknownVersionError
	assert.True(t, errors.As(err, &unknown), "got %v", err)
	assert.Equal(t, source.V(42), unknown.Version)
}

func TestRunRunsExactlyOneFile(t *testing.T) {
	fsys := fstest.MapFS{
		"1_a.up.sql":   {Data: []byte("CREATE TABLE a (id int);\n")},
		"1_a.down.sql": {Data: []byte("DROP TABLE a;\n")},
		"2_b.up.sql":   {Data: []byte("CREATE TABLE b (id int);\n")},
		"3_c.up.sql":   {Data: []byte("CREATE TABLE c (id int);\n")},
		"3_c.down.sql": {Data: []byte("DROP TABLE c;\n")},
	}
	src := load(t, fsys)
	dbURL := pgtest.DB(t)
	db := openDB(t, dbURL, src)
	ctx := t.Context()

	up := src.UpSteps(source.None, src.Head())
	assert.NoError(t, db.Run(ctx, up[0]))
	assert.Equal(t, []string{"a", "schema_migrations"}, tables(t, dbURL))
	assert.Equal(t, []versionRow{{1, false}}, rows(t, dbURL, "schema_migrations"))
	assert.NoError(t, db.Run(ctx, up[1]))
	assert.NoError(t, db.Run(ctx, up[2]))
	assert.Equal(t, []string{"a", "b", "c", "schema_migrations"}, tables(t, dbURL))

	down := src.DownSteps(src.Head(), source.None)
	assert.NoError(t, db.Run(ctx, down[0]))
	assert.Equal(t, []string{"a", "b", "schema_migrations"}, tables(t, dbURL))
	assert.Equal(t, []versionRow{{2, false}}, rows(t, dbURL, "schema_migrations"))
	// A migration without down file: the version moves, nothing runs.
	assert.Equal(t, "", down[1].File)
	assert.NoError(t, db.Run(ctx, down[1]))
	assert.Equal(t, []string{"a", "b", "schema_migrations"}, tables(t, dbURL))
	assert.Equal(t, []versionRow{{1, false}}, rows(t, dbURL, "schema_migrations"))
}

func TestRunRefusesAStepThatDoesNotStartAtTheVersion(t *testing.T) {
	fsys := fstest.MapFS{
		"1_a.up.sql":   {Data: []byte("CREATE TABLE a (id int);\n")},
		"1_a.down.sql": {Data: []byte("DROP TABLE a;\n")},
		"2_b.up.sql":   {Data: []byte("CREATE TABLE b (id int);\n")},
		"2_b.down.sql": {Data: []byte("DROP TABLE b;\n")},
		"4_d.up.sql":   {Data: []byte("CREATE TABLE d (id int);\n")},
	}
	src := load(t, fsys)
	dbURL := pgtest.DB(t)
	db := openDB(t, dbURL, src)
	ctx := t.Context()
	up := src.UpSteps(source.None, src.Head())

	// Nothing applied: 2 does not start there. The refusal changes
	// nothing, not even the version table.
	err := db.Run(ctx, up[1])
	assert.IsError(t, err, migrator.ErrConcurrentChange)
	assert.IsError(t, err, source.ErrConcurrentChange)
	assert.Equal(t, []string{}, tables(t, dbURL))

	assert.NoError(t, db.Run(ctx, up[0]))
	for _, st := range []source.Step{
		up[0],                                   // already applied
		up[2],                                   // two ahead
		src.DownSteps(up[1].To, source.None)[0], // reverts 2, which is not applied
	} {
		assert.IsError(t, db.Run(ctx, st), migrator.ErrConcurrentChange, "%s %s", st.File, st.Direction)
		assert.Equal(t, []versionRow{{1, false}}, rows(t, dbURL, "schema_migrations"))
		assert.Equal(t, []string{"a", "schema_migrations"}, tables(t, dbURL))
	}

	// A step that is not the source's is refused too: from 2, golang-migrate
	// would run 4's file in place of one of version 3, or 4's up file in
	// place of its (missing) down file.
	assert.NoError(t, db.Run(ctx, up[1]))
	for _, st := range []source.Step{
		{Version: 3, Name: "c", File: "3_c.up.sql", Direction: source.Up, To: source.V(3)},
		{Version: 4, Name: "d", File: "4_d.down.sql", Direction: source.Up, To: source.V(4)},
		{Version: 4, Name: "d", File: "4_d.up.sql", Direction: source.Up, To: source.V(3)},
	} {
		assert.Error(t, db.Run(ctx, st), "%+v", st)
		assert.Equal(t, []string{"a", "b", "schema_migrations"}, tables(t, dbURL), "%+v", st)
		assert.Equal(t, []versionRow{{2, false}}, rows(t, dbURL, "schema_migrations"))
	}
}

func TestVersionNeverCreatesTheTable(t *testing.T) {
	dbURL := pgtest.DB(t)
	src := example(t)
	db := openDB(t, dbURL, src)
	v, dirty := version(t, db)
	assert.Equal(t, [2]any{source.None, false}, [2]any{v, dirty})
	assert.Error(t, db.Run(t.Context(), src.UpSteps(source.V(1), source.V(2))[0]), "a refused step")

	conn := pgtest.Connect(t, dbURL)
	var exists bool
	assert.NoError(t, conn.QueryRow(t.Context(), `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists))
	assert.False(t, exists, "reading the version must not create the table")

	// An empty table (created by golang-migrate, nothing applied) is no version too.
	pgtest.Exec(t, dbURL, `CREATE TABLE schema_migrations (version bigint not null primary key, dirty boolean not null)`)
	v, _ = version(t, db)
	assert.True(t, v.IsNone())
	pgtest.Exec(t, dbURL, `INSERT INTO schema_migrations VALUES (-1, true)`)
	v, dirty = version(t, db)
	assert.True(t, dirty && v.IsNone(), "golang-migrate's dirty no-version row")
	err := db.Run(t.Context(), src.UpSteps(source.None, source.V(1))[0])
	dv, ok := migrator.DirtyVersion(err)
	assert.True(t, ok, "got %v", err)
	assert.Equal(t, source.None, dv)
}

// A version table dropped after Version saw it is no version again, not
// an error: Version reads a table it has seen without looking for it first.
func TestVersionOfATableDroppedSince(t *testing.T) {
	dbURL := pgtest.DB(t)
	src := example(t)
	db := openDB(t, dbURL, src)
	assert.NoError(t, db.Run(t.Context(), src.UpSteps(source.None, source.V(1))[0]))
	v, _ := version(t, db)
	assert.Equal(t, source.V(1), v)
	pgtest.Exec(t, dbURL, `DROP TABLE schema_migrations`)
	v, dirty := version(t, db)
	assert.Equal(t, [2]any{source.None, false}, [2]any{v, dirty})
	pgtest.Exec(t, dbURL, `CREATE TABLE schema_migrations (version bigint not null primary key, dirty boolean not null); INSERT INTO schema_migrations VALUES (1, false)`)
	v, _ = version(t, db)
	assert.Equal(t, source.V(1), v, "made again")
}

func TestCustomMigrationsTable(t *testing.T) {
	src := example(t)
	t.Run("default", func(t *testing.T) {
		db := openDB(t, pgtest.DB(t), src)
		assert.Equal(t, source.Table{Schema: "public", Name: "schema_migrations"}, db.Table())
	})
	t.Run("plain name", func(t *testing.T) {
		oursURL, theirsURL := pgtest.DB(t), pgtest.DB(t)
		table, err := source.ParseTable("guard_versions", false)
		assert.NoError(t, err)
		db := openDBTable(t, oursURL, src, table)
		assert.NoError(t, db.Goto(t.Context(), source.V(3)))
		assert.NoError(t, plain(t, theirsURL, migrations.FS, "x-migrations-table", "guard_versions").Steps(3))
		assert.Equal(t, rows(t, theirsURL, "guard_versions"), rows(t, oursURL, "guard_versions"))
		assert.Equal(t, []string{"comments", "guard_versions", "posts", "users"}, tables(t, oursURL))

		// golang-migrate continues from ours, on the same table.
		assert.NoError(t, plain(t, oursURL, migrations.FS, "x-migrations-table", "guard_versions").Up())
		v, _ := version(t, db)
		assert.Equal(t, src.Head(), v)
	})
	t.Run("quoted schema and table", func(t *testing.T) {
		oursURL, theirsURL := pgtest.DB(t), pgtest.DB(t)
		for _, u := range []string{oursURL, theirsURL} {
			pgtest.Exec(t, u, `CREATE SCHEMA meta`)
		}
		const name = `"meta"."Versions"`
		table, err := source.ParseTable(name, true)
		assert.NoError(t, err)
		db := openDBTable(t, oursURL, src, table)
		assert.Equal(t, source.Table{Schema: "meta", Name: "Versions"}, db.Table())
		assert.NoError(t, db.Goto(t.Context(), source.V(2)))
		assert.NoError(t, plain(t, theirsURL, migrations.FS, "x-migrations-table", name, "x-migrations-table-quoted", "true").Steps(2))
		assert.Equal(t, rows(t, theirsURL, name), rows(t, oursURL, name))
		assert.Equal(t, []versionRow{{2, false}}, rows(t, oursURL, name))
		v, _ := version(t, db)
		assert.Equal(t, source.V(2), v)
	})
	t.Run("quoted name must be quoted", func(t *testing.T) {
		_, err := source.ParseTable("meta.versions", true)
		assert.Error(t, err)
		cfg, err := dburl.Parse(pgtest.Server(t))
		assert.NoError(t, err)
		_, err = migrator.OpenDB(t.Context(), cfg, src, source.Table{})
		assert.Error(t, err, "no table")
	})
}

func TestFailingMigrationLeavesDirtyLikeGolangMigrate(t *testing.T) {
	fsys := fstest.MapFS{
		"1_a.up.sql":   {Data: []byte("CREATE TABLE a (id int);\n")},
		"1_a.down.sql": {Data: []byte("DROP TABLE a;\n")},
		"2_b.up.sql":   {Data: []byte("CREATE TABLE b (id int);\nSELECT nope FROM b;\n")},
		"2_b.down.sql": {Data: []byte("DROP TABLE b;\n")},
	}
	src := load(t, fsys)
	oursURL, theirsURL := pgtest.DB(t), pgtest.DB(t)
	db := openDB(t, oursURL, src)

	err := db.Goto(t.Context(), src.Head())
	assert.Error(t, plain(t, theirsURL, fsys).Up())
	assert.Equal(t, rows(t, theirsURL, "schema_migrations"), rows(t, oursURL, "schema_migrations"))
	assert.Equal(t, []versionRow{{2, true}}, rows(t, oursURL, "schema_migrations"))
	assert.Equal(t, tables(t, theirsURL), tables(t, oursURL))
	assert.Equal(t, []string{"a", "schema_migrations"}, tables(t, oursURL), "1 ran, 2 failed")

	var me *source.FileError
	assert.True(t, errors.As(err, &me), "got %v", err)
	assert.Equal(t, src.UpSteps(source.V(1), source.V(2))[0], me.Step)
	assert.Equal(t, [2]int{2, 8}, [2]int{me.Line, me.Column})
	assert.Contains(t, err.Error(), "2_b.up.sql (line 2, column 8)")
	assert.Contains(t, err.Error(), `column "nope" does not exist`)

	v, dirty := version(t, db)
	assert.True(t, dirty)
	assert.Equal(t, source.V(2), v)
	err = db.Goto(t.Context(), src.Head())
	assert.IsError(t, err, migrator.ErrDirty)
	err = db.Run(t.Context(), me.Step)
	assert.IsError(t, err, migrator.ErrDirty, "Run refuses a dirty database too")
}

func TestInteropWithGolangMigrate(t *testing.T) {
	src := example(t)
	dbURL := pgtest.DB(t)
	m := plain(t, dbURL, migrations.FS)
	assert.NoError(t, m.Migrate(3))

	db := openDB(t, dbURL, src)
	v, dirty := version(t, db)
	assert.Equal(t, [2]any{source.V(3), false}, [2]any{v, dirty})
	pending := src.UpSteps(v, src.Head())
	assert.Equal(t, 3, len(pending))
	assert.Equal(t, "000004_add_post_archived_status.up.sql", pending[0].File)
	for _, st := range pending {
		assert.NoError(t, db.Run(t.Context(), st))
	}

	// And back: golang-migrate reads what we wrote and goes down from it.
	mv, mdirty, err := m.Version()
	assert.NoError(t, err)
	assert.Equal(t, [2]any{uint(6), false}, [2]any{mv, mdirty})
	assert.NoError(t, m.Steps(-2))
	v, _ = version(t, db)
	assert.Equal(t, source.V(4), v)
	assert.NoError(t, db.Goto(t.Context(), source.None))
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
			t.Errorf("poll %q: %v", query, err)
			return
		}
		if yes {
			return
		}
		select {
		case <-ctx.Done():
			t.Errorf("poll %q: %v", query, ctx.Err())
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestCancelReachesTheServer(t *testing.T) {
	src := load(t, fstest.MapFS{
		"1_sleep.up.sql": {Data: []byte("SELECT pg_sleep(30);\n")},
	})
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
	err := db.Run(ctx, src.UpSteps(source.None, src.Head())[0])

	var me *source.FileError
	assert.True(t, errors.As(err, &me), "got %v", err)
	assert.Equal(t, "1_sleep.up.sql", me.Step.File)
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

	// A run whose context already ended does not start.
	assert.NoError(t, db.Force(t.Context(), source.None))
	err = db.Run(ctx, src.UpSteps(source.None, src.Head())[0])
	assert.IsError(t, err, context.Canceled)
	assert.Equal(t, []versionRow{}, rows(t, dbURL, "schema_migrations"), "nothing ran")
}

func TestCancelWhileWaitingForGolangMigrateLock(t *testing.T) {
	dbURL := pgtest.DB(t)
	src := example(t)
	db := openDB(t, dbURL, src)
	dbName := strings.TrimPrefix(must(url.Parse(dbURL)).Path, "/")

	// The lock golang-migrate's CLI takes for this database.
	id, err := database.GenerateAdvisoryLockId("/"+dbName, "public", "schema_migrations")
	assert.NoError(t, err)
	ours, err := migrator.LockID(dbName, db.Table())
	assert.NoError(t, err)
	assert.Equal(t, id, strconvI(ours), "LockID is golang-migrate's key")
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
	err = db.Goto(ctx, src.Head())
	assert.IsError(t, err, context.Canceled)
	var pgErr *pgconn.PgError
	assert.True(t, errors.As(err, &pgErr), "got %v", err)
	assert.Equal(t, pgerrcode.QueryCanceled, pgErr.Code)

	// Once the holder lets go, the same DB migrates: nothing stayed locked.
	_, err = holder.Exec(t.Context(), `SELECT pg_advisory_unlock($1::bigint)`, id)
	assert.NoError(t, err)
	assert.NoError(t, db.Goto(t.Context(), src.Head()))
	v, _ := version(t, db)
	assert.Equal(t, src.Head(), v)
}

// TestPosition stays here until internal/sqltext has a test of its own for
// Position, which migration errors' lines and columns rely on.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func strconvI(n int64) string { return strconv.FormatInt(n, 10) }

func TestStatementTimeoutKeepsTheSession(t *testing.T) {
	src := load(t, fstest.MapFS{
		"1_slow.up.sql": {Data: []byte("SELECT pg_sleep(30);\n")},
		"2_ok.up.sql":   {Data: []byte("CREATE TABLE ok (id int);\n")},
	})
	dbURL := pgtest.DB(t)
	db := openDB(t, dbURL, src, migrator.WithStatementTimeout(100*time.Millisecond))

	err := db.Goto(t.Context(), src.Head())
	var me *source.FileError
	assert.True(t, errors.As(err, &me), "got %v", err)
	assert.Equal(t, "1_slow.up.sql", me.Step.File)
	assert.NotIsError(t, err, context.Canceled, "a statement timeout is no cancellation")
	var pgErr *pgconn.PgError
	assert.True(t, errors.As(err, &pgErr), "the server cancelled the statement: %v", err)
	assert.Equal(t, pgerrcode.QueryCanceled, pgErr.Code)
	assert.Equal(t, []versionRow{{1, true}}, rows(t, dbURL, "schema_migrations"))

	// The session survived the timeout: force past the slow file and go on.
	assert.NoError(t, db.Force(t.Context(), source.V(1)))
	assert.NoError(t, db.Goto(t.Context(), src.Head()))
	assert.Equal(t, []versionRow{{2, false}}, rows(t, dbURL, "schema_migrations"))
	assert.Equal(t, []string{"ok", "schema_migrations"}, tables(t, dbURL))
}

func TestOpenDBRefusesMissingArguments(t *testing.T) {
	cfg, err := dburl.Parse(pgtest.Server(t))
	assert.NoError(t, err)
	src := example(t)
	_, err = migrator.OpenDB(t.Context(), nil, src, source.DefaultTable())
	assert.Error(t, err)
	_, err = migrator.OpenDB(t.Context(), cfg, nil, source.DefaultTable())
	assert.Error(t, err)
	_, err = migrator.OpenDB(t.Context(), cfg, src, source.DefaultTable(), migrator.WithStatementTimeout(-time.Second))
	assert.Error(t, err)
	_, err = migrator.OpenDB(t.Context(), cfg, src, source.DefaultTable(), migrator.WithLockTimeout(0))
	assert.Error(t, err)
}
