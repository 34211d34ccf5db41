package source

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

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
//
// A name (or schema) longer than 63 bytes is refused: PostgreSQL truncates
// identifiers to NAMEDATALEN-1 bytes, so the table golang-migrate creates
// would not be the one named.
func ParseTable(name string, quoted bool) (t Table, err error) {
	if strings.TrimSpace(name) == "" {
		return Table{}, errors.New("empty migrations table name")
	}
	defer func() {
		if err != nil {
			return
		}
		for _, part := range []string{t.Schema, t.Name} {
			if len(part) > maxIdentifier {
				t, err = Table{}, fmt.Errorf("migrations table name %q is %d bytes, and PostgreSQL truncates identifiers to %d bytes (the table would be %q)",
					part, len(part), maxIdentifier, truncate(part))
				return
			}
		}
	}()
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

// maxIdentifier is PostgreSQL's NAMEDATALEN-1: the longest identifier, in
// bytes.
const maxIdentifier = 63

// truncate cuts id to maxIdentifier bytes as PostgreSQL does, never inside
// a UTF-8 character.
func truncate(id string) string {
	n := maxIdentifier
	for n > 0 && !utf8.RuneStart(id[n]) {
		n--
	}
	return id[:n]
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
