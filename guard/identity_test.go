package guard_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard"
	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/internal/pgtest"
)

// identityHistory makes a table, then rebuilds it with the same shape, then
// renames a column, then drops a column and adds another of its type, then
// empties the table.
var identityHistory = files(
	"1_accounts.up.sql", `CREATE TABLE accounts (id int PRIMARY KEY, note text, extra text)`,
	"1_accounts.down.sql", `DROP TABLE accounts`,
	"2_rebuild.up.sql", `DROP TABLE accounts; CREATE TABLE accounts (id int PRIMARY KEY, note text, extra text)`,
	"2_rebuild.down.sql", `SELECT 1`,
	"3_rename.up.sql", `ALTER TABLE accounts RENAME COLUMN note TO body`,
	"3_rename.down.sql", `ALTER TABLE accounts RENAME COLUMN body TO note`,
	"4_replace.up.sql", `ALTER TABLE accounts DROP COLUMN extra; ALTER TABLE accounts ADD COLUMN more text`,
	"4_replace.down.sql", `ALTER TABLE accounts DROP COLUMN more; ALTER TABLE accounts ADD COLUMN extra text`,
	"5_wipe.up.sql", `TRUNCATE accounts`,
	"5_wipe.down.sql", `SELECT 1`,
)

type planned struct {
	Kind     diff.Kind
	Impact   diff.Impact
	DataLoss bool
}

func stepKinds(p *guard.Plan) map[string][]planned {
	out := map[string][]planned{}
	for _, st := range p.Steps {
		out[st.File] = []planned{}
		for _, tr := range st.Changes.Tables {
			for _, it := range tr.Items {
				out[st.File] = append(out[st.File], planned{it.Kind, it.Impact, it.DataLoss})
			}
		}
	}
	return out
}

// In a shadow, identity is exact: a table dropped and created again with the
// same shape is table_recreated (breaking, data loss) where a diff by shape
// sees nothing; a rename is certain; a DROP + ADD COLUMN is a removal and an
// addition; a TRUNCATE is a data change. The same answers from a cold
// shadow and from the cached template (whose schema is kept as JSON).
func TestPlanKnowsIdentity(t *testing.T) {
	ctx := context.Background()
	url := pgtest.DB(t)
	_, err := runner(t, url, identityHistory).Up(ctx, 1)
	assert.NoError(t, err)
	pgtest.Exec(t, url, `INSERT INTO accounts SELECT g, 'n', 'e' FROM generate_series(1, 1000) g`)

	want := map[string][]planned{
		"2_rebuild.up.sql": {{diff.TableRecreated, diff.Breaking, true}},
		"3_rename.up.sql":  {{diff.ColumnRenamed, diff.Breaking, false}},
		"4_replace.up.sql": {{diff.ColumnRemoved, diff.Breaking, true}, {diff.ColumnAdded, diff.Safe, false}},
		"5_wipe.up.sql":    {{diff.DataTruncated, diff.Breaking, true}},
	}
	var m made // the templates the cached plans make, dropped when the test ends
	cached := track(t, &m)
	for _, cache := range []bool{false, true, true} {
		r := runner(t, url, identityHistory, guard.WithShadowCache(cache), cached)
		p, err := r.Plan(ctx)
		assert.NoError(t, err)
		assert.Equal(t, want, stepKinds(p), "shadow cache %v, warm %v", cache, p.Shadow.Warm)
		assert.True(t, p.DataLoss)
		for _, st := range p.Steps {
			for _, tr := range st.Changes.Tables {
				for _, it := range tr.Items {
					assert.False(t, strings.Contains(it.Message, "probable"), "%s: %s", st.File, it.Message)
				}
			}
		}
	}
}

// The reproduction: a locked table of 1,000 rows dropped and created
// again with the same shape is blocked in auto and strict mode, and its rows
// stay.
func TestRecreatedLockedTableIsBlocked(t *testing.T) {
	ctx := context.Background()
	for _, mode := range []contract.Mode{contract.ModeAuto, contract.ModeStrict} {
		t.Run(string(mode), func(t *testing.T) {
			url := pgtest.DB(t)
			history := files(
				"1_accounts.up.sql", `CREATE TABLE accounts (id int PRIMARY KEY, note text)`,
				"1_accounts.down.sql", `DROP TABLE accounts`,
				"2_rebuild.up.sql", `DROP TABLE accounts; CREATE TABLE accounts (id int PRIMARY KEY, note text)`,
				"2_rebuild.down.sql", `SELECT 1`,
			)
			_, err := runner(t, url, history).Up(ctx, 1)
			assert.NoError(t, err)
			pgtest.Exec(t, url, `INSERT INTO accounts SELECT g, 'n' FROM generate_series(1, 1000) g`)
			path := lockContract(t, url, mode)

			r := runner(t, url, history, guard.WithContract(path))
			p, err := r.Plan(ctx)
			assert.NoError(t, err)
			assert.True(t, p.Blocked)
			assert.True(t, p.DataLoss)
			_, err = r.Up(ctx, 0)
			var blocked *guard.BlockedError
			assert.True(t, errors.As(err, &blocked), "%v", err)
			assert.Equal(t, 1000, query[int](t, url, `SELECT count(*)::int FROM accounts`))
		})
	}
}
