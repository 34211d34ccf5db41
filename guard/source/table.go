package source

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
)

// DefaultTableName is golang-migrate's version table.
const DefaultTableName = "schema_migrations"

// Table is golang-migrate's version table, schema_migrations(version
// bigint, dirty boolean), named as its x-migrations-table option names it.
type Table struct {
	Schema string // "" for the session's current schema
	Name   string
}

// DefaultTable returns schema_migrations in the current schema.
func DefaultTable() Table { return Table{Name: DefaultTableName} }

// quotedTable is how golang-migrate splits a quoted x-migrations-table.
var quotedTable = regexp.MustCompile(`"(.*?)"`)

// ParseTable reads a version table name the way golang-migrate's PostgreSQL
// drivers read x-migrations-table: a table name in the current schema, or,
// when quoted is true (x-migrations-table-quoted), `"schema"."table"` or
// `"table"`. It is the one reading of guard's --migrations-table, which is
// quoted when it starts with a double quote.
func ParseTable(name string, quoted bool) (Table, error) {
	if strings.TrimSpace(name) == "" {
		return Table{}, errors.New("empty migrations table name")
	}
	if !quoted {
		return Table{Name: name}, nil
	}
	if len(name) < 2 || !strings.HasPrefix(name, `"`) || !strings.HasSuffix(name, `"`) {
		return Table{}, fmt.Errorf(`quoted migrations table %s must look like "schema"."table" or "table"`, name)
	}
	parts := quotedTable.FindAllStringSubmatch(name, -1)
	switch {
	case len(parts) > 2:
		return Table{}, fmt.Errorf(`migrations table %s has too many dots: write it as "schema"."table"`, name)
	case len(parts) == 2:
		return Table{Schema: parts[0][1], Name: parts[1][1]}, nil
	}
	return Table{Name: parts[0][1]}, nil
}

// ParseTableName reads guard's --migrations-table: ParseTable, quoted when
// name starts with a double quote.
func ParseTableName(name string) (Table, error) {
	return ParseTable(name, strings.HasPrefix(strings.TrimSpace(name), `"`))
}

// In returns the table with its schema set to schema when it has none.
func (t Table) In(schema string) Table {
	if t.Schema == "" {
		t.Schema = schema
	}
	return t
}

// String returns the table as an SQL identifier, e.g. "ops"."versions".
func (t Table) String() string {
	if t.Schema == "" {
		return pgx.Identifier{t.Name}.Sanitize()
	}
	return pgx.Identifier{t.Schema, t.Name}.Sanitize()
}

// Key returns the name as guard records it beside its history rows: the
// bare name for a table in the current schema, else the quoted pair.
func (t Table) Key() string {
	if t.Schema == "" {
		return t.Name
	}
	return t.String()
}
