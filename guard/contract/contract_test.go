package contract_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/schema"
)

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func users(cols ...schema.Column) schema.Table {
	t := schema.Table{Schema: "public", Name: "users", PrimaryKey: &schema.PrimaryKey{Name: "users_pkey", Columns: []string{"id"}}}
	t.Columns = append([]schema.Column{{Name: "id", Type: "bigint", NotNull: true, Position: 1}}, cols...)
	for i := range t.Columns {
		t.Columns[i].Position = i + 1
	}
	return t
}

func col(name, typ string, notNull bool) schema.Column {
	return schema.Column{Name: name, Type: typ, NotNull: notNull}
}

func live(tables ...schema.Table) *schema.Schema {
	return (&schema.Schema{Schemas: []string{"public"}, Tables: tables}).Canonical()
}

func TestLoadMissingFileIsEmptyNoneContract(t *testing.T) {
	c, err := contract.Load(filepath.Join(t.TempDir(), "nope.json"))
	assert.NoError(t, err)
	assert.Equal(t, contract.ModeNone, c.Mode)
	assert.Equal(t, 0, len(c.Tables))
}

func TestLoadRejectsBadFiles(t *testing.T) {
	for name, body := range map[string]string{
		"not json":        `{"version": 1, "mode": `,
		"no version":      `{"mode": "auto", "tables": []}`,
		"future version":  `{"version": 7, "mode": "auto", "tables": []}`,
		"unknown mode":    `{"version": 1, "mode": "lenient", "tables": []}`,
		"unknown field":   `{"version": 1, "mode": "auto", "tables": [], "extra": 1}`,
		"mismatched name": `{"version": 1, "mode": "auto", "tables": [{"table": "public.a", "locked_at": "2026-01-01T00:00:00Z", "snapshot": {"schema": "public", "name": "b", "columns": []}}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.json")
			assert.NoError(t, os.WriteFile(path, []byte(body), 0o644))
			_, err := contract.Load(path)
			var fe *contract.FileError
			assert.True(t, errors.As(err, &fe), "got %v", err)
			assert.NotEqual(t, "", fe.Hint())
			assert.Contains(t, err.Error(), path)
		})
	}
}

func TestParseMode(t *testing.T) {
	for _, s := range []string{"none", "auto", "strict", "AUTO"} {
		_, err := contract.ParseMode(s)
		assert.NoError(t, err)
	}
	_, err := contract.ParseMode("loose")
	assert.EqualError(t, err, `unknown lock mode "loose"`)
}

func TestSaveLoadRoundTripIsCanonical(t *testing.T) {
	posts := schema.Table{Schema: "public", Name: "posts", Columns: []schema.Column{{Name: "id", Type: "bigint", Position: 1}}}
	c := contract.New()
	_, err := c.Lock(live(users(col("email", "text", true)), posts), nil, "", t0)
	assert.NoError(t, err)
	path := filepath.Join(t.TempDir(), "guard.contract.json")
	assert.NoError(t, c.Save(path))
	first, err := os.ReadFile(path)
	assert.NoError(t, err)

	// Same tables locked in another order give the same bytes.
	c2 := contract.New()
	_, err = c2.Lock(live(posts), nil, "", t0)
	assert.NoError(t, err)
	_, err = c2.Lock(live(users(col("email", "text", true)), posts), []string{"users"}, "", t0)
	assert.NoError(t, err)
	second, err := c2.Marshal()
	assert.NoError(t, err)
	assert.Equal(t, string(first), string(second))

	loaded, err := contract.Load(path)
	assert.NoError(t, err)
	again, err := loaded.Marshal()
	assert.NoError(t, err)
	assert.Equal(t, string(first), string(again))
}

func TestLockDefaultsToAutoAndKeepsExistingSnapshots(t *testing.T) {
	c := contract.New()
	res, err := c.Lock(live(users(col("email", "text", true))), nil, "", t0)
	assert.NoError(t, err)
	assert.Equal(t, contract.ModeAuto, res.Mode)
	assert.Equal(t, []string{"public.users"}, res.Locked)

	// Locking again with a changed live table does not silently accept it.
	res, err = c.Lock(live(users(col("email_address", "text", true))), nil, "", t0)
	assert.NoError(t, err)
	assert.Equal(t, []string{"public.users"}, res.AlreadyLocked)
	assert.NotZero(t, c.Locked("public.users").Snapshot.Column("email"))
}

func TestLockModes(t *testing.T) {
	c := contract.New()
	_, err := c.Lock(live(users()), nil, contract.ModeStrict, t0)
	assert.NoError(t, err)
	assert.Equal(t, contract.ModeStrict, c.Mode)

	posts := schema.Table{Schema: "public", Name: "posts", Columns: []schema.Column{{Name: "id", Type: "bigint", Position: 1}}}
	_, err = c.Lock(live(users(), posts), []string{"public.posts"}, contract.ModeAuto, t0)
	assert.NoError(t, err)
	assert.Equal(t, contract.ModeStrict, c.Mode)
	assert.Equal(t, contract.ModeAuto, c.EffectiveMode(c.Locked("public.posts")))
	assert.Equal(t, contract.ModeStrict, c.EffectiveMode(c.Locked("public.users")))
}

func TestLockUnknownTable(t *testing.T) {
	c := contract.New()
	_, err := c.Lock(live(users()), []string{"userz"}, "", t0)
	var ue *contract.UnknownTableError
	assert.True(t, errors.As(err, &ue))
	assert.Contains(t, ue.Hint(), "public.users")
	assert.Equal(t, 0, len(c.Tables), "nothing changed")
	assert.Equal(t, contract.ModeNone, c.Mode, "nothing changed")
}

func TestUnlock(t *testing.T) {
	c := contract.New()
	posts := schema.Table{Schema: "public", Name: "posts", Columns: []schema.Column{{Name: "id", Type: "bigint", Position: 1}}}
	_, err := c.Lock(live(users(), posts), nil, "", t0)
	assert.NoError(t, err)
	_, err = c.Unlock([]string{"comments"})
	assert.Error(t, err)
	assert.Equal(t, 2, len(c.Tables))
	got, err := c.Unlock([]string{"posts"})
	assert.NoError(t, err)
	assert.Equal(t, []string{"public.posts"}, got)
	got, err = c.Unlock(nil)
	assert.NoError(t, err)
	assert.Equal(t, []string{"public.users"}, got)
	assert.Equal(t, 0, len(c.Tables))
}

func TestBlocksPolicy(t *testing.T) {
	for _, tc := range []struct {
		mode  contract.Mode
		imp   diff.Impact
		block bool
	}{
		{contract.ModeNone, diff.Safe, false},
		{contract.ModeNone, diff.Risky, false},
		{contract.ModeNone, diff.Breaking, false},
		{contract.ModeAuto, diff.Safe, false},
		{contract.ModeAuto, diff.Risky, true},
		{contract.ModeAuto, diff.Breaking, true},
		{contract.ModeStrict, diff.Safe, true},
		{contract.ModeStrict, diff.Risky, true},
		{contract.ModeStrict, diff.Breaking, true},
	} {
		assert.Equal(t, tc.block, contract.Blocks(tc.mode, tc.imp), "%s %s", tc.mode, tc.imp)
	}
}

func TestDriftAndEvaluate(t *testing.T) {
	c := contract.New()
	_, err := c.Lock(live(users(col("email", "text", true))), nil, "", t0)
	assert.NoError(t, err)

	// A renamed column on the locked table, and a whole new table: locked
	// with no table named, the contract stands for every table, so the new
	// one is reported (safe, not locked, not blocked).
	after := live(users(col("email_address", "text", true), col("bio", "text", false)),
		schema.Table{Schema: "public", Name: "tags", Columns: []schema.Column{{Name: "id", Type: "bigint", Position: 1}}})
	r := c.Evaluate(c.Drift(after))
	assert.True(t, r.Blocked)
	assert.True(t, r.HasBreaking)
	assert.Equal(t, 2, len(r.Tables), "%+v", r.Tables)
	assert.Equal(t, "public.tags", r.Tables[0].Table)
	assert.False(t, r.Tables[0].Locked || r.Tables[0].Blocked)
	assert.Equal(t, diff.TableAdded, r.Tables[0].Items[0].Kind)
	tr := r.Tables[1]
	assert.Equal(t, "public.users", tr.Table)
	kinds := map[diff.Kind]bool{}
	for _, it := range tr.Items {
		kinds[it.Kind] = it.Blocked
	}
	assert.Equal(t, map[diff.Kind]bool{diff.ColumnRenamed: true, diff.ColumnAdded: false}, kinds)

	// The same changes, unlocked, are reported and never blocked.
	full := diff.Schemas(live(users(col("email", "text", true))), after)
	none := contract.New().Evaluate(full)
	assert.False(t, none.Blocked)
	assert.True(t, none.HasBreaking)
	assert.Equal(t, 2, len(none.Tables))
}

func TestStrictBlocksSafeChanges(t *testing.T) {
	c := contract.New()
	_, err := c.Lock(live(users()), nil, contract.ModeStrict, t0)
	assert.NoError(t, err)
	r := c.Evaluate(c.Drift(live(users(col("bio", "text", false)))))
	assert.True(t, r.Blocked)
	assert.False(t, r.HasBreaking)
}

func TestAutoPromotePromotesOnlyAllSafeTables(t *testing.T) {
	posts := schema.Table{Schema: "public", Name: "posts", Columns: []schema.Column{{Name: "id", Type: "bigint", Position: 1}, {Name: "title", Type: "text", Position: 2}}}
	c := contract.New()
	_, err := c.Lock(live(users(col("email", "text", true)), posts), nil, "", t0)
	assert.NoError(t, err)

	postsRenamed := posts
	postsRenamed.Columns = []schema.Column{{Name: "id", Type: "bigint", Position: 1}, {Name: "headline", Type: "text", Position: 2}}
	after := live(users(col("email", "text", true), col("bio", "text", false)), postsRenamed)

	later := t0.Add(time.Hour)
	got := c.AutoPromote(after, later)
	assert.Equal(t, []string{"public.users"}, got)
	assert.NotZero(t, c.Locked("public.users").Snapshot.Column("bio"))
	assert.Equal(t, later, *c.Locked("public.users").PromotedAt)
	assert.Zero(t, c.Locked("public.posts").PromotedAt)
	r := c.Evaluate(c.Drift(after))
	assert.Equal(t, 1, len(r.Tables))
	assert.Equal(t, "public.posts", r.Tables[0].Table)
}

func TestPromoteRemovedTableUnlocksIt(t *testing.T) {
	c := contract.New()
	posts := schema.Table{Schema: "public", Name: "posts", Columns: []schema.Column{{Name: "id", Type: "bigint", Position: 1}}}
	_, err := c.Lock(live(users(), posts), nil, "", t0)
	assert.NoError(t, err)
	r := c.Evaluate(c.Drift(live(users())))
	assert.True(t, r.Blocked)
	res, err := c.Promote(live(users()), []string{"posts"}, t0)
	assert.NoError(t, err)
	assert.Equal(t, []string{"public.posts"}, res.Removed)
	assert.False(t, c.Evaluate(c.Drift(live(users()))).Blocked)
}

func TestEnumChangesCountForTablesUsingThem(t *testing.T) {
	status := schema.Enum{Schema: "public", Name: "post_status", Values: []string{"draft", "published"}}
	posts := schema.Table{Schema: "public", Name: "posts", Columns: []schema.Column{
		{Name: "id", Type: "bigint", Position: 1}, {Name: "status", Type: "post_status", Position: 2}}}
	before := &schema.Schema{Schemas: []string{"public"}, Tables: []schema.Table{posts, users()}, Enums: []schema.Enum{status}}
	c := contract.New()
	_, err := c.Lock(before.Canonical(), nil, "", t0)
	assert.NoError(t, err)
	assert.Equal(t, 1, len(c.Locked("public.posts").Enums))
	assert.Equal(t, 0, len(c.Locked("public.users").Enums))

	shrunk := status
	shrunk.Values = []string{"draft"}
	after := &schema.Schema{Schemas: []string{"public"}, Tables: []schema.Table{posts, users()}, Enums: []schema.Enum{shrunk}}
	r := c.Evaluate(c.Drift(after.Canonical()))
	assert.True(t, r.Blocked)
	assert.Equal(t, 1, len(r.Tables))
	assert.Equal(t, "public.posts", r.Tables[0].Table)
	assert.Equal(t, diff.EnumValueRemoved, r.Tables[0].Items[0].Kind)
}

func TestReportGroupsBySubject(t *testing.T) {
	status := schema.Enum{Schema: "public", Name: "mood", Values: []string{"ok"}}
	grown := status
	grown.Values = []string{"ok", "great"}
	view := schema.View{Schema: "public", Name: "v", Columns: []schema.ViewColumn{{Name: "id", Type: "bigint"}}, Definition: "SELECT 1"}
	before := &schema.Schema{Tables: []schema.Table{users()}, Enums: []schema.Enum{status}}
	after := &schema.Schema{Tables: []schema.Table{users(col("bio", "text", false))}, Enums: []schema.Enum{grown}, Views: []schema.View{view}}
	r := contract.New().Evaluate(diff.Schemas(before.Canonical(), after.Canonical()))
	got := map[string]string{}
	for _, tr := range r.Tables {
		got[tr.Table] = tr.Kind
	}
	assert.Equal(t, map[string]string{"public.mood": "enum", "public.users": "table", "public.v": "view"}, got)
}
