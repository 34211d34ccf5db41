package schema

import (
	"strconv"
	"strings"

	"github.com/schemaguard/guard/guard/source"
)

// DefaultMigrationsTable is golang-migrate's default migrations table, left
// out of every inspection.
const DefaultMigrationsTable = source.DefaultTableName

// GuardTablePrefix starts the name of every table guard keeps for itself;
// such tables are left out of every inspection.
const GuardTablePrefix = "guard_"

// Option configures Inspect.
type Option func(*options) error

type options struct {
	schemas            []string
	excludes           []tableRef
	parallelism        int
	parallelMinCatalog int64 // see parallelMinCatalog
}

type tableRef struct {
	schema string // "" matches every schema
	name   string
}

// WithSchemas sets the schemas to inspect (default "public"). Names are
// taken as stored, without quoting: WithSchemas("public", "My Schema").
// Inspect fails with an *OptionError for an empty list or an empty name.
func WithSchemas(names ...string) Option {
	return func(o *options) error {
		if len(names) == 0 {
			return &OptionError{Option: "WithSchemas", Reason: "no schema given"}
		}
		o.schemas = o.schemas[:0]
		for _, n := range names {
			if n == "" {
				return &OptionError{Option: "WithSchemas", Value: n, Reason: "empty schema name"}
			}
			o.schemas = append(o.schemas, n)
		}
		return nil
	}
}

// WithExcludeTables leaves more tables out, in addition to the migrations
// table (DefaultMigrationsTable, in any schema) and guard's own tables
// (GuardTablePrefix), which are always left out. A name is written as in SQL:
// "audit_log" leaves that table out in every schema in scope, "app.audit_log"
// or `"My App"."Audit Log"` only in that schema. Use it for a custom
// x-migrations-table. Inspect fails with an *OptionError for a name it
// cannot parse.
func WithExcludeTables(names ...string) Option {
	return func(o *options) error {
		for _, n := range names {
			s, t, ok := ParseTableName(n, "")
			if !ok {
				return &OptionError{Option: "WithExcludeTables", Value: n, Reason: "not a table name"}
			}
			o.excludes = append(o.excludes, tableRef{schema: s, name: t})
		}
		return nil
	}
}

// WithParallelism sets how many connections Inspect may read over at once
// (default 2; it uses two at most). With two, given a *pgx.Conn,
// *pgxpool.Conn or *pgxpool.Pool and a database with large catalogs
// (pg_attribute of 8 MB or more: about a thousand tables of fifteen columns),
// Inspect reads the tables over the connection it was given and the other
// catalogs over a second one, in the same snapshot (pg_export_snapshot), the
// way pg_dump -j does. The second connection is a new one made from a copy of
// the first's configuration, or one the pool has to spare; Inspect closes it
// (or puts it back) before it returns. When it cannot have one, it reads everything over
// the first. A transaction (pgx.Tx) is always read over alone.
// WithParallelism(1) never opens a second connection. Inspect fails with an
// *OptionError for n < 1.
func WithParallelism(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return &OptionError{Option: "WithParallelism", Value: strconv.Itoa(n), Reason: "fewer than one connection"}
		}
		o.parallelism = n
		return nil
	}
}

func (o *options) excluded(schemaName, name string) bool {
	if strings.HasPrefix(name, GuardTablePrefix) {
		return true
	}
	for _, r := range o.excludes {
		if r.name == name && (r.schema == "" || r.schema == schemaName) {
			return true
		}
	}
	return false
}
