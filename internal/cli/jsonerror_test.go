package cli_test

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/internal/cli"
	"github.com/schemaguard/guard/internal/pgtest"
)

// With --format json, a failed command prints one JSON object on stdout
// with the error (and no password), whatever the command.
func TestJSONModeFailuresPrintAnErrorObject(t *testing.T) {
	clearEnv(t)
	const pw = "s3cret-pw"
	url := strings.Replace(pgtest.DB(t), "postgres@", "postgres:"+pw+"@", 1)
	assert.Contains(t, url, pw)
	migrateTo(t, url, 3)
	dir := project(t, 3)
	migrationsDir := filepath.Join(dir, "migrations")
	corrupt := filepath.Join(t.TempDir(), "guard.contract.json")
	assert.NoError(t, os.WriteFile(corrupt, []byte(`{"version": 1, "mode": "auto", "tables": [`), 0o644))

	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		message string
		hint    string
	}{
		{"schema inspect, bad URL", []string{"--database-url", "postgres://u:" + pw + "@h:notaport/db", "schema", "inspect"}, cli.ExitError, "invalid database URL", "postgres://"},
		{"migrate up, unreachable server", []string{"--database-url", "postgres://u:" + pw + "@127.0.0.1:1/db?connect_timeout=5", "--source", migrationsDir, "migrate", "up"}, cli.ExitError, "connect to u@127.0.0.1:1/db", "server is running"},
		{"contract diff, corrupt contract", []string{"--database-url", url, "--contract", corrupt, "contract", "diff"}, cli.ExitError, "not valid JSON", "fix the file"},
		{"verify, missing folder", []string{"--database-url", url, "--source", "file://" + filepath.Join(dir, "nope"), "verify", "--shadow-url", pgtest.Server(t)}, cli.ExitError, "nope", "project's root"},
		{"migrate plan, usage", []string{"--database-url", url, "migrate", "plan", "extra"}, cli.ExitUsage, "", "guard --help"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := guard(t, append([]string{"--format", "json"}, tc.args...)...)
			assert.Equal(t, tc.code, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			dec := json.NewDecoder(strings.NewReader(r.stdout))
			var got struct {
				Error *cli.ErrorBody `json:"error"`
			}
			assert.NoError(t, dec.Decode(&got), "stdout: %q", r.stdout)
			assert.True(t, errors.Is(dec.Decode(new(any)), io.EOF), "one JSON object: %q", r.stdout)
			assert.NotZero(t, got.Error, "an error object: %s", r.stdout)
			assert.Contains(t, got.Error.Message, tc.message)
			assert.Contains(t, got.Error.Hint, tc.hint)
			assert.Equal(t, tc.code, got.Error.Exit)
			assert.Contains(t, r.stderr, got.Error.Message, "the same message as on stderr")
			for _, s := range []string{r.stdout, r.stderr} {
				assert.NotContains(t, s, pw)
			}
		})
	}
}

// A refusal that prints a document of its own (the blocked plan) prints
// one, with the error object as its "error" member.
func TestJSONModeBlockedPlanCarriesTheError(t *testing.T) {
	mgClearEnv(t)
	url := pgtest.DB(t)
	dir := mgProject(t, "000001_users.up.sql", "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);")
	assert.Equal(t, 0, mgRun(t, dir, url, "migrate", "up").code)
	assert.Equal(t, 0, mgRun(t, dir, url, "contract", "lock", "--mode", "auto").code)
	assert.NoError(t, os.WriteFile(filepath.Join(dir, "migrations", "000002_rename.up.sql"), []byte("ALTER TABLE users RENAME COLUMN email TO email_address;"), 0o644))

	r := mgRun(t, dir, url, "--format", "json", "migrate", "up")
	assert.Equal(t, cli.ExitBlocked, r.code, r.stderr)
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	var got struct {
		Blocked bool           `json:"blocked"`
		Steps   []any          `json:"steps"`
		Error   *cli.ErrorBody `json:"error"`
	}
	assert.NoError(t, dec.Decode(&got), "stdout: %q", r.stdout)
	assert.True(t, errors.Is(dec.Decode(new(any)), io.EOF), "one JSON object: %q", r.stdout)
	assert.True(t, got.Blocked)
	assert.Equal(t, 1, len(got.Steps))
	assert.NotZero(t, got.Error)
	assert.Equal(t, cli.ExitBlocked, got.Error.Exit)
	assert.Contains(t, got.Error.Message, "blocked by the contract")
	assert.NotEqual(t, "", got.Error.Hint)
}
