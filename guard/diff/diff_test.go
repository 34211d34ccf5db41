package diff

import (
	"testing"

	"github.com/alecthomas/assert/v2"
	"github.com/google/go-cmp/cmp"
	"github.com/schemaguard/guard/guard/schema"
)

// kindImpact is what the tests compare: the kind, impact and object of each
// change.
type kindImpact struct {
	Kind   Kind
	Impact Impact
	Object string
}

func summary(changes []Change) []kindImpact {
	out := []kindImpact{}
	for _, c := range changes {
		out = append(out, kindImpact{c.Kind, c.Impact, c.Object})
	}
	return out
}

func checkChanges(t *testing.T, got []Change, want ...kindImpact) {
	t.Helper()
	if want == nil {
		want = []kindImpact{}
	}
	if d := cmp.Diff(want, summary(got)); d != "" {
		t.Errorf("changes (-want +got):\n%s\nall: %v", d, got)
	}
	for _, c := range got {
		assert.NotZero(t, c.Message, "message of %s", c.Kind)
		if c.Impact != Safe && c.Kind != ViewDefinitionChanged && c.Kind != ColumnGeneratedChanged &&
			c.Kind != ColumnIdentityRemoved && c.Kind != EnumValuesReordered && c.Kind != ColumnCollationChanged {
			assert.NotZero(t, c.Hint, "hint of %s", c.Kind)
		}
	}
}

// cols builds columns "name type" with positions in order; a trailing "!"
// on the type makes the column NOT NULL.
func cols(specs ...string) []schema.Column {
	var out []schema.Column
	for i := 0; i+1 < len(specs); i += 2 {
		c := schema.Column{Name: specs[i], Type: specs[i+1], Position: len(out) + 1}
		if n := len(c.Type); c.Type[n-1] == '!' {
			c.Type, c.NotNull = c.Type[:n-1], true
		}
		out = append(out, c)
	}
	return out
}

func users() schema.Table {
	return schema.Table{
		Schema: "public", Name: "users",
		Columns:    cols("id", "bigint!", "email", "text!", "name", "text", "age", "integer"),
		PrimaryKey: &schema.PrimaryKey{Name: "users_pkey", Columns: []string{"id"}},
		Uniques:    []schema.Unique{{Name: "users_email_key", Columns: []string{"email"}}},
		Checks:     []schema.Check{{Name: "users_email_check", Expression: "CHECK ((email <> ''::text))"}},
		Indexes: []schema.Index{
			{Name: "users_name_idx", Definition: "CREATE INDEX users_name_idx ON public.users USING btree (name)"},
			{Name: "users_lower_email_idx", Definition: "CREATE UNIQUE INDEX users_lower_email_idx ON public.users USING btree (lower(email))", Unique: true},
		},
	}
}

func posts() schema.Table {
	return schema.Table{
		Schema: "public", Name: "posts",
		Columns:    cols("id", "bigint!", "user_id", "bigint!", "title", "text!"),
		PrimaryKey: &schema.PrimaryKey{Name: "posts_pkey", Columns: []string{"id"}},
		ForeignKeys: []schema.ForeignKey{{
			Name: "posts_user_id_fkey", Columns: []string{"user_id"},
			ReferencedSchema: "public", ReferencedTable: "users", ReferencedColumns: []string{"id"},
			OnDelete: "CASCADE", OnUpdate: "NO ACTION",
		}},
	}
}

func TestSameTableNoChanges(t *testing.T) {
	a, b := users(), users()
	checkChanges(t, Tables(&a, &b))
	s := &schema.Schema{Tables: []schema.Table{users(), posts()}}
	checkChanges(t, Schemas(s, s))
	checkChanges(t, Schemas(nil, nil))
}

func TestRenameIsOneChangeAndKeepsConstraintsEqual(t *testing.T) {
	before, after := users(), users()
	after.Columns[1].Name = "email_address"
	after.Uniques[0].Columns = []string{"email_address"}
	after.Checks[0].Expression = "CHECK ((email_address <> ''::text))"
	after.Indexes[1].Definition = "CREATE UNIQUE INDEX users_lower_email_idx ON public.users USING btree (lower(email_address))"
	got := Tables(&before, &after)
	checkChanges(t, got, kindImpact{ColumnRenamed, Breaking, "public.users.email"})
	assert.Equal(t, `column "email" was renamed to "email_address" (probable)`, got[0].Message)
	assert.Contains(t, got[0].Hint, "trigger")
	assert.Equal(t, "public.users", got[0].Table)
}

func TestRenameWithOtherChangeOnTheColumn(t *testing.T) {
	before, after := users(), users()
	after.Columns[2].Name = "full_name"
	after.Columns[2].NotNull = true
	after.Indexes[0].Definition = "CREATE INDEX users_name_idx ON public.users USING btree (full_name)"
	checkChanges(t, Tables(&before, &after),
		kindImpact{ColumnNotNullAdded, Breaking, "public.users.full_name"},
		kindImpact{ColumnRenamed, Breaking, "public.users.name"},
	)
}

func TestRenamePairingPrefersSamePosition(t *testing.T) {
	before := schema.Table{Schema: "public", Name: "t", Columns: cols("a", "text", "b", "text", "c", "integer")}
	// b renamed to b2 in place; a dropped and a2 added at the end.
	after := schema.Table{Schema: "public", Name: "t", Columns: cols("b2", "text", "c", "integer", "a2", "text")}
	after.Columns[0].Position = 2
	after.Columns[1].Position = 3
	after.Columns[2].Position = 4
	before.Columns[1].Position = 2
	got := Tables(&before, &after)
	renames := map[string]string{}
	for _, c := range got {
		assert.Equal(t, ColumnRenamed, c.Kind)
		renames[c.Object] = c.Message
	}
	assert.Equal(t, map[string]string{
		"public.t.a": `column "a" was renamed to "a2" (probable)`,
		"public.t.b": `column "b" was renamed to "b2" (probable)`,
	}, renames)
}

func TestRenamePairingNeedsSameType(t *testing.T) {
	before := schema.Table{Schema: "public", Name: "t", Columns: cols("a", "text", "b", "integer")}
	after := schema.Table{Schema: "public", Name: "t", Columns: cols("a", "text", "c", "bigint")}
	checkChanges(t, Tables(&before, &after),
		kindImpact{ColumnRemoved, Breaking, "public.t.b"},
		kindImpact{ColumnAdded, Safe, "public.t.c"},
	)
}

func TestRenamePairingTwoRemovedOneAdded(t *testing.T) {
	before := schema.Table{Schema: "public", Name: "t", Columns: cols("a", "text", "b", "text!", "c", "integer")}
	after := schema.Table{Schema: "public", Name: "t", Columns: cols("a", "text", "bb", "text!", "c", "integer")}
	after.Columns[1].Name, after.Columns[0].Name = "bb", "x"
	// a and b both removed, x (pos 1, nullable) and bb (pos 2, not null) added.
	checkChanges(t, Tables(&before, &after),
		kindImpact{ColumnRenamed, Breaking, "public.t.a"},
		kindImpact{ColumnRenamed, Breaking, "public.t.b"},
	)
	got := Tables(&before, &after)
	assert.Contains(t, got[0].Message, `to "x"`)
	assert.Contains(t, got[1].Message, `to "bb"`)

	after.Columns = cols("x", "text", "c", "integer")
	checkChanges(t, Tables(&before, &after),
		kindImpact{ColumnRenamed, Breaking, "public.t.a"},
		kindImpact{ColumnRemoved, Breaking, "public.t.b"},
	)
}

func TestForeignKeyFollowsRenamedReferencedColumn(t *testing.T) {
	u, p := users(), posts()
	u2, p2 := users(), posts()
	u2.Columns[0].Name = "uid"
	u2.PrimaryKey.Columns = []string{"uid"}
	p2.ForeignKeys[0].ReferencedColumns = []string{"uid"}
	got := Schemas(&schema.Schema{Tables: []schema.Table{u, p}}, &schema.Schema{Tables: []schema.Table{p2, u2}})
	checkChanges(t, got, kindImpact{ColumnRenamed, Breaking, "public.users.id"})

	// Tables alone cannot know the referenced table's renames.
	checkChanges(t, Tables(&p, &p2),
		kindImpact{ForeignKeyAdded, Risky, "public.posts.posts_user_id_fkey"},
		kindImpact{ForeignKeyRemoved, Safe, "public.posts.posts_user_id_fkey"},
	)
}

func TestRemovedTableIsOneChange(t *testing.T) {
	got := Schemas(&schema.Schema{Tables: []schema.Table{users(), posts()}}, &schema.Schema{Tables: []schema.Table{users()}})
	checkChanges(t, got, kindImpact{TableRemoved, Breaking, "public.posts"})
	assert.Equal(t, "public.posts", got[0].Table)

	accounts := users()
	accounts.Name = "accounts"
	got = Schemas(&schema.Schema{Tables: []schema.Table{users()}}, &schema.Schema{Tables: []schema.Table{accounts}})
	checkChanges(t, got,
		kindImpact{TableAdded, Safe, "public.accounts"},
		kindImpact{TableRemoved, Breaking, "public.users"},
	)
	assert.Equal(t, `table "public.users" was removed (probably renamed to "public.accounts")`, got[1].Message)
	assert.Contains(t, got[1].Hint, "view")

	a := users()
	checkChanges(t, Tables(nil, &a), kindImpact{TableAdded, Safe, "public.users"})
	checkChanges(t, Tables(&a, nil), kindImpact{TableRemoved, Breaking, "public.users"})
	checkChanges(t, Tables(nil, nil))
}

func TestConstraintsMatchedByDefinition(t *testing.T) {
	before, after := users(), users()
	// Renamed index and unique constraint, recreated check, NOT VALID check
	// now validated.
	after.Indexes[0] = schema.Index{Name: "users_name_idx2", Definition: "CREATE INDEX users_name_idx2 ON public.users USING btree (name)"}
	after.Uniques[0].Name = "users_email_unique"
	after.Checks[0].Name = "email_not_empty"
	before.Checks[0].Expression += " NOT VALID"
	checkChanges(t, Tables(&before, &after))

	// A unique constraint replaced by a plain unique index on the same
	// column is the same rule.
	after = users()
	after.Uniques = nil
	after.Indexes = append(after.Indexes, schema.Index{Name: "users_email_idx", Unique: true,
		Definition: "CREATE UNIQUE INDEX users_email_idx ON public.users USING btree (email)"})
	checkChanges(t, Tables(&before, &after))
}

func TestConstraintChanges(t *testing.T) {
	before, after := users(), users()
	after.Uniques = nil
	after.Checks[0].Expression = "CHECK ((length(email) > 3))"
	after.Indexes = []schema.Index{
		{Name: "users_age_idx", Definition: "CREATE INDEX users_age_idx ON public.users USING btree (age)"},
		{Name: "users_lower_email_idx", Definition: "CREATE UNIQUE INDEX users_lower_email_idx ON public.users USING btree (lower(email))", Unique: true},
		{Name: "users_name_key", Definition: "CREATE UNIQUE INDEX users_name_key ON public.users USING btree (name) WHERE (name IS NOT NULL)", Unique: true},
	}
	after.PrimaryKey = &schema.PrimaryKey{Name: "users_pkey", Columns: []string{"id", "email"}}
	checkChanges(t, Tables(&before, &after),
		kindImpact{IndexAdded, Safe, "public.users.users_age_idx"},
		kindImpact{CheckAdded, Risky, "public.users.users_email_check"},
		kindImpact{CheckRemoved, Safe, "public.users.users_email_check"},
		kindImpact{UniqueRemoved, Risky, "public.users.users_email_key"},
		kindImpact{IndexRemoved, Safe, "public.users.users_name_idx"},
		kindImpact{UniqueAdded, Risky, "public.users.users_name_key"},
		kindImpact{PrimaryKeyChanged, Breaking, "public.users.users_pkey"},
	)

	// Added and removed primary keys.
	before, after = users(), users()
	after.PrimaryKey = nil
	checkChanges(t, Tables(&before, &after), kindImpact{PrimaryKeyChanged, Breaking, "public.users.users_pkey"})
	checkChanges(t, Tables(&after, &before), kindImpact{PrimaryKeyChanged, Breaking, "public.users.users_pkey"})
	// Renamed, same columns: no change.
	after.PrimaryKey = &schema.PrimaryKey{Name: "users_pk", Columns: []string{"id"}}
	checkChanges(t, Tables(&before, &after))
}

func TestColumnAttributes(t *testing.T) {
	base := schema.Table{Schema: "public", Name: "t", Columns: []schema.Column{
		{Name: "id", Type: "bigint", NotNull: true, Identity: "by default", Position: 1},
		{Name: "v", Type: "character varying(20)", Default: "'x'::character varying", Position: 2},
		{Name: "n", Type: "integer", NotNull: true, Default: "0", Position: 3},
		{Name: "g", Type: "integer", Generated: "(n * 2)", Position: 4},
		{Name: "c", Type: "text", Position: 5},
	}}
	cases := []struct {
		name   string
		change func(t *schema.Table)
		want   []kindImpact
	}{
		{"widen", func(t *schema.Table) { t.Columns[1].Type = "character varying(40)" },
			[]kindImpact{{ColumnTypeChanged, Risky, "public.t.v"}}},
		{"narrow", func(t *schema.Table) { t.Columns[1].Type = "character varying(10)" },
			[]kindImpact{{ColumnTypeChanged, Breaking, "public.t.v"}}},
		{"default removed nullable", func(t *schema.Table) { t.Columns[1].Default = "" },
			[]kindImpact{{ColumnDefaultRemoved, Risky, "public.t.v"}}},
		{"default removed not null", func(t *schema.Table) { t.Columns[2].Default = "" },
			[]kindImpact{{ColumnDefaultRemoved, Breaking, "public.t.n"}}},
		{"default changed", func(t *schema.Table) { t.Columns[2].Default = "1" },
			[]kindImpact{{ColumnDefaultChanged, Risky, "public.t.n"}}},
		{"default added", func(t *schema.Table) { t.Columns[4].Default = "''::text" },
			[]kindImpact{{ColumnDefaultAdded, Safe, "public.t.c"}}},
		{"not null dropped", func(t *schema.Table) { t.Columns[2].NotNull = false },
			[]kindImpact{{ColumnNotNullDropped, Safe, "public.t.n"}}},
		{"identity always", func(t *schema.Table) { t.Columns[0].Identity = "always" },
			[]kindImpact{{ColumnIdentityChanged, Breaking, "public.t.id"}}},
		{"identity dropped", func(t *schema.Table) { t.Columns[0].Identity = "" },
			[]kindImpact{{ColumnIdentityRemoved, Breaking, "public.t.id"}}},
		{"identity to serial", func(t *schema.Table) {
			t.Columns[0].Identity, t.Columns[0].Default = "", "nextval('t_id_seq'::regclass)"
		}, []kindImpact{{ColumnDefaultAdded, Safe, "public.t.id"}, {ColumnIdentityRemoved, Risky, "public.t.id"}}},
		{"generated dropped", func(t *schema.Table) { t.Columns[3].Generated = "" },
			[]kindImpact{{ColumnGeneratedRemoved, Risky, "public.t.g"}}},
		{"generated changed", func(t *schema.Table) { t.Columns[3].Generated = "(n * 3)" },
			[]kindImpact{{ColumnGeneratedChanged, Risky, "public.t.g"}}},
		{"generated follows rename", func(t *schema.Table) {
			t.Columns[2].Name, t.Columns[3].Generated = "m", "(m * 2)"
		}, []kindImpact{{ColumnRenamed, Breaking, "public.t.n"}}},
		{"collation", func(t *schema.Table) { t.Columns[4].Collation = `"C"` },
			[]kindImpact{{ColumnCollationChanged, Risky, "public.t.c"}}},
		{"added not null no default", func(t *schema.Table) {
			t.Columns = append(t.Columns, schema.Column{Name: "z", Type: "integer", NotNull: true, Position: 6})
		}, []kindImpact{{ColumnAdded, Breaking, "public.t.z"}}},
		{"added identity", func(t *schema.Table) {
			t.Columns = append(t.Columns, schema.Column{Name: "z", Type: "integer", NotNull: true, Identity: "always", Position: 6})
		}, []kindImpact{{ColumnAdded, Safe, "public.t.z"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := base
			before.Columns = append([]schema.Column(nil), base.Columns...)
			after := base
			after.Columns = append([]schema.Column(nil), base.Columns...)
			c.change(&after)
			checkChanges(t, Tables(&before, &after), c.want...)
		})
	}
}

func TestEnums(t *testing.T) {
	e := func(values ...string) *schema.Enum {
		return &schema.Enum{Schema: "public", Name: "mood", Values: values}
	}
	checkChanges(t, Enums(e("a", "b"), e("a", "b")))
	checkChanges(t, Enums(nil, e("a")), kindImpact{EnumAdded, Safe, "public.mood"})
	checkChanges(t, Enums(e("a"), nil), kindImpact{EnumRemoved, Breaking, "public.mood"})
	checkChanges(t, Enums(e("a", "b"), e("a", "x", "b", "c")),
		kindImpact{EnumValueAdded, Safe, "public.mood.c"},
		kindImpact{EnumValueAdded, Safe, "public.mood.x"},
	)
	got := Enums(e("a", "b", "c"), e("a", "bee", "c"))
	checkChanges(t, got, kindImpact{EnumValueRenamed, Breaking, "public.mood.b"})
	assert.Equal(t, `enum "public.mood" value "b" was renamed to "bee" (probable)`, got[0].Message)
	assert.Equal(t, "", got[0].Table)
	checkChanges(t, Enums(e("a", "b", "c"), e("a", "c")), kindImpact{EnumValueRemoved, Breaking, "public.mood.b"})
	checkChanges(t, Enums(e("a", "b"), e("b", "a")), kindImpact{EnumValuesReordered, Risky, "public.mood"})
	checkChanges(t, Enums(e("a", "b"), e("a", "b", "very happy")), kindImpact{EnumValueAdded, Safe, `public.mood."very happy"`})
}

func TestViews(t *testing.T) {
	v := func(def string, columns ...string) *schema.View {
		view := &schema.View{Schema: "public", Name: "v", Definition: def}
		for i := 0; i+1 < len(columns); i += 2 {
			view.Columns = append(view.Columns, schema.ViewColumn{Name: columns[i], Type: columns[i+1]})
		}
		return view
	}
	before := v("SELECT a, b FROM t", "a", "integer", "b", "text")
	checkChanges(t, Views(before, v("SELECT a, b FROM t", "a", "integer", "b", "text")))
	checkChanges(t, Views(nil, before), kindImpact{ViewAdded, Safe, "public.v"})
	checkChanges(t, Views(before, nil), kindImpact{ViewRemoved, Breaking, "public.v"})
	checkChanges(t, Views(before, v("SELECT a FROM t", "a", "integer")), kindImpact{ViewColumnChanged, Breaking, "public.v.b"})
	checkChanges(t, Views(before, v("SELECT a, b::int FROM t", "a", "integer", "b", "integer")), kindImpact{ViewColumnChanged, Breaking, "public.v.b"})
	checkChanges(t, Views(before, v("SELECT a::bigint, b FROM t", "a", "bigint", "b", "text")), kindImpact{ViewColumnChanged, Risky, "public.v.a"})
	checkChanges(t, Views(before, v("SELECT a, b, c FROM t", "a", "integer", "b", "text", "c", "text")), kindImpact{ViewColumnAdded, Safe, "public.v.c"})
	checkChanges(t, Views(before, v("SELECT a, b FROM t WHERE a > 0", "a", "integer", "b", "text")), kindImpact{ViewDefinitionChanged, Risky, "public.v"})
	mat := v("SELECT a, b FROM t", "a", "integer", "b", "text")
	mat.Materialized = true
	checkChanges(t, Views(before, mat), kindImpact{ViewDefinitionChanged, Risky, "public.v"})
}

func TestSchemasOrderAndGrouping(t *testing.T) {
	u := users()
	u2 := users()
	u2.Columns = append(u2.Columns, schema.Column{Name: "bio", Type: "text", Position: 5})
	u2.Columns[3].Type = "bigint"
	before := &schema.Schema{
		Tables: []schema.Table{u, posts()},
		Enums:  []schema.Enum{{Schema: "public", Name: "mood", Values: []string{"a"}}},
		Views:  []schema.View{{Schema: "public", Name: "v", Columns: []schema.ViewColumn{{Name: "a", Type: "integer"}}}},
	}
	after := &schema.Schema{
		Tables: []schema.Table{{Schema: "app", Name: "z", Columns: cols("id", "integer")}, u2},
		Enums:  []schema.Enum{{Schema: "public", Name: "mood", Values: []string{"a", "b"}}},
	}
	got := Schemas(before, after)
	checkChanges(t, got,
		kindImpact{TableAdded, Safe, "app.z"},
		kindImpact{EnumValueAdded, Safe, "public.mood.b"},
		kindImpact{TableRemoved, Breaking, "public.posts"},
		kindImpact{ColumnTypeChanged, Risky, "public.users.age"},
		kindImpact{ColumnAdded, Safe, "public.users.bio"},
		kindImpact{ViewRemoved, Breaking, "public.v"},
	)
	assert.Equal(t, Breaking, Worst(got))
	// The same inputs in another order give the same result.
	slicesReverse(before.Tables)
	slicesReverse(after.Tables)
	assert.Equal(t, got, Schemas(before, after))
}

func slicesReverse[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

func TestWorst(t *testing.T) {
	assert.Equal(t, Safe, Worst(nil))
	assert.Equal(t, Safe, Worst([]Change{{Impact: Safe}}))
	assert.Equal(t, Risky, Worst([]Change{{Impact: Safe}, {Impact: Risky}, {Impact: Safe}}))
	assert.Equal(t, Breaking, Worst([]Change{{Impact: Breaking}, {Impact: Risky}}))
}

func TestQuotedNames(t *testing.T) {
	before := schema.Table{Schema: "My App", Name: "Users", Columns: cols("Email", "text")}
	after := schema.Table{Schema: "My App", Name: "Users", Columns: cols("Email", "text", "Bio", "text")}
	got := Tables(&before, &after)
	checkChanges(t, got, kindImpact{ColumnAdded, Safe, `"My App"."Users"."Bio"`})
	assert.Equal(t, `"My App"."Users"`, got[0].Table)
}

func TestMessagesQuoteQualifiedNames(t *testing.T) {
	a := schema.Table{Schema: "public", Name: "My Table", Columns: cols("id", "integer")}
	got := Tables(nil, &a)
	assert.Equal(t, `table public."My Table" was added`, got[0].Message)
	b := users()
	got = Tables(nil, &b)
	assert.Equal(t, `table "public.users" was added`, got[0].Message)
}
