package cli_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/internal/cli"
	"github.com/schemaguard/guard/internal/pgtest"
)

func TestCheck(t *testing.T) {
	clearEnv(t)
	head6 := filepath.Join(project(t, 6), "migrations")
	head5 := filepath.Join(project(t, 5), "migrations")
	at6 := pgtest.DB(t)
	migrateTo(t, at6, 6)
	at4 := pgtest.DB(t)
	migrateTo(t, at4, 4)
	dirty := pgtest.DB(t) // dirty at 5: under head 6
	migrateTo(t, dirty, 5)
	pgtest.Exec(t, dirty, `UPDATE schema_migrations SET dirty = true`)
	dirty6 := pgtest.DB(t) // migration 6 running (or failed): 1..5 applied
	migrateTo(t, dirty6, 6)
	pgtest.Exec(t, dirty6, `UPDATE schema_migrations SET dirty = true`)
	dirtyNone := pgtest.DB(t) // golang-migrate's dirty "no version"
	pgtest.Exec(t, dirtyNone, `CREATE TABLE schema_migrations (version bigint not null primary key, dirty boolean not null);
		INSERT INTO schema_migrations VALUES (-1, true)`)
	none := pgtest.DB(t)
	const dirtyAheadWarning = "warning: database version 6 is dirty (its migration is running or failed half-way); " +
		"the versions below it, this binary's head 5 included, are applied; serving anyway\n"

	for _, tc := range []struct {
		name   string
		url    string
		source string
		flags  []string
		code   int
		stdout string
	}{
		{"at the head", at6, head6, nil, 0, "ready: db=6 expected=6\n"},
		{"behind", at4, head6, nil, 5, "drift: db=4 expected=6\n"},
		{"dirty under the head", dirty, head6, nil, 5, "dirty: db=5\n"},
		{"dirty at the head", dirty6, head6, nil, 5, "dirty: db=6\n"},
		{"dirty at the head, ahead not ready", dirty6, head6, []string{"--ahead-not-ready"}, 5, "dirty: db=6\n"},
		{"dirty over the head", dirty6, head5, nil, 0, "ahead: db=6 (dirty) expected=5\n" + dirtyAheadWarning},
		{"dirty over the head, ahead not ready", dirty6, head5, []string{"--ahead-not-ready"}, 5, "ahead: db=6 (dirty) expected=5\n"},
		{"dirty no version", dirtyNone, head5, nil, 5, "dirty: db=none\n"},
		{"ahead", at6, head5, nil, 0, "ahead: db=6 expected=5\nwarning: database version 6 is above this binary's head 5; serving anyway\n"},
		{"ahead, not ready", at6, head5, []string{"--ahead-not-ready"}, 5, "ahead: db=6 expected=5\n"},
		{"no version table", none, head6, nil, 0, "no_table: db=none expected=6\nwarning: no version table \"schema_migrations\"; treated as current\n"},
		{"no version table, not ready", none, head6, []string{"--missing-table-not-ready"}, 5, "no_table: db=none expected=6\n"},
		{"other version table", at6, head6, []string{"--migrations-table", "versions", "--missing-table-not-ready"}, 5, "no_table: db=none expected=6\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := guard(t, append([]string{"--database-url", tc.url, "--source", tc.source, "check"}, tc.flags...)...)
			assert.Equal(t, tc.code, r.code, r.stderr)
			assert.Equal(t, tc.stdout, r.stdout)
			assert.Equal(t, "", r.stderr)
		})
	}

	t.Run("json", func(t *testing.T) {
		r := guard(t, "--database-url", at4, "--source", "file://"+head6, "--format", "json", "check")
		assert.Equal(t, 5, r.code, r.stderr)
		var got struct {
			Status   string  `json:"status"`
			Ready    bool    `json:"ready"`
			Message  string  `json:"message"`
			DB       *uint64 `json:"db"`
			Expected uint64  `json:"expected"`
			Dirty    bool    `json:"dirty"`
		}
		assert.NoError(t, json.Unmarshal([]byte(r.stdout), &got), r.stdout)
		four := uint64(4)
		assert.Equal(t, "drift", got.Status)
		assert.False(t, got.Ready)
		assert.Equal(t, "drift: db=4 expected=6", got.Message)
		assert.Equal(t, &four, got.DB)
		assert.Equal(t, 6, got.Expected)
		assert.False(t, got.Dirty)
		assert.Contains(t, r.stdout, `"checked_at"`)
	})

	// Dirty above the head: the status stays "ahead" (ready), with dirty
	// set; at the head it is "dirty" (not ready).
	for _, tc := range []struct {
		name, source, status, message, warning string
		ready                                  bool
		code                                   int
	}{
		{"json dirty over the head", head5, "ahead", "ahead: db=6 (dirty) expected=5",
			strings.TrimSuffix(strings.TrimPrefix(dirtyAheadWarning, "warning: "), "\n"), true, 0},
		{"json dirty at the head", head6, "dirty", "dirty: db=6", "", false, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := guard(t, "--database-url", dirty6, "--source", tc.source, "--format", "json", "check")
			assert.Equal(t, tc.code, r.code, r.stderr)
			var got struct {
				Status  string  `json:"status"`
				Ready   bool    `json:"ready"`
				Message string  `json:"message"`
				DB      *uint64 `json:"db"`
				Dirty   bool    `json:"dirty"`
				Warning string  `json:"warning"`
			}
			assert.NoError(t, json.Unmarshal([]byte(r.stdout), &got), r.stdout)
			six := uint64(6)
			assert.Equal(t, tc.status, got.Status)
			assert.Equal(t, tc.ready, got.Ready)
			assert.Equal(t, tc.message, got.Message)
			assert.Equal(t, &six, got.DB)
			assert.True(t, got.Dirty)
			assert.Equal(t, tc.warning, got.Warning)
		})
	}
}

func TestCheckFailures(t *testing.T) {
	clearEnv(t)
	dir := filepath.Join(project(t, 6), "migrations")
	url := pgtest.DB(t)
	const password = "hunter2-secret"

	t.Run("unreachable", func(t *testing.T) {
		r := guard(t, "--database-url", "postgres://u:"+password+"@127.0.0.1:1/db", "--source", dir, "check")
		assert.Equal(t, 5, r.code, r.stderr)
		assert.True(t, strings.HasPrefix(r.stdout, "unreachable: "), r.stdout)
		assert.Contains(t, r.stderr, "cause: ")
		assert.NotContains(t, r.stdout+r.stderr, password)
	})
	t.Run("unreachable json", func(t *testing.T) {
		r := guard(t, "--database-url", "postgres://u:"+password+"@127.0.0.1:1/db", "--source", dir, "--format", "json", "check")
		assert.Equal(t, 5, r.code, r.stderr)
		assert.Contains(t, r.stdout, `"status": "unreachable"`)
		assert.NotContains(t, r.stdout, "127.0.0.1", "the answer itself names no host")
		assert.NotContains(t, r.stdout+r.stderr, password)
	})

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
		hint string
	}{
		{"malformed URL", []string{"--database-url", "postgres://u:" + password + "@h:notaport/db", "--source", dir, "check"}, 1, "invalid database URL", "postgres://"},
		{"no database URL", []string{"--source", dir, "check"}, 1, "no database URL given", "DATABASE_URL"},
		{"missing migrations", []string{"--database-url", url, "--source", filepath.Join(dir, "nope"), "check"}, 1, "migrations directory not found", "--source"},
		{"bad interval", []string{"--database-url", url, "--source", dir, "check", "--wait", "1s", "--interval", "0s"}, 2, "--interval must be positive", ""},
		{"negative wait", []string{"--database-url", url, "--source", dir, "check", "--wait", "-1s"}, 2, "--wait must not be negative", ""},
		{"arguments", []string{"--database-url", url, "--source", dir, "check", "now"}, 2, "takes no arguments", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := guard(t, tc.args...)
			assert.Equal(t, tc.code, r.code, r.stderr)
			assert.Equal(t, "", r.stdout)
			assert.Contains(t, r.stderr, "guard: ")
			assert.Contains(t, r.stderr, tc.want)
			assert.Contains(t, r.stderr, tc.hint)
			assert.NotContains(t, r.stderr, password)
		})
	}
}

func TestCheckWaitGivesUp(t *testing.T) {
	clearEnv(t)
	dir := filepath.Join(project(t, 6), "migrations")
	url := pgtest.DB(t)
	migrateTo(t, url, 4)
	r := guard(t, "--database-url", url, "--source", dir, "check", "--wait", "300ms", "--interval", "50ms")
	assert.Equal(t, 5, r.code, r.stderr)
	assert.Equal(t, "drift: db=4 expected=6\n", r.stdout)
	assert.Equal(t, "waiting: drift: db=4 expected=6\nguard: not ready after waiting 300ms: drift: db=4 expected=6\n", r.stderr,
		"the progress line is printed once, not at every poll")
}

func TestCheckWaitUntilReady(t *testing.T) {
	clearEnv(t)
	dir := filepath.Join(project(t, 6), "migrations")
	url := pgtest.DB(t)
	migrateTo(t, url, 4)
	watch := pgtest.Connect(t, url)

	done := make(chan result, 1)
	go func() {
		done <- guard(t, "--database-url", url, "--source", dir, "check", "--wait", "2m", "--interval", "100ms")
	}()

	// Once guard check has read the version table at least once (its
	// session is idle after the version read), the deploy "lands".
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		var n int
		assert.NoError(t, watch.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = 'guard check'
			AND state = 'idle' AND query LIKE '%schema_migrations%LIMIT 1%'`).Scan(&n))
		if n > 0 {
			break
		}
		select {
		case r := <-done:
			t.Fatalf("guard check returned before the database was migrated: %d %s %s", r.code, r.stdout, r.stderr)
		case <-tick.C:
		}
	}
	migrateTo(t, url, 6)

	r := <-done
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "ready: db=6 expected=6\n", r.stdout)
	// It may also have seen the migration half-way (db=5, or dirty).
	assert.True(t, strings.HasPrefix(r.stderr, "waiting: drift: db=4 expected=6\n"), r.stderr)
}

// guard check and guard migrate read --migrations-table the same way: a
// quoted "schema"."table" is that table for both, a bare name (dots
// included) a table of the current schema, and a malformed one is a usage
// error for both.
func TestMigrationsTableOneReading(t *testing.T) {
	clearEnv(t)
	url := pgtest.DB(t)
	pgtest.Exec(t, url, `CREATE SCHEMA ops`)
	src := filepath.Join(project(t, 3), "migrations")
	run := func(table string, args ...string) result {
		return guard(t, append([]string{"--database-url", url, "--source", src, "--contract", filepath.Join(t.TempDir(), "c.json"),
			"--migrations-table", table}, args...)...)
	}

	r := run(`"ops"."versions"`, "migrate", "up")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 3, mgQuery[int](t, url, `SELECT version FROM ops.versions`))
	r = run(`"ops"."versions"`, "check")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "ready: db=3 expected=3\n", r.stdout)
	r = run(`"ops"."versions"`, "migrate", "status")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "version 3 (head 3)")
	// The version table is left out of the schema, in its own schema.
	r = run(`"ops"."versions"`, "--schema", "ops", "schema", "inspect")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stdout, "versions")

	// Unquoted, the dot is part of one name in the current schema.
	r = run("ops.versions", "check", "--missing-table-not-ready")
	assert.Equal(t, cli.ExitNotReady, r.code, r.stderr)
	assert.Equal(t, "no_table: db=none expected=3\n", r.stdout)
	r = run("ops.versions", "migrate", "status")
	assert.Equal(t, cli.ExitNotReady, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Pending: 3 migrations")

	for _, table := range []string{"", `"ops.versions`, `"a"."b"."c"`} {
		for _, cmd := range [][]string{{"check"}, {"migrate", "status"}} {
			r := run(table, cmd...)
			assert.Equal(t, cli.ExitUsage, r.code, "%q %v: %s", table, cmd, r.stderr)
			assert.True(t, strings.HasPrefix(r.stderr, "guard: --migrations-table: "), r.stderr)
			assert.Contains(t, r.stderr, `hint: give a table name`)
		}
	}
}
