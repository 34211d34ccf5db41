package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/internal/pgtest"
)

// plan, up and --allow-hazards end to end: a rewrite of a table of 50k rows
// on the target, shown in text and JSON, blocked by the contract's policy
// (exit 3, nothing applied), applied with --allow-hazards.
func TestMigrateHazards(t *testing.T) {
	url := pgtest.DB(t)
	dir := t.TempDir()
	mig := filepath.Join(dir, "migrations")
	assert.NoError(t, os.Mkdir(mig, 0o755))
	write := func(name, body string) {
		assert.NoError(t, os.WriteFile(filepath.Join(mig, name), []byte(body), 0o644))
	}
	write("1_t.up.sql", "CREATE TABLE t (id int PRIMARY KEY, n int);\n")
	contractPath := filepath.Join(dir, "guard.contract.json")
	run := func(args ...string) result {
		return guard(t, append([]string{"--database-url", url, "--source", mig, "--contract", contractPath}, args...)...)
	}
	r := run("migrate", "up")
	assert.Equal(t, 0, r.code, r.stderr)
	pgtest.Exec(t, url, "INSERT INTO t SELECT g, g FROM generate_series(1, 50000) g; ANALYZE t;")
	write("2_bigint.up.sql", "-- widen\nALTER TABLE t ALTER n TYPE bigint;\n")

	r = run("migrate", "plan")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "hazards (while it runs)")
	assert.Contains(t, r.stdout, "⚠ table_rewrite  line 2: rewrites public.t (every row copied) under ACCESS EXCLUSIVE")
	assert.Contains(t, r.stdout, "(50 k rows, ")
	assert.Contains(t, r.stdout, "hint: add a new column, backfill it in batches")

	r = run("--format", "json", "migrate", "plan")
	assert.Equal(t, 0, r.code, r.stderr)
	var plan struct {
		Steps []struct {
			Hazards []struct {
				Code    string `json:"code"`
				File    string `json:"file"`
				Line    int    `json:"line"`
				Table   string `json:"table"`
				Rows    *int64 `json:"rows"`
				Blocked bool   `json:"blocked"`
			} `json:"hazards"`
		} `json:"steps"`
		HazardsBlocked bool `json:"hazards_blocked"`
	}
	assert.NoError(t, json.Unmarshal([]byte(r.stdout), &plan))
	assert.Equal(t, 2, len(plan.Steps[0].Hazards))
	h := plan.Steps[0].Hazards[0]
	assert.Equal(t, "table_rewrite", h.Code)
	assert.Equal(t, "2_bigint.up.sql", h.File)
	assert.Equal(t, 2, h.Line)
	assert.Equal(t, "public.t", h.Table)
	assert.True(t, h.Rows != nil && *h.Rows > 45000 && *h.Rows < 55000)
	assert.False(t, plan.HazardsBlocked)

	r = run("--format", "github", "migrate", "plan")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "::warning file="+filepath.ToSlash(filepath.Join(mig, "2_bigint.up.sql"))+",line=2,title=guard migrate plan%3A hazard table_rewrite::")
	assert.Equal(t, 2, run("--format", "yaml", "migrate", "plan").code, "an unknown format is a usage error")

	assert.NoError(t, os.WriteFile(contractPath, []byte(`{"version": 1, "mode": "none", "hazards": {"mode": "block", "min_rows": 10000}, "tables": []}`), 0o644))
	r = run("migrate", "plan")
	assert.Equal(t, 3, r.code, r.stderr)
	assert.Contains(t, r.stdout, "✗ table_rewrite (blocked)")
	assert.Contains(t, r.stdout, "Blocked by the contract's hazard policy: 2 hazards over the policy (block on tables of 10 k rows and over)")

	r = run("--format", "github", "migrate", "plan")
	assert.Equal(t, 3, r.code, r.stderr)
	assert.Contains(t, r.stdout, "::error file="+filepath.ToSlash(filepath.Join(mig, "2_bigint.up.sql"))+",line=2,title=guard migrate plan%3A hazard table_rewrite::rewrites public.t")
	assert.Contains(t, r.stdout, "hazards (while it runs)", "the text report follows")

	r = run("migrate", "up")
	assert.Equal(t, 3, r.code, r.stderr)
	assert.Contains(t, r.stderr, "blocked by the contract's hazard policy")
	r = run("--format", "github", "migrate", "up")
	assert.Equal(t, 3, r.code, r.stderr)
	assert.Contains(t, r.stdout, "::error file="+filepath.ToSlash(filepath.Join(mig, "2_bigint.up.sql"))+",line=2,title=guard migrate up%3A hazard table_rewrite::rewrites public.t")
	r = run("migrate", "version")
	assert.Contains(t, r.stdout, "1")

	r = run("migrate", "up", "--allow-hazards")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "applying it anyway because hazards were allowed (--allow-hazards)")
	assert.Contains(t, r.stdout, "database at version 2")
	assert.Contains(t, r.stdout, "✗ table_rewrite (blocked)  line 2: rewrites public.t", "up shows what it ran, allowed")
}
