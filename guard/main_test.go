package guard_test

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	neturl "net/url"
	"slices"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/alecthomas/assert/v2"
	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // pgx5://
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/pgtest"
	"github.com/schemaguard/guard/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func config(t testing.TB, url string) *pgx.ConnConfig {
	t.Helper()
	cfg, err := dburl.Parse(url)
	assert.NoError(t, err)
	return cfg
}

func runner(t testing.TB, url string, fsys fs.FS, opts ...guard.Option) *guard.Runner {
	t.Helper()
	src, err := source.Load(fsys, ".", "migrations")
	assert.NoError(t, err)
	r, err := guard.New(config(t, url), src, opts...)
	assert.NoError(t, err)
	return r
}

// example returns the example history up to version upto.
func example(t testing.TB, upto uint64) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	entries, err := fs.ReadDir(migrations.FS, ".")
	assert.NoError(t, err)
	for _, e := range entries {
		var v uint64
		if n, _ := fmtSscan(e.Name(), &v); n == 0 || v > upto {
			continue
		}
		b, err := fs.ReadFile(migrations.FS, e.Name())
		assert.NoError(t, err)
		out[e.Name()] = &fstest.MapFile{Data: b}
	}
	return out
}

// files builds a migrations folder from name → contents.
func files(kv ...string) fstest.MapFS {
	out := fstest.MapFS{}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = &fstest.MapFile{Data: []byte(kv[i+1])}
	}
	return out
}

func query[T any](t testing.TB, url, sql string, args ...any) T {
	t.Helper()
	conn := pgtest.Connect(t, url)
	var v T
	assert.NoError(t, conn.QueryRow(context.Background(), sql, args...).Scan(&v))
	return v
}

// version reads schema_migrations: -1 when there is no version.
func version(t testing.TB, url string) (int64, bool) {
	t.Helper()
	conn := pgtest.Connect(t, url)
	var exists bool
	assert.NoError(t, conn.QueryRow(context.Background(), `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists))
	if !exists {
		return -1, false
	}
	var v int64
	var dirty bool
	err := conn.QueryRow(context.Background(), `SELECT version, dirty FROM schema_migrations`).Scan(&v, &dirty)
	if err == pgx.ErrNoRows {
		return -1, false
	}
	assert.NoError(t, err)
	return v, dirty
}

func fmtSscan(name string, v *uint64) (int, error) {
	n := 0
	for n < len(name) && name[n] >= '0' && name[n] <= '9' {
		*v = *v*10 + uint64(name[n]-'0')
		n++
	}
	return n, nil
}

// golangMigrate applies every file of fsys with plain golang-migrate, as a
// project did before it used guard.
func golangMigrate(t testing.TB, url string, fsys fs.FS) {
	t.Helper()
	assert.NoError(t, plainUp(t, url, fsys))
}

// plainUp runs golang-migrate's up of every file of fsys, the way its CLI
// does (a pgx5:// URL), and returns its error.
func plainUp(t testing.TB, url string, fsys fs.FS) error {
	t.Helper()
	src, err := iofs.New(fsys, ".")
	assert.NoError(t, err)
	u, err := neturl.Parse(url)
	assert.NoError(t, err)
	u.Scheme = "pgx5"
	m, err := migrate.NewWithSourceInstance("iofs", src, u.String())
	assert.NoError(t, err)
	upErr := m.Up()
	srcErr, dbErr := m.Close()
	assert.NoError(t, srcErr)
	assert.NoError(t, dbErr)
	return upErr
}

// run tells this test process's histories from other processes' on the
// same server.
var run = pgtest.RandomSuffix()

// own makes fsys a history of the test's own: a comment naming the test and
// this process ends its first up file, so that the cached templates of the
// history are the test's alone. Within a test, histories with the same
// first file still share their templates.
func own(t testing.TB, fsys fstest.MapFS) fstest.MapFS {
	t.Helper()
	src, err := source.Load(fsys, ".", "migrations")
	assert.NoError(t, err)
	first := src.Migrations[0].Up
	fsys[first] = &fstest.MapFile{Data: fmt.Appendf(slices.Clone(fsys[first].Data), "\n-- guard test %s %s\n", t.Name(), run)}
	return fsys
}

// made records the shadow databases and templates a runner's shadows make,
// from its debug log (see track): what a test checks and cleans up, leaving
// other processes' on the server alone.
type made struct {
	mu                 sync.Mutex
	shadows, templates []string
}

func (m *made) Enabled(context.Context, slog.Level) bool { return true }
func (m *made) WithAttrs([]slog.Attr) slog.Handler       { return m }
func (m *made) WithGroup(string) slog.Handler            { return m }

func (m *made) Handle(_ context.Context, r slog.Record) error {
	var name string
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "name" {
			name = a.Value.String()
		}
		return true
	})
	m.mu.Lock()
	defer m.mu.Unlock()
	switch r.Message {
	case "shadow database created":
		m.shadows = append(m.shadows, name)
	case "shadow template cached":
		m.templates = append(m.templates, name)
	}
	return nil
}

// track returns the option that records what the runner's shadows make
// into m, and drops the templates they cached when the test ends: they
// outlive runs by design.
func track(t testing.TB, m *made) guard.Option {
	t.Helper()
	t.Cleanup(func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		for _, name := range m.templates {
			pgtest.Exec(t, pgtest.Server(t), `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize())
		}
	})
	return guard.WithLogger(slog.New(m))
}

// existing returns those of the databases names that exist on the test
// server.
func existing(t testing.TB, names []string) []string {
	t.Helper()
	conn := pgtest.Connect(t, pgtest.Server(t))
	rows, err := conn.Query(context.Background(), `SELECT datname::text FROM pg_database WHERE datname = ANY($1) ORDER BY 1`, names)
	assert.NoError(t, err)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	assert.NoError(t, err)
	return out
}

func pgxConnect(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
	return pgx.ConnectConfig(ctx, cfg)
}
