package diff

import (
	"fmt"
	"slices"
	"strings"

	"github.com/schemaguard/guard/guard/schema"
)

// enum reports the changes of an enum type. A value removed where a new
// value now stands (same place in the sort order) is a probable rename.
func (d *differ) enum(b, a *schema.Enum) {
	switch {
	case b == nil && a == nil:
		return
	case b == nil:
		q := a.QualifiedName()
		d.add(Change{Kind: EnumAdded, Impact: Safe, Enum: q, Object: q, Message: fmt.Sprintf("enum %s was added", quoteName(q))})
		return
	case a == nil:
		q := b.QualifiedName()
		d.add(Change{Kind: EnumRemoved, Impact: Breaking, Enum: q, Object: q, Message: fmt.Sprintf("enum %s was removed", quoteName(q)),
			Hint: "deploy code that no longer uses the type first, then drop it"})
		return
	}
	if slices.Equal(b.Values, a.Values) {
		return
	}
	q := a.QualifiedName()
	inBefore := make(map[string]bool, len(b.Values))
	for _, v := range b.Values {
		inBefore[v] = true
	}
	inAfter := make(map[string]bool, len(a.Values))
	for _, v := range a.Values {
		inAfter[v] = true
	}
	renamedTo := make(map[string]string)
	renamedFrom := make(map[string]bool)
	for i, v := range b.Values {
		if !inAfter[v] && i < len(a.Values) && !inBefore[a.Values[i]] {
			renamedTo[v] = a.Values[i]
			renamedFrom[a.Values[i]] = true
		}
	}
	for _, v := range b.Values {
		switch to, renamed := renamedTo[v]; {
		case renamed:
			d.add(Change{Kind: EnumValueRenamed, Impact: Breaking, Enum: q, Object: sub(q, v),
				Message: fmt.Sprintf("enum %s value %q was renamed to %q (probable)", quoteName(q), v, to),
				Hint:    "add the new value, move rows and code to it, and retire the old value in a later release"})
		case !inAfter[v]:
			d.add(Change{Kind: EnumValueRemoved, Impact: Breaking, Enum: q, Object: sub(q, v),
				Message: fmt.Sprintf("enum %s value %q was removed", quoteName(q), v),
				Hint:    "deploy code that no longer writes or expects the value, update the rows that hold it, then remove it"})
		}
	}
	for _, v := range a.Values {
		if !inBefore[v] && !renamedFrom[v] {
			d.add(Change{Kind: EnumValueAdded, Impact: Safe, Enum: q, Object: sub(q, v),
				Message: fmt.Sprintf("enum %s value %q was added", quoteName(q), v)})
		}
	}
	// The values both versions have: same relative order?
	var common, commonAfter []string
	for _, v := range b.Values {
		if inAfter[v] {
			common = append(common, v)
		}
	}
	for _, v := range a.Values {
		if inBefore[v] {
			commonAfter = append(commonAfter, v)
		}
	}
	if !slices.Equal(common, commonAfter) {
		d.add(Change{Kind: EnumValuesReordered, Impact: Risky, Enum: q, Object: q,
			Message: fmt.Sprintf("enum %s values changed order", quoteName(q)),
			Hint:    "ORDER BY and comparisons on the type change; check the queries that rely on them"})
	}
}

// view reports the changes of a view. A removed column or a column whose
// type changed is breaking (a widening type change is risky, as for tables);
// an added column is safe. A view that returns the same columns from a
// different query (or became materialized or stopped being) is risky, since
// old reads still work but may return other rows; when its columns changed
// too, the query is reported only when it changed beyond its select list.
func (d *differ) view(b, a *schema.View) {
	switch {
	case b == nil && a == nil:
		return
	case b == nil:
		q := a.QualifiedName()
		d.add(Change{Kind: ViewAdded, Impact: Safe, Table: q, Object: q, Message: fmt.Sprintf("view %s was added", quoteName(q))})
		return
	case a == nil:
		q := b.QualifiedName()
		d.add(Change{Kind: ViewRemoved, Impact: Breaking, Table: q, Object: q, Message: fmt.Sprintf("view %s was removed", quoteName(q)),
			Hint: "deploy code that no longer reads the view first, then drop it"})
		return
	}
	q := a.QualifiedName()
	switch {
	case b.CheckOption == a.CheckOption:
	case a.CheckOption != "" && (b.CheckOption == "" || a.CheckOption == "cascaded"):
		d.add(Change{Kind: ViewCheckOptionChanged, Impact: Risky, Table: q, Object: q,
			Message: fmt.Sprintf("view %s now has WITH %s CHECK OPTION (was %s): writes through it of rows it would not show fail", quoteName(q), strings.ToUpper(a.CheckOption), orNone(b.CheckOption)),
			Hint:    "make sure the old code writes through the view only rows the view shows"})
	default:
		d.add(Change{Kind: ViewCheckOptionChanged, Impact: Safe, Table: q, Object: q,
			Message: fmt.Sprintf("view %s changed its check option from %s to %s: it loosens", quoteName(q), b.CheckOption, orNone(a.CheckOption))})
	}
	afterCols := make(map[string]string, len(a.Columns))
	for _, c := range a.Columns {
		afterCols[c.Name] = c.Type
	}
	beforeCols := make(map[string]bool, len(b.Columns))
	columnsChanged := false
	for _, c := range b.Columns {
		beforeCols[c.Name] = true
		typ, ok := afterCols[c.Name]
		switch {
		case !ok:
			columnsChanged = true
			d.add(Change{Kind: ViewColumnChanged, Impact: Breaking, Table: q, Object: sub(q, c.Name),
				Message: fmt.Sprintf("view column %s was removed", quoteIdent(c.Name)),
				Hint:    "keep the column in the view (or add a new view) until no code reads it"})
		case typ != c.Type && widening(c.Type, typ):
			columnsChanged = true
			d.add(Change{Kind: ViewColumnChanged, Impact: Risky, Table: q, Object: sub(q, c.Name),
				Message: fmt.Sprintf("view column %s changed type from %s to %s (widening)", quoteIdent(c.Name), c.Type, typ),
				Hint:    "old reads still work; check that clients accept the wider values"})
		case typ != c.Type:
			columnsChanged = true
			d.add(Change{Kind: ViewColumnChanged, Impact: Breaking, Table: q, Object: sub(q, c.Name),
				Message: fmt.Sprintf("view column %s changed type from %s to %s", quoteIdent(c.Name), c.Type, typ),
				Hint:    "add a new column (or view) with the new type and move readers before changing the old one"})
		}
	}
	for _, c := range a.Columns {
		if !beforeCols[c.Name] {
			columnsChanged = true
			d.add(Change{Kind: ViewColumnAdded, Impact: Safe, Table: q, Object: sub(q, c.Name),
				Message: fmt.Sprintf("view column %s was added", quoteIdent(c.Name))})
		}
	}
	if columnsChanged && b.Materialized == a.Materialized {
		// The select list changed with the columns; the rest of the query
		// (FROM, WHERE, GROUP BY, …) may have changed too, which the column
		// changes do not say.
		if viewBody(b.Definition) != viewBody(a.Definition) {
			d.add(Change{Kind: ViewDefinitionChanged, Impact: Risky, Table: q, Object: q,
				Message: fmt.Sprintf("view %s changed its query beyond its columns (FROM, WHERE, grouping)", quoteName(q)),
				Hint:    "the columns it kept may return other rows; check that the code expects them"})
		}
		return
	}
	switch {
	case b.Materialized != a.Materialized && a.Materialized:
		d.add(Change{Kind: ViewDefinitionChanged, Impact: Risky, Table: q, Object: q,
			Message: fmt.Sprintf("view %s became a materialized view", quoteName(q)),
			Hint:    "a materialized view only changes on REFRESH; make sure readers can live with stale rows"})
	case b.Materialized != a.Materialized:
		d.add(Change{Kind: ViewDefinitionChanged, Impact: Risky, Table: q, Object: q,
			Message: fmt.Sprintf("view %s is no longer materialized", quoteName(q))})
	case b.Definition != a.Definition:
		d.add(Change{Kind: ViewDefinitionChanged, Impact: Risky, Table: q, Object: q,
			Message: fmt.Sprintf("view %s changed its query (same columns)", quoteName(q)),
			Hint:    "old reads still work but may return other rows; check that the code expects them"})
	}
}

// viewBody returns a view's definition (pg_get_viewdef) without its select
// list: from its top-level FROM on, which pg_get_viewdef writes on a line of
// its own indented by three spaces (a subquery's is indented further). A
// query without FROM has no body.
func viewBody(def string) string {
	if i := strings.Index(def, "\n   FROM "); i >= 0 {
		return def[i:]
	}
	return ""
}
