package schema

import (
	"fmt"
	"slices"
	"strings"
)

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

// columnGrants reads the column privileges of a row of tables.sql: per
// column of ColumnACLAttnums, "PRIVILEGE=grantee,…" with grantees as
// quote_ident writes them (a name with a comma is quoted) or PUBLIC.
func columnGrants(tr *tableRow, cols []Column) ([]ColumnGrant, error) {
	if len(tr.ColumnACLAttnums) != len(tr.ColumnACLs) {
		return nil, fmt.Errorf("table %s: column privilege arrays of unequal length", Qualify(tr.Schema, tr.Name))
	}
	var out []ColumnGrant
	for k, attnum := range tr.ColumnACLAttnums {
		j, found := slices.BinarySearch(tr.ColumnAttnums, attnum)
		if !found {
			continue
		}
		for _, item := range splitOutsideQuotes(tr.ColumnACLs[k]) {
			priv, grantee, ok := strings.Cut(item, "=")
			if !ok {
				return nil, fmt.Errorf("table %s: column privilege %q", Qualify(tr.Schema, tr.Name), item)
			}
			out = append(out, ColumnGrant{Column: cols[j].Name, Grantee: grantee, Privilege: priv})
		}
	}
	return out, nil
}

// tableGrants reads the table privileges of a row of tables.sql,
// "PRIVILEGE=grantee,…".
func tableGrants(acl string) []Grant {
	var out []Grant
	for _, item := range splitOutsideQuotes(acl) {
		if priv, grantee, ok := strings.Cut(item, "="); ok {
			out = append(out, Grant{Grantee: grantee, Privilege: priv})
		}
	}
	return out
}

// splitOutsideQuotes splits s at the commas outside double quotes.
func splitOutsideQuotes(s string) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted // a doubled quote toggles twice
		case ',':
			if !quoted {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	if s != "" {
		out = append(out, s[start:])
	}
	return out
}
