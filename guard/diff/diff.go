package diff

import (
	"cmp"
	"slices"
	"strings"

	"github.com/schemaguard/guard/guard/schema"
)

// Schemas returns every difference between before and after, classified, in
// a deterministic order: by Table (the Object for enums), then Object, then
// Kind. A nil schema counts as an empty one. It returns nil when the schemas
// are the same. It only reads its arguments and is safe for concurrent use.
//
// A removed table is one table_removed change, not one per column; within a
// table, a removed and an added column of the same type are one probable
// column_renamed, and constraints and indexes are matched by definition, so
// renaming or recreating one identically is not a change.
func Schemas(before, after *schema.Schema) []Change {
	if before == nil {
		before = &schema.Schema{}
	}
	if after == nil {
		after = &schema.Schema{}
	}
	d := &differ{}

	afterTables := make(map[objKey]*schema.Table, len(after.Tables))
	for i := range after.Tables {
		t := &after.Tables[i]
		afterTables[objKey{t.Schema, t.Name}] = t
	}
	beforeTables := make(map[objKey]*schema.Table, len(before.Tables))
	type pair struct {
		before, after *schema.Table
		cols          columnMatch
	}
	var pairs []pair
	for i := range before.Tables {
		t := &before.Tables[i]
		k := objKey{t.Schema, t.Name}
		beforeTables[k] = t
		if a := afterTables[k]; a != nil {
			m := matchColumns(t, a)
			if len(m.renames) > 0 {
				if d.renames == nil {
					d.renames = make(map[objKey]map[string]string)
				}
				d.renames[k] = m.renames
			}
			pairs = append(pairs, pair{t, a, m})
		}
	}
	var removed, added []*schema.Table
	for i := range before.Tables {
		t := &before.Tables[i]
		if afterTables[objKey{t.Schema, t.Name}] == nil {
			removed = append(removed, t)
		}
	}
	for i := range after.Tables {
		t := &after.Tables[i]
		if beforeTables[objKey{t.Schema, t.Name}] == nil {
			added = append(added, t)
			d.tableAdded(t)
		}
	}
	d.tablesRemoved(removed, added)
	// Renames are all known now, so foreign keys to a table whose column was
	// renamed compare equal.
	for _, p := range pairs {
		d.table(p.before, p.after, p.cols)
	}

	pairByName(before.Enums, after.Enums, func(e *schema.Enum) objKey { return objKey{e.Schema, e.Name} }, d.enum)
	pairByName(before.Views, after.Views, func(v *schema.View) objKey { return objKey{v.Schema, v.Name} }, d.view)
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
	out     []Change
}

func (d *differ) add(c Change) { d.out = append(d.out, c) }

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
