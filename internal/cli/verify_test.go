package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/internal/cli"
	"github.com/schemaguard/guard/internal/pgtest"
	"github.com/schemaguard/guard/verify"
)

// corpusCase changes into a history of verify's test corpus, so that guard
// verify finds migrations/ and guard.contract.json as in a project's root.
func corpusCase(t *testing.T, name string) {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "verify", "testdata", name))
	assert.NoError(t, err)
	t.Chdir(dir)
}

func TestVerifyExitCodes(t *testing.T) {
	clearEnv(t)
	server := pgtest.Server(t)
	for _, tc := range []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"clean", []string{"--queries", "queries"}, cli.ExitOK, []string{"✓ queries   4 statements in 2 files", "\nPassed.\n"}},
		{"down_missing", nil, cli.ExitOK, []string{"warning [down] no down migration", "Passed with 1 warning."}},
		{"down_missing", []string{"--require-down"}, cli.ExitError, []string{"error [down] no down migration", "Failed: 1 error."}},
		{"apply_fails", nil, cli.ExitError, []string{`migrations/000002_create_posts.up.sql:3:42: error [apply] relation "user_accounts" does not exist (SQLSTATE 42P01)`}},
		{"contract_blocked", nil, cli.ExitBlocked, []string{"error [contract] breaking column_renamed blocked", "Blocked by the contract"}},
		// The contract is only checked when it exists or is named.
		{"contract_blocked", []string{"--contract", "other.json"}, cli.ExitError, []string{}},
		{"queries_missing_column", []string{"--queries", "queries/users.sql", "--queries", "queries"}, cli.ExitError, []string{"queries/users.sql:7:8: error [queries]", "4 statements in 2 files"}},
		{"sum_edited", nil, cli.ExitError, []string{"migrations/000002_create_posts.up.sql: error [sum] edited after it was recorded in guard.sum"}},
		{"sum_edited", []string{"--sum-file", "other.sum"}, cli.ExitOK, []string{"warning [sum] no other.sum"}},
	} {
		t.Run(tc.name+" "+strings.Join(tc.args, " "), func(t *testing.T) {
			corpusCase(t, tc.name)
			res := guard(t, append([]string{"verify", "--shadow-url", server}, tc.args...)...)
			assert.Equal(t, tc.code, res.code, "stdout:\n%s\nstderr:\n%s", res.stdout, res.stderr)
			for _, w := range tc.wants {
				assert.Contains(t, res.stdout, w)
			}
		})
	}
}

func TestVerifyFormats(t *testing.T) {
	clearEnv(t)
	server := pgtest.Server(t)
	corpusCase(t, "contract_blocked")

	res := guard(t, "verify", "--shadow-url", server, "--format", "json")
	assert.Equal(t, cli.ExitBlocked, res.code, res.stderr)
	var rep verify.Report
	assert.NoError(t, json.Unmarshal([]byte(res.stdout), &rep), res.stdout)
	assert.Equal(t, verify.StatusBlocked, rep.Status)
	assert.Equal(t, 1, len(rep.Findings))
	assert.Equal(t, "migrations/000004_rename_users_email.up.sql", rep.Findings[0].File)
	assert.True(t, rep.Contract != nil && rep.Contract.Blocked)
	// Stable field names, as documented.
	var raw map[string]any
	assert.NoError(t, json.Unmarshal([]byte(res.stdout), &raw))
	for _, k := range []string{"source", "migrations", "head", "status", "checks", "findings", "contract", "summary"} {
		_, ok := raw[k]
		assert.True(t, ok, "field %q", k)
	}

	res = guard(t, "verify", "--shadow-url", server, "--format", "github")
	assert.Equal(t, cli.ExitBlocked, res.code, res.stderr)
	assert.True(t, strings.HasPrefix(res.stdout, "::error file=migrations/000004_rename_users_email.up.sql,title=guard verify%3A contract::breaking column_renamed blocked"), res.stdout)
	assert.Contains(t, res.stdout, "%0Ahint: expand/contract")

	// github is verify's format only.
	res = guard(t, "schema", "inspect", "--format", "github")
	assert.Equal(t, cli.ExitUsage, res.code)
	res = guard(t, "verify", "--format", "yaml")
	assert.Equal(t, cli.ExitUsage, res.code)
	assert.Contains(t, res.stderr, "want text, json or github")
}

func TestVerifyBadInput(t *testing.T) {
	clearEnv(t)
	dir := project(t, 6)
	t.Chdir(dir)
	server := pgtest.Server(t)
	for _, tc := range []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"no migrations folder", []string{"--source", "file://nope"}, cli.ExitError, []string{"migrations folder nope", "hint: run guard verify from the project's root"}},
		{"not a folder source", []string{"--source", "s3://bucket"}, cli.ExitUsage, []string{"want file://DIR"}},
		{"missing queries", []string{"--queries", "db/queries"}, cli.ExitError, []string{`WithQueries("db/queries"): cannot read it: no such file or directory`, "hint: give .sql files"}},
		{"missing contract named", []string{"--contract", "contract.json"}, cli.ExitError, []string{"cannot read it", "guard contract lock"}},
		{"arguments", []string{"extra"}, cli.ExitUsage, []string{"takes no arguments"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := guard(t, append([]string{"verify", "--shadow-url", server}, tc.args...)...)
			assert.Equal(t, tc.code, res.code, "stdout:\n%s\nstderr:\n%s", res.stdout, res.stderr)
			for _, w := range tc.wants {
				assert.Contains(t, res.stderr, w)
			}
			assert.Equal(t, "", res.stdout)
		})
	}
}

// The example history (its last migration renames users.email) passes
// without a contract; after guard migrate hash it passes without warning;
// an edit to a released file then fails, and guard migrate create records
// what the new migration builds on.
func TestVerifyExampleHistoryAndSumFile(t *testing.T) {
	clearEnv(t)
	t.Chdir(project(t, 6))
	server := pgtest.Server(t)

	res := guard(t, "verify", "--shadow-url", server)
	assert.Equal(t, cli.ExitOK, res.code, "%s\n%s", res.stdout, res.stderr)
	assert.Contains(t, res.stdout, "✓ down      6 down migrations checked")
	assert.Contains(t, res.stdout, "warning [sum] no guard.sum")

	res = guard(t, "migrate", "hash")
	assert.Equal(t, cli.ExitOK, res.code, res.stderr)
	assert.Contains(t, res.stdout, "Wrote migrations/guard.sum: 12 files, total ")
	res = guard(t, "migrate", "hash", "--format", "json")
	assert.Equal(t, cli.ExitOK, res.code, res.stderr)
	var hr struct {
		Path  string `json:"path"`
		Files int    `json:"files"`
		Total string `json:"total"`
	}
	assert.NoError(t, json.Unmarshal([]byte(res.stdout), &hr))
	assert.Equal(t, 12, hr.Files)
	assert.Equal(t, 64, len(hr.Total))

	res = guard(t, "verify", "--shadow-url", server)
	assert.Equal(t, cli.ExitOK, res.code, res.stdout)
	assert.Contains(t, res.stdout, "✓ sum       12 recorded files match guard.sum")
	assert.Contains(t, res.stdout, "\nPassed.\n")

	// A new migration: create records nothing new (the new files are
	// placeholders), verify accepts files above the recorded head.
	res = guard(t, "migrate", "create", "add users age")
	assert.Equal(t, cli.ExitOK, res.code, res.stderr)
	assert.NoError(t, os.WriteFile("migrations/000007_add_users_age.up.sql", []byte("ALTER TABLE users ADD COLUMN age integer;\n"), 0o644))
	assert.NoError(t, os.WriteFile("migrations/000007_add_users_age.down.sql", []byte("ALTER TABLE users DROP COLUMN age;\n"), 0o644))
	res = guard(t, "verify", "--shadow-url", server)
	assert.Equal(t, cli.ExitOK, res.code, res.stdout)
	assert.Contains(t, res.stdout, "2 files newer than its head, not recorded yet")

	// The next create records version 7, which it builds on.
	res = guard(t, "migrate", "create", "add users city")
	assert.Equal(t, cli.ExitOK, res.code, res.stderr)
	sum, err := os.ReadFile("migrations/guard.sum")
	assert.NoError(t, err)
	assert.Contains(t, string(sum), "  000007_add_users_age.up.sql\n")
	assert.NotContains(t, string(sum), "000008")

	// Editing a released migration fails, naming it.
	assert.NoError(t, os.WriteFile("migrations/000002_create_posts.down.sql", []byte("DROP TABLE posts CASCADE;\n"), 0o644))
	res = guard(t, "verify", "--shadow-url", server, "--format", "github")
	assert.Equal(t, cli.ExitError, res.code, res.stdout)
	assert.Contains(t, res.stdout, "::error file=migrations/000002_create_posts.down.sql,title=guard verify%3A sum::edited after it was recorded in guard.sum")
}

// The command of examples/ci's workflow runs as written on a project laid
// out as the workflow assumes (migrations/, guard.contract.json,
// db/queries/), and passes on a sound one.
func TestVerifyCIExampleCommand(t *testing.T) {
	clearEnv(t)
	wf, err := os.ReadFile(filepath.Join("..", "..", "examples", "ci", "guard.yml"))
	assert.NoError(t, err)
	var args []string
	for _, line := range strings.Split(string(wf), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "run: guard verify"); ok {
			args = append([]string{"verify"}, strings.Fields(rest)...)
		}
	}
	assert.NotZero(t, len(args), "the workflow runs guard verify")
	// Each job builds guard from a checkout, as the README says.
	assert.Equal(t, 2, strings.Count(string(wf), "go install ./cmd/guard"), "both jobs install guard from a checkout")
	assert.NotContains(t, string(wf), "@latest")
	assert.Contains(t, strings.Join(args, " "), "--format github")

	clean, err := filepath.Abs(filepath.Join("..", "..", "verify", "testdata", "clean"))
	assert.NoError(t, err)
	dir := t.TempDir()
	copyTree(t, filepath.Join(clean, "migrations"), filepath.Join(dir, "migrations"))
	copyTree(t, filepath.Join(clean, "queries"), filepath.Join(dir, "db", "queries"))
	b, err := os.ReadFile(filepath.Join(clean, "guard.contract.json"))
	assert.NoError(t, err)
	assert.NoError(t, os.WriteFile(filepath.Join(dir, "guard.contract.json"), b, 0o644))
	t.Chdir(dir)

	res := guard(t, append(args, "--shadow-url", pgtest.Server(t))...)
	assert.Equal(t, cli.ExitOK, res.code, "%s\n%s", res.stdout, res.stderr)
	assert.NotContains(t, res.stdout, "::error")
	assert.Contains(t, res.stdout, "✓ queries   4 statements in 2 files")
	assert.Contains(t, res.stdout, "✓ contract  mode auto, 2 tables locked")
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	assert.NoError(t, os.MkdirAll(to, 0o755))
	entries, err := os.ReadDir(from)
	assert.NoError(t, err)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		assert.NoError(t, err)
		assert.NoError(t, os.WriteFile(filepath.Join(to, e.Name()), b, 0o644))
	}
}
