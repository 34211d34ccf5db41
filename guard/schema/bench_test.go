package schema_test

import (
	"testing"

	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/internal/benchschema"
	"github.com/schemaguard/guard/internal/pgtest"
)

// BenchmarkInspect5000 inspects a schema of 5,000 tables (benchschema.Build),
// built once per run. Compare with pg_dump --schema-only of the same database
// (the `make bench` program does).
func BenchmarkInspect5000(b *testing.B) {
	url := pgtest.DB(b)
	conn := pgtest.Connect(b, url)
	if err := benchschema.Build(b.Context(), conn, 5000); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s, err := schema.Inspect(b.Context(), conn)
		if err != nil {
			b.Fatal(err)
		}
		if len(s.Tables) != 5000 {
			b.Fatalf("inspected %d tables, want 5000", len(s.Tables))
		}
	}
}
