package schema

import "slices"

// identityRow is a row of identity_sequences.sql.
type identityRow struct {
	TableOID  uint32 `db:"table_oid"`
	Attnum    int16  `db:"attnum"`
	Start     int64  `db:"start"`
	Min       int64  `db:"min"`
	Max       int64  `db:"max"`
	Increment int64  `db:"increment"`
	Cycle     bool   `db:"cycle"`
}

// readIdentityOptions sets the options of the identity columns whose
// sequence has others than the defaults.
func readIdentityOptions(irs []*identityRow, s *Schema, tabs tableIndex) {
	for _, ir := range irs {
		e, ok := tabs[ir.TableOID]
		if !ok || e.index < 0 {
			continue // a table left out
		}
		j, found := slices.BinarySearch(e.attnums, ir.Attnum)
		t := &s.Tables[e.index]
		if !found || j >= len(t.Columns) {
			continue
		}
		t.Columns[j].IdentityOptions = IdentityOptions{Start: ir.Start, Min: ir.Min, Max: ir.Max, Increment: ir.Increment, Cycle: ir.Cycle}
	}
}

// DefaultIdentityOptions returns the options an identity column of the
// given type ("smallint", "integer" or "bigint") has when none is given.
func DefaultIdentityOptions(typ string) IdentityOptions {
	max := int64(9223372036854775807)
	switch typ {
	case "smallint":
		max = 32767
	case "integer":
		max = 2147483647
	}
	return IdentityOptions{Start: 1, Min: 1, Max: max, Increment: 1}
}

// IdentityOptionsOf returns c's identity options: its own, or the defaults
// for its type.
func (c *Column) IdentityOptionsOf() IdentityOptions {
	if c.IdentityOptions != (IdentityOptions{}) {
		return c.IdentityOptions
	}
	return DefaultIdentityOptions(c.Type)
}

// columnGrantRow is a row of column_grants.sql.
type columnGrantRow struct {
	TableOID  uint32 `db:"table_oid"`
	Attnum    int16  `db:"attnum"`
	Grantee   string `db:"grantee"`
	Privilege string `db:"privilege"`
}

// readColumnGrants sets the column privileges of the tables read.
func readColumnGrants(grs []*columnGrantRow, s *Schema, tabs tableIndex) {
	for _, gr := range grs {
		e, ok := tabs[gr.TableOID]
		if !ok || e.index < 0 {
			continue // a table left out
		}
		names, ok := e.columnNames([]int16{gr.Attnum})
		if !ok {
			continue
		}
		t := &s.Tables[e.index]
		t.ColumnGrants = append(t.ColumnGrants, ColumnGrant{Column: names[0], Grantee: gr.Grantee, Privilege: gr.Privilege})
	}
}
