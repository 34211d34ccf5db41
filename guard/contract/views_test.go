package contract_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/internal/pgtest"
)

func kinds(changes []diff.Change) []diff.Kind {
	out := []diff.Kind{}
	for _, ch := range changes {
		out = append(out, ch.Kind)
	}
	slices.Sort(out)
	return out
}

// Locked with no table named, the contract holds the views too (and the
// enums and domains their columns use): a view that loses a column is
// breaking and blocked in auto mode; a table or view added since is
// reported (safe) and locked by AutoPromote.
func TestLockAllLocksViews(t *testing.T) {
	url := pgtest.DB(t)
	pgtest.Exec(t, url, `CREATE TYPE mood AS ENUM ('ok', 'sad');
		CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');
		CREATE TABLE people (id int PRIMARY KEY, mail email, feel mood, age int);
		CREATE VIEW adults AS SELECT id, mail, feel FROM people WHERE age >= 18`)
	conn := pgtest.Connect(t, url)
	inspect := func() *schema.Schema {
		t.Helper()
		s, err := schema.Inspect(t.Context(), conn)
		assert.NoError(t, err)
		return s
	}
	c := contract.New()
	res, err := c.Lock(inspect(), nil, contract.ModeAuto, t0)
	assert.NoError(t, err)
	assert.Equal(t, []string{"public.people"}, res.Locked)
	assert.Equal(t, []string{"public.adults"}, res.LockedViews)
	assert.True(t, c.All)
	lv := c.LockedView("public.adults")
	assert.NotZero(t, lv)
	assert.Equal(t, 1, len(lv.Enums))
	assert.Equal(t, 1, len(lv.Domains))
	assert.Equal(t, 1, len(c.Locked("public.people").Domains))

	// Saved and loaded again, nothing changed.
	path := filepath.Join(t.TempDir(), contract.DefaultPath)
	assert.NoError(t, c.Save(path))
	c, err = contract.Load(path)
	assert.NoError(t, err)
	assert.Equal(t, "", c.Upgrade())
	assert.Equal(t, []diff.Change(nil), c.Drift(inspect()))

	// A new table and a new view: reported, safe, and locked in auto mode.
	pgtest.Exec(t, url, `CREATE TABLE tags (id int PRIMARY KEY); CREATE VIEW tag_ids AS SELECT id FROM tags`)
	live := inspect()
	drift := c.Drift(live)
	assert.Equal(t, []diff.Kind{diff.TableAdded, diff.ViewAdded}, kinds(drift))
	rep := c.Evaluate(drift)
	assert.False(t, rep.Blocked)
	assert.Equal(t, []string{"public.tag_ids", "public.tags"}, slices.Sorted(slices.Values(c.AutoPromote(live, t0))))
	assert.NotZero(t, c.Locked("public.tags"))
	assert.NotZero(t, c.LockedView("public.tag_ids"))
	assert.Equal(t, []diff.Change(nil), c.Drift(live))

	// A view column removed: breaking, blocked, not promoted.
	pgtest.Exec(t, url, `CREATE OR REPLACE VIEW tag_ids AS SELECT id FROM tags; DROP VIEW adults; CREATE VIEW adults AS SELECT id, feel FROM people WHERE age >= 18`)
	live = inspect()
	drift = c.Drift(live)
	assert.Equal(t, []diff.Kind{diff.ViewColumnChanged}, kinds(drift))
	rep = c.Evaluate(drift)
	assert.True(t, rep.Blocked)
	assert.Equal(t, "view", rep.Tables[0].Kind)
	assert.True(t, rep.Tables[0].Locked)
	assert.Equal(t, 0, len(c.AutoPromote(live, t0)))

	// A value removed from the enum the view uses: reported under the view
	// and the table.
	pgtest.Exec(t, url, `DROP VIEW adults; ALTER TABLE people DROP COLUMN feel; DROP TYPE mood; CREATE TYPE mood AS ENUM ('ok');
		ALTER TABLE people ADD COLUMN feel mood; CREATE VIEW adults AS SELECT id, mail, feel FROM people WHERE age >= 18`)
	live = inspect()
	c, err = contract.Load(path)
	assert.NoError(t, err)
	rep = c.Evaluate(c.Drift(live))
	var groups []string
	for _, tr := range rep.Tables {
		if slices.ContainsFunc(tr.Items, func(it contract.Item) bool { return it.Kind == diff.EnumValueRemoved }) {
			groups = append(groups, tr.Kind+" "+tr.Table)
		}
	}
	assert.Equal(t, []string{"view public.adults", "table public.people"}, groups)

	// A view removed: breaking; promoted, it leaves the contract.
	pgtest.Exec(t, url, `DROP VIEW adults`)
	live = inspect()
	assert.True(t, slices.Contains(kinds(c.Drift(live)), diff.ViewRemoved))
	pr, err := c.Promote(live, nil, t0)
	assert.NoError(t, err)
	assert.Equal(t, []string{"public.adults"}, pr.Removed)
	assert.Zero(t, c.LockedView("public.adults"))

	// Unlocking a named view (or table) makes the contract one of named
	// objects: what is added is no longer reported.
	_, err = c.Lock(live, nil, "", t0)
	assert.NoError(t, err)
	_, err = c.Unlock([]string{"tag_ids"})
	assert.NoError(t, err)
	assert.False(t, c.All)
	assert.Equal(t, []diff.Change(nil), c.Drift(live))
}

// A table-by-table contract is not told of new tables or views, as before.
func TestLockNamedTablesLocksNoViews(t *testing.T) {
	url := pgtest.DB(t)
	pgtest.Exec(t, url, `CREATE TABLE people (id int PRIMARY KEY); CREATE VIEW v AS SELECT id FROM people`)
	conn := pgtest.Connect(t, url)
	s, err := schema.Inspect(t.Context(), conn)
	assert.NoError(t, err)
	c := contract.New()
	res, err := c.Lock(s, []string{"people"}, "", t0)
	assert.NoError(t, err)
	assert.Equal(t, 0, len(res.LockedViews))
	assert.False(t, c.All)
	pgtest.Exec(t, url, `CREATE TABLE tags (id int)`)
	s, err = schema.Inspect(t.Context(), conn)
	assert.NoError(t, err)
	assert.Equal(t, []diff.Change(nil), c.Drift(s))
}

// A contract file of the previous format (tables only) still loads and
// judges as before; locked again with no table named, it takes the views in
// and says it upgraded the file, in one line.
func TestLegacyContractUpgradedToViews(t *testing.T) {
	url := pgtest.DB(t)
	pgtest.Exec(t, url, bookingsDDL+`; CREATE VIEW rooms AS SELECT DISTINCT room FROM bookings`)
	live, err := schema.Inspect(t.Context(), pgtest.Connect(t, url))
	assert.NoError(t, err)
	path := filepath.Join(t.TempDir(), contract.DefaultPath)
	assert.NoError(t, os.WriteFile(path, []byte(legacyBookings), 0o644))
	c, err := contract.Load(path)
	assert.NoError(t, err)
	assert.Equal(t, []diff.Change(nil), c.Drift(live), "the view is not in the old contract: not reported")
	assert.Contains(t, c.Upgrade(), "exclusion constraints")

	res, err := c.Lock(live, nil, "", t0)
	assert.NoError(t, err)
	assert.Equal(t, []string{"public.bookings"}, res.AlreadyLocked)
	assert.Equal(t, []string{"public.rooms"}, res.LockedViews)
	notice := c.Upgrade()
	assert.Contains(t, notice, "views and new tables locked")
	assert.NotContains(t, notice, "\n")
	assert.NoError(t, c.Save(path))
	c, err = contract.Load(path)
	assert.NoError(t, err)
	assert.Equal(t, "", c.Upgrade(), "written in this format")
	assert.Equal(t, []diff.Change(nil), c.Drift(live))
}
