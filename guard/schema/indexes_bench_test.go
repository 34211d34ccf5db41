package schema

import (
	"fmt"
	"strings"
	"testing"

	"github.com/schemaguard/guard/internal/benchschema"
	"github.com/schemaguard/guard/internal/pgtest"
)

// BenchmarkIndexDefs5000 inspects the 5,000-table bench schema (10,050
// indexes reported) with the index definitions Inspect assembles itself
// (the default), then with pg_get_indexdef for every index: the figure that
// keeps the Go copy (docs/benchmarks.md). Both read the same database.
func BenchmarkIndexDefs5000(b *testing.B) {
	conn := pgtest.Connect(b, pgtest.DB(b))
	if err := benchschema.Build(b.Context(), conn, 5000); err != nil {
		b.Fatal(err)
	}
	assembled := indexesQuery
	server := strings.Replace(assembled, "THEN ''", "THEN pg_get_indexdef(i.indexrelid)", 1)
	if server == assembled {
		b.Fatal("indexes.sql no longer leaves definitions to assemble")
	}
	b.Cleanup(func() { indexesQuery = assembled })
	for _, v := range []struct{ name, query string }{{"assembled", assembled}, {"pg_get_indexdef", server}} {
		for _, par := range []int{2, 1} {
			b.Run(fmt.Sprintf("%s/parallelism=%d", v.name, par), func(b *testing.B) {
				indexesQuery = v.query
				for b.Loop() {
					s, err := Inspect(b.Context(), conn, WithParallelism(par))
					if err != nil {
						b.Fatal(err)
					}
					if len(s.Tables) != 5000 {
						b.Fatalf("inspected %d tables, want 5000", len(s.Tables))
					}
				}
			})
		}
	}
}
