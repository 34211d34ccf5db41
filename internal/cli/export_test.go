package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/internal/cli"
	"github.com/schemaguard/guard/internal/pgtest"
)

// guard contract export writes the locked tables' shapes from the
// contract; guard verify --generated fails, naming the file and line, when
// a committed generated file is not what the contract produces any more.
func TestContractExportAndVerifyGenerated(t *testing.T) {
	url := pgtest.DB(t)
	dir := mgProject(t, "1_users.up.sql", "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);",
		"1_users.down.sql", "DROP TABLE users;")
	r := mgRun(t, dir, url, "migrate", "up")
	assert.Equal(t, 0, r.code, r.stderr)

	r = mgRun(t, dir, url, "contract", "export", "--format", "go")
	assert.Equal(t, cli.ExitError, r.code, "nothing locked yet: %s", r.stdout)
	assert.Contains(t, r.stderr, "locks no table")

	r = mgRun(t, dir, url, "contract", "lock")
	assert.Equal(t, 0, r.code, r.stderr)
	gen := filepath.Join(dir, "db", "contract.go")
	r = mgRun(t, dir, url, "contract", "export", "--format", "go", "--package", "db", "-o", gen)
	assert.Equal(t, 0, r.code, r.stderr)
	body, err := os.ReadFile(gen)
	assert.NoError(t, err)
	assert.Contains(t, string(body), "package db\n")
	assert.Contains(t, string(body), "\tEmail string `db:\"email\" json:\"email\"` // text\n")
	r = mgRun(t, dir, url, "contract", "export", "--format", "openapi")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"openapi": "3.1.0"`)

	r = mgRun(t, dir, url, "verify", "--generated", gen)
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)

	// A migration adds a column, promoted into the contract in auto mode:
	// the committed file is now stale.
	assert.NoError(t, os.WriteFile(filepath.Join(dir, "migrations", "2_bio.up.sql"), []byte("ALTER TABLE users ADD COLUMN bio text;"), 0o644))
	assert.NoError(t, os.WriteFile(filepath.Join(dir, "migrations", "2_bio.down.sql"), []byte("ALTER TABLE users DROP COLUMN bio;"), 0o644))
	r = mgRun(t, dir, url, "migrate", "up")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "promoted")
	r = mgRun(t, dir, url, "verify", "--generated", gen)
	assert.Equal(t, cli.ExitError, r.code, r.stdout+r.stderr)
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	assert.Equal(t, 2, len(lines), "%q", r.stderr)
	assert.Contains(t, lines[0], gen+":")
	assert.Contains(t, lines[0], "not what the contract")
	assert.Contains(t, lines[1], "guard contract export --format go")

	r = mgRun(t, dir, url, "contract", "export", "--format", "go", "--package", "db", "-o", gen)
	assert.Equal(t, 0, r.code, r.stderr)
	r = mgRun(t, dir, url, "verify", "--generated", gen)
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)

	// Bad input is a usage error.
	r = mgRun(t, dir, url, "contract", "export", "--format", "cobol")
	assert.Equal(t, cli.ExitUsage, r.code)
	assert.Contains(t, r.stderr, "unknown export format")
	r = mgRun(t, dir, url, "contract", "export", "--format", "openapi", "--package", "x")
	assert.Equal(t, cli.ExitUsage, r.code)
	r = mgRun(t, dir, url, "verify", "--generated", filepath.Join(dir, "nope.go"))
	assert.Equal(t, cli.ExitUsage, r.code)
}
