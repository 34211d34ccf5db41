package schema

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// factsRow is the one row of facts.sql.
type factsRow struct {
	DefaultOpclasses      []uint32 `db:"default_opclasses"`
	DefaultOpclassTypes   []uint32 `db:"default_opclass_types"`
	DefaultOpclassBuiltin []bool   `db:"default_opclass_builtin"`
	EnumTypes             []uint32 `db:"enum_types"`
	QuotedKeywords        []string `db:"quoted_keywords"`
	QuoteAllIdentifiers   bool     `db:"quote_all_identifiers"`
}

// facts is what assembling an index definition needs from the catalogs.
type facts struct {
	defaultOpclasses map[uint32]opclass // the default operator classes by oid
	enumTypes        map[uint32]bool
	quotedKeywords   map[string]bool
	quoteAll         bool
}

type opclass struct {
	inputType uint32
	builtin   bool
}

func readFacts(fr *factsRow) (*facts, error) {
	if len(fr.DefaultOpclassTypes) != len(fr.DefaultOpclasses) || len(fr.DefaultOpclassBuiltin) != len(fr.DefaultOpclasses) {
		return nil, errors.New("operator class arrays of unequal length")
	}
	f := &facts{
		defaultOpclasses: make(map[uint32]opclass, len(fr.DefaultOpclasses)),
		enumTypes:        make(map[uint32]bool, len(fr.EnumTypes)),
		quotedKeywords:   make(map[string]bool, len(fr.QuotedKeywords)),
		quoteAll:         fr.QuoteAllIdentifiers,
	}
	for i, oid := range fr.DefaultOpclasses {
		f.defaultOpclasses[oid] = opclass{inputType: fr.DefaultOpclassTypes[i], builtin: fr.DefaultOpclassBuiltin[i]}
	}
	for _, oid := range fr.EnumTypes {
		f.enumTypes[oid] = true
	}
	for _, w := range fr.QuotedKeywords {
		f.quotedKeywords[w] = true
	}
	return f, nil
}

// Type oids of PostgreSQL's built-in types (fixed since they were added).
const (
	oidText     = 25
	oidVarchar  = 1043
	oidAnyArray = 2277
	oidAnyEnum  = 3500
)

// quotesAsServer reports whether QuoteIdent quotes id as the server's
// quote_ident does, and so pg_get_indexdef: unless quote_all_identifiers is
// on, or id is a keyword the server quotes and QuoteIdent does not, or the
// reverse (QuoteIdent knows PostgreSQL 15's keywords; later releases add a
// few).
func (f *facts) quotesAsServer(id string) bool {
	return !f.quoteAll && f.quotedKeywords[id] == quotedKeyword(id)
}

// defaultFor reports whether pg_get_indexdef would leave the operator class
// oc unnamed on a column of type typ, i.e. whether GetDefaultOpClass picks
// oc for typ: oc is a default class for typ itself or, among the built-in
// ones, the class it picks by binary coercion (enum_ops for an enum,
// text_ops for varchar). Anything else (array_ops, classes of extensions)
// is left to pg_get_indexdef.
func (f *facts) defaultFor(oc, typ uint32) bool {
	c, ok := f.defaultOpclasses[oc]
	switch {
	case !ok:
		return false
	case c.inputType == typ:
		return true
	case !c.builtin:
		return false
	case c.inputType == oidAnyEnum:
		return f.enumTypes[typ]
	case c.inputType == oidText:
		return typ == oidVarchar
	}
	return false
}

// indexRow is a row of indexes.sql.
type indexRow struct {
	OID        uint32   `db:"oid"`
	TableOID   uint32   `db:"table_oid"`
	Name       string   `db:"name"`
	Method     string   `db:"method"`
	IsUnique   bool     `db:"is_unique"`
	Partial    bool     `db:"partial"`
	Invalid    bool     `db:"invalid"`
	Keys       []int16  `db:"keys"`
	Opclasses  []uint32 `db:"opclasses"`
	Collations []uint32 `db:"collations"`
	Definition string   `db:"definition"`
}

// pendingIndex is an index whose definition is left to pg_get_indexdef.
type pendingIndex struct {
	oid          uint32
	table, index int // indexes in Schema.Tables and Table.Indexes
}

func readIndexes(irs []*indexRow, s *Schema, tabs tableIndex, f *facts) ([]pendingIndex, error) {
	var pending []pendingIndex
	var b strings.Builder
	for _, ir := range irs {
		e, ok := tabs[ir.TableOID]
		if !ok || e.index < 0 {
			continue // a table left out
		}
		t := &s.Tables[e.index]
		def := ir.Definition
		if def == "" {
			if def, ok = assembleIndexDef(&b, f, t, *e, ir); !ok {
				pending = append(pending, pendingIndex{oid: ir.OID, table: e.index, index: len(t.Indexes)})
			}
		}
		t.Indexes = append(t.Indexes, Index{Name: ir.Name, Definition: def, Unique: ir.IsUnique, Partial: ir.Partial, Invalid: ir.Invalid})
	}
	return pending, nil
}

// assembleIndexDef writes the definition of an index on plain columns as
// pg_get_indexdef does, if every key column has its type's default operator
// class and its own collation, and every name is quoted as the server would
// (quotesAsServer); ok is false otherwise.
func assembleIndexDef(b *strings.Builder, f *facts, t *Table, e tableEntry, ir *indexRow) (def string, ok bool) {
	if len(ir.Opclasses) != len(ir.Keys) || len(ir.Collations) != len(ir.Keys) || len(ir.Keys) == 0 {
		return "", false
	}
	ok = true
	ident := func(id string) {
		ok = ok && f.quotesAsServer(id)
		b.WriteString(QuoteIdent(id))
	}
	b.Reset()
	b.WriteString("CREATE ")
	if ir.IsUnique {
		b.WriteString("UNIQUE ")
	}
	b.WriteString("INDEX ")
	ident(ir.Name)
	b.WriteString(" ON ")
	ident(t.Schema)
	b.WriteByte('.')
	ident(t.Name)
	b.WriteString(" USING ")
	ident(ir.Method)
	b.WriteString(" (")
	for k, attnum := range ir.Keys {
		j, found := slices.BinarySearch(e.attnums, attnum)
		if !found || !f.defaultFor(ir.Opclasses[k], e.types[j]) ||
			ir.Collations[k] != 0 && ir.Collations[k] != e.colls[j] {
			return "", false
		}
		if k > 0 {
			b.WriteString(", ")
		}
		ident(e.names[j])
	}
	b.WriteByte(')')
	if !ok {
		return "", false
	}
	return b.String(), true
}

// indexDefRow is a row of indexdefs.sql.
type indexDefRow struct {
	OID        uint32 `db:"oid"`
	Definition string `db:"definition"`
}

// readIndexDefinitions asks pg_get_indexdef for the definitions Inspect could
// not assemble, with one more query.
func readIndexDefinitions(ctx context.Context, conn Querier, s *Schema, pending []pendingIndex) error {
	if len(pending) == 0 {
		return nil
	}
	oids := make([]uint32, len(pending))
	for i, p := range pending {
		oids[i] = p.oid
	}
	rows, err := conn.Query(ctx, indexDefsQuery, oids)
	if err != nil {
		return err
	}
	drs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[indexDefRow])
	if err != nil {
		return err
	}
	defs := make(map[uint32]string, len(drs))
	for _, dr := range drs {
		defs[dr.OID] = dr.Definition
	}
	for _, p := range pending {
		s.Tables[p.table].Indexes[p.index].Definition = defs[p.oid]
	}
	return nil
}
