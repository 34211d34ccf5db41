package diff

import (
	"fmt"
	"slices"
	"strings"

	"github.com/schemaguard/guard/guard/schema"
)

func (d *differ) tableAdded(t *schema.Table) {
	q := t.QualifiedName()
	d.add(Change{Kind: TableAdded, Impact: Safe, Table: q, Object: q, Message: fmt.Sprintf("table %s was added", quoteName(q))})
}

// tableRecreated reports a table dropped and created again under its name
// (another oid, WithIdentity): whatever its shape, its rows are gone.
func (d *differ) tableRecreated(t *schema.Table) {
	q := t.QualifiedName()
	d.add(Change{
		Kind: TableRecreated, Impact: Breaking, Table: q, Object: q,
		Message: fmt.Sprintf("table %s was dropped and created again: its rows are gone", quoteName(q)),
		Hint:    "change the table in place with ALTER TABLE; to rebuild it, copy the rows into the new table before dropping the old one (or empty it on purpose with TRUNCATE, reviewed as such)",
	})
}

// tableRenamed reports a table renamed or moved to another schema, for sure
// (the same oid, WithIdentity).
func (d *differ) tableRenamed(before, after *schema.Table) {
	from, to := before.QualifiedName(), after.QualifiedName()
	d.add(Change{
		Kind: TableRenamed, Impact: Breaking, Table: to, Object: to,
		Message: fmt.Sprintf("table %s was renamed to %s", quoteName(from), quoteName(to)),
		Hint:    "deploy code that uses the new name first, or keep a view under the old name until readers and writers move",
	})
}

// tablesRemoved reports removed tables. A removed table whose columns (names
// and types) match an added one's was probably renamed; the message says so.
func (d *differ) tablesRemoved(removed, added []*schema.Table) {
	var bySignature map[string]string
	if len(removed) > 0 && len(added) > 0 {
		bySignature = make(map[string]string, len(added))
		for _, t := range added {
			if s := signature(t); bySignature[s] == "" {
				bySignature[s] = t.QualifiedName()
			}
		}
	}
	for _, t := range removed {
		q := t.QualifiedName()
		msg := fmt.Sprintf("table %s was removed", quoteName(q))
		if to := bySignature[signature(t)]; to != "" {
			msg = fmt.Sprintf("table %s was removed (probably renamed to %s)", quoteName(q), quoteName(to))
		}
		d.add(Change{
			Kind: TableRemoved, Impact: Breaking, Table: q, Object: q, Message: msg,
			Hint: "deploy code that no longer uses the table first; for a rename, keep a view under the old name until readers move",
		})
	}
}

func signature(t *schema.Table) string {
	var b strings.Builder
	for _, c := range t.Columns {
		b.WriteString(c.Name)
		b.WriteByte(0)
		b.WriteString(c.Type)
		b.WriteByte(0)
	}
	return b.String()
}

// table reports the changes between two versions of a table whose columns
// were matched.
func (d *differ) table(before, after *schema.Table, m columnMatch) {
	q := after.QualifiedName()
	own := d.renames[objKey{before.Schema, before.Name}]
	d.guarded = notNullChecks(before, own)
	d.columns(q, m)
	d.guarded = nil
	d.fresh = nil
	if len(m.added) > 0 {
		d.fresh = make(map[string]*schema.Column, len(m.added))
		for _, c := range m.added {
			d.fresh[c.Name] = c
		}
	}
	d.takeover = pkTakeover(before, after, own)
	defer func() { d.fresh, d.takeover = nil, "" }()
	d.primaryKey(q, before.PrimaryKey, after.PrimaryKey, own)
	d.uniques(q, before, after, own)
	d.checks(q, after, before.Checks, after.Checks, own)
	d.exclusions(q, before.Exclusions, after.Exclusions, own)
	d.foreignKeys(q, before.ForeignKeys, after.ForeignKeys, own)
	d.indexes(q, before.Indexes, after.Indexes, own)
	d.triggers(q, before, before.Triggers, after.Triggers, own)
	d.rowSecurity(q, before, after, own)
	d.grants(q, before.Grants, after.Grants)
	d.columnGrants(q, before, after, own)
}

// notNullChecks returns the columns of t (by their names after renames)
// that a CHECK (col IS NOT NULL), valid or NOT VALID, already keeps from
// being written NULL.
func notNullChecks(t *schema.Table, renames map[string]string) map[string]bool {
	var out map[string]bool
	for _, c := range t.Checks {
		expr := strings.TrimSuffix(strings.TrimSuffix(checkKey(c, renames), " NOT VALID"), " NO INHERIT")
		inner, ok := strings.CutPrefix(expr, "CHECK ((")
		if !ok {
			continue
		}
		inner, ok = strings.CutSuffix(inner, " IS NOT NULL))")
		if !ok {
			continue
		}
		if name, end, ok := readIdent(inner, 0); ok && end == len(inner) {
			if out == nil {
				out = map[string]bool{}
			}
			out[name] = true
		}
	}
	return out
}

// pkTakeover returns the name of the unique constraint or index of before
// that after's new primary key took over (ADD PRIMARY KEY USING INDEX, or a
// key added on the same columns as one dropped), or "".
func pkTakeover(before, after *schema.Table, renames map[string]string) string {
	if before.PrimaryKey != nil || after.PrimaryKey == nil {
		return ""
	}
	for _, u := range uniquesOf(before, renames) {
		if u.cols != nil && slices.Equal(u.cols, after.PrimaryKey.Columns) {
			for _, a := range uniquesOf(after, nil) {
				if a.key == u.key {
					return "" // still there: the key is new
				}
			}
			return u.name
		}
	}
	return ""
}

func mapNames(cols []string, renames map[string]string) []string {
	if len(renames) == 0 {
		return cols
	}
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c
		if to, ok := renames[c]; ok {
			out[i] = to
		}
	}
	return out
}

// columnList renders columns as SQL: (a, "B").
func columnList(cols []string) string {
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = schema.QuoteIdent(c)
	}
	return "(" + strings.Join(quoted, ", ") + ")"
}

func (d *differ) primaryKey(table string, b, a *schema.PrimaryKey, renames map[string]string) {
	const hint = "build the new key's unique index CONCURRENTLY, switch with ADD PRIMARY KEY USING INDEX, and make sure no code relies on the old key"
	switch {
	case b == nil && a == nil:
	case b == nil && d.takeover != "":
		// The same uniqueness, now the key: NOT NULL, if it is new, is
		// reported with the column.
		d.add(Change{
			Kind: PrimaryKeyChanged, Impact: Safe, Table: table, Object: sub(table, a.Name),
			Message: fmt.Sprintf("primary key %s was added over the unique %s on the same columns", columnList(a.Columns), quoteIdent(d.takeover)),
		})
	case b == nil:
		d.add(Change{
			Kind: PrimaryKeyChanged, Impact: Breaking, Table: table, Object: sub(table, a.Name),
			Message: fmt.Sprintf("primary key %s was added", columnList(a.Columns)), Hint: hint,
		})
	case a == nil:
		d.add(Change{
			Kind: PrimaryKeyChanged, Impact: Breaking, Table: table, Object: sub(table, b.Name),
			Message: fmt.Sprintf("primary key %s was removed", columnList(b.Columns)), Hint: hint,
		})
	case !slices.Equal(mapNames(b.Columns, renames), a.Columns):
		d.add(Change{
			Kind: PrimaryKeyChanged, Impact: Breaking, Table: table, Object: sub(table, a.Name),
			Message: fmt.Sprintf("primary key changed from %s to %s", columnList(b.Columns), columnList(a.Columns)), Hint: hint,
		})
	}
}

// uniqueness is a UNIQUE constraint or a unique index, keyed by definition.
type uniqueness struct {
	key, name, desc string
	index           bool
	cols            []string // its columns, when it is on plain columns
}

func uniquesOf(t *schema.Table, renames map[string]string) []uniqueness {
	var out []uniqueness
	for _, u := range t.Uniques {
		cols := mapNames(u.Columns, renames)
		key, desc := "("+strings.Join(cols, "\x00")+")", columnList(u.Columns)
		if u.NullsNotDistinct || u.Deferrable != "" {
			// Not the same rule as a plain unique index on the columns.
			key += fmt.Sprintf("\x01%v\x01%s", u.NullsNotDistinct, u.Deferrable)
			if u.NullsNotDistinct {
				desc = "NULLS NOT DISTINCT " + desc
			}
			if u.Deferrable != "" {
				desc += " DEFERRABLE INITIALLY " + strings.ToUpper(u.Deferrable)
			}
			cols = nil
		}
		out = append(out, uniqueness{key: key, name: u.Name, desc: desc, cols: cols})
	}
	for _, ix := range t.Indexes {
		def, ok := parseIndexDef(ix.Definition)
		if !(ok && def.unique) && !(!ok && ix.Unique) {
			continue
		}
		u := uniqueness{key: ix.Definition, name: ix.Name, desc: ix.Definition, index: true}
		if ok {
			u.key = renameIdents(def.rest, renames)
			u.desc = def.rest
			if cols, plain := plainColumns(u.key); plain {
				// The same thing as a UNIQUE constraint on those columns.
				u.key = "(" + strings.Join(cols, "\x00") + ")"
				u.cols = cols
			}
		}
		out = append(out, u)
	}
	return out
}

func (d *differ) uniques(table string, before, after *schema.Table, renames map[string]string) {
	if slices.Equal(before.Indexes, after.Indexes) && slices.EqualFunc(before.Uniques, after.Uniques, func(a, b schema.Unique) bool {
		return a.Name == b.Name && slices.Equal(a.Columns, b.Columns) && a.NullsNotDistinct == b.NullsNotDistinct && a.Deferrable == b.Deferrable
	}) {
		return
	}
	key := func(u uniqueness) string { return u.key }
	removed, added := matchKeyedSides(uniquesOf(before, renames), uniquesOf(after, nil), key, key)
	what := func(u uniqueness) string {
		if u.index {
			return fmt.Sprintf("unique index %s", quoteIdent(u.name))
		}
		return fmt.Sprintf("unique constraint %s %s", quoteIdent(u.name), u.desc)
	}
	// A unique key replaced by one on more columns loosens it.
	loosened := map[int]bool{} // indexes in added
	removed = slices.DeleteFunc(removed, func(r uniqueness) bool {
		for i, a := range added {
			if !loosened[i] && r.cols != nil && a.cols != nil && len(a.cols) > len(r.cols) && subset(r.cols, a.cols) {
				loosened[i] = true
				d.add(Change{Kind: UniqueLoosened, Impact: Safe, Table: table, Object: sub(table, a.name),
					Message: fmt.Sprintf("%s was replaced by %s, on more columns: it loosens", what(r), what(a)),
					Hint:    "old INSERT … ON CONFLICT on the old columns needs a unique index on exactly them: check that none relies on it"})
				return true
			}
		}
		return false
	})
	for _, u := range removed {
		if u.name == d.takeover {
			continue // it became the primary key
		}
		d.add(Change{Kind: UniqueRemoved, Impact: Risky, Table: table, Object: sub(table, u.name),
			Message: what(u) + " was removed",
			Hint:    "old INSERT … ON CONFLICT on its columns fails without a unique index on exactly them: check that no code relies on it"})
	}
	for i, u := range added {
		if loosened[i] {
			continue
		}
		if d.allFresh(u.cols, true) {
			d.add(Change{Kind: UniqueAdded, Impact: Safe, Table: table, Object: sub(table, u.name),
				Message: what(u) + " was added, on columns added with it: old writes leave them NULL, which never conflicts"})
			continue
		}
		hint := "deduplicate first, CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT … UNIQUE USING INDEX"
		if u.index {
			hint = "deduplicate first and CREATE UNIQUE INDEX CONCURRENTLY, once no code writes duplicates"
		}
		d.add(Change{Kind: UniqueAdded, Impact: Risky, Table: table, Object: sub(table, u.name),
			Message: what(u) + " was added", Hint: hint})
	}
}

// allFresh reports whether cols (none: false) are all columns added in this
// comparison of the table, which the old code never writes: it leaves them
// NULL, or (unless noDefault) at their default.
func (d *differ) allFresh(cols []string, noDefault bool) bool {
	if len(cols) == 0 {
		return false
	}
	for _, name := range cols {
		c := d.fresh[name]
		if c == nil || noDefault && (c.Default != "" || c.Identity != "" || c.Generated != "") {
			return false
		}
	}
	return true
}

// allDefaulted reports whether the fresh columns cols all have a default
// (or are identity or generated columns): old writes never leave them NULL.
func (d *differ) allDefaulted(cols []string) bool {
	for _, name := range cols {
		if c := d.fresh[name]; c == nil || c.Default == "" && c.Identity == "" && c.Generated == "" {
			return false
		}
	}
	return true
}

// subset reports whether every name of a is in b.
func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// checkKey is a CHECK's definition with NOT VALID dropped: validating a
// constraint changes nothing for the code.
func checkKey(c schema.Check, renames map[string]string) string {
	// NO INHERIT concerns child tables only, not the table's own writes.
	return renameIdents(strings.TrimSuffix(strings.TrimSuffix(c.Expression, " NOT VALID"), " NO INHERIT"), renames)
}

func (d *differ) checks(table string, after *schema.Table, before, afterChecks []schema.Check, renames map[string]string) {
	if slices.Equal(before, afterChecks) {
		return
	}
	removed, added := matchKeyedSides(before, afterChecks,
		func(c schema.Check) string { return checkKey(c, renames) },
		func(c schema.Check) string { return checkKey(c, nil) })
	// A CHECK (col IN (…)) replaced by one allowing more values loosens it.
	loosened := map[int]bool{}
	removed = slices.DeleteFunc(removed, func(r schema.Check) bool {
		rc, rv, ok := inList(checkKey(r, renames))
		if !ok {
			return false
		}
		for i, a := range added {
			if ac, av, ok := inList(checkKey(a, nil)); ok && !loosened[i] && ac == rc && len(av) > len(rv) && subset(rv, av) {
				loosened[i] = true
				d.add(Change{Kind: CheckLoosened, Impact: Safe, Table: table, Object: sub(table, a.Name),
					Message: fmt.Sprintf("check constraint %s was replaced by %s, which allows more values: it loosens", quoteIdent(r.Name), quoteIdent(a.Name))})
				return true
			}
		}
		return false
	})
	for _, c := range removed {
		d.add(Change{Kind: CheckRemoved, Impact: Safe, Table: table, Object: sub(table, c.Name),
			Message: fmt.Sprintf("check constraint %s was removed: %s", quoteIdent(c.Name), c.Expression)})
	}
	for i, c := range added {
		if loosened[i] {
			continue
		}
		// NULL passes a check that does not test for it; a default passed
		// it on the existing rows.
		if refs := columnRefs(c.Expression, after.Columns); d.allFresh(refs, false) && (!nullSensitive(c.Expression) || d.allDefaulted(refs)) {
			d.add(Change{Kind: CheckAdded, Impact: Safe, Table: table, Object: sub(table, c.Name),
				Message: fmt.Sprintf("check constraint %s was added, on columns added with it (old writes leave them NULL, which passes): %s", quoteIdent(c.Name), c.Expression)})
			continue
		}
		d.add(Change{Kind: CheckAdded, Impact: Risky, Table: table, Object: sub(table, c.Name),
			Message: fmt.Sprintf("check constraint %s was added: %s", quoteIdent(c.Name), c.Expression),
			Hint:    "ADD CONSTRAINT … NOT VALID, then VALIDATE CONSTRAINT in a separate step, once no code writes rows that fail it"})
	}
}

// exclusionKey is an exclusion constraint's definition, which names every
// element, operator class, operator, the method, the predicate and
// deferrability.
func exclusionKey(x schema.Exclusion, renames map[string]string) string {
	return renameIdents(x.Definition, renames)
}

// exclusions reports EXCLUDE constraints, matched by definition: one removed
// and one added under the same name are one exclusion_changed.
func (d *differ) exclusions(table string, before, after []schema.Exclusion, renames map[string]string) {
	if slices.EqualFunc(before, after, exclusionEqual) {
		return
	}
	removed, added := matchKeyedSides(before, after,
		func(x schema.Exclusion) string { return exclusionKey(x, renames) },
		func(x schema.Exclusion) string { return exclusionKey(x, nil) })
	const hint = "an exclusion constraint is built with a full scan under a lock that blocks writes; make sure no code writes conflicting rows, and add it in a quiet window"
	gone := make(map[string]schema.Exclusion, len(removed))
	for _, x := range removed {
		gone[x.Name] = x
	}
	for _, x := range added {
		if b, ok := gone[x.Name]; ok {
			delete(gone, x.Name)
			d.add(Change{Kind: ExclusionChanged, Impact: Risky, Table: table, Object: sub(table, x.Name),
				Message: fmt.Sprintf("exclusion constraint %s changed from %s to %s", quoteIdent(x.Name), b.Definition, x.Definition),
				Hint:    hint})
			continue
		}
		if d.allFresh(x.Columns, true) {
			d.add(Change{Kind: ExclusionAdded, Impact: Safe, Table: table, Object: sub(table, x.Name),
				Message: fmt.Sprintf("exclusion constraint %s was added, on columns added with it (old writes leave them NULL, which never conflicts): %s", quoteIdent(x.Name), x.Definition)})
			continue
		}
		d.add(Change{Kind: ExclusionAdded, Impact: Risky, Table: table, Object: sub(table, x.Name),
			Message: fmt.Sprintf("exclusion constraint %s was added: %s", quoteIdent(x.Name), x.Definition),
			Hint:    hint})
	}
	for _, x := range removed {
		if _, ok := gone[x.Name]; !ok {
			continue
		}
		d.add(Change{Kind: ExclusionRemoved, Impact: Safe, Table: table, Object: sub(table, x.Name),
			Message: fmt.Sprintf("exclusion constraint %s was removed: %s", quoteIdent(x.Name), x.Definition)})
	}
}

func exclusionEqual(a, b schema.Exclusion) bool {
	return a.Name == b.Name && a.Definition == b.Definition
}

func (d *differ) fkKey(fk schema.ForeignKey, own map[string]string, mapRefs bool) string {
	cols, refs := fk.Columns, fk.ReferencedColumns
	ref := objKey{fk.ReferencedSchema, fk.ReferencedTable}
	if mapRefs {
		cols = mapNames(cols, own)
		refs = mapNames(refs, d.renames[ref])
		if to, ok := d.tableRenames[ref]; ok {
			ref = to
		}
	}
	return strings.Join(cols, "\x00") + "\x01" + ref.schema + "\x00" + ref.name + "\x01" +
		strings.Join(refs, "\x00") + "\x01" + fk.OnDelete + "\x01" + fk.OnUpdate + "\x01" + fk.Deferrable + "\x01" + fk.Match
}

func fkDesc(fk schema.ForeignKey) string {
	s := fmt.Sprintf("%s references %s %s", columnList(fk.Columns),
		schema.Qualify(fk.ReferencedSchema, fk.ReferencedTable), columnList(fk.ReferencedColumns))
	if fk.OnDelete != "" && fk.OnDelete != "NO ACTION" {
		s += " ON DELETE " + fk.OnDelete
	}
	if fk.OnUpdate != "" && fk.OnUpdate != "NO ACTION" {
		s += " ON UPDATE " + fk.OnUpdate
	}
	if fk.Match != "" {
		s += " MATCH " + strings.ToUpper(fk.Match)
	}
	if fk.Deferrable != "" {
		s += " DEFERRABLE INITIALLY " + strings.ToUpper(fk.Deferrable)
	}
	return s
}

func (d *differ) foreignKeys(table string, before, after []schema.ForeignKey, own map[string]string) {
	if slices.EqualFunc(before, after, fkEqual) {
		return
	}
	removed, added := matchKeyedSides(before, after,
		func(fk schema.ForeignKey) string { return d.fkKey(fk, own, true) },
		func(fk schema.ForeignKey) string { return d.fkKey(fk, nil, false) })
	// One removed and one added under a name, on the same columns and
	// referenced table: its actions, MATCH or deferrability changed.
	changed := map[int]bool{} // indexes in added
	removed = slices.DeleteFunc(removed, func(b schema.ForeignKey) bool {
		ref := objKey{b.ReferencedSchema, b.ReferencedTable}
		refCols := mapNames(b.ReferencedColumns, d.renames[ref])
		if to, ok := d.tableRenames[ref]; ok {
			ref = to
		}
		for i, a := range added {
			if changed[i] || a.Name != b.Name || !slices.Equal(mapNames(b.Columns, own), a.Columns) ||
				ref != (objKey{a.ReferencedSchema, a.ReferencedTable}) || !slices.Equal(refCols, a.ReferencedColumns) {
				continue
			}
			changed[i] = true
			c := Change{Kind: ForeignKeyChanged, Impact: Risky, Table: table, Object: sub(table, a.Name),
				Message: fmt.Sprintf("foreign key %s changed from %s to %s", quoteIdent(a.Name), fkDesc(b), fkDesc(a)),
				Hint:    "old deletes and updates of the referenced rows now cascade, fail or wait otherwise: check the code that makes them"}
			bb := b
			bb.Deferrable = a.Deferrable
			if b.Deferrable == "" && a.Deferrable != "" && d.fkKey(bb, own, true) == d.fkKey(a, nil, false) {
				// Only made deferrable: checks may wait for the commit.
				c.Impact, c.Hint = Safe, ""
			}
			d.add(c)
			return true
		}
		return false
	})
	for _, fk := range removed {
		d.add(Change{Kind: ForeignKeyRemoved, Impact: Safe, Table: table, Object: sub(table, fk.Name),
			Message: fmt.Sprintf("foreign key %s %s was removed", quoteIdent(fk.Name), fkDesc(fk))})
	}
	for i, fk := range added {
		if changed[i] {
			continue
		}
		if d.allFresh(fk.Columns, false) {
			d.add(Change{Kind: ForeignKeyAdded, Impact: Safe, Table: table, Object: sub(table, fk.Name),
				Message: fmt.Sprintf("foreign key %s %s was added, on columns added with it: old writes leave them NULL (or at their default, which the existing rows passed)", quoteIdent(fk.Name), fkDesc(fk))})
			continue
		}
		d.add(Change{Kind: ForeignKeyAdded, Impact: Risky, Table: table, Object: sub(table, fk.Name),
			Message: fmt.Sprintf("foreign key %s %s was added", quoteIdent(fk.Name), fkDesc(fk)),
			Hint:    "ADD CONSTRAINT … NOT VALID, then VALIDATE CONSTRAINT in a separate step, once no code writes orphan rows"})
	}
}

func fkEqual(a, b schema.ForeignKey) bool {
	return a.Name == b.Name && a.ReferencedSchema == b.ReferencedSchema && a.ReferencedTable == b.ReferencedTable &&
		a.OnDelete == b.OnDelete && a.OnUpdate == b.OnUpdate && a.Deferrable == b.Deferrable && a.Match == b.Match &&
		slices.Equal(a.Columns, b.Columns) && slices.Equal(a.ReferencedColumns, b.ReferencedColumns)
}

// indexKey is a non-unique index's definition without its name and table.
func indexKey(ix schema.Index, renames map[string]string) (string, bool) {
	def, ok := parseIndexDef(ix.Definition)
	if !ok {
		return ix.Definition, ix.Unique
	}
	return renameIdents(def.rest, renames), def.unique
}

// indexes reports non-unique indexes; unique ones are compared with the
// UNIQUE constraints.
func (d *differ) indexes(table string, before, after []schema.Index, renames map[string]string) {
	if slices.Equal(before, after) {
		return
	}
	d.validity(table, before, after)
	nonUnique := func(ixs []schema.Index, renames map[string]string) (out []schema.Index, keys map[string]string) {
		keys = make(map[string]string, len(ixs))
		for _, ix := range ixs {
			if k, unique := indexKey(ix, renames); !unique {
				out = append(out, ix)
				keys[ix.Name] = k
			}
		}
		return out, keys
	}
	b, bk := nonUnique(before, renames)
	a, ak := nonUnique(after, nil)
	removed, added := matchKeyedSides(b, a,
		func(ix schema.Index) string { return bk[ix.Name] },
		func(ix schema.Index) string { return ak[ix.Name] })
	for _, ix := range removed {
		d.add(Change{Kind: IndexRemoved, Impact: Safe, Table: table, Object: sub(table, ix.Name),
			Message: fmt.Sprintf("index %s was removed", quoteIdent(ix.Name)),
			Hint:    "use DROP INDEX CONCURRENTLY, and check that no query depends on it for speed"})
	}
	for _, ix := range added {
		msg := fmt.Sprintf("index %s was added", quoteIdent(ix.Name))
		if ix.Invalid {
			msg += " (INVALID: left by a failed or interrupted CREATE INDEX CONCURRENTLY)"
		}
		d.add(Change{Kind: IndexAdded, Impact: Safe, Table: table, Object: sub(table, ix.Name),
			Message: msg,
			Hint:    "use CREATE INDEX CONCURRENTLY so that writes are not blocked while it builds"})
	}
}

// validity reports the indexes, unique or not, of the same name and
// definition on both sides whose validity differs.
func (d *differ) validity(table string, before, after []schema.Index) {
	was := make(map[string]schema.Index, len(before))
	for _, ix := range before {
		was[ix.Name] = ix
	}
	for _, ix := range after {
		b, ok := was[ix.Name]
		if !ok || b.Invalid == ix.Invalid || b.Definition != ix.Definition {
			continue
		}
		c := Change{Kind: IndexValidityChanged, Impact: Safe, Table: table, Object: sub(table, ix.Name),
			Message: fmt.Sprintf("index %s became valid", quoteIdent(ix.Name))}
		if ix.Invalid {
			c.Message = fmt.Sprintf("index %s became INVALID (a failed or interrupted CREATE INDEX CONCURRENTLY leaves it so): queries do not use it", quoteIdent(ix.Name))
			c.Hint = "DROP INDEX CONCURRENTLY it and build it again (or REINDEX INDEX CONCURRENTLY)"
		}
		d.add(c)
	}
}

// matchKeyedSides matches two lists by key, as multisets, and returns what
// is only in before and only in after, in list order. The keys of before may
// be computed differently (with column renames applied).
func matchKeyedSides[T any](before, after []T, beforeKey, afterKey func(T) string) (removed, added []T) {
	pending := make(map[string]int, len(before))
	for _, x := range before {
		pending[beforeKey(x)]++
	}
	for _, x := range after {
		k := afterKey(x)
		if pending[k] > 0 {
			pending[k]--
		} else {
			added = append(added, x)
		}
	}
	for _, x := range before {
		k := beforeKey(x)
		if pending[k] > 0 {
			pending[k]--
			removed = append(removed, x)
		}
	}
	return removed, added
}
