package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/internal/cli"
	"github.com/schemaguard/guard/internal/pgtest"
)

// A database holding a table made by hand, which a pending file alters:
// plan and up start from a copy of the live schema and say so; with
// --fail-on-drift the drift is an error (exit 1) and nothing is applied.
func TestPlanOnACopyOfTheLiveSchema(t *testing.T) {
	url := pgtest.DB(t)
	dir := mgProject(t,
		"1_users.up.sql", "CREATE TABLE users (id bigint PRIMARY KEY);",
		"2_legacy_flag.up.sql", "ALTER TABLE legacy ADD COLUMN archived boolean NOT NULL DEFAULT false;",
	)
	r := mgRun(t, dir, url, "migrate", "up", "1")
	assert.Equal(t, 0, r.code, r.stderr)
	pgtest.Exec(t, url, `CREATE TABLE legacy (id int PRIMARY KEY, body text)`)

	// status reads the target only, unless asked for drift.
	r = mgRun(t, dir, url, "migrate", "status")
	assert.Equal(t, cli.ExitNotReady, r.code, r.stderr)
	assert.Contains(t, r.stdout, "History drift: not checked")
	r = mgRun(t, dir, url, "migrate", "status", "--drift")
	assert.Equal(t, cli.ExitNotReady, r.code, r.stderr)
	assert.Contains(t, r.stdout, `table_added: table "public.legacy" was added`)

	r = mgRun(t, dir, url, "migrate", "plan")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "planned on a copy of the live schema (history drift)")

	r = mgRun(t, dir, url, "--format", "json", "migrate", "plan")
	assert.Equal(t, 0, r.code, r.stderr)
	var plan struct {
		Shadow struct {
			Start       string `json:"start"`
			StartReason string `json:"start_reason"`
		} `json:"shadow"`
	}
	assert.NoError(t, json.Unmarshal([]byte(r.stdout), &plan), r.stdout)
	assert.Equal(t, "live-copy", plan.Shadow.Start)

	r = mgRun(t, dir, url, "migrate", "up", "--fail-on-drift")
	assert.Equal(t, cli.ExitError, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stderr, "history drift")
	assert.Equal(t, 2, len(strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")), "one error line and one hint: %q", r.stderr)
	assert.Equal(t, 1, mgQuery[int](t, url, `SELECT version FROM schema_migrations`))

	r = mgRun(t, dir, url, "migrate", "up")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 2, mgQuery[int](t, url, `SELECT version FROM schema_migrations`))
	assert.True(t, mgQuery[bool](t, url, `SELECT EXISTS (SELECT FROM information_schema.columns WHERE table_name = 'legacy' AND column_name = 'archived')`))
}
