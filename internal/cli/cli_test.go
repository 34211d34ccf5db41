package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/cli"
	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/migrator"
	"github.com/schemaguard/guard/internal/pgcluster"
	"github.com/schemaguard/guard/internal/pgtest"
	"github.com/schemaguard/guard/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type result struct {
	stdout, stderr string
	code           int
}

// guard runs the CLI in-process.
func guard(t *testing.T, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := cli.Run(ctx, args, strings.NewReader(""), &out, &errOut)
	return result{out.String(), errOut.String(), code}
}

// project writes versions 1..upto of the example history into a temporary
// project folder and returns the folder.
func project(t *testing.T, upto uint64) string {
	t.Helper()
	dir := t.TempDir()
	assert.NoError(t, os.Mkdir(filepath.Join(dir, "migrations"), 0o755))
	src, err := source.Load(migrations.FS, ".", "migrations")
	assert.NoError(t, err)
	for _, m := range src.Upto(source.None, source.V(upto)) {
		for _, f := range []string{m.Up, m.Down} {
			b, err := fs.ReadFile(migrations.FS, f)
			assert.NoError(t, err)
			assert.NoError(t, os.WriteFile(filepath.Join(dir, "migrations", f), b, 0o644))
		}
	}
	return dir
}

// migrateTo applies the example history up to version v on the database.
func migrateTo(t *testing.T, url string, v uint64) {
	t.Helper()
	src, err := source.Load(migrations.FS, ".", "migrations")
	assert.NoError(t, err)
	cfg, err := dburl.Parse(url)
	assert.NoError(t, err)
	ctx := context.Background()
	db, err := migrator.OpenDB(ctx, cfg, src, source.DefaultTable())
	assert.NoError(t, err)
	assert.NoError(t, db.Goto(ctx, source.V(v)))
	assert.NoError(t, db.Close())
}

// clearEnv makes sure no database URL leaks in from the environment, nor
// a PG* variable naming a server (which is a target too).
func clearEnv(t *testing.T) {
	t.Setenv("GUARD_DATABASE_URL", "")
	t.Setenv("DATABASE_URL", "")
	for _, k := range []string{"PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGSERVICE"} {
		unsetenv(t, k)
	}
}

// unsetenv removes k from the environment for the test (an empty value
// would reach the PostgreSQL programs an ephemeral cluster runs, which
// refuse PGPORT="").
func unsetenv(t *testing.T, k string) {
	t.Helper()
	t.Setenv(k, "") // restores the old value after the test
	assert.NoError(t, os.Unsetenv(k))
}

func TestSchemaInspect(t *testing.T) {
	clearEnv(t)
	url := pgtest.DB(t)
	migrateTo(t, url, 6)
	dir := project(t, 6)

	first := guard(t, "--database-url", url, "schema", "inspect", "--format", "json")
	assert.Equal(t, 0, first.code, first.stderr)
	second := guard(t, "--database-url", url, "--format", "json", "schema", "inspect")
	assert.Equal(t, first.stdout, second.stdout, "canonical JSON is stable")

	var model struct {
		Tables []struct {
			Name    string `json:"name"`
			Columns []struct {
				Name string `json:"name"`
			} `json:"columns"`
		} `json:"tables"`
	}
	assert.NoError(t, json.Unmarshal([]byte(first.stdout), &model))
	assert.Equal(t, 3, len(model.Tables), "schema_migrations is left out")
	assert.Equal(t, "users", model.Tables[2].Name)
	assert.Equal(t, "email_address", model.Tables[2].Columns[1].Name)

	// The schema the migrations build in a shadow is the database's schema.
	fromMigrations := guard(t, "--database-url", url, "--source", filepath.Join(dir, "migrations"), "schema", "inspect", "--from", "migrations", "--format", "json")
	assert.Equal(t, 0, fromMigrations.code, fromMigrations.stderr)
	assert.Equal(t, first.stdout, fromMigrations.stdout)

	text := guard(t, "--database-url", url, "schema", "inspect")
	assert.Equal(t, 0, text.code)
	assert.Contains(t, text.stdout, "Table public.users")
	assert.Contains(t, text.stdout, "Enum public.post_status (draft, published, archived)")
	assert.NotContains(t, text.stdout, "\x1b[", "no colour when not on a terminal")
}

func TestContractWorkflow(t *testing.T) {
	clearEnv(t)
	url := pgtest.DB(t)
	migrateTo(t, url, 5)
	dir := project(t, 6)
	contractPath := filepath.Join(dir, "guard.contract.json")
	g := func(args ...string) result {
		return guard(t, append([]string{"--database-url", url, "--contract", contractPath, "--source", filepath.Join(dir, "migrations")}, args...)...)
	}

	r := g("contract", "lock")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Locked 3 tables in auto mode")
	locked, err := os.ReadFile(contractPath)
	assert.NoError(t, err)

	r = g("contract", "show", "--format", "json")
	assert.Equal(t, 0, r.code)
	var shown struct {
		Version int    `json:"version"`
		Mode    string `json:"mode"`
		Tables  []struct {
			Table string `json:"table"`
		} `json:"tables"`
	}
	assert.NoError(t, json.Unmarshal([]byte(r.stdout), &shown))
	assert.Equal(t, 1, shown.Version)
	assert.Equal(t, "auto", shown.Mode)
	assert.Equal(t, 3, len(shown.Tables))

	r = g("contract", "diff")
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "No changes.")

	// The migrations (with the rename) would break the contract: exit 3.
	r = g("contract", "diff", "--from", "migrations")
	assert.Equal(t, 3, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, `✗ BREAKING  column_renamed: column "email" was renamed to "email_address" (probable)`)

	migrateTo(t, url, 6)
	r = g("contract", "diff", "--format", "json")
	assert.Equal(t, 3, r.code)
	var report map[string]any
	assert.NoError(t, json.Unmarshal([]byte(r.stdout), &report))
	assert.Equal(t, true, report["blocked"])
	assert.Equal(t, true, report["has_breaking"])
	assert.Equal(t, false, report["has_risky"])
	assert.Equal(t, "auto", report["mode"])
	tables := report["tables"].([]any)
	assert.Equal(t, 1, len(tables))
	tbl := tables[0].(map[string]any)
	assert.Equal(t, "public.users", tbl["table"])
	assert.Equal(t, true, tbl["has_breaking"])
	item := tbl["items"].([]any)[0].(map[string]any)
	for _, k := range []string{"kind", "impact", "object", "message", "hint"} {
		assert.NotZero(t, item[k], "item field %s", k)
	}
	assert.Equal(t, "column_renamed", item["kind"])
	assert.Equal(t, "breaking", item["impact"])

	r = g("contract", "diff", "--table", "posts")
	assert.Equal(t, 0, r.code, "a table filter leaves out the users drift")

	r = g("contract", "promote", "--table", "users")
	assert.Equal(t, 0, r.code, r.stderr)
	r = g("contract", "diff")
	assert.Equal(t, 0, r.code, r.stdout)
	promoted, err := os.ReadFile(contractPath)
	assert.NoError(t, err)
	assert.NotEqual(t, string(locked), string(promoted))
	assert.Contains(t, string(promoted), `"promoted_at"`)

	r = g("contract", "mode", "strict")
	assert.Equal(t, 0, r.code)
	pgtest.Exec(t, url, "ALTER TABLE posts ADD COLUMN summary text")
	r = g("contract", "diff")
	assert.Equal(t, 3, r.code, "strict blocks even a safe change")
	r = g("contract", "mode", "none")
	assert.Equal(t, 0, r.code)
	r = g("contract", "diff")
	assert.Equal(t, 0, r.code, "none reports only")
	assert.Contains(t, r.stdout, "column_added")

	r = g("contract", "unlock", "--table", "posts")
	assert.Equal(t, 0, r.code)
	r = g("contract", "unlock")
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "Unlocked 2 tables")
}

func TestLockFromMigrationsNeedsNoDatabase(t *testing.T) {
	clearEnv(t)
	if _, err := pgcluster.BinDir(); err != nil {
		pgtest.SkipOrFail(t, "%v", err)
	}
	dir := project(t, 3)
	contractPath := filepath.Join(dir, "guard.contract.json")
	r := guard(t, "--source", "file://"+filepath.Join(dir, "migrations"), "--contract", contractPath,
		"contract", "lock", "--from", "migrations", "--table", "users", "--mode", "strict")
	assert.Equal(t, 0, r.code, r.stderr)
	b, err := os.ReadFile(contractPath)
	assert.NoError(t, err)
	assert.Contains(t, string(b), `"table": "public.users"`)
	assert.Contains(t, string(b), `"mode": "strict"`)
}

func TestBadInput(t *testing.T) {
	clearEnv(t)
	url := pgtest.DB(t)
	migrateTo(t, url, 3)
	good := project(t, 3)

	skipped := project(t, 2)
	assert.NoError(t, os.WriteFile(filepath.Join(skipped, "migrations", "3_add_bio.sql"), []byte("SELECT 1"), 0o644))
	dup := project(t, 2)
	assert.NoError(t, os.WriteFile(filepath.Join(dup, "migrations", "000002_other.up.sql"), []byte("SELECT 1"), 0o644))
	empty := t.TempDir()

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // in the error line
		hint string // in the hint line
	}{
		{"malformed URL", []string{"--database-url", "postgres://u@h:notaport/db", "schema", "inspect"}, 1, "invalid database URL", "postgres://"},
		{"not a URL", []string{"--database-url", "mysql://u@h/db", "schema", "inspect"}, 1, "invalid database URL", ""},
		{"unreachable server", []string{"--database-url", "postgres://u@127.0.0.1:1/db?connect_timeout=5", "schema", "inspect"}, 1, "connect to u@127.0.0.1:1/db", "server is running"},
		{"missing database", []string{"--database-url", strings.Replace(url, "guard_test_", "nope_", 1), "schema", "inspect"}, 1, "does not exist", "create the database"},
		{"no database URL", []string{"schema", "inspect"}, 1, "no database URL given", "GUARD_DATABASE_URL"},
		{"missing migrations dir", []string{"--database-url", url, "--source", filepath.Join(good, "nope"), "contract", "diff", "--from", "migrations"}, 1, "migrations directory not found", "--source"},
		{"empty migrations dir", []string{"--database-url", url, "--source", empty, "contract", "lock", "--from", "migrations"}, 1, "no migrations found", ""},
		{"skipped file name", []string{"--database-url", url, "--source", filepath.Join(skipped, "migrations"), "contract", "lock", "--from", "migrations"}, 1, "3_add_bio.sql", "{version}_{title}.up.sql"},
		{"duplicate versions", []string{"--database-url", url, "--source", filepath.Join(dup, "migrations"), "contract", "lock", "--from", "migrations"}, 1, "duplicate migration version", "renumber"},
		{"unsupported source", []string{"--database-url", url, "--source", "s3://bucket/m", "contract", "lock", "--from", "migrations"}, 1, "unsupported source scheme", "file://"},
		{"unknown mode", []string{"contract", "mode", "lenient"}, 2, `unknown lock mode "lenient"`, "none, auto or strict"},
		{"unknown lock mode flag", []string{"--database-url", url, "contract", "lock", "--mode", "loose"}, 2, `unknown lock mode "loose"`, ""},
		{"unknown table", []string{"--database-url", url, "contract", "lock", "--table", "userz"}, 1, `unknown table "userz"`, "public.users"},
		{"unknown --from", []string{"--database-url", url, "contract", "lock", "--from", "air"}, 2, `unknown --from "air"`, ""},
		{"unknown format", []string{"--format", "yaml", "contract", "show"}, 2, `unknown --format "yaml"`, ""},
		{"unknown command", []string{"contrakt"}, 2, "unknown command", ""},
		{"unknown subcommand", []string{"migrate", "frobnicate"}, 2, `unknown command "frobnicate" for "guard migrate"`, "guard migrate --help"},
		{"unknown contract subcommand", []string{"contract", "lokc"}, 2, `unknown command "lokc"`, "guard contract --help"},
		{"migrate bogus", []string{"migrate", "bogus"}, 2, `unknown command "bogus" for "guard migrate"`, "guard migrate --help"},
		{"contract bogus", []string{"contract", "bogus"}, 2, `unknown command "bogus" for "guard contract"`, "guard contract --help"},
		{"contract bogus in JSON mode", []string{"contract", "bogus", "--format", "json"}, 2, `unknown command "bogus" for "guard contract"`, "guard contract --help"},
		{"unknown x-* option", []string{"--database-url", withQuery(url, "x-migrate-table=v"), "schema", "inspect"}, 2, "x-migrate-table: unknown option", "x-migrations-table"},
		{"unencoded @ in password", []string{"--database-url", "postgres://postgres:in@PW@127.0.0.1:5432/db", "schema", "inspect"}, 1, "unencoded", "%40"},
		{"unknown flag", []string{"contract", "show", "--frob"}, 2, "unknown flag", ""},
		{"unknown shorthand flag", []string{"contract", "show", "-f"}, 2, "unknown shorthand flag", ""},
		{"too many arguments", []string{"migrate", "up", "1", "2"}, 2, "accepts at most 1 arg", ""},
		{"missing argument", []string{"migrate", "goto"}, 2, "accepts 1 arg", ""},
		{"promote without tables", []string{"--database-url", url, "contract", "promote"}, 2, "--table T", ""},
		{"unlock unknown table", []string{"contract", "unlock", "--table", "users"}, 1, `table "users" is not locked`, "guard contract lock"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			contractPath := filepath.Join(t.TempDir(), "guard.contract.json")
			r := guard(t, append([]string{"--contract", contractPath}, tc.args...)...)
			assert.Equal(t, tc.code, r.code, r.stdout+r.stderr)
			lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
			assert.True(t, len(lines) <= 2, "one error line and at most one hint line: %q", r.stderr)
			assert.True(t, strings.HasPrefix(lines[0], "guard: "), lines[0])
			assert.Contains(t, lines[0], tc.want)
			if tc.hint != "" {
				assert.Equal(t, 2, len(lines), "has a hint: %q", r.stderr)
				assert.Contains(t, lines[1], "hint: ")
				assert.Contains(t, lines[1], tc.hint)
			}
			_, err := os.Stat(contractPath)
			assert.True(t, os.IsNotExist(err), "nothing written")
		})
	}
}

func TestCorruptContractIsLeftAlone(t *testing.T) {
	clearEnv(t)
	url := pgtest.DB(t)
	migrateTo(t, url, 3)
	contractPath := filepath.Join(t.TempDir(), "guard.contract.json")
	corrupt := []byte(`{"version": 1, "mode": "auto", "tables": [`)
	assert.NoError(t, os.WriteFile(contractPath, corrupt, 0o644))
	for _, args := range [][]string{
		{"contract", "show"},
		{"contract", "lock"},
		{"contract", "diff"},
		{"contract", "mode", "strict"},
		{"contract", "promote", "--all"},
		{"contract", "unlock"},
	} {
		r := guard(t, append([]string{"--database-url", url, "--contract", contractPath}, args...)...)
		assert.Equal(t, 1, r.code, "%v: %s", args, r.stderr)
		assert.Contains(t, r.stderr, "not valid JSON")
		assert.Contains(t, r.stderr, "hint: ")
		b, err := os.ReadFile(contractPath)
		assert.NoError(t, err)
		assert.Equal(t, string(corrupt), string(b), "%v changed the file", args)
	}
}

func TestDatabaseURLFromEnvironment(t *testing.T) {
	url := pgtest.DB(t)
	migrateTo(t, url, 1)
	t.Setenv("DATABASE_URL", "postgres://u@127.0.0.1:1/unreachable")
	t.Setenv("GUARD_DATABASE_URL", url)
	r := guard(t, "schema", "inspect")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Table public.users")

	t.Setenv("GUARD_DATABASE_URL", "")
	t.Setenv("DATABASE_URL", url)
	r = guard(t, "schema", "inspect")
	assert.Equal(t, 0, r.code, r.stderr)

	r = guard(t, "--database-url", "postgres://u@127.0.0.1:1/x", "schema", "inspect")
	assert.Equal(t, 1, r.code, "the flag wins over the environment")
}

// A password with every character that trips URL handling.
const secret = "p@ss%w/o:rd"

func TestPasswordNeverAppears(t *testing.T) {
	clearEnv(t)
	if _, err := pgcluster.BinDir(); err != nil {
		pgtest.SkipOrFail(t, "%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := pgcluster.Start(ctx, pgcluster.WithPassword(secret))
	assert.NoError(t, err)
	t.Cleanup(func() { _ = c.Stop() })
	good := c.URL("postgres")
	escaped := strings.TrimPrefix(strings.SplitN(good, "@", 2)[0], "postgres://postgres:")
	assert.NotEqual(t, secret, escaped, "the URL carries the escaped form")
	wrong := strings.Replace(good, "//postgres:", "//postgres:x"+escaped, 1)
	malformed := strings.Replace(good, escaped, secret, 1) // unescaped: not a valid URL
	dsn := "host=" + c.Dir() + " user=postgres password='" + secret + "' dbname=postgres"
	dir := project(t, 6)
	contractPath := filepath.Join(dir, "guard.contract.json")

	runs := [][]string{
		{"--database-url", good, "schema", "inspect"},
		{"--database-url", good, "schema", "inspect", "--format", "json"},
		{"--database-url", dsn, "schema", "inspect"},
		{"--database-url", good, "--source", filepath.Join(dir, "migrations"), "contract", "lock", "--from", "migrations"},
		{"--database-url", good, "--source", filepath.Join(dir, "migrations"), "contract", "diff", "--from", "migrations"},
		{"--database-url", wrong, "schema", "inspect"},
		{"--database-url", malformed, "schema", "inspect"},
		{"--database-url", strings.Replace(good, "/postgres?", "/nosuchdb?", 1), "schema", "inspect"},
		{"--database-url", "postgres://postgres:" + escaped + "@127.0.0.1:1/db?connect_timeout=5", "schema", "inspect"},
		{"--database-url", "host=127.0.0.1 port=1 password='" + secret + "' connect_timeout=5", "schema", "inspect"},
		{"--database-url", "postgres://postgres:" + escaped + "@127.0.0.1:notaport/db", "schema", "inspect"},
		{"--shadow-url", wrong, "--source", filepath.Join(dir, "migrations"), "schema", "inspect", "--from", "migrations"},
		{"--database-url", withScheme(good, "pgx5") + "&x-migrations-table=v", "schema", "inspect"},
		{"--database-url", good + "&x-migrations-tabel=v", "schema", "inspect"},
		{"--database-url", good + "&x-statement-timeout=10", "--format", "json", "schema", "inspect"},
		{"--shadow-url", good + "&x-migrations-table=v", "--source", filepath.Join(dir, "migrations"), "schema", "inspect", "--from", "migrations"},
	}
	codes := []int{}
	for _, args := range runs {
		r := guard(t, append([]string{"--contract", contractPath}, args...)...)
		codes = append(codes, r.code)
		for _, s := range []string{r.stdout, r.stderr} {
			assert.NotContains(t, s, secret)
			assert.NotContains(t, s, escaped)
			assert.NotContains(t, s, "ss%w")
			assert.NotContains(t, s, "ss%25w")
		}
		b, _ := os.ReadFile(contractPath)
		assert.NotContains(t, string(b), secret)
		assert.NotContains(t, string(b), escaped)
	}
	// The good URL works (so the checks above saw real output) and the bad ones fail.
	assert.Equal(t, []int{0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 2, 0, 1}, codes)
}

func TestDemoTellsTheStoryAndCleansUp(t *testing.T) {
	clearEnv(t)
	admin := pgtest.Server(t)
	t.Run("GUARD_DATABASE_URL", func(t *testing.T) {
		t.Setenv("GUARD_DATABASE_URL", admin)
		demoTellsTheStoryAndCleansUp(t, admin)
	})
	// A PG* variable set means the user pointed at a server: the demo uses
	// it rather than an ephemeral cluster.
	t.Run("PG* environment", func(t *testing.T) {
		pgEnv(t, admin)
		out := demoTellsTheStoryAndCleansUp(t, admin)
		assert.Contains(t, out, "(from the PG* environment) for a throwaway database")
		assert.NotContains(t, out, "ephemeral")
	})
}

func demoTellsTheStoryAndCleansUp(t *testing.T, admin string) string {
	r := guard(t, "demo")
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	for _, want := range []string{
		"→ 000001_create_users",
		"Locked 3 tables in auto mode",
		"200 OK ready: db=4 expected=4",
		`✓ SAFE      column_added: column "bio" was added`,
		`✗ BREAKING  column_renamed: column "email" was renamed to "email_address" (probable)`,
		"guard migrate up exited 3",
		"503 Service Unavailable drift: db=5 expected=6",
		"Promoted 1 table: public.users",
		"200 OK ready: db=6 expected=6",
	} {
		assert.Contains(t, r.stdout, want)
	}
	// Nothing is left behind: no demo database, no shadow (of this test:
	// other tests may share the server).
	demoDB := regexp.MustCompile(`throwaway database (guard_demo_[0-9a-f]+)\.`).FindStringSubmatch(r.stdout)
	assert.Equal(t, 2, len(demoDB), "the demo names its database: %s", r.stdout)
	var left []string
	rows, err := pgtest.Connect(t, admin).Query(context.Background(), "SELECT datname FROM pg_database WHERE datname = $1", demoDB[1])
	assert.NoError(t, err)
	for rows.Next() {
		var n string
		assert.NoError(t, rows.Scan(&n))
		left = append(left, n)
	}
	assert.NoError(t, rows.Err())
	left = append(left, shadowsOf(t, admin, os.Getpid())...)
	assert.Equal(t, []string(nil), left)
	return r.stdout
}

// shadowsOf lists the shadow databases on url's server that process pid
// created (guard/shadow's comment on each names its creator).
func shadowsOf(t *testing.T, url string, pid int) []string {
	t.Helper()
	rows, err := pgtest.Connect(t, url).Query(context.Background(), `SELECT datname::text FROM pg_database
		WHERE datname LIKE 'guard\_shadow\_%' AND shobj_description(oid, 'pg_database') LIKE $1`,
		fmt.Sprintf("guard shadow database pid=%d %%", pid))
	assert.NoError(t, err)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	assert.NoError(t, err)
	if len(names) == 0 {
		return nil
	}
	return names
}
