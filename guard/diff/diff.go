package diff

import (
	"cmp"
	"slices"
	"strings"

	"github.com/schemaguard/guard/guard/schema"
)

// Option configures Schemas.
type Option func(*options)

type options struct {
	identity bool
}

// WithIdentity says that before and after were read from one database at two
// moments (or from copies made with CREATE DATABASE … TEMPLATE, which keep
// the catalog's identities), as a shadow's steps are: tables and columns are
// then matched by identity (schema.Table.OID, schema.Column.Attnum) where
// both sides know it, rather than by name and guesses. A renamed table or
// column is table_renamed or column_renamed for sure; a table or column
// dropped and created again under its name is table_recreated or
// column_recreated (its rows or values are gone); a column dropped and
// another added is a removal and an addition, never a rename. Without it
// (the live database against a shadow, or a contract locked elsewhere),
// identities are not comparable and are ignored.
func WithIdentity() Option { return func(o *options) { o.identity = true } }

// Schemas returns every difference between before and after, classified, in
// a deterministic order: by Table (the Object for enums), then Object, then
// Kind. A nil schema counts as an empty one. It returns nil when the schemas
// are the same. It only reads its arguments and is safe for concurrent use.
//
// A removed table is one table_removed change, not one per column; within a
// table, a removed and an added column of the same type are one probable
// column_renamed (unless WithIdentity tells for sure), and constraints and
// indexes are matched by definition, so renaming or recreating one
// identically is not a change.
func Schemas(before, after *schema.Schema, opts ...Option) []Change {
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if before == nil {
		before = &schema.Schema{}
	}
	if after == nil {
		after = &schema.Schema{}
	}
	d := &differ{}

	type pair struct {
		before, after *schema.Table
		recreated     bool
	}
	var pairs []pair
	pairedAfter := make(map[*schema.Table]bool, len(after.Tables))
	var removed, added []*schema.Table
	afterTables := make(map[objKey]*schema.Table, len(after.Tables))
	for i := range after.Tables {
		t := &after.Tables[i]
		afterTables[objKey{t.Schema, t.Name}] = t
	}
	var afterByOID, beforeByOID map[schema.ID]*schema.Table
	if o.identity {
		afterByOID = make(map[schema.ID]*schema.Table, len(after.Tables))
		for i := range after.Tables {
			if t := &after.Tables[i]; t.OID != 0 {
				afterByOID[t.OID] = t
			}
		}
		beforeByOID = make(map[schema.ID]*schema.Table, len(before.Tables))
		for i := range before.Tables {
			if t := &before.Tables[i]; t.OID != 0 {
				beforeByOID[t.OID] = t
			}
		}
	}
	// A table attached as a partition is not removed: its parent reports it.
	partitionOf := map[objKey]bool{}
	for _, t := range after.Tables {
		for _, p := range t.Partitions {
			partitionOf[objKey{p.Schema, p.Name}] = true
		}
	}
	// First by identity, then by name.
	pairedBefore := make([]bool, len(before.Tables))
	for i := range before.Tables {
		t := &before.Tables[i]
		if a := afterByOID[t.OID]; t.OID != 0 && a != nil {
			pairs = append(pairs, pair{before: t, after: a})
			pairedAfter[a], pairedBefore[i] = true, true
		}
	}
	for i := range before.Tables {
		if pairedBefore[i] {
			continue
		}
		t := &before.Tables[i]
		a := afterTables[objKey{t.Schema, t.Name}]
		switch {
		case a == nil && partitionOf[objKey{t.Schema, t.Name}]:
		case a == nil || pairedAfter[a]:
			// Gone, or its name now belongs to another table (renamed to it).
			removed = append(removed, t)
		case o.identity && t.OID != 0 && a.OID != 0:
			pairs = append(pairs, pair{before: t, after: a, recreated: true})
			pairedAfter[a] = true
		default:
			pairs = append(pairs, pair{before: t, after: a})
			pairedAfter[a] = true
		}
	}
	for i := range after.Tables {
		if t := &after.Tables[i]; !pairedAfter[t] {
			added = append(added, t)
			d.tableAdded(t)
		}
	}
	if o.identity {
		d.tablesRemoved(removed, nil) // none of them was renamed: their oid is gone
	} else {
		d.tablesRemoved(removed, added)
	}
	matches := make([]columnMatch, len(pairs))
	for i, p := range pairs {
		k := objKey{p.before.Schema, p.before.Name}
		switch {
		case p.recreated:
			d.tableRecreated(p.after)
			matches[i] = matchColumnsByName(p.before, p.after)
		case o.identity && p.before.OID != 0:
			matches[i] = matchColumnsByIdentity(p.before, p.after)
			if p.before.Name != p.after.Name || p.before.Schema != p.after.Schema {
				d.tableRenamed(p.before, p.after)
				if d.tableRenames == nil {
					d.tableRenames = make(map[objKey]objKey)
				}
				d.tableRenames[k] = objKey{p.after.Schema, p.after.Name}
			}
		default:
			matches[i] = matchColumns(p.before, p.after)
		}
		if len(matches[i].renames) > 0 {
			if d.renames == nil {
				d.renames = make(map[objKey]map[string]string)
			}
			d.renames[k] = matches[i].renames
		}
	}
	// Renames are all known now, so foreign keys to a table whose column was
	// renamed compare equal.
	standalone := func(s, n string) bool { return afterTables[objKey{s, n}] != nil }
	for i, p := range pairs {
		d.table(p.before, p.after, matches[i])
		d.partitions(p.before, p.after, standalone)
	}

	pairByName(before.Enums, after.Enums, func(e *schema.Enum) objKey { return objKey{e.Schema, e.Name} }, d.enum)
	pairByName(before.Views, after.Views, func(v *schema.View) objKey { return objKey{v.Schema, v.Name} }, d.view)
	d.functions(before.Functions, after.Functions, o.identity)
	d.sequences(before, after)
	d.extensions(before.Extensions, after.Extensions)
	d.domains(before.Domains, after.Domains)
	d.composites(before.Composites, after.Composites)
	return d.sorted()
}

// Tables returns the differences between two versions of one table, ordered
// like Schemas: table_added when before is nil, table_removed when after is
// nil, nil when both are nil or the table did not change. The contract uses
// it to compare a locked table snapshot with the live table. Foreign keys are
// compared as written; renames in the tables they reference are not known
// here (Schemas knows them).
func Tables(before, after *schema.Table) []Change {
	d := &differ{}
	switch {
	case before == nil && after == nil:
		return nil
	case before == nil:
		d.tableAdded(after)
	case after == nil:
		d.tablesRemoved([]*schema.Table{before}, nil)
	default:
		m := matchColumns(before, after)
		if len(m.renames) > 0 {
			d.renames = map[objKey]map[string]string{{before.Schema, before.Name}: m.renames}
		}
		d.table(before, after, m)
		d.partitions(before, after, nil)
	}
	return d.sorted()
}

// Enums returns the differences between two versions of one enum type:
// enum_added when before is nil, enum_removed when after is nil, value
// changes otherwise; nil when nothing changed.
func Enums(before, after *schema.Enum) []Change {
	d := &differ{}
	d.enum(before, after)
	return d.sorted()
}

// Views returns the differences between two versions of one view: view_added
// when before is nil, view_removed when after is nil, column and definition
// changes otherwise; nil when nothing changed.
func Views(before, after *schema.View) []Change {
	d := &differ{}
	d.view(before, after)
	return d.sorted()
}

// Worst returns the highest impact among changes: Breaking if any change is
// breaking, else Risky if any is risky, else Safe (also when changes is
// empty).
func Worst(changes []Change) Impact {
	worst := Safe
	for _, c := range changes {
		worst = max(worst, c.Impact)
	}
	return worst
}

// objKey identifies a table, enum or view.
type objKey struct{ schema, name string }

// differ collects the changes of one comparison.
type differ struct {
	// renames holds, per table (by its name in both versions), the probable
	// column renames: old name → new name.
	renames map[objKey]map[string]string
	// tableRenames holds the tables renamed for sure (WithIdentity): old
	// name → new name.
	tableRenames map[objKey]objKey
	// fresh holds, while a table is compared, the columns added to it in
	// this comparison, by name: the old code never writes them.
	fresh map[string]*schema.Column
	// guarded holds, while a table's columns are compared, those a CHECK
	// (col IS NOT NULL) already kept from NULL; takeover, while its
	// constraints are, the unique its new primary key took over.
	guarded  map[string]bool
	takeover string
	out      []Change
}

func (d *differ) add(c Change) {
	c.DataLoss = losesData(c.Kind)
	d.out = append(d.out, c)
}

// sorted orders the changes by table (object for enums), object, kind.
// Generation order breaks the remaining ties, so the result is deterministic.
func (d *differ) sorted() []Change {
	if len(d.out) == 0 {
		return nil
	}
	group := func(c Change) string { return cmp.Or(c.Table, c.Object) }
	slices.SortStableFunc(d.out, func(a, b Change) int {
		return cmp.Or(
			cmp.Compare(group(a), group(b)),
			cmp.Compare(a.Object, b.Object),
			cmp.Compare(a.Kind, b.Kind),
		)
	})
	return d.out
}

// sub names an object inside a table, enum or view: "public.users.email".
func sub(parent, name string) string { return parent + "." + schema.QuoteIdent(name) }

// quoteIdent quotes the name of a column (or other object inside a table)
// for a message the way quoteName quotes a table: "email", "My ""Col""".
func quoteIdent(name string) string { return quoteName(schema.QuoteIdent(name)) }

// quoteName puts a qualified name in double quotes for a message, unless it
// has SQL quotes of its own: "public.users", but public."My Table".
func quoteName(qualified string) string {
	if strings.ContainsRune(qualified, '"') {
		return qualified
	}
	return `"` + qualified + `"`
}

// pairByName calls f for every object of before with its namesake in after
// (nil when it is gone), then for every object only in after (before nil).
func pairByName[T any](before, after []T, key func(*T) objKey, f func(b, a *T)) {
	byKey := make(map[objKey]*T, len(after))
	for i := range after {
		byKey[key(&after[i])] = &after[i]
	}
	seen := make(map[objKey]bool, len(before))
	for i := range before {
		k := key(&before[i])
		seen[k] = true
		f(&before[i], byKey[k])
	}
	for i := range after {
		if !seen[key(&after[i])] {
			f(nil, &after[i])
		}
	}
}
