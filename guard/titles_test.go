package guard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/cli"
	"github.com/schemaguard/guard/internal/pgtest"
	"github.com/schemaguard/guard/readiness"
)

// titled is a history whose version 2 has up and down files of different
// titles, as golang-migrate accepts them.
var titled = []string{
	"1_users.up.sql", "CREATE TABLE users (id bigint PRIMARY KEY);",
	"1_users.down.sql", "DROP TABLE users;",
	"2_add_c.up.sql", "ALTER TABLE users ADD COLUMN c text;",
	"2_drop_c.down.sql", "ALTER TABLE users DROP COLUMN c;",
	"3_posts.up.sql", "CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint REFERENCES users);",
	"3_posts.down.sql", "DROP TABLE posts;",
}

// project writes a project folder (migrations/ and nothing else) with the
// given name → contents pairs.
func project(t *testing.T, kv ...string) string {
	t.Helper()
	dir := t.TempDir()
	assert.NoError(t, os.Mkdir(filepath.Join(dir, "migrations"), 0o755))
	for i := 0; i+1 < len(kv); i += 2 {
		assert.NoError(t, os.WriteFile(filepath.Join(dir, "migrations", kv[i]), []byte(kv[i+1]), 0o644))
	}
	return dir
}

type cliResult struct {
	stdout, stderr string
	code           int
}

// guardCLI runs the guard CLI in-process on the project dir, against url.
func guardCLI(t *testing.T, dir, url string, args ...string) cliResult {
	t.Helper()
	t.Setenv("GUARD_DATABASE_URL", "")
	t.Setenv("DATABASE_URL", "")
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	all := []string{"--database-url", url, "--source", filepath.Join(dir, "migrations")}
	if !slices.Contains(args, "verify") { // verify requires a --contract it is given
		all = append(all, "--contract", filepath.Join(dir, "guard.contract.json"))
	}
	all = append(all, args...)
	code := cli.Run(ctx, all, strings.NewReader(""), &out, &errOut)
	return cliResult{out.String(), errOut.String(), code}
}

// Up and down files of one version with different titles are one
// migration, as golang-migrate pairs them: plan, up, status, down, verify
// and readiness all accept the history; verify notes the titles in one
// warning.
func TestUpAndDownFilesWithDifferentTitles(t *testing.T) {
	url := pgtest.DB(t)
	dir := project(t, titled...)

	r := guardCLI(t, dir, url, "migrate", "plan")
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "2_add_c")
	r = guardCLI(t, dir, url, "migrate", "up")
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	v, dirty := version(t, url)
	assert.Equal(t, int64(3), v)
	assert.False(t, dirty)
	r = guardCLI(t, dir, url, "migrate", "status")
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)

	// Down runs the down file of version 2, whatever its title.
	r = guardCLI(t, dir, url, "migrate", "down", "2", "--yes")
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "2_drop_c")
	v, _ = version(t, url)
	assert.Equal(t, int64(1), v)
	assert.Equal(t, 0, query[int](t, url, `SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'c'`))
	r = guardCLI(t, dir, url, "migrate", "up")
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)

	r = guardCLI(t, dir, url, "--format", "json", "verify", "--shadow-url", pgtest.Server(t))
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	var rep struct {
		Status   string
		Findings []struct{ Check, Severity, File, Message string }
	}
	assert.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), r.stdout)
	assert.Equal(t, "passed", rep.Status)
	var notes []string
	for _, f := range rep.Findings {
		assert.Equal(t, "warning", f.Severity, "%+v", f)
		if f.Check == "hygiene" {
			notes = append(notes, f.Message)
			assert.Equal(t, filepath.Join(dir, "migrations", "2_drop_c.down.sql"), f.File)
		}
	}
	assert.Equal(t, 1, len(notes), "one note about the titles: %v", notes)
	assert.Contains(t, notes[0], "another title")

	src, err := source.Open(filepath.Join(dir, "migrations"))
	assert.NoError(t, err)
	pool, err := pgxpool.New(t.Context(), url)
	assert.NoError(t, err)
	t.Cleanup(pool.Close)
	c, err := readiness.New(pool, src)
	assert.NoError(t, err)
	assert.Equal(t, uint64(3), c.Head())
	res := c.Check(t.Context())
	assert.True(t, res.Ready, "%+v", res)

	// Two files of one version and direction stay an error, naming them,
	// and change nothing.
	bad := project(t, append(titled, "2_drop_c_again.down.sql", "SELECT 1;")...)
	r = guardCLI(t, bad, url, "migrate", "up")
	assert.Equal(t, 1, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stderr, "duplicate migration version")
	assert.Contains(t, r.stderr, "2_drop_c_again.down.sql")
	v, _ = version(t, url)
	assert.Equal(t, int64(3), v)
}

// With several bad files, guard migrate up names the same one (the lowest
// version) on every run, byte for byte, and changes nothing.
func TestSeveralBadFilesNameTheLowestEveryRun(t *testing.T) {
	url := pgtest.DB(t)
	dir := project(t,
		"1_users.up.sql", "CREATE TABLE users (id bigint PRIMARY KEY);",
		"10_a.up.sql", "SELECT 1;", "10_b.up.sql", "SELECT 1;",
		"7_stray.down.sql", "SELECT 1;", "5_stray.down.sql", "SELECT 1;",
		"6_bad-name.sql", "SELECT 1;",
		"03_x.up.sql", "SELECT 1;", "3_y.up.sql", "SELECT 1;",
	)
	first := guardCLI(t, dir, url, "migrate", "up")
	assert.Equal(t, 1, first.code, first.stdout+first.stderr)
	assert.Contains(t, first.stderr, "3_y.up.sql: duplicate migration version")
	for range 5 {
		again := guardCLI(t, dir, url, "migrate", "up")
		assert.Equal(t, first, again)
	}
	_, ok := version(t, url)
	assert.False(t, ok, "nothing applied")
	assert.Equal(t, 0, query[int](t, url, `SELECT count(*) FROM pg_tables WHERE tablename = 'users'`))
}
