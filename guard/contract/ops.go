package contract

import (
	"slices"
	"strings"
	"time"

	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/schema"
)

// LockResult says what Lock did.
type LockResult struct {
	Mode          Mode     `json:"mode"`
	Locked        []string `json:"locked"`         // tables newly locked
	AlreadyLocked []string `json:"already_locked"` // tables that were locked before (left as they were)
}

// Lock locks the named tables (qualified or bare names, resolved against
// live; none means every table of live) with their current shape in live.
// Tables already locked keep their snapshot. With mode set and no table
// named, it becomes the contract's mode; with tables named, their own mode.
// Locking anything while the contract's mode is none switches it to auto,
// as locking with no mode in force would protect nothing.
func (c *Contract) Lock(live *schema.Schema, names []string, mode Mode, now time.Time) (*LockResult, error) {
	tables, err := resolve(live, names)
	if err != nil {
		return nil, err
	}
	switch {
	case mode != "" && len(names) == 0:
		c.Mode = mode
	case c.Mode == ModeNone:
		c.Mode = ModeAuto
	}
	res := &LockResult{Locked: []string{}, AlreadyLocked: []string{}}
	for _, t := range tables {
		q := t.QualifiedName()
		if lt := c.Locked(q); lt != nil {
			if mode != "" && len(names) > 0 {
				lt.Mode = mode
			}
			res.AlreadyLocked = append(res.AlreadyLocked, q)
			continue
		}
		lt := LockedTable{Table: q, LockedAt: now.UTC(), Snapshot: t, Enums: enumsUsed(live, &t), Model: SnapshotModel}
		if mode != "" && len(names) > 0 {
			lt.Mode = mode
		}
		c.Tables = append(c.Tables, lt)
		res.Locked = append(res.Locked, q)
	}
	res.Mode = c.Mode
	c.canonical()
	return res, nil
}

// Unlock removes the named tables (none: all) from the contract. Naming a
// table that is not locked is an *UnknownTableError.
func (c *Contract) Unlock(names []string) ([]string, error) {
	if len(names) == 0 {
		out := c.lockedNames()
		c.Tables = []LockedTable{}
		return out, nil
	}
	var drop []string
	for _, n := range names {
		lt := c.find(n)
		if lt == nil {
			return nil, &UnknownTableError{Table: n, Known: c.lockedNames(), Locked: true}
		}
		drop = append(drop, lt.Table)
	}
	c.Tables = slices.DeleteFunc(c.Tables, func(lt LockedTable) bool { return slices.Contains(drop, lt.Table) })
	return drop, nil
}

// PromoteResult says what Promote did.
type PromoteResult struct {
	Promoted []string `json:"promoted"` // snapshots replaced by the live shape
	Removed  []string `json:"removed"`  // locked tables gone from the live schema, now unlocked
}

// Promote accepts the live shape of the named locked tables (none: all
// locked tables) into the contract. A locked table that no longer exists is
// removed from the contract: its removal is accepted.
func (c *Contract) Promote(live *schema.Schema, names []string, now time.Time) (*PromoteResult, error) {
	targets := c.lockedNames()
	if len(names) > 0 {
		targets = targets[:0:0]
		for _, n := range names {
			lt := c.find(n)
			if lt == nil {
				return nil, &UnknownTableError{Table: n, Known: c.lockedNames(), Locked: true}
			}
			targets = append(targets, lt.Table)
		}
	}
	res := &PromoteResult{Promoted: []string{}, Removed: []string{}}
	for _, q := range targets {
		lt := c.Locked(q)
		t := live.Table(lt.Snapshot.Schema, lt.Snapshot.Name)
		if t == nil {
			res.Removed = append(res.Removed, q)
			continue
		}
		at := now.UTC()
		lt.Snapshot, lt.Enums, lt.PromotedAt, lt.Model = *t, enumsUsed(live, t), &at, SnapshotModel
		res.Promoted = append(res.Promoted, q)
	}
	c.Tables = slices.DeleteFunc(c.Tables, func(lt LockedTable) bool { return slices.Contains(res.Removed, lt.Table) })
	c.canonical()
	return res, nil
}

// AutoPromote promotes every locked table in auto mode whose drift from its
// snapshot to live is made only of safe changes, and returns their names. A
// table with any risky or breaking change is left alone: it is blocked.
func (c *Contract) AutoPromote(live *schema.Schema, now time.Time) []string {
	var names []string
	report := c.Evaluate(c.Drift(live))
	for _, tr := range report.Tables {
		lt := c.Locked(tr.Table)
		if lt == nil || c.EffectiveMode(lt) != ModeAuto || len(tr.Items) == 0 {
			continue
		}
		if slices.ContainsFunc(tr.Items, func(it Item) bool { return it.Impact != diff.Safe }) {
			continue
		}
		names = append(names, lt.Table)
	}
	if len(names) == 0 {
		return nil
	}
	res, _ := c.Promote(live, names, now) // names are locked: cannot fail
	return res.Promoted
}

// Drift returns the changes from the locked snapshots to live, for the
// locked tables and the enum types they use.
func (c *Contract) Drift(live *schema.Schema) []diff.Change {
	before := &schema.Schema{}
	after := &schema.Schema{}
	seenEnum := map[string]bool{}
	for _, lt := range c.Tables {
		snap := lt.Snapshot
		t := live.Table(lt.Snapshot.Schema, lt.Snapshot.Name)
		if t != nil {
			after.Tables = append(after.Tables, *t)
			snap = unrecorded(lt.Model, snap, t)
		}
		before.Tables = append(before.Tables, snap)
		for _, e := range lt.Enums {
			if q := e.QualifiedName(); !seenEnum[q] {
				seenEnum[q] = true
				before.Enums = append(before.Enums, e)
				if le := live.Enum(e.Schema, e.Name); le != nil {
					after.Enums = append(after.Enums, *le)
				}
			}
		}
	}
	return diff.Schemas(before.Canonical(), after.Canonical())
}

// unrecorded returns snap with what a snapshot of model could not record
// taken from live, as it is.
func unrecorded(model int, snap schema.Table, live *schema.Table) schema.Table {
	if model < 2 {
		snap.Triggers = live.Triggers
	}
	if model < 3 {
		fks := make([]schema.ForeignKey, len(snap.ForeignKeys))
		for i, fk := range snap.ForeignKeys {
			for _, l := range live.ForeignKeys {
				if l.Name == fk.Name {
					fk.Deferrable, fk.Match = l.Deferrable, l.Match
				}
			}
			fks[i] = fk
		}
		snap.ForeignKeys = fks
		uqs := make([]schema.Unique, len(snap.Uniques))
		for i, u := range snap.Uniques {
			for _, l := range live.Uniques {
				if l.Name == u.Name {
					u.NullsNotDistinct, u.Deferrable = l.NullsNotDistinct, l.Deferrable
				}
			}
			uqs[i] = u
		}
		snap.Uniques = uqs
	}
	if model < 4 {
		snap.RowSecurity, snap.ForceRowSecurity, snap.Policies = live.RowSecurity, live.ForceRowSecurity, live.Policies
	}
	if model < 5 {
		snap.Grants = live.Grants
	}
	return snap
}

// SetMode sets the contract's lock mode.
func (c *Contract) SetMode(m Mode) { c.Mode = m }

func (c *Contract) lockedNames() []string {
	out := []string{}
	for _, lt := range c.Tables {
		out = append(out, lt.Table)
	}
	return out
}

// Find returns the locked table a user-typed name refers to: a qualified
// name ("app.users", `"My Schema"."Users"`), or a bare name that matches
// exactly one locked table. Otherwise it returns an *UnknownTableError.
func (c *Contract) Find(name string) (*LockedTable, error) {
	if lt := c.find(name); lt != nil {
		return lt, nil
	}
	return nil, &UnknownTableError{Table: name, Known: c.lockedNames(), Locked: true}
}

func (c *Contract) find(name string) *LockedTable {
	s, n, ok := schema.ParseTableName(name, "")
	if !ok {
		return nil
	}
	var match *LockedTable
	for i := range c.Tables {
		t := &c.Tables[i]
		if t.Snapshot.Name == n && (s == "" || t.Snapshot.Schema == s) {
			if match != nil {
				return nil // ambiguous bare name
			}
			match = t
		}
	}
	return match
}

// resolve returns the live tables the names refer to, all when none.
func resolve(live *schema.Schema, names []string) ([]schema.Table, error) {
	if len(names) == 0 {
		return live.Tables, nil
	}
	var out []schema.Table
	for _, n := range names {
		s, name, ok := schema.ParseTableName(n, "")
		if !ok {
			return nil, &UnknownTableError{Table: n, Known: tableNames(live)}
		}
		var match *schema.Table
		ambiguous := false
		for i := range live.Tables {
			t := &live.Tables[i]
			if t.Name == name && (s == "" || t.Schema == s) {
				ambiguous = match != nil
				match = t
			}
		}
		if match == nil || ambiguous {
			return nil, &UnknownTableError{Table: n, Known: tableNames(live), Ambiguous: ambiguous}
		}
		if !slices.ContainsFunc(out, func(t schema.Table) bool { return t.QualifiedName() == match.QualifiedName() }) {
			out = append(out, *match)
		}
	}
	return out, nil
}

func tableNames(s *schema.Schema) []string {
	var out []string
	for _, t := range s.Tables {
		out = append(out, t.QualifiedName())
	}
	return out
}

// enumsUsed returns the enum types of live used by t's columns.
func enumsUsed(live *schema.Schema, t *schema.Table) []schema.Enum {
	var out []schema.Enum
	for _, e := range live.Enums {
		for _, col := range t.Columns {
			if usesType(col.Type, e.Schema, e.Name) {
				out = append(out, e)
				break
			}
		}
	}
	return out
}

// usesType reports whether a format_type string names the type schema.name,
// or an array of it. format_type qualifies a type only when it is not
// visible on the search path, so both forms are accepted.
func usesType(colType, schemaName, name string) bool {
	base := colType
	for strings.HasSuffix(base, "[]") {
		base = strings.TrimSuffix(base, "[]")
	}
	return base == schema.QuoteIdent(name) || base == schema.Qualify(schemaName, name)
}
