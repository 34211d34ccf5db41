package schema

import (
	"fmt"
	"slices"
)

// tableRow is a row of tables.sql.
type tableRow struct {
	OID              uint32   `db:"oid"`
	Schema           string   `db:"schema"`
	Name             string   `db:"name"`
	ColumnAttnums    []int16  `db:"column_attnums"`
	ColumnNames      []string `db:"column_names"`
	ColumnNotNulls   []bool   `db:"column_not_nulls"`
	ColumnIdentities []string `db:"column_identities"`
	ColumnTypeOIDs   []uint32 `db:"column_type_oids"`
	ColumnTypmods    []int32  `db:"column_typmods"`
	ColumnCollOIDs   []uint32 `db:"column_collation_oids"`
	DefaultAttnums   []int16  `db:"default_attnums"`
	DefaultExprs     []string `db:"default_exprs"`
	DefaultGenerated []bool   `db:"default_generated"`
	RowSecurity      bool     `db:"row_security"`
	ForceRowSecurity bool     `db:"force_row_security"`
	ColumnACLAttnums []int16  `db:"column_acl_attnums"`
	ColumnACLs       []string `db:"column_acls"` // "PRIVILEGE=grantee,…" per column of ColumnACLAttnums
	TableACL         string   `db:"table_acl"`   // "PRIVILEGE=grantee,…"
}

// tableIndex finds what tableReader read by table oid.
type tableIndex map[uint32]*tableEntry

type tableEntry struct {
	index   int // in Schema.Tables; -1 for a table left out
	schema  string
	name    string
	attnums []int16  // ascending
	names   []string // column names, parallel to attnums
	types   []uint32 // column type oids, parallel to attnums (not for a table left out)
	colls   []uint32 // column collation oids, parallel to attnums (idem)
}

// columnNames maps attnums to the names of the table's columns; ok is false
// when one is not among them.
func (e *tableEntry) columnNames(attnums []int16) (names []string, ok bool) {
	names = make([]string, len(attnums))
	for i, n := range attnums {
		j, found := slices.BinarySearch(e.attnums, n)
		if !found {
			return nil, false
		}
		names[i] = e.names[j]
	}
	return names, true
}

// tableReader fills Schema.Tables from the rows of tables.sql as they come,
// while the server is still producing the next ones, with the tables and
// their columns, all but their types and collations (see nameTypes). It
// keeps every table it reads, left out or not, by oid.
type tableReader struct {
	o     *options
	s     *Schema
	tabs  tableIndex
	types columnTypes
	slots map[typeKey]int32 // slots in types.keys
}

func (r *tableReader) add(tr *tableRow) error {
	n := len(tr.ColumnNames)
	if len(tr.ColumnAttnums) != n || len(tr.ColumnNotNulls) != n || len(tr.ColumnIdentities) != n ||
		len(tr.ColumnTypeOIDs) != n || len(tr.ColumnTypmods) != n || len(tr.ColumnCollOIDs) != n ||
		len(tr.DefaultExprs) != len(tr.DefaultAttnums) ||
		len(tr.DefaultGenerated) != len(tr.DefaultAttnums) {
		return fmt.Errorf("table %s: column arrays of unequal length", Qualify(tr.Schema, tr.Name))
	}
	e := &tableEntry{index: -1, schema: tr.Schema, name: tr.Name, attnums: tr.ColumnAttnums, names: tr.ColumnNames}
	if r.o.excluded(tr.Schema, tr.Name) {
		r.tabs[tr.OID] = e
		return nil
	}
	if r.slots == nil {
		r.slots = map[typeKey]int32{}
	}
	cols := make([]Column, n)
	for j := range n {
		cols[j] = Column{
			Attnum:   ID(tr.ColumnAttnums[j]),
			Name:     tr.ColumnNames[j],
			NotNull:  tr.ColumnNotNulls[j],
			Identity: tr.ColumnIdentities[j],
			Position: j + 1,
		}
		k := typeKey{tr.ColumnTypeOIDs[j], tr.ColumnTypmods[j]}
		slot, ok := r.slots[k]
		if !ok {
			slot = int32(len(r.types.keys))
			r.slots[k] = slot
			r.types.keys = append(r.types.keys, k)
		}
		r.types.slots = append(r.types.slots, slot)
	}
	r.types.colls = append(r.types.colls, tr.ColumnCollOIDs...)
	for k, attnum := range tr.DefaultAttnums {
		j, found := slices.BinarySearch(tr.ColumnAttnums, attnum)
		if !found {
			continue // not a live column
		}
		if tr.DefaultGenerated[k] {
			cols[j].Generated = tr.DefaultExprs[k]
		} else {
			cols[j].Default = tr.DefaultExprs[k]
		}
	}
	grants, err := columnGrants(tr, cols)
	if err != nil {
		return err
	}
	e.index = len(r.s.Tables)
	e.types, e.colls = tr.ColumnTypeOIDs, tr.ColumnCollOIDs
	r.tabs[tr.OID] = e
	r.s.Tables = append(r.s.Tables, Table{OID: ID(tr.OID), Schema: tr.Schema, Name: tr.Name, Columns: cols,
		RowSecurity: tr.RowSecurity, ForceRowSecurity: tr.ForceRowSecurity, ColumnGrants: grants, Grants: tableGrants(tr.TableACL)})
	return nil
}
