package cli_test

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/internal/cli"
	"github.com/schemaguard/guard/internal/pgtest"
)

// A NUL byte in a migration file: up refuses it in the shadow replay,
// before anything runs on the target, naming the file, line and column;
// verify's hygiene check reports the same place.
func TestNULByteInAFileIsNamedWithItsPlace(t *testing.T) {
	mgClearEnv(t)
	url := pgtest.DB(t)
	dir := mgProject(t,
		"000001_a.up.sql", "CREATE TABLE a (id int);",
		"000002_b.up.sql", "CREATE TABLE b (id int);\nCOMMENT ON TABLE b IS 'x\x00y';\n",
	)
	r := mgRun(t, dir, url, "migrate", "up")
	assert.Equal(t, cli.ExitError, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stderr, "000002_b.up.sql in shadow (line 2, column 25)")
	assert.Contains(t, r.stderr, "NUL byte")
	assert.NotContains(t, r.stderr, "08P01")
	assert.False(t, mgQuery[bool](t, url, `SELECT to_regclass('a') IS NOT NULL`), "nothing applied on the target")

	v := guard(t, "--source", filepath.Join(dir, "migrations"), "--format", "json", "verify", "--shadow-url", pgtest.Server(t))
	assert.Equal(t, cli.ExitError, v.code, v.stdout+v.stderr)
	var rep struct {
		Findings []struct {
			Check, File, Message string
			Line, Column         int
		} `json:"findings"`
	}
	assert.NoError(t, json.Unmarshal([]byte(v.stdout), &rep), v.stdout)
	found := false
	for _, f := range rep.Findings {
		if f.Check == "hygiene" && f.Line == 2 && f.Column == 25 {
			assert.Contains(t, f.Message, "NUL byte")
			assert.Contains(t, f.File, "000002_b.up.sql")
			found = true
		}
	}
	assert.True(t, found, "a hygiene finding at 000002_b.up.sql:2:25: %s", v.stdout)
}
