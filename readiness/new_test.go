package readiness

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schemaguard/guard/guard/source"
)

type hinter interface{ Hint() string }

func TestNewRejects(t *testing.T) {
	pool, err := pgxpool.New(t.Context(), "postgres://127.0.0.1:1/x")
	assert.NoError(t, err)
	t.Cleanup(pool.Close)

	_, err = New((*sql.DB)(nil), headFive(t))
	assert.IsError(t, err, ErrNilDB)
	_, err = New((*pgxpool.Pool)(nil), headFive(t))
	assert.IsError(t, err, ErrNilDB)
	_, err = New(pool, nil)
	var ce *ConfigError
	assert.True(t, errors.As(err, &ce), "nil source: %T", err)

	// A migration folder golang-migrate would read differently is refused
	// when it is loaded (source.Load), before New; a bad option by New.
	cases := []struct {
		name string
		fsys fs.FS
		dir  string
		opts []Option
		want error
	}{
		{name: "skipped file", fsys: fstest.MapFS{
			"m/1_init.up.sql": {}, "m/2_users.sql": {},
		}, dir: "m", want: source.ErrSkippedFile},
		{name: "duplicate version", fsys: fstest.MapFS{
			"m/1_init.up.sql": {}, "m/001_other.up.sql": {},
		}, dir: "m", want: source.ErrDuplicateVersion},
		{name: "two down files of a version", fsys: fstest.MapFS{
			"m/1_init.up.sql": {}, "m/1_init.down.sql": {}, "m/1_undo.down.sql": {},
		}, dir: "m", want: source.ErrDuplicateVersion},
		{name: "empty folder", fsys: fstest.MapFS{"m/README": {}}, dir: "m", want: source.ErrEmpty},
		{name: "no folder", fsys: fstest.MapFS{}, dir: "m", want: source.ErrNoDirectory},
		{name: "zero TTL", fsys: headFiveFS(), dir: "migrations", opts: []Option{WithTTL(0)}},
		{name: "negative budget", fsys: headFiveFS(), dir: "migrations", opts: []Option{WithBudget(-1)}},
		{name: "nil logger", fsys: headFiveFS(), dir: "migrations", opts: []Option{WithLogger(nil)}},
		{name: "empty table", fsys: headFiveFS(), dir: "migrations", opts: []Option{WithMigrationsTable("")}},
		{name: "unquoted quoted table", fsys: headFiveFS(), dir: "migrations", opts: []Option{WithMigrationsTableQuoted(), WithMigrationsTable("ops.versions")}},
		{name: "multi-line label", fsys: headFiveFS(), dir: "migrations", opts: []Option{WithLabel("a\nb")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c *Checker
			src, err := source.Load(tc.fsys, tc.dir, tc.dir)
			if err == nil {
				c, err = New(pool, src, tc.opts...)
			}
			assert.Error(t, err)
			assert.Zero(t, c)
			if tc.want != nil {
				assert.IsError(t, err, tc.want)
			} else {
				var ce *ConfigError
				assert.True(t, errors.As(err, &ce), "%T", err)
			}
			var h hinter
			assert.True(t, errors.As(err, &h))
			assert.NotZero(t, h.Hint())
		})
	}

	c, err := New(pool, headFive(t))
	assert.NoError(t, err)
	assert.Equal(t, 5, c.Head())
}

// Up and down files of one version with different titles are one
// migration, as golang-migrate pairs them: New takes the head from them.
func TestNewAcceptsDownFilesOfAnotherTitle(t *testing.T) {
	pool, err := pgxpool.New(t.Context(), "postgres://127.0.0.1:1/x")
	assert.NoError(t, err)
	t.Cleanup(pool.Close)
	src, err := source.Load(fstest.MapFS{
		"m/1_init.up.sql": {}, "m/1_init.down.sql": {},
		"m/2_add_c.up.sql": {}, "m/2_drop_c.down.sql": {},
	}, "m", "m")
	assert.NoError(t, err)
	c, err := New(pool, src)
	assert.NoError(t, err)
	assert.Equal(t, 2, c.Head())
}

func TestResolveTable(t *testing.T) {
	good := []struct {
		raw    string
		quoted bool
		want   source.Table
	}{
		{"schema_migrations", false, source.Table{Name: "schema_migrations"}},
		{"MyVersions", false, source.Table{Name: "MyVersions"}},
		{"ops.versions", false, source.Table{Name: "ops.versions"}}, // golang-migrate: one name
		{`"ops"."versions"`, true, source.Table{Schema: "ops", Name: "versions"}},
		{`"a.b"`, true, source.Table{Name: "a.b"}},
		{`"My Schema"."V"`, true, source.Table{Schema: "My Schema", Name: "V"}},
	}
	for _, tc := range good {
		got, err := resolveTable(tc.raw, tc.quoted)
		assert.NoError(t, err, tc.raw)
		assert.Equal(t, tc.want, got, tc.raw)
	}
	for _, raw := range []string{"ops.versions", `"a`, `"`, `"a"."b"."c"`, `a"`} {
		_, err := resolveTable(raw, true)
		assert.Error(t, err, raw)
	}
}

// What an unreachable answer says is chosen from the kind of error, never
// copied from the error's text (which may name the host).
func TestClassify(t *testing.T) {
	connect := &pgconn.ConnectError{}
	cases := []struct {
		err      error
		timedOut bool
		status   Status
		reason   string
	}{
		{context.DeadlineExceeded, false, StatusUnreachable, "no answer within 500ms"},
		{errors.New("x"), true, StatusUnreachable, "no answer within 500ms"},
		{context.Canceled, false, StatusUnreachable, "check canceled"},
		{&pgconn.PgError{Code: "57014"}, false, StatusUnreachable, "no answer within 500ms"},
		{&pgconn.PgError{Code: "28P01", Message: "password authentication failed for user \"app\""}, false, StatusUnreachable, "authentication failed"},
		{&pgconn.PgError{Code: "3D000"}, false, StatusUnreachable, "database does not exist"},
		{&pgconn.PgError{Code: "53300"}, false, StatusUnreachable, "too many connections"},
		{&pgconn.PgError{Code: "57P03"}, false, StatusUnreachable, "server is shutting down or starting up"},
		{&pgconn.PgError{Code: "08006"}, false, StatusUnreachable, "connection failed"},
		{&readError{&pgconn.PgError{Code: "42501"}}, false, StatusError, "reading the version table failed (SQLSTATE 42501)"},
		{&readError{errors.New("can't scan into dest[0]")}, false, StatusError, "reading the version table failed"},
		{connect, false, StatusUnreachable, "cannot connect"},
	}
	for _, tc := range cases {
		st, reason := classify(tc.err, tc.timedOut, DefaultBudget)
		assert.Equal(t, tc.status, st, "%v", tc.err)
		assert.Equal(t, tc.reason, reason, "%v", tc.err)
	}
}
