package guard_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard"
	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/hazard"
	"github.com/schemaguard/guard/internal/pgtest"
)

// The target of the hazard cases: its tables have rows (t 200k, p 100),
// the shadow, replaying the history, has none.
const hazardSetup = `CREATE TYPE mood AS ENUM ('ok');
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE t (id int PRIMARY KEY, n int NOT NULL DEFAULT 0, v varchar(10), pid int, m mood, c int);
`

const hazardRows = 200_000

func hazardTarget(t *testing.T) string {
	url := pgtest.DB(t)
	_, err := runner(t, url, files("1_setup.up.sql", hazardSetup)).Up(context.Background(), 0)
	assert.NoError(t, err)
	pgtest.Exec(t, url, fmt.Sprintf(`INSERT INTO p SELECT g FROM generate_series(1, 100) g;
INSERT INTO t SELECT g, g, 'x', g %% 100 + 1, 'ok', g FROM generate_series(1, %d) g;
ANALYZE p; ANALYZE t;`, hazardRows))
	return url
}

// got is a hazard as the cases name it: code, line, table, scales.
type got struct {
	Code   hazard.Code
	File   string
	Line   int
	Table  string
	Scales bool
}

func TestHazardCases(t *testing.T) {
	url := hazardTarget(t)
	const tt, pp = "public.t", "public.p"
	cases := []struct {
		name  string
		files []string // pending files after 1_setup, as 2_…, 3_…
		want  []got
	}{
		{"int to bigint: rewrite under ACCESS EXCLUSIVE",
			[]string{"ALTER TABLE t ALTER n TYPE bigint;"},
			[]got{{hazard.TableRewrite, "2", 1, tt, true}, {hazard.AccessExclusiveLock, "2", 1, tt, true}}},
		{"varchar widened: no rewrite, a brief lock",
			[]string{"ALTER TABLE t ALTER v TYPE varchar(20);"},
			[]got{{hazard.AccessExclusiveLock, "2", 1, tt, false}}},
		{"nullable column added: a brief lock",
			[]string{"-- a column\n\nALTER TABLE t ADD COLUMN x int;"},
			[]got{{hazard.AccessExclusiveLock, "2", 3, tt, false}}},
		{"volatile default: rewrite",
			[]string{"ALTER TABLE t ADD COLUMN r float8 DEFAULT random();"},
			[]got{{hazard.TableRewrite, "2", 1, tt, true}, {hazard.AccessExclusiveLock, "2", 1, tt, true}}},
		{"CREATE INDEX: blocking build",
			[]string{"CREATE INDEX t_n ON t (n);"},
			[]got{{hazard.BlockingIndexBuild, "2", 1, tt, true}}},
		{"CREATE INDEX CONCURRENTLY in its own file: nothing",
			[]string{"CREATE INDEX CONCURRENTLY t_n ON t (n);"},
			nil},
		{"foreign key added valid: t read under SHARE ROW EXCLUSIVE, p's writes blocked meanwhile",
			[]string{"ALTER TABLE t ADD CONSTRAINT t_pid FOREIGN KEY (pid) REFERENCES p;"},
			[]got{{hazard.ValidatingScan, "2", 1, tt, true}, {hazard.WriteBlockingLock, "2", 1, pp, true}}},
		{"foreign key NOT VALID, then VALIDATE: brief locks only",
			[]string{"ALTER TABLE t ADD CONSTRAINT t_pid FOREIGN KEY (pid) REFERENCES p NOT VALID;", "ALTER TABLE t VALIDATE CONSTRAINT t_pid;"},
			[]got{{hazard.WriteBlockingLock, "2", 1, pp, false}, {hazard.WriteBlockingLock, "2", 1, tt, false}}},
		{"SET NOT NULL without a check: validating scan",
			[]string{"ALTER TABLE t ALTER pid SET NOT NULL;"},
			[]got{{hazard.ValidatingScan, "2", 1, tt, true}, {hazard.AccessExclusiveLock, "2", 1, tt, true}}},
		{"SET NOT NULL after a valid CHECK (pid IS NOT NULL): no scan",
			[]string{"ALTER TABLE t ADD CONSTRAINT t_pid_nn CHECK (pid IS NOT NULL) NOT VALID;", "ALTER TABLE t VALIDATE CONSTRAINT t_pid_nn;", "ALTER TABLE t ALTER pid SET NOT NULL;"},
			[]got{{hazard.AccessExclusiveLock, "2", 1, tt, false}, {hazard.AccessExclusiveLock, "4", 1, tt, false}}},
		{"enum value added: nothing",
			[]string{"ALTER TYPE mood ADD VALUE 'meh';"},
			nil},
		{"VACUUM FULL: rewrite",
			[]string{"VACUUM FULL t;"},
			[]got{{hazard.TableRewrite, "2", 1, tt, true}, {hazard.AccessExclusiveLock, "2", 1, tt, true}}},
		{"LOCK TABLE: a lock",
			[]string{"LOCK TABLE t IN ACCESS EXCLUSIVE MODE;"},
			[]got{{hazard.AccessExclusiveLock, "2", 1, tt, false}}},
		{"lock, then backfill in the same transaction",
			[]string{"LOCK TABLE t IN ACCESS EXCLUSIVE MODE;\nUPDATE t SET c = n;"},
			[]got{{hazard.AccessExclusiveLock, "2", 1, tt, false}, {hazard.LockHeldAcross, "2", 2, tt, true}}},
		{"add column, then backfill in the same file",
			[]string{"ALTER TABLE t ADD COLUMN b int;\nUPDATE t SET b = n;"},
			[]got{{hazard.AccessExclusiveLock, "2", 1, tt, false}, {hazard.LockHeldAcross, "2", 2, tt, true}}},
		{"a table the plan makes: nothing (nobody uses it yet)",
			[]string{"CREATE TABLE u (id int);", "ALTER TABLE u ALTER id TYPE bigint;"},
			nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			kv := []string{"1_setup.up.sql", hazardSetup}
			for i, f := range tc.files {
				kv = append(kv, fmt.Sprintf("%d_case.up.sql", i+2), f)
			}
			p, err := runner(t, url, files(kv...)).Plan(t.Context())
			assert.NoError(t, err)
			var all []got
			for _, st := range p.Steps {
				for _, h := range st.Hazards {
					all = append(all, got{h.Code, strings.TrimSuffix(h.File, "_case.up.sql"), h.Line, h.Table, h.Scales})
					assert.NotZero(t, h.Hint, "%s", h.Code)
					assert.True(t, h.Rows != nil && h.Bytes != nil && *h.Bytes > 0, "%s sized by the target", h.Code)
					want := int64(100)
					if h.Table == tt {
						want = hazardRows
					}
					assert.True(t, *h.Rows > want*9/10 && *h.Rows < want*11/10, "%s: %d rows, the target's (%d), not the shadow's", h.Code, *h.Rows, want)
				}
			}
			assert.Equal(t, tc.want, all)
		})
	}
}

// A file that runs as one transaction and holds a statement refused in one
// fails in the shadow, with the hazard's code and hint.
func TestHazardConcurrentInTransaction(t *testing.T) {
	url := pgtest.DB(t)
	_, err := runner(t, url, files("1_setup.up.sql", hazardSetup,
		"2_cic.up.sql", "CREATE INDEX CONCURRENTLY t_n ON t (n);\nSELECT 1;")).Plan(t.Context())
	assert.Error(t, err)
	assert.Contains(t, err.Error(), "concurrent_in_transaction, line 1: put the statement alone in a file of its own")
}

// The contract's hazard policy blocks a plan over its threshold: Up
// applies nothing (a *BlockedError for errors.As too) unless hazards are
// allowed; under the threshold, or in warn mode, nothing is blocked.
func TestHazardPolicy(t *testing.T) {
	url := hazardTarget(t)
	ctx := t.Context()
	fsys := files("1_setup.up.sql", hazardSetup, "2_bigint.up.sql", "ALTER TABLE t ALTER n TYPE bigint;")
	path := filepath.Join(t.TempDir(), "guard.contract.json")
	write := func(pol *hazard.Policy) {
		c := contract.New()
		c.Hazards = pol
		assert.NoError(t, c.Save(path))
		back, err := contract.Load(path)
		assert.NoError(t, err)
		assert.Equal(t, pol, back.Hazards, "round trip")
	}
	for _, tc := range []struct {
		pol     *hazard.Policy
		blocked bool
	}{
		{nil, false},
		{&hazard.Policy{Mode: hazard.Warn}, false},
		{&hazard.Policy{Mode: hazard.Block, MinRows: 1_000_000}, false},
		{&hazard.Policy{Mode: hazard.Block, MinRows: 100_000}, true},
		{&hazard.Policy{Mode: hazard.Block, MinBytes: 1024}, true},
		{&hazard.Policy{Mode: hazard.Block}, true},
	} {
		write(tc.pol)
		p, err := runner(t, url, fsys, guard.WithContract(path)).Plan(ctx)
		assert.NoError(t, err)
		assert.Equal(t, tc.blocked, p.HazardsBlocked, "%s", tc.pol)
		assert.False(t, p.Blocked, "the contract's gate is another axis")
	}
	_, err := runner(t, url, fsys, guard.WithContract(path)).Up(ctx, 0)
	var hb *guard.HazardsBlockedError
	var b *guard.BlockedError
	assert.True(t, errors.As(err, &hb) && errors.As(err, &b), "%v", err)
	assert.Contains(t, err.Error(), "table_rewrite on public.t (2_bigint.up.sql:1)")
	assert.Equal(t, "integer", query[string](t, url, `SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'n'`), "nothing applied")

	res, err := runner(t, url, fsys, guard.WithContract(path), guard.WithAllowHazards()).Up(ctx, 0)
	assert.NoError(t, err)
	assert.Equal(t, 1, len(res.Applied))
	assert.Contains(t, strings.Join(res.Warnings, "\n"), "applying it anyway because hazards were allowed")
	assert.Equal(t, "bigint", query[string](t, url, `SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'n'`))
}

// Without hazards, files replay whole: no hazards, nothing blocked.
func TestWithoutHazards(t *testing.T) {
	url := hazardTarget(t)
	p, err := runner(t, url, files("1_setup.up.sql", hazardSetup, "2_bigint.up.sql", "ALTER TABLE t ALTER n TYPE bigint;"), guard.WithoutHazards()).Plan(t.Context())
	assert.NoError(t, err)
	assert.Equal(t, 0, len(p.Steps[0].Hazards))
	assert.False(t, p.HazardsBlocked)
}

// In a view of the cached template every pending file shares one
// transaction: a later file's lock on a table an earlier file locked is
// hidden there, so such a plan is replayed in a database of its own, and
// the later file's lock is its own again. A plan of one file stays in the
// view.
func TestHazardsInAViewOfTheTemplate(t *testing.T) {
	url := hazardTarget(t)
	ctx := t.Context()
	var m made // the templates the plans cache, dropped when the test ends
	cached := track(t, &m)
	one := files("1_setup.up.sql", hazardSetup, "2_col.up.sql", "ALTER TABLE t ADD COLUMN x int;")
	two := files("1_setup.up.sql", hazardSetup, "2_col.up.sql", "ALTER TABLE t ADD COLUMN x int;", "3_nn.up.sql", "ALTER TABLE t ALTER pid SET NOT NULL;")
	for range 2 { // the first fills the cache
		p, err := runner(t, url, one, guard.WithShadowCache(true), cached).Plan(ctx)
		assert.NoError(t, err)
		assert.Equal(t, 1, len(p.Steps[0].Hazards))
	}
	p, err := runner(t, url, one, guard.WithShadowCache(true), cached).Plan(ctx)
	assert.NoError(t, err)
	assert.True(t, p.Shadow.Warm && p.Shadow.View, "%+v", p.Shadow)

	p, err = runner(t, url, two, guard.WithShadowCache(true), cached).Plan(ctx)
	assert.NoError(t, err)
	assert.False(t, p.Shadow.View, "replayed in a database of its own")
	var codes []hazard.Code
	for _, h := range p.Steps[1].Hazards {
		codes = append(codes, h.Code)
	}
	assert.Equal(t, []hazard.Code{hazard.ValidatingScan, hazard.AccessExclusiveLock}, codes, "3_nn's own lock and scan")
}
