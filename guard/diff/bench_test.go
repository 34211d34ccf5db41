package diff

import (
	"fmt"
	"testing"

	"github.com/schemaguard/guard/guard/schema"
)

// benchSchema builds a synthetic schema of n tables of 15 columns each, with
// a primary key, a unique constraint, two indexes, a check, a foreign key to
// the previous table and grants to PUBLIC; four enums and a view per hundred
// tables; a trigger, a function and a sequence per ten tables; a column
// grant per twenty, row-level security and a policy per fifty.
func benchSchema(n int) *schema.Schema {
	s := &schema.Schema{Schemas: []string{"public"}}
	for i, name := range []string{"status", "priority", "color", "kind"} {
		e := schema.Enum{Schema: "public", Name: "bench_" + name}
		for v := range 3 + i {
			e.Values = append(e.Values, fmt.Sprintf("v%d", v))
		}
		s.Enums = append(s.Enums, e)
	}
	types := []string{
		"bigint", "text", "character varying(100)", "numeric(12,2)", "timestamp with time zone",
		"jsonb", "public.bench_status", "integer", "boolean", "text",
		"character varying(20)", "timestamp(3) without time zone", "smallint", "public.bench_color", "uuid",
	}
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("bench_%05d", i)
		t := schema.Table{Schema: "public", Name: name}
		for c, typ := range types {
			col := schema.Column{Name: fmt.Sprintf("c%02d", c), Type: typ, Position: c + 1, NotNull: c%3 == 0}
			switch c {
			case 0:
				col.Name, col.Identity = "id", "always"
			case 4:
				col.Default = "now()"
			case 8:
				col.Default = "false"
			}
			t.Columns = append(t.Columns, col)
		}
		t.PrimaryKey = &schema.PrimaryKey{Name: name + "_pkey", Columns: []string{"id"}}
		t.Uniques = []schema.Unique{{Name: name + "_c01_key", Columns: []string{"c01"}}}
		t.Checks = []schema.Check{{Name: name + "_c07_check", Expression: "CHECK ((c07 >= 0))"}}
		t.Indexes = []schema.Index{
			{Name: name + "_c02_idx", Definition: fmt.Sprintf("CREATE INDEX %s_c02_idx ON public.%s USING btree (c02)", name, name)},
			{Name: name + "_c04_c07_idx", Definition: fmt.Sprintf("CREATE INDEX %s_c04_c07_idx ON public.%s USING btree (c04, c07)", name, name)},
		}
		if i > 1 {
			t.ForeignKeys = []schema.ForeignKey{{
				Name: name + "_c07_fkey", Columns: []string{"c00"},
				ReferencedSchema: "public", ReferencedTable: fmt.Sprintf("bench_%05d", i-1), ReferencedColumns: []string{"id"},
				OnDelete: "NO ACTION", OnUpdate: "NO ACTION",
			}}
		}
		t.Grants = []schema.Grant{{Grantee: "PUBLIC", Privilege: "INSERT"}, {Grantee: "PUBLIC", Privilege: "SELECT"}, {Grantee: "PUBLIC", Privilege: "UPDATE"}}
		if i%10 == 0 {
			t.Triggers = []schema.Trigger{{Name: name + "_touch", Function: "public.bench_touch()",
				Definition: fmt.Sprintf("CREATE TRIGGER %s_touch BEFORE UPDATE ON public.%s FOR EACH ROW EXECUTE FUNCTION public.bench_touch()", name, name)}}
			s.Functions = append(s.Functions, schema.Function{Schema: "public", Name: name + "_total", Signature: "public." + name + "_total(bigint)",
				Kind: "function", Arguments: "p bigint", Result: "numeric", Language: "sql", Volatility: "stable", BodyHash: fmt.Sprintf("%064x", i)})
			s.Sequences = append(s.Sequences, schema.Sequence{Schema: "public", Name: name + "_seq", Type: "integer",
				Start: 100, Min: 1, Max: 2147483647, Increment: 10})
		}
		if i%20 == 0 {
			t.ColumnGrants = []schema.ColumnGrant{{Column: "c01", Grantee: "PUBLIC", Privilege: "UPDATE"}, {Column: "c02", Grantee: "PUBLIC", Privilege: "UPDATE"}}
		}
		if i%50 == 0 {
			t.RowSecurity = true
			t.Policies = []schema.Policy{{Name: name + "_active", Command: "ALL", Roles: []string{"PUBLIC"}, Using: "c08"}}
		}
		s.Tables = append(s.Tables, t)
		if i%100 == 0 {
			s.Views = append(s.Views, schema.View{
				Schema: "public", Name: "v_" + name, Definition: " SELECT id, c01 FROM public." + name + ";",
				Columns: []schema.ViewColumn{{Name: "id", Type: "bigint"}, {Name: "c01", Type: "text"}},
			})
		}
	}
	return s.Canonical()
}

// benchChanges changes after in some tens of places and returns how many
// changes Schemas should report.
func benchChanges(after *schema.Schema) int {
	n := 0
	for i := 0; i < 20; i++ {
		t := &after.Tables[i*200+7]
		t.Columns[9].Name = "renamed" // rename
		t.Columns[10].Type = "character varying(40)"
		t.Columns = append(t.Columns, schema.Column{Name: "added", Type: "text", Position: 16})
		n += 3
	}
	for i := 0; i < 10; i++ {
		t := &after.Tables[i*300+11]
		t.Columns[7].Type = "bigint"
		t.Indexes[0].Name = "renamed_idx" // no change
		t.Checks = nil
		n += 2
	}
	after.Tables = after.Tables[:len(after.Tables)-5] // 5 tables removed
	n += 5
	after.Enums[0].Values = append(after.Enums[0].Values, "new")
	n++
	for i := 0; i < 5; i++ {
		t := &after.Tables[i*400+49] // bench_00050, bench_00450, …: with a trigger
		t.Triggers = nil             // trigger_removed
		t.Grants = t.Grants[1:]      // privilege_revoked
		after.Functions[i*30].BodyHash = "changed"
		n += 3
	}
	return n
}

func BenchmarkDiff5000(b *testing.B) {
	before, after := benchSchema(5000), benchSchema(5000)
	want := benchChanges(after)
	if got := Schemas(before, after); len(got) != want {
		b.Fatalf("%d changes, want %d: %v", len(got), want, got)
	}
	b.ReportAllocs()
	for b.Loop() {
		Schemas(before, after)
	}
}

func TestBenchSchemaChanges(t *testing.T) {
	before, after := benchSchema(300), benchSchema(300)
	after.Tables[7].Columns[9].Name = "renamed"
	after.Tables[8].Indexes[0].Name = "renamed_idx"
	checkChanges(t, Schemas(before, after), kindImpact{ColumnRenamed, Breaking, "public.bench_00008.c09"})
}
