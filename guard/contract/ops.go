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
	// LockedViews and AlreadyLockedViews are the same for views (locked
	// when no table is named).
	LockedViews        []string `json:"locked_views,omitempty"`
	AlreadyLockedViews []string `json:"already_locked_views,omitempty"`
}

// Lock locks the named tables (qualified or bare names, resolved against
// live; none means every table and view of live, and the contract then
// stands for all of them: see Contract.All) with their current shape in
// live, and the enum types and domains their columns use. Tables and views
// already locked keep their snapshot. With mode set and no table named, it
// becomes the contract's mode; with tables named, their own mode. Locking
// anything while the contract's mode is none switches it to auto, as
// locking with no mode in force would protect nothing.
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
		lt := c.lockTable(live, t, now)
		if mode != "" && len(names) > 0 {
			lt.Mode = mode
		}
		res.Locked = append(res.Locked, q)
	}
	if len(names) == 0 {
		c.All = true
		for _, v := range live.Views {
			q := v.QualifiedName()
			if c.LockedView(q) != nil {
				res.AlreadyLockedViews = append(res.AlreadyLockedViews, q)
				continue
			}
			c.lockView(live, v, now)
			res.LockedViews = append(res.LockedViews, q)
		}
	}
	res.Mode = c.Mode
	c.canonical()
	return res, nil
}

// lockTable adds t, as it is in live, to the locked tables.
func (c *Contract) lockTable(live *schema.Schema, t schema.Table, now time.Time) *LockedTable {
	types := columnTypes(t.Columns, func(col schema.Column) string { return col.Type })
	c.Tables = append(c.Tables, LockedTable{Table: t.QualifiedName(), LockedAt: now.UTC(), Snapshot: t,
		Enums: enumsUsed(live, types), Domains: domainsUsed(live, types), Model: SnapshotModel})
	return &c.Tables[len(c.Tables)-1]
}

// lockView adds v, as it is in live, to the locked views.
func (c *Contract) lockView(live *schema.Schema, v schema.View, now time.Time) {
	types := columnTypes(v.Columns, func(col schema.ViewColumn) string { return col.Type })
	c.Views = append(c.Views, LockedView{View: v.QualifiedName(), LockedAt: now.UTC(), Snapshot: v,
		Enums: enumsUsed(live, types), Domains: domainsUsed(live, types)})
}

// Unlock removes the named tables or views (none: all, views included)
// from the contract and returns the names of those it unlocked (with none
// named, the tables': the views go with them, as Lock took them in). Naming
// one that is not locked is an *UnknownTableError. Unlocking a named one
// clears All: the contract no longer stands for every table and view.
func (c *Contract) Unlock(names []string) ([]string, error) {
	if len(names) == 0 {
		out := append(c.lockedNames(), c.lockedViewNames()...)
		c.Tables, c.Views, c.All = []LockedTable{}, nil, false
		return out, nil
	}
	var drop []string
	for _, n := range names {
		if lt := c.find(n); lt != nil {
			drop = append(drop, lt.Table)
		} else if lv := c.findView(n); lv != nil {
			drop = append(drop, lv.View)
		} else {
			return nil, &UnknownTableError{Table: n, Known: append(c.lockedNames(), c.lockedViewNames()...), Locked: true}
		}
	}
	c.Tables = slices.DeleteFunc(c.Tables, func(lt LockedTable) bool { return slices.Contains(drop, lt.Table) })
	c.Views = slices.DeleteFunc(c.Views, func(lv LockedView) bool { return slices.Contains(drop, lv.View) })
	c.All = false
	return drop, nil
}

// PromoteResult says what Promote did.
type PromoteResult struct {
	Promoted []string `json:"promoted"` // snapshots replaced by the live shape
	Removed  []string `json:"removed"`  // locked tables gone from the live schema, now unlocked
	// Added are the tables and views of live not locked before, locked
	// now: a contract that stands for all of them (Contract.All) promoted
	// whole.
	Added []string `json:"added,omitempty"`
}

// Promote accepts the live shape of the named locked tables or views (none:
// all of them) into the contract. A locked table or view that no longer
// exists is removed from the contract: its removal is accepted. With none
// named, a contract that stands for every table and view (All) locks those
// of live it did not have.
func (c *Contract) Promote(live *schema.Schema, names []string, now time.Time) (*PromoteResult, error) {
	targets := append(c.lockedNames(), c.lockedViewNames()...)
	if len(names) > 0 {
		targets = targets[:0:0]
		for _, n := range names {
			if lt := c.find(n); lt != nil {
				targets = append(targets, lt.Table)
			} else if lv := c.findView(n); lv != nil {
				targets = append(targets, lv.View)
			} else {
				return nil, &UnknownTableError{Table: n, Known: append(c.lockedNames(), c.lockedViewNames()...), Locked: true}
			}
		}
	}
	res := &PromoteResult{Promoted: []string{}, Removed: []string{}}
	at := now.UTC()
	for _, q := range targets {
		if lt := c.Locked(q); lt != nil {
			t := live.Table(lt.Snapshot.Schema, lt.Snapshot.Name)
			if t == nil {
				res.Removed = append(res.Removed, q)
				continue
			}
			types := columnTypes(t.Columns, func(col schema.Column) string { return col.Type })
			lt.Snapshot, lt.Enums, lt.Domains, lt.PromotedAt, lt.Model = *t, enumsUsed(live, types), domainsUsed(live, types), &at, SnapshotModel
			res.Promoted = append(res.Promoted, q)
			continue
		}
		lv := c.LockedView(q)
		v := liveView(live, lv.Snapshot.Schema, lv.Snapshot.Name)
		if v == nil {
			res.Removed = append(res.Removed, q)
			continue
		}
		types := columnTypes(v.Columns, func(col schema.ViewColumn) string { return col.Type })
		lv.Snapshot, lv.Enums, lv.Domains, lv.PromotedAt = *v, enumsUsed(live, types), domainsUsed(live, types), &at
		res.Promoted = append(res.Promoted, q)
	}
	c.Tables = slices.DeleteFunc(c.Tables, func(lt LockedTable) bool { return slices.Contains(res.Removed, lt.Table) })
	c.Views = slices.DeleteFunc(c.Views, func(lv LockedView) bool { return slices.Contains(res.Removed, lv.View) })
	if len(names) == 0 && c.All {
		res.Added = c.lockNew(live, now, nil)
	}
	c.canonical()
	return res, nil
}

// lockNew locks the tables and views of live the contract does not have
// (those of keep only, when keep is not nil), and returns their names.
func (c *Contract) lockNew(live *schema.Schema, now time.Time, keep func(string) bool) []string {
	var out []string
	for _, t := range live.Tables {
		if q := t.QualifiedName(); c.Locked(q) == nil && (keep == nil || keep(q)) {
			c.lockTable(live, t, now)
			out = append(out, q)
		}
	}
	for _, v := range live.Views {
		if q := v.QualifiedName(); c.LockedView(q) == nil && (keep == nil || keep(q)) {
			c.lockView(live, v, now)
			out = append(out, q)
		}
	}
	return out
}

// AutoPromote promotes every locked table and view in auto mode whose drift
// from its snapshot to live is made only of safe changes, and, in a
// contract that stands for every table and view (All) in auto mode, locks
// those added since; it returns their names. A table with any risky or
// breaking change is left alone: it is blocked.
func (c *Contract) AutoPromote(live *schema.Schema, now time.Time) []string {
	var names, added []string
	report := c.Evaluate(c.Drift(live))
	for _, tr := range report.Tables {
		if len(tr.Items) == 0 || slices.ContainsFunc(tr.Items, func(it Item) bool { return it.Impact != diff.Safe }) {
			continue
		}
		if tr.Locked && tr.Mode == ModeAuto && (c.Locked(tr.Table) != nil || c.LockedView(tr.Table) != nil) {
			names = append(names, tr.Table)
		}
		if !tr.Locked && c.All && c.Mode == ModeAuto && slices.ContainsFunc(tr.Items, func(it Item) bool {
			return it.Kind == diff.TableAdded || it.Kind == diff.ViewAdded
		}) {
			added = append(added, tr.Table)
		}
	}
	var out []string
	if len(names) > 0 {
		res, _ := c.Promote(live, names, now) // names are locked: cannot fail
		out = res.Promoted
	}
	if len(added) > 0 {
		out = append(out, c.lockNew(live, now, func(q string) bool { return slices.Contains(added, q) })...)
		c.canonical()
	}
	return out
}

// Drift returns the changes from the locked snapshots to live, for the
// locked tables and views and the enum types and domains they use; in a
// contract that stands for every table and view (All), the tables and views
// of live not locked yet are table_added and view_added.
func (c *Contract) Drift(live *schema.Schema) []diff.Change {
	before := &schema.Schema{}
	after := &schema.Schema{}
	seenEnum := map[string]bool{}
	addEnums := func(enums []schema.Enum) {
		for _, e := range enums {
			if q := e.QualifiedName(); !seenEnum[q] {
				seenEnum[q] = true
				before.Enums = append(before.Enums, e)
				if le := live.Enum(e.Schema, e.Name); le != nil {
					after.Enums = append(after.Enums, *le)
				}
			}
		}
	}
	seenDomain := map[string]bool{}
	addDomains := func(domains []schema.Domain) {
		for _, d := range domains {
			if q := d.QualifiedName(); !seenDomain[q] {
				seenDomain[q] = true
				before.Domains = append(before.Domains, d)
				if ld := liveDomain(live, d.Schema, d.Name); ld != nil {
					after.Domains = append(after.Domains, *ld)
				}
			}
		}
	}
	for _, lt := range c.Tables {
		snap := lt.Snapshot
		t := live.Table(lt.Snapshot.Schema, lt.Snapshot.Name)
		if t != nil {
			after.Tables = append(after.Tables, *t)
			snap = unrecorded(lt.Model, snap, t)
		}
		before.Tables = append(before.Tables, snap)
		addEnums(lt.Enums)
		addDomains(lt.Domains)
	}
	for _, lv := range c.Views {
		before.Views = append(before.Views, lv.Snapshot)
		if v := liveView(live, lv.Snapshot.Schema, lv.Snapshot.Name); v != nil {
			after.Views = append(after.Views, *v)
		}
		addEnums(lv.Enums)
		addDomains(lv.Domains)
	}
	if c.All {
		for _, t := range live.Tables {
			if c.Locked(t.QualifiedName()) == nil {
				after.Tables = append(after.Tables, t)
			}
		}
		for _, v := range live.Views {
			if c.LockedView(v.QualifiedName()) == nil {
				after.Views = append(after.Views, v)
			}
		}
	}
	return diff.Schemas(before.Canonical(), after.Canonical())
}

func liveView(live *schema.Schema, schemaName, name string) *schema.View {
	for i := range live.Views {
		if live.Views[i].Schema == schemaName && live.Views[i].Name == name {
			return &live.Views[i]
		}
	}
	return nil
}

func liveDomain(live *schema.Schema, schemaName, name string) *schema.Domain {
	for i := range live.Domains {
		if live.Domains[i].Schema == schemaName && live.Domains[i].Name == name {
			return &live.Domains[i]
		}
	}
	return nil
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
	if model < 7 {
		snap.PartitionKey, snap.Partitions, snap.ColumnGrants = live.PartitionKey, live.Partitions, live.ColumnGrants
		cols := make([]schema.Column, len(snap.Columns))
		for i, c := range snap.Columns {
			if l := live.Column(c.Name); l != nil && c.Identity != "" {
				c.IdentityOptions = l.IdentityOptions
			}
			cols[i] = c
		}
		snap.Columns = cols
	}
	return snap
}

// SetMode sets the contract's lock mode.
func (c *Contract) SetMode(m Mode) { c.Mode = m }

func (c *Contract) lockedViewNames() []string {
	var out []string
	for _, lv := range c.Views {
		out = append(out, lv.View)
	}
	return out
}

// findView is find for the locked views.
func (c *Contract) findView(name string) *LockedView {
	s, n, ok := schema.ParseTableName(name, "")
	if !ok {
		return nil
	}
	var match *LockedView
	for i := range c.Views {
		v := &c.Views[i]
		if v.Snapshot.Name == n && (s == "" || v.Snapshot.Schema == s) {
			if match != nil {
				return nil // ambiguous bare name
			}
			match = v
		}
	}
	return match
}

func (c *Contract) lockedNames() []string {
	out := []string{}
	for _, lt := range c.Tables {
		out = append(out, lt.Table)
	}
	return out
}

// Resolve returns the qualified name of the locked table or view name
// names (qualified or bare, as Find takes it), or an *UnknownTableError
// listing both.
func (c *Contract) Resolve(name string) (string, error) {
	if lt := c.find(name); lt != nil {
		return lt.Table, nil
	}
	if lv := c.findView(name); lv != nil {
		return lv.View, nil
	}
	return "", &UnknownTableError{Table: name, Known: append(c.lockedNames(), c.lockedViewNames()...), Locked: true}
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

// columnTypes returns the types of cols.
func columnTypes[C any](cols []C, typ func(C) string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = typ(c)
	}
	return out
}

// enumsUsed returns the enum types of live that columns of the given types
// use, directly or through a domain.
func enumsUsed(live *schema.Schema, types []string) []schema.Enum {
	types = append(types[:len(types):len(types)], domainBases(live, types)...)
	var out []schema.Enum
	for _, e := range live.Enums {
		for _, typ := range types {
			if usesType(typ, e.Schema, e.Name) {
				out = append(out, e)
				break
			}
		}
	}
	return out
}

// domainBases returns the base types of the domains of live that columns of
// the given types use.
func domainBases(live *schema.Schema, types []string) []string {
	var out []string
	for _, d := range domainsUsed(live, types) {
		out = append(out, d.Type)
	}
	return out
}

// domainsUsed returns the domains of live that columns of the given types
// use.
func domainsUsed(live *schema.Schema, types []string) []schema.Domain {
	var out []schema.Domain
	for _, d := range live.Domains {
		for _, typ := range types {
			if usesType(typ, d.Schema, d.Name) {
				out = append(out, d)
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
