package hazard

import (
	"fmt"
	"slices"
	"strings"
)

// Lock modes, weakest first, as pg_locks names them.
var modes = []string{
	"AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock",
	"ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock",
}

// Strength ranks a pg_locks mode: 1 (ACCESS SHARE) to 8 (ACCESS EXCLUSIVE),
// 0 for an unknown one.
func Strength(mode string) int {
	for i, m := range modes {
		if m == mode {
			return i + 1
		}
	}
	return 0
}

const (
	share           = 5 // ShareLock: the weakest mode that blocks writes
	accessExclusive = 8
)

// ModeName returns a pg_locks mode in SQL's words: "AccessExclusiveLock" →
// "ACCESS EXCLUSIVE".
func ModeName(mode string) string {
	m := strings.TrimSuffix(mode, "Lock")
	var b strings.Builder
	for i, r := range m {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}

// blocks says what a lock mode blocks, for modes that block anything the
// application does ("" otherwise).
func blocks(strength int) string {
	switch {
	case strength >= accessExclusive:
		return "reads and writes"
	case strength >= share:
		return "writes"
	}
	return ""
}

// Derive judges what a shadow saw in one file: the hazards of its
// statements, in statement order, sizes unknown (see Hazard.Rows).
func Derive(f File) []Hazard {
	var out []Hazard
	type heldLock struct {
		strength int
		line     int
	}
	held := map[Relation]heldLock{} // blocking locks taken by earlier statements of the file
	across := map[Relation]bool{}   // reported as lock_held_across
	add := func(h Hazard) {
		h.File = f.File
		h.Hint = Hint(h.Code)
		out = append(out, h)
	}
	for _, r := range f.Refused {
		add(Hazard{Code: ConcurrentInTransaction, Line: r.Line, Statement: short(r.Text),
			Message: fmt.Sprintf("%s cannot run inside a transaction block, and this file runs as one: it fails", r.Name)})
	}
	for _, st := range f.Statements {
		base := Hazard{Line: st.Line, Statement: short(st.Text)}
		locks := map[Relation]int{}
		for _, l := range st.Locks {
			if l.Relation.table() {
				locks[l.Relation] = max(locks[l.Relation], Strength(l.Mode))
			}
		}
		rewritten := map[Relation]bool{}
		scaling := map[Relation]bool{} // tables this statement works on for a time that grows with them
		for _, r := range st.Rewrites {
			if r.table() {
				rewritten[r] = true
				scaling[r] = true
				if !f.PerStatement {
					locks[r] = accessExclusive // every rewrite holds it; not read in a file run whole
				}
			}
		}
		// Locks on the table held by now, in this statement or before.
		holds := func(t Relation) int { return max(locks[t], held[t].strength) }
		for _, r := range st.Rewrites {
			if rewritten[r] {
				h := base
				h.Code, h.Table, h.Lock, h.Blocks, h.Scales = TableRewrite, r.String(), ModeName(modes[accessExclusive-1]), blocks(accessExclusive), true
				h.Message = fmt.Sprintf("rewrites %s (every row copied) under ACCESS EXCLUSIVE: reads and writes wait until it is done", r)
				add(h)
			}
		}
		built := map[Relation]bool{}
		for _, ib := range st.IndexBuilds {
			if s := holds(ib.Table); s >= share {
				built[ib.Table], scaling[ib.Table] = true, true
				h := base
				h.Code, h.Table, h.Lock, h.Blocks, h.Scales = BlockingIndexBuild, ib.Table.String(), ModeName(modes[s-1]), blocks(s), true
				h.Message = fmt.Sprintf("builds index %s without CONCURRENTLY: %s on %s blocks %s for the whole build", ib.Index.Name, ModeName(modes[s-1]), ib.Table, blocks(s))
				add(h)
			}
		}
		dml := isDML(st.Text)
		for _, t := range st.Scans {
			if rewritten[t] || built[t] || dml {
				continue
			}
			if s := holds(t); s >= share {
				scaling[t] = true
				h := base
				h.Code, h.Table, h.Lock, h.Blocks, h.Scales = ValidatingScan, t.String(), ModeName(modes[s-1]), blocks(s), true
				h.Message = fmt.Sprintf("reads all of %s to validate, holding %s: %s wait until it is done", t, ModeName(modes[s-1]), blocks(s))
				add(h)
			}
		}
		stmtScales := len(scaling) > 0
		for _, t := range sortedRelations(locks) {
			s := locks[t]
			if s <= held[t].strength || s < share {
				continue
			}
			switch {
			case s >= accessExclusive:
				h := base
				h.Code, h.Table, h.Lock, h.Blocks, h.Scales = AccessExclusiveLock, t.String(), ModeName(modes[s-1]), blocks(s), stmtScales
				if stmtScales {
					h.Message = fmt.Sprintf("takes ACCESS EXCLUSIVE on %s: reads and writes wait while the statement runs", t)
				} else {
					h.Message = fmt.Sprintf("takes ACCESS EXCLUSIVE on %s, briefly (no rewrite, no scan): reads and writes queue behind it", t)
				}
				add(h)
			case !scaling[t]: // else the build or the scan names the lock
				h := base
				h.Code, h.Table, h.Lock, h.Blocks, h.Scales = WriteBlockingLock, t.String(), ModeName(modes[s-1]), blocks(s), stmtScales
				if stmtScales {
					h.Message = fmt.Sprintf("takes %s on %s: writes wait while the statement runs", ModeName(modes[s-1]), t)
				} else {
					h.Message = fmt.Sprintf("takes %s on %s, briefly (no rewrite, no scan): writes queue behind it", ModeName(modes[s-1]), t)
				}
				add(h)
			}
		}
		// Work done under a blocking lock an earlier statement took.
		if f.PerStatement {
			var work *Relation
			for _, r := range st.Rewrites {
				if r.table() {
					work = &r
					break
				}
			}
			if work == nil && len(st.Scans) > 0 {
				work = &st.Scans[0]
			}
			if work == nil && len(st.IndexBuilds) > 0 {
				work = &st.IndexBuilds[0].Table
			}
			if work != nil || dml {
				for _, t := range sortedRelations(held) {
					hl := held[t]
					if across[t] || hl.line == st.Line {
						continue
					}
					across[t] = true
					sized := t
					if work != nil {
						sized = *work
					}
					h := base
					h.Code, h.Table, h.Lock, h.Blocks, h.Scales = LockHeldAcross, sized.String(), ModeName(modes[hl.strength-1]), blocks(hl.strength), true
					h.Message = fmt.Sprintf("keeps %s on %s (taken at line %d) while this statement runs: %s wait for it and for the rest of the transaction", ModeName(modes[hl.strength-1]), t, hl.line, blocks(hl.strength))
					add(h)
				}
			}
			for t, s := range locks {
				if s >= share && s > held[t].strength {
					held[t] = heldLock{strength: s, line: st.Line}
				}
			}
		}
	}
	return out
}

// isDML reports whether a statement reads or writes rows rather than
// changing the schema: its scans are work, not validation.
func isDML(stmt string) bool {
	w := strings.Fields(strings.ToLower(stmt))
	if len(w) == 0 {
		return false
	}
	switch strings.TrimLeft(w[0], "(") {
	case "insert", "update", "delete", "merge", "select", "with", "copy", "do", "call", "values", "table":
		return true
	}
	return false
}

// short is a statement's first line, at most 80 characters.
func short(stmt string) string {
	s, _, more := strings.Cut(strings.TrimSpace(stmt), "\n")
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > 80 {
		s, more = string(r[:79]), true
	}
	if more {
		s += "…"
	}
	return s
}

// sortedRelations returns the keys of m by name.
func sortedRelations[V any](m map[Relation]V) []Relation {
	out := make([]Relation, 0, len(m))
	for r := range m {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Relation) int { return strings.Compare(a.String(), b.String()) })
	return out
}
