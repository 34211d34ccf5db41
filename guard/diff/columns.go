package diff

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/schemaguard/guard/guard/schema"
)

// columnMatch pairs the columns of two versions of a table.
type columnMatch struct {
	pairs   []columnPair // same name, or a rename
	removed []*schema.Column
	added   []*schema.Column
	renames map[string]string // old name → new name; nil when none
	certain bool              // matched by identity: renames are certain
}

type columnPair struct {
	before, after *schema.Column
	recreated     bool // dropped and added again under its name (another attnum)
}

// matchColumnsByName pairs columns by name only, and guesses nothing: for a
// table created again, whose columns have no identity in common with the
// old one's.
func matchColumnsByName(before, after *schema.Table) columnMatch {
	m := columnMatch{certain: true}
	afterByName := make(map[string]*schema.Column, len(after.Columns))
	for i := range after.Columns {
		afterByName[after.Columns[i].Name] = &after.Columns[i]
	}
	paired := make(map[*schema.Column]bool, len(before.Columns))
	for i := range before.Columns {
		c := &before.Columns[i]
		if a := afterByName[c.Name]; a != nil {
			m.pairs = append(m.pairs, columnPair{before: c, after: a})
			paired[a] = true
		} else {
			m.removed = append(m.removed, c)
		}
	}
	for i := range after.Columns {
		if c := &after.Columns[i]; !paired[c] {
			m.added = append(m.added, c)
		}
	}
	return m
}

// matchColumnsByIdentity pairs the columns of one table (the same oid) at two
// moments by attnum: a column of another name under the same attnum was
// renamed; one of the same name under another attnum was dropped and added
// again; the others were removed or added. It falls back on matchColumns
// when an attnum is not known.
func matchColumnsByIdentity(before, after *schema.Table) columnMatch {
	for _, cols := range [][]schema.Column{before.Columns, after.Columns} {
		for i := range cols {
			if cols[i].Attnum == 0 {
				return matchColumns(before, after)
			}
		}
	}
	m := columnMatch{certain: true}
	if len(before.Columns) == len(after.Columns) { // the usual case: nothing changed
		same := true
		for i := range before.Columns {
			if before.Columns[i].Name != after.Columns[i].Name || before.Columns[i].Attnum != after.Columns[i].Attnum {
				same = false
				break
			}
		}
		if same {
			m.pairs = make([]columnPair, len(before.Columns))
			for i := range before.Columns {
				m.pairs[i] = columnPair{before: &before.Columns[i], after: &after.Columns[i]}
			}
			return m
		}
	}
	afterByAttnum := make(map[schema.ID]*schema.Column, len(after.Columns))
	afterByName := make(map[string]*schema.Column, len(after.Columns))
	for i := range after.Columns {
		c := &after.Columns[i]
		afterByAttnum[c.Attnum] = c
		afterByName[c.Name] = c
	}
	beforeAttnums := make(map[schema.ID]bool, len(before.Columns))
	for i := range before.Columns {
		beforeAttnums[before.Columns[i].Attnum] = true
	}
	paired := make(map[*schema.Column]bool, len(after.Columns))
	for i := range before.Columns {
		c := &before.Columns[i]
		if a := afterByAttnum[c.Attnum]; a != nil {
			m.pairs = append(m.pairs, columnPair{before: c, after: a})
			paired[a] = true
			if a.Name != c.Name {
				if m.renames == nil {
					m.renames = make(map[string]string)
				}
				m.renames[c.Name] = a.Name
			}
		}
	}
	for i := range before.Columns {
		c := &before.Columns[i]
		if afterByAttnum[c.Attnum] != nil {
			continue
		}
		if a := afterByName[c.Name]; a != nil && !paired[a] && !beforeAttnums[a.Attnum] {
			m.pairs = append(m.pairs, columnPair{before: c, after: a, recreated: true})
			paired[a] = true
			continue
		}
		m.removed = append(m.removed, c)
	}
	for i := range after.Columns {
		if c := &after.Columns[i]; !paired[c] {
			m.added = append(m.added, c)
		}
	}
	return m
}

// matchColumns pairs columns by name, then pairs what is left over as
// probable renames: a removed and an added column of the same type, the best
// candidates first (same position, then same nullability, then same
// default), ties going to the lowest positions.
func matchColumns(before, after *schema.Table) columnMatch {
	var m columnMatch
	// Fast path: the same names in the same order, the usual case.
	if len(before.Columns) == len(after.Columns) {
		same := true
		for i := range before.Columns {
			if before.Columns[i].Name != after.Columns[i].Name {
				same = false
				break
			}
		}
		if same {
			m.pairs = make([]columnPair, len(before.Columns))
			for i := range before.Columns {
				m.pairs[i] = columnPair{before: &before.Columns[i], after: &after.Columns[i]}
			}
			return m
		}
	}

	afterByName := make(map[string]*schema.Column, len(after.Columns))
	for i := range after.Columns {
		afterByName[after.Columns[i].Name] = &after.Columns[i]
	}
	beforeNames := make(map[string]bool, len(before.Columns))
	for i := range before.Columns {
		c := &before.Columns[i]
		beforeNames[c.Name] = true
		if a := afterByName[c.Name]; a != nil {
			m.pairs = append(m.pairs, columnPair{before: c, after: a})
		} else {
			m.removed = append(m.removed, c)
		}
	}
	for i := range after.Columns {
		if c := &after.Columns[i]; !beforeNames[c.Name] {
			m.added = append(m.added, c)
		}
	}
	if len(m.removed) == 0 || len(m.added) == 0 {
		return m
	}

	type candidate struct {
		removed, added int // indexes into m.removed, m.added
		score          int
	}
	var candidates []candidate
	for i, r := range m.removed {
		for j, a := range m.added {
			if r.Type != a.Type {
				continue
			}
			score := 0
			if r.Position == a.Position {
				score += 4
			}
			if r.NotNull == a.NotNull {
				score += 2
			}
			if r.Default == a.Default && r.Identity == a.Identity && r.Generated == a.Generated {
				score++
			}
			candidates = append(candidates, candidate{i, j, score})
		}
	}
	slices.SortStableFunc(candidates, func(a, b candidate) int {
		return cmp.Or(
			cmp.Compare(b.score, a.score),
			cmp.Compare(m.removed[a.removed].Position, m.removed[b.removed].Position),
			cmp.Compare(m.added[a.added].Position, m.added[b.added].Position),
		)
	})
	usedRemoved := make([]bool, len(m.removed))
	usedAdded := make([]bool, len(m.added))
	for _, c := range candidates {
		if usedRemoved[c.removed] || usedAdded[c.added] {
			continue
		}
		usedRemoved[c.removed], usedAdded[c.added] = true, true
		r, a := m.removed[c.removed], m.added[c.added]
		m.pairs = append(m.pairs, columnPair{before: r, after: a})
		if m.renames == nil {
			m.renames = make(map[string]string)
		}
		m.renames[r.Name] = a.Name
	}
	m.removed = keep(m.removed, usedRemoved)
	m.added = keep(m.added, usedAdded)
	return m
}

func keep(cols []*schema.Column, used []bool) []*schema.Column {
	var out []*schema.Column
	for i, c := range cols {
		if !used[i] {
			out = append(out, c)
		}
	}
	return out
}

// columns reports the column changes of a table whose columns were matched.
func (d *differ) columns(table string, m columnMatch) {
	for _, c := range m.added {
		obj := sub(table, c.Name)
		if c.NotNull && c.Default == "" && c.Identity == "" && c.Generated == "" {
			d.add(Change{
				Kind: ColumnAdded, Impact: Breaking, Table: table, Object: obj,
				Message: fmt.Sprintf("column %s was added NOT NULL without a default", quoteIdent(c.Name)),
				Hint:    "add it nullable or with a default, backfill it, then SET NOT NULL once the code writes it",
			})
			continue
		}
		d.add(Change{
			Kind: ColumnAdded, Impact: Safe, Table: table, Object: obj,
			Message: fmt.Sprintf("column %s was added", quoteIdent(c.Name)),
		})
	}
	for _, c := range m.removed {
		d.add(Change{
			Kind: ColumnRemoved, Impact: Breaking, Table: table, Object: sub(table, c.Name),
			Message: fmt.Sprintf("column %s was removed", quoteIdent(c.Name)),
			Hint:    fmt.Sprintf("deploy code that no longer reads or writes %s first, then drop it in a later release", quoteIdent(c.Name)),
		})
	}
	for _, p := range m.pairs {
		b, a := p.before, p.after
		// A generated column's values are computed from the row: made
		// again, it loses nothing that column_generated_added does not say.
		if p.recreated && a.Generated == "" {
			d.add(Change{
				Kind: ColumnRecreated, Impact: Breaking, Table: table, Object: sub(table, a.Name),
				Message: fmt.Sprintf("column %s was dropped and added again: its values are gone", quoteIdent(a.Name)),
				Hint:    fmt.Sprintf("change %s in place with ALTER COLUMN (TYPE … USING, SET DEFAULT, …); to move its values, add a new column, backfill it, then drop the old one", quoteIdent(a.Name)),
			})
		}
		if b.Name != a.Name {
			msg := fmt.Sprintf("column %s was renamed to %s", quoteIdent(b.Name), quoteIdent(a.Name))
			if !m.certain {
				msg += " (probable)"
			}
			d.add(Change{
				Kind: ColumnRenamed, Impact: Breaking, Table: table, Object: sub(table, b.Name),
				Message: msg,
				Hint: fmt.Sprintf("expand/contract: add %s, keep both in sync with a trigger, move readers and writers to it, drop %s in a later release",
					quoteIdent(a.Name), quoteIdent(b.Name)),
			})
		}
		if !sameColumn(b, a) {
			d.column(table, b, a, m.renames)
		}
	}
}

// sameColumn reports whether b and a differ in nothing column reports on
// (identity and position aside).
func sameColumn(b, a *schema.Column) bool {
	bb := *b
	bb.Attnum, bb.Position = a.Attnum, a.Position
	return bb == *a
}

// column reports the attribute changes of one column (b and a may differ in
// name when the column was renamed; the change names the new column).
func (d *differ) column(table string, b, a *schema.Column, renames map[string]string) {
	obj := sub(table, a.Name)
	name := quoteIdent(a.Name)
	change := func(k Kind, i Impact, hint, format string, args ...any) {
		d.add(Change{Kind: k, Impact: i, Table: table, Object: obj, Message: fmt.Sprintf(format, args...), Hint: hint})
	}

	if b.Type != a.Type {
		if widening(b.Type, a.Type) {
			change(ColumnTypeChanged, Risky,
				"old reads and writes still work; check that clients, ORM models and validations accept the wider values",
				"column %s changed type from %s to %s (widening)", name, b.Type, a.Type)
		} else {
			change(ColumnTypeChanged, Breaking,
				"add a column of the new type, backfill it and keep both in sync, move readers, then drop the old column",
				"column %s changed type from %s to %s", name, b.Type, a.Type)
		}
	}

	switch {
	case !b.NotNull && a.NotNull && b.Identity == "" && a.Identity != "":
		// The NOT NULL an identity column implies: the identity supplies
		// the values, reported as column_identity_added.
	case !b.NotNull && a.NotNull && d.guarded[a.Name]:
		change(ColumnNotNullAdded, Safe, "",
			"column %s became NOT NULL, which a CHECK (%s IS NOT NULL) already enforced", name, schema.QuoteIdent(a.Name))
	case !b.NotNull && a.NotNull:
		change(ColumnNotNullAdded, Breaking,
			fmt.Sprintf("once no code writes NULL: ADD CHECK (%s IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL", schema.QuoteIdent(a.Name)),
			"column %s became NOT NULL", name)
	case b.NotNull && !a.NotNull:
		change(ColumnNotNullDropped, Safe, "", "column %s is no longer NOT NULL", name)
	}

	switch {
	case sameDefault(b.Default, a.Default):
	case b.Default == "":
		change(ColumnDefaultAdded, Safe, "", "column %s got the default %s", name, a.Default)
	case a.Default == "" && a.Identity != "" && b.Identity == "":
		// A default (a serial's nextval) replaced by an identity: the
		// identity supplies the values, reported as column_identity_added.
	case a.Default == "":
		// Without a default, old inserts that omit the column fail when it
		// is NOT NULL, unless something else fills it in.
		if a.NotNull && a.Identity == "" && a.Generated == "" {
			change(ColumnDefaultRemoved, Breaking,
				fmt.Sprintf("deploy code that always sets %s on insert first, then drop the default", name),
				"column %s lost its default %s (it is NOT NULL)", name, b.Default)
		} else {
			change(ColumnDefaultRemoved, Risky,
				fmt.Sprintf("deploy code that always sets %s on insert first, then drop the default", name),
				"column %s lost its default %s", name, b.Default)
		}
	default:
		change(ColumnDefaultChanged, Risky,
			"old inserts that omit the column now get the new default; make sure the old code expects it",
			"column %s changed its default from %s to %s", name, b.Default, a.Default)
	}

	switch {
	case b.Identity == a.Identity:
	case b.Identity == "":
		if a.Identity == "always" {
			change(ColumnIdentityAdded, Breaking,
				"use GENERATED BY DEFAULT AS IDENTITY so that inserts with explicit values keep working",
				"column %s became an identity column (GENERATED ALWAYS)", name)
		} else {
			change(ColumnIdentityAdded, Safe, "", "column %s became an identity column (GENERATED %s)", name, strings.ToUpper(a.Identity))
		}
	case a.Identity == "":
		if a.NotNull && a.Default == "" {
			change(ColumnIdentityRemoved, Breaking,
				"give the column a default (a sequence) before dropping the identity, or deploy code that sets it first",
				"column %s is no longer an identity column", name)
		} else {
			change(ColumnIdentityRemoved, Risky, "", "column %s is no longer an identity column", name)
		}
	case a.Identity == "always":
		change(ColumnIdentityChanged, Breaking,
			"keep GENERATED BY DEFAULT until no code inserts explicit values",
			"column %s changed from GENERATED BY DEFAULT to GENERATED ALWAYS", name)
	default:
		change(ColumnIdentityChanged, Safe, "", "column %s changed from GENERATED ALWAYS to GENERATED BY DEFAULT", name)
	}

	if b.Identity != "" && a.Identity != "" && b.IdentityOptions != a.IdentityOptions {
		bo, ao := b.IdentityOptionsOf(), a.IdentityOptionsOf()
		if ao.Max < bo.Max || ao.Min > bo.Min {
			change(ColumnIdentityOptionsChanged, Breaking,
				"inserts fail once the sequence reaches its new bound: keep the old bounds, or make sure it never gets there",
				"column %s's identity sequence was narrowed to %d..%d (was %d..%d)", name, ao.Min, ao.Max, bo.Min, bo.Max)
		} else {
			change(ColumnIdentityOptionsChanged, Safe, "",
				"column %s's identity sequence changed its options (start %d, increment %d, %d..%d%s)", name, ao.Start, ao.Increment, ao.Min, ao.Max, cycle(ao.Cycle))
		}
	}

	if bg := renameIdents(b.Generated, renames); bg != a.Generated {
		switch {
		case bg == "":
			change(ColumnGeneratedAdded, Breaking,
				"add a new generated column under another name and move readers to it",
				"column %s became generated as %s", name, a.Generated)
		case a.Generated == "":
			if a.NotNull && a.Default == "" && a.Identity == "" {
				change(ColumnGeneratedRemoved, Breaking,
					fmt.Sprintf("give %s a default, or deploy code that writes it, before dropping the expression", name),
					"column %s is no longer generated and has no default (it is NOT NULL)", name)
			} else {
				change(ColumnGeneratedRemoved, Risky,
					fmt.Sprintf("new rows no longer compute %s; deploy code that writes it first", name),
					"column %s is no longer generated", name)
			}
		default:
			change(ColumnGeneratedChanged, Risky, "",
				"column %s changed its generation expression from %s to %s", name, b.Generated, a.Generated)
		}
	}

	if b.Collation != a.Collation {
		change(ColumnCollationChanged, Risky,
			"sorting, comparisons and unique indexes on the column change; check the queries that rely on them",
			"column %s changed collation from %s to %s", name, orDefault(b.Collation), orDefault(a.Collation))
	}
}

func orDefault(collation string) string {
	if collation == "" {
		return "the default"
	}
	return collation
}

func cycle(on bool) string {
	if on {
		return ", cycle"
	}
	return ""
}
