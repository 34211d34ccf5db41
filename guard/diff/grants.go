package diff

import (
	"fmt"
	"slices"

	"github.com/schemaguard/guard/guard/schema"
)

// columnGrants reports the column privileges granted and revoked on a table
// that is there before and after, following column renames (own: old name →
// new). A column gone takes its privileges with it: column_removed says it.
// A column privilege revoked while the role keeps the privilege on the
// whole table loses nothing.
func (d *differ) columnGrants(table string, before, after *schema.Table, own map[string]string) {
	if len(before.ColumnGrants) == 0 && len(after.ColumnGrants) == 0 ||
		len(own) == 0 && slices.Equal(before.ColumnGrants, after.ColumnGrants) { // both sorted
		return
	}
	rename := func(g schema.ColumnGrant) schema.ColumnGrant {
		if to, ok := own[g.Column]; ok {
			g.Column = to
		}
		return g
	}
	had := make(map[schema.ColumnGrant]bool, len(before.ColumnGrants))
	for _, g := range before.ColumnGrants {
		had[rename(g)] = true
	}
	has := make(map[schema.ColumnGrant]bool, len(after.ColumnGrants))
	for _, g := range after.ColumnGrants {
		has[g] = true
	}
	onTable := make(map[schema.Grant]bool, len(after.Grants))
	for _, g := range after.Grants {
		onTable[g] = true
	}
	for _, g := range before.ColumnGrants {
		g = rename(g)
		if has[g] || after.Column(g.Column) == nil || onTable[schema.Grant{Grantee: g.Grantee, Privilege: g.Privilege}] ||
			onTable[schema.Grant{Grantee: "PUBLIC", Privilege: g.Privilege}] {
			continue
		}
		d.add(Change{Kind: ColumnPrivilegeRevoked, Impact: Breaking, Table: table, Object: sub(table, g.Column),
			Message: fmt.Sprintf("%s on column %s of %s was revoked from %s: code running as that role now fails on it", g.Privilege, quoteIdent(g.Column), quoteName(table), g.Grantee),
			Hint:    "revoke it after the code that uses the column is gone, in a later release"})
	}
	for _, g := range after.ColumnGrants {
		if !had[g] {
			d.add(Change{Kind: ColumnPrivilegeGranted, Impact: Safe, Table: table, Object: sub(table, g.Column),
				Message: fmt.Sprintf("%s on column %s of %s was granted to %s", g.Privilege, quoteIdent(g.Column), quoteName(table), g.Grantee)})
		}
	}
}
