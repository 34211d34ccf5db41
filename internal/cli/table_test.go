package cli_test

import (
	"strings"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/internal/cli"
	"github.com/schemaguard/guard/internal/pgtest"
)

// A --migrations-table over 63 bytes is a usage error, not drift later.
func TestMigrationsTableOver63BytesIsAUsageError(t *testing.T) {
	clearEnv(t)
	url := pgtest.DB(t)
	dir := project(t, 1)
	r := guard(t, "--database-url", url, "--source", dir+"/migrations", "--migrations-table", strings.Repeat("v", 64), "migrate", "status")
	assert.Equal(t, cli.ExitUsage, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stderr, "truncates identifiers to 63 bytes")
	assert.Contains(t, r.stderr, "hint: ")
	r = guard(t, "--database-url", url, "--source", dir+"/migrations", "--migrations-table", strings.Repeat("v", 63), "migrate", "status")
	assert.Equal(t, cli.ExitNotReady, r.code, "63 bytes is fine (pending migrations: exit 5): %s", r.stderr)
}
