package cli_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // pgx5://
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"github.com/schemaguard/guard/internal/cli"
	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/pgtest"
)

// withQuery adds query parameters to a URL that may have a query already.
func withQuery(url, params string) string {
	if strings.Contains(url, "?") {
		return url + "&" + params
	}
	return url + "?" + params
}

// withScheme gives url another scheme.
func withScheme(url, scheme string) string {
	return scheme + "://" + url[strings.Index(url, "://")+3:]
}

// golangMigrateVersion is plain golang-migrate's reading of the version,
// through its pgx/v5 driver and the given URL (x-* options and all).
func golangMigrateVersion(t *testing.T, dir, url string) (uint, bool, error) {
	t.Helper()
	src, err := iofs.New(os.DirFS(dir), "migrations")
	assert.NoError(t, err)
	m, err := migrate.NewWithSourceInstance("iofs", src, withScheme(url, "pgx5"))
	assert.NoError(t, err)
	defer m.Close()
	return m.Version()
}

// tables lists the tables of the test database's public schema.
func tables(t *testing.T, url string) []string {
	t.Helper()
	rows, err := pgtest.Connect(t, url).Query(context.Background(),
		`SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`)
	assert.NoError(t, err)
	defer rows.Close()
	var s *string
	for rows.Next() {
		assert.NoError(t, rows.Scan(&s))
	}
	if s == nil {
		return nil
	}
	return strings.Split(*s, ",")
}

const (
	dropinUp1   = "CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL);"
	dropinDown1 = "DROP TABLE accounts;"
	dropinUp2   = "ALTER TABLE accounts ADD COLUMN name text;"
	dropinDown2 = "ALTER TABLE accounts DROP COLUMN name;"
)

func dropinProject(t *testing.T) string {
	return mgProject(t, "1_accounts.up.sql", dropinUp1, "1_accounts.down.sql", dropinDown1,
		"2_account_name.up.sql", dropinUp2, "2_account_name.down.sql", dropinDown2)
}

// run runs guard with no flags added, the environment cleared of targets.
func run(t *testing.T, args ...string) mgResult {
	t.Helper()
	r := guard(t, args...)
	return mgResult(r)
}

func TestGolangMigrateURLOptionsAreHonoured(t *testing.T) {
	clearEnv(t)
	dir := dropinProject(t)
	for _, tc := range []struct {
		name   string
		scheme string
		query  string
		table  string // as golang-migrate names it
		setup  string
	}{
		{"x-migrations-table", "postgres", "x-migrations-table=app_versions", `"public"."app_versions"`, ""},
		{"pgx5 scheme with every option at a value guard honours", "pgx5",
			"x-migrations-table=app_versions&x-statement-timeout=0&x-multi-statement=false&x-multi-statement-max-size=4096", `"public"."app_versions"`, ""},
		{"pgx scheme", "pgx", "x-migrations-table=app_versions&x-lock-strategy=advisory", `"public"."app_versions"`, ""},
		{"quoted, in a schema of its own", "postgresql", "x-migrations-table=%22ops%22.%22versions%22&x-migrations-table-quoted=true", `"ops"."versions"`, "CREATE SCHEMA ops"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := pgtest.DB(t)
			if tc.setup != "" {
				_, err := pgtest.Connect(t, url).Exec(context.Background(), tc.setup)
				assert.NoError(t, err)
			}
			given := withScheme(withQuery(url, tc.query), tc.scheme)
			r := run(t, "--database-url", given, "--source", filepath.Join(dir, "migrations"), "--contract", filepath.Join(dir, "c.json"), "migrate", "up", "1")
			assert.Equal(t, 0, r.code, r.stderr)
			assert.Equal(t, 1, mgQuery[int](t, url, `SELECT version FROM `+tc.table))
			assert.False(t, mgQuery[bool](t, url, `SELECT to_regclass('public.schema_migrations') IS NOT NULL`), "the URL's table, not schema_migrations")

			// golang-migrate reads the same URL and the same table, and takes over.
			v, dirty, err := golangMigrateVersion(t, dir, withQuery(url, tc.query))
			assert.NoError(t, err)
			assert.Equal(t, uint(1), v)
			assert.False(t, dirty)

			r = run(t, "--database-url", given, "--source", filepath.Join(dir, "migrations"), "--contract", filepath.Join(dir, "c.json"), "migrate", "version")
			assert.Equal(t, 0, r.code, r.stderr)
			assert.Equal(t, "1\n", r.stdout)
			// The same table given twice is no conflict.
			name := strings.TrimPrefix(tc.table, `"public".`)
			name = strings.Trim(name, `"`)
			if strings.HasPrefix(tc.table, `"ops"`) {
				name = tc.table
			}
			r = run(t, "--database-url", given, "--migrations-table", name, "--source", filepath.Join(dir, "migrations"), "--contract", filepath.Join(dir, "c.json"), "migrate", "up")
			assert.Equal(t, 0, r.code, r.stderr)
			assert.Equal(t, 2, mgQuery[int](t, url, `SELECT version FROM `+tc.table))
			// Readiness reads the URL's table too (there is no schema_migrations).
			r = run(t, "--database-url", given, "--source", filepath.Join(dir, "migrations"), "check", "--missing-table-not-ready")
			assert.Equal(t, 0, r.code, r.stdout+r.stderr)
		})
	}
}

// x-statement-timeout bounds each file, as in golang-migrate: a file that
// runs longer is cancelled on the server, fails, and leaves no trace.
func TestGolangMigrateStatementTimeoutBoundsEachFile(t *testing.T) {
	clearEnv(t)
	url := pgtest.DB(t)
	dir := mgProject(t, "1_t.up.sql", "CREATE TABLE t (a int);", "2_slow.up.sql", "CREATE TABLE u (a int);\nSELECT pg_sleep(30);")
	r := run(t, "--database-url", withQuery(url, "x-statement-timeout=300"), "--source", filepath.Join(dir, "migrations"),
		"--contract", filepath.Join(dir, "c.json"), "migrate", "up", "--lock-retries", "0")
	assert.Equal(t, cli.ExitError, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stderr, "2_slow.up.sql")
	assert.Equal(t, 1, mgQuery[int](t, url, `SELECT version FROM schema_migrations`))
	assert.False(t, mgQuery[bool](t, url, `SELECT dirty FROM schema_migrations`))
	assert.False(t, mgQuery[bool](t, url, `SELECT to_regclass('u') IS NOT NULL`))
}

func TestGolangMigrateURLOptionsGuardCannotHonourAreRefused(t *testing.T) {
	clearEnv(t)
	url := pgtest.DB(t)
	dir := dropinProject(t)
	for _, tc := range []struct {
		query, want, hint string
	}{
		{"x-migrations-tabel=v", "x-migrations-tabel: unknown option", "x-migrations-table"},
		{"x-statement-timeout=1m", `x-statement-timeout: cannot read "1m"`, "milliseconds"},
		{"x-multi-statement=true", "x-multi-statement=true", "remove it"},
		{"x-lock-strategy=table&x-lock-table=locks", "x-lock-strategy=table", "remove x-lock-strategy"},
		{"x-migrations-table-quoted=yes", "x-migrations-table-quoted", "true or false"},
		{"x-migrations-table=%22v%22", "is quoted but x-migrations-table-quoted is not true", "x-migrations-table-quoted=true"},
		{"x-migrations-table=plain&x-migrations-table-quoted=true", "must be quoted", `"schema"."table"`},
		{"x-migrations-table=a&x-migrations-table=b", "given twice", ""},
	} {
		for _, cmd := range [][]string{{"migrate", "up"}, {"migrate", "status"}, {"check"}, {"schema", "inspect"}} {
			r := run(t, append([]string{"--database-url", withQuery(url, tc.query), "--source", filepath.Join(dir, "migrations"), "--contract", filepath.Join(dir, "c.json")}, cmd...)...)
			assert.Equal(t, cli.ExitUsage, r.code, "%s %v: %s", tc.query, cmd, r.stderr)
			lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
			assert.Equal(t, 2, len(lines), "one error line and one hint: %q", r.stderr)
			assert.Contains(t, lines[0], tc.want)
			assert.Contains(t, lines[1], "  hint: ")
			assert.Contains(t, lines[1], tc.hint)
			assert.NotContains(t, r.stderr, "unrecognized configuration parameter")
		}
	}
	// --migrations-table and x-migrations-table naming different tables.
	r := run(t, "--database-url", withQuery(url, "x-migrations-table=a_versions"), "--migrations-table", "b_versions",
		"--source", filepath.Join(dir, "migrations"), "--contract", filepath.Join(dir, "c.json"), "migrate", "up")
	assert.Equal(t, cli.ExitUsage, r.code, r.stderr)
	assert.Contains(t, r.stderr, `--migrations-table "b_versions" and the database URL's x-migrations-table "a_versions" name different tables`)
	// The database URL given through the environment is read the same way.
	t.Setenv("GUARD_DATABASE_URL", withQuery(url, "x-nope=1"))
	r = run(t, "--source", filepath.Join(dir, "migrations"), "--contract", filepath.Join(dir, "c.json"), "migrate", "up")
	assert.Equal(t, cli.ExitUsage, r.code, r.stderr)
	assert.Contains(t, r.stderr, "x-nope: unknown option")

	assert.Equal(t, []string(nil), tables(t, url), "nothing created")
	_, err := os.Stat(filepath.Join(dir, "c.json"))
	assert.True(t, errors.Is(err, os.ErrNotExist), "no contract written")
}

func TestMigrateVersionAndGolangMigrateFlags(t *testing.T) {
	clearEnv(t)
	url := pgtest.DB(t)
	dir := dropinProject(t)
	mig := filepath.Join(dir, "migrations")
	contract := "--contract=" + filepath.Join(dir, "guard.contract.json")

	r := run(t, contract, "migrate", "version", "-path", mig, "-database", url)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "none\n", r.stdout)
	assert.Equal(t, []string(nil), tables(t, url), "version creates nothing")

	r = run(t, contract, "migrate", "-path="+mig, "-database="+url, "up", "1")
	assert.Equal(t, 0, r.code, r.stderr)
	r = run(t, contract, "-source", "file://"+mig, "--database", url, "migrate", "version")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "1\n", r.stdout)

	_, err := pgtest.Connect(t, url).Exec(context.Background(), `UPDATE schema_migrations SET dirty = true`)
	assert.NoError(t, err)
	r = run(t, contract, "migrate", "version", "-path", mig, "-database", url)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "1 (dirty)\n", r.stdout)
	r = run(t, contract, "migrate", "version", "-path", mig, "-database", url, "--format", "json")
	assert.Equal(t, 0, r.code, r.stderr)
	var v struct {
		Database string `json:"database"`
		Version  *int   `json:"version"`
		Dirty    bool   `json:"dirty"`
	}
	assert.NoError(t, json.Unmarshal([]byte(r.stdout), &v))
	assert.Equal(t, 1, *v.Version)
	assert.True(t, v.Dirty)
	cfg, err := dburl.Parse(url)
	assert.NoError(t, err)
	assert.Equal(t, dburl.Describe(cfg), v.Database)

	r = run(t, contract, "migrate", "version", "-path", mig, "-database", url, "extra")
	assert.Equal(t, cli.ExitUsage, r.code, r.stderr)
	// After "--", a -path is an argument: create names the migration so.
	r = run(t, contract, "migrate", "create", "-path", mig, "--", "-path")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "_path.up.sql")
}

func TestMigrateHistory(t *testing.T) {
	clearEnv(t)
	url := pgtest.DB(t)
	dir := dropinProject(t)

	// No history yet: an empty list, and nothing created.
	r := mgRun(t, dir, url, "migrate", "history")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "No history")
	r = mgRun(t, dir, url, "migrate", "history", "--format", "json")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"entries": []`)
	assert.Equal(t, []string(nil), tables(t, url), "history creates nothing")

	start := time.Now().Add(-time.Minute)
	assert.Equal(t, 0, mgRun(t, dir, url, "migrate", "up").code)
	down := mgRun(t, dir, url, "migrate", "down", "1", "--yes")
	assert.Equal(t, 0, down.code, down.stderr)

	r = mgRun(t, dir, url, "migrate", "history", "--format", "json")
	assert.Equal(t, 0, r.code, r.stderr)
	var h struct {
		Database        string `json:"database"`
		Table           string `json:"table"`
		MigrationsTable string `json:"migrations_table"`
		Entries         []struct {
			Version    *int      `json:"version"`
			Name       string    `json:"name"`
			Direction  string    `json:"direction"`
			SHA256     string    `json:"sha256"`
			AppliedAt  time.Time `json:"applied_at"`
			DurationMS *float64  `json:"duration_ms"`
			AppliedBy  string    `json:"applied_by"`
			ClientHost string    `json:"client_host"`
			ClientPID  int       `json:"client_pid"`
			Recovered  *bool     `json:"recovered"`
		} `json:"entries"`
	}
	assert.NoError(t, json.Unmarshal([]byte(r.stdout), &h))
	assert.Equal(t, `"public"."guard_history"`, h.Table)
	assert.Equal(t, "schema_migrations", h.MigrationsTable)
	sum := func(body string) string { s := sha256.Sum256([]byte(body)); return hex.EncodeToString(s[:]) }
	user := mgQuery[string](t, url, `SELECT current_user::text`)
	type row struct {
		version         int
		name, dir, hash string
	}
	var got []row
	for _, e := range h.Entries {
		got = append(got, row{*e.Version, e.Name, e.Direction, e.SHA256})
		assert.True(t, e.AppliedAt.After(start) && e.AppliedAt.Before(time.Now().Add(time.Minute)), "applied at %v", e.AppliedAt)
		assert.True(t, e.DurationMS != nil && *e.DurationMS >= 0)
		assert.Equal(t, user, e.AppliedBy)
		assert.Equal(t, os.Getpid(), e.ClientPID)
		assert.False(t, *e.Recovered)
	}
	assert.Equal(t, []row{
		{1, "accounts", "up", sum(dropinUp1)},
		{2, "account_name", "up", sum(dropinUp2)},
		{2, "account_name", "down", sum(dropinDown2)},
	}, got, "oldest first")

	r = mgRun(t, dir, url, "migrate", "history")
	assert.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	assert.Equal(t, 5, len(lines), r.stdout)
	assert.Contains(t, lines[0], "3 rows")
	assert.Equal(t, []string{"VERSION", "DIRECTION", "NAME", "APPLIED", "AT", "BY", "DURATION", "SHA256"}, strings.Fields(lines[1]))
	assert.Equal(t, []string{"2", "down", "account_name"}, strings.Fields(lines[4])[:3])
	assert.Equal(t, sum(dropinDown2), strings.Fields(lines[4])[len(strings.Fields(lines[4]))-1])

	// Another version table's history is its own.
	r = mgRun(t, dir, url, "--migrations-table", "other_versions", "migrate", "history", "--format", "json")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"entries": []`)
}

// A history table made before guard had the recovered column is read as
// it is, never altered.
func TestMigrateHistoryOfAnOlderTable(t *testing.T) {
	clearEnv(t)
	url := pgtest.DB(t)
	dir := dropinProject(t)
	_, err := pgtest.Connect(t, url).Exec(context.Background(), `CREATE TABLE guard_history (
		id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, migrations_table text NOT NULL, version bigint NOT NULL,
		name text NOT NULL, direction text NOT NULL, sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT clock_timestamp(),
		duration_ms double precision NOT NULL DEFAULT 0, applied_by text NOT NULL DEFAULT current_user,
		client_host text NOT NULL DEFAULT '', client_pid integer NOT NULL DEFAULT 0);
		INSERT INTO guard_history (migrations_table, version, name, direction, sha256) VALUES ('schema_migrations', -1, '', 'force', '')`)
	assert.NoError(t, err)
	r := mgRun(t, dir, url, "migrate", "history", "--format", "json")
	assert.Equal(t, 0, r.code, r.stderr)
	var h struct {
		Entries []struct {
			Version   *int   `json:"version"`
			Direction string `json:"direction"`
			Recovered bool   `json:"recovered"`
		} `json:"entries"`
	}
	assert.NoError(t, json.Unmarshal([]byte(r.stdout), &h))
	assert.Equal(t, 1, len(h.Entries))
	assert.Equal(t, (*int)(nil), h.Entries[0].Version, "a forced none")
	assert.Equal(t, "force", h.Entries[0].Direction)
	assert.False(t, mgQuery[bool](t, url, `SELECT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'guard_history'::regclass AND attname = 'recovered')`))
	r = mgRun(t, dir, url, "migrate", "history")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "none     force")
}

// pgEnv sets the PG* variables that name url's server and database.
func pgEnv(t *testing.T, url string) {
	t.Helper()
	cfg, err := dburl.Parse(url)
	assert.NoError(t, err)
	t.Setenv("PGHOST", cfg.Host)
	t.Setenv("PGPORT", strconv.Itoa(int(cfg.Port)))
	t.Setenv("PGUSER", cfg.User)
	t.Setenv("PGDATABASE", cfg.Database)
	t.Setenv("PGPASSWORD", cfg.Password)
	if cfg.TLSConfig == nil {
		t.Setenv("PGSSLMODE", "disable")
	}
}

func TestPGEnvironmentAloneIsTheTarget(t *testing.T) {
	clearEnv(t)
	url := pgtest.DB(t)
	dir := dropinProject(t)
	pgEnv(t, url)
	args := []string{"--source", filepath.Join(dir, "migrations"), "--contract", filepath.Join(dir, "c.json")}

	r := run(t, append(args, "migrate", "up", "1")...)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 1, mgQuery[int](t, url, `SELECT version FROM schema_migrations`), "applied to the PG* environment's database")
	r = run(t, append(args, "migrate", "version")...)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "1\n", r.stdout)
	r = run(t, "schema", "inspect")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Table public.accounts")

	// A URL still wins over the PG* environment.
	r = run(t, append(args, "--database-url", "postgres://u@127.0.0.1:1/x?connect_timeout=5", "migrate", "version")...)
	assert.Equal(t, cli.ExitError, r.code, r.stderr)
	assert.Contains(t, r.stderr, "connect to u@127.0.0.1:1/x")

	// PGHOST alone names a server: guard connects to it (and fails here),
	// it does not fall back to an ephemeral cluster.
	for _, k := range []string{"PGUSER", "PGDATABASE", "PGPASSWORD", "PGSSLMODE"} {
		unsetenv(t, k)
	}
	t.Setenv("PGHOST", "127.0.0.1")
	t.Setenv("PGPORT", "1")
	r = run(t, append(args, "migrate", "version")...)
	assert.Equal(t, cli.ExitError, r.code, r.stderr)
	assert.Contains(t, r.stderr, "@127.0.0.1:1/")

	// A PG* variable that names no server (PGSSLMODE) is no target.
	unsetenv(t, "PGHOST")
	unsetenv(t, "PGPORT")
	t.Setenv("PGSSLMODE", "disable")
	r = run(t, append(args, "migrate", "version")...)
	assert.Equal(t, cli.ExitError, r.code, r.stderr)
	assert.Contains(t, r.stderr, "no database URL given")
	assert.Contains(t, r.stderr, "PGHOST")
}

// Passwords written into a URL without percent-encoding: pgx would read
// the end of one with an "@" as the host and print it. Each is refused
// before anything connects, and no part of it appears anywhere.
func TestUnencodedPasswordsNeverAppear(t *testing.T) {
	clearEnv(t)
	dir := dropinProject(t)
	for _, tc := range []struct {
		url    string
		pieces []string
	}{
		{"postgres://postgres:in@PW@127.0.0.1:5432/db", []string{"in@PW", "PW", "inPW", ":in@", "in@1"}},
		{"postgres://postgres:in@PW@127.0.0.1:5432/db?x-migrations-table=v", []string{"in@PW", "PW", "inPW"}},
		{"pgx5://postgres:in@PW@127.0.0.1:5432/db", []string{"in@PW", "PW", "inPW"}},
		{"postgres://postgres:a@b@c@127.0.0.1:5432/db", []string{"a@b", "b@c", "@b", ":a@"}},
		{"postgres://postgres:Se/cr3t@127.0.0.1:5432/db", []string{"Se/cr3t", "cr3t", ":Se"}},
		{"postgres://postgres:Se:cr/3t@127.0.0.1:5432/db", []string{"Se:cr", "cr/3t", "3t@"}},
		{"postgres://postgres:Se?cr3t@127.0.0.1:5432/db", []string{"Se?cr3t", "cr3t"}},
		{"postgres://postgres:Se#cr3t@127.0.0.1:5432/db", []string{"Se#cr3t", "cr3t"}},
		{"host=127.0.0.1 port=1 user=postgres password=in@PW/Se:cr3t connect_timeout=5", []string{"in@PW", "Se:cr3t", "cr3t"}},
		{"host=127.0.0.1 port=1 user=postgres password='in@PW Se:cr3t' connect_timeout=5", []string{"in@PW", "Se:cr3t", "cr3t"}},
		{"host=127.0.0.1 port=notaport password = 'in@PW Se:cr3t'", []string{"in@PW", "Se:cr3t", "cr3t"}},
	} {
		for _, cmd := range [][]string{
			{"schema", "inspect"},
			{"migrate", "up"},
			{"migrate", "version", "--format", "json"},
			{"migrate", "history"},
			{"check"},
		} {
			r := run(t, append([]string{"--database-url", tc.url, "--source", filepath.Join(dir, "migrations"), "--contract", filepath.Join(dir, "c.json")}, cmd...)...)
			assert.NotEqual(t, 0, r.code, "%s %v", tc.url, cmd)
			lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
			assert.True(t, len(lines) <= 2, "one error line and a hint: %q", r.stderr)
			for _, p := range tc.pieces {
				assert.NotContains(t, r.stdout+r.stderr, p, "%s %v", tc.url, cmd)
			}
		}
	}
	// The same passwords from PGPASSWORD, with the PG* environment as the
	// target: the server's refusal shows none of it either.
	t.Setenv("PGHOST", "127.0.0.1")
	t.Setenv("PGPORT", "1")
	t.Setenv("PGPASSWORD", "in@PW/Se:cr3t")
	r := run(t, "--source", filepath.Join(dir, "migrations"), "--contract", filepath.Join(dir, "c.json"), "migrate", "up")
	assert.Equal(t, cli.ExitError, r.code, r.stderr)
	assert.Contains(t, r.stderr, "127.0.0.1:1")
	for _, p := range []string{"in@PW", "Se:cr3t", "cr3t"} {
		assert.NotContains(t, r.stdout+r.stderr, p)
	}
}
