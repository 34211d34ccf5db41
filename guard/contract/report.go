package contract

import (
	"cmp"
	"slices"

	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/schema"
)

// Report is a set of changes judged against the contract: what each change
// is, and whether the lock mode of its table blocks it. Its JSON field names
// are part of guard's public output and do not change.
type Report struct {
	Mode        Mode          `json:"mode"`
	HasBreaking bool          `json:"has_breaking"`
	HasRisky    bool          `json:"has_risky"`
	Blocked     bool          `json:"blocked"`
	Tables      []TableReport `json:"tables"`
}

// TableReport groups the changes of one table, view, enum type or domain
// (an enum type's or domain's changes are listed under each locked table or
// view using it instead, when there is one).
type TableReport struct {
	Table       string `json:"table"`
	Kind        string `json:"kind"` // "table", "view", "enum", or another Change.Subject kind
	Locked      bool   `json:"locked"`
	Mode        Mode   `json:"mode"` // the mode in force for this table (none when not locked)
	HasBreaking bool   `json:"has_breaking"`
	Blocked     bool   `json:"blocked"`
	Items       []Item `json:"items"`
}

// Item is one classified change and whether it is blocked.
type Item struct {
	Kind    diff.Kind   `json:"kind"`
	Impact  diff.Impact `json:"impact"`
	Object  string      `json:"object"`
	Message string      `json:"message"`
	Hint    string      `json:"hint,omitempty"`
	Blocked bool        `json:"blocked"`
	// DataLoss is true for a change that loses rows or values (see
	// diff.Change.DataLoss).
	DataLoss bool `json:"data_loss,omitempty"`
}

// Blocks reports whether mode blocks a change of the given impact to a
// locked table. This is the one place lock-mode policy is decided: the CLI,
// the runner, verify and readiness all ask it.
func Blocks(mode Mode, impact diff.Impact) bool {
	switch mode {
	case ModeStrict:
		return true
	case ModeAuto:
		return impact >= diff.Risky
	}
	return false
}

// Evaluate judges changes against the contract. Changes to tables that are
// not locked are reported and never blocked. A change to an enum type is
// reported under every locked table that uses the type (and blocked by that
// table's mode), or on its own when no locked table uses it.
func (c *Contract) Evaluate(changes []diff.Change) *Report {
	r := &Report{Mode: c.Mode, Tables: []TableReport{}}
	groups := map[string]*TableReport{}
	add := func(group, kind string, ch diff.Change) {
		tr := groups[group]
		if tr == nil {
			tr = &TableReport{Table: group, Kind: kind, Mode: ModeNone, Items: []Item{}}
			if lt := c.Locked(group); lt != nil && kind == "table" {
				tr.Locked, tr.Mode = true, c.EffectiveMode(lt)
			} else if lv := c.LockedView(group); lv != nil && kind == "view" {
				tr.Locked, tr.Mode = true, c.EffectiveViewMode(lv)
			}
			groups[group] = tr
		}
		it := Item{Kind: ch.Kind, Impact: ch.Impact, Object: ch.Object, Message: ch.Message, Hint: ch.Hint, DataLoss: ch.DataLoss}
		it.Blocked = tr.Locked && Blocks(tr.Mode, ch.Impact)
		tr.Items = append(tr.Items, it)
		tr.HasBreaking = tr.HasBreaking || ch.Impact == diff.Breaking
		tr.Blocked = tr.Blocked || it.Blocked
	}
	for _, ch := range changes {
		r.HasBreaking = r.HasBreaking || ch.Impact == diff.Breaking
		r.HasRisky = r.HasRisky || ch.Impact == diff.Risky
		subject, kind := ch.Subject()
		if kind != "enum" && kind != "domain" {
			add(subject, kind, ch)
			continue
		}
		users := c.typeUsers(subject)
		if len(users) == 0 {
			add(subject, kind, ch)
		}
		for _, u := range users {
			add(u.name, u.kind, ch)
		}
	}
	for _, tr := range groups {
		r.Blocked = r.Blocked || tr.Blocked
		r.Tables = append(r.Tables, *tr)
	}
	slices.SortFunc(r.Tables, func(a, b TableReport) int { return cmp.Compare(a.Table, b.Table) })
	return r
}

type user struct{ name, kind string }

// typeUsers returns the locked tables and views whose snapshot uses the
// enum type or domain with the given qualified name.
func (c *Contract) typeUsers(typ string) []user {
	uses := func(enums []schema.Enum, domains []schema.Domain) bool {
		return slices.ContainsFunc(enums, func(e schema.Enum) bool { return e.QualifiedName() == typ }) ||
			slices.ContainsFunc(domains, func(d schema.Domain) bool { return d.QualifiedName() == typ })
	}
	var out []user
	for _, lt := range c.Tables {
		if uses(lt.Enums, lt.Domains) {
			out = append(out, user{lt.Table, "table"})
		}
	}
	for _, lv := range c.Views {
		if uses(lv.Enums, lv.Domains) {
			out = append(out, user{lv.View, "view"})
		}
	}
	return out
}

// Filter returns a copy of r keeping only the named groups (qualified table
// names), with its summary flags recomputed.
func (r *Report) Filter(tables []string) *Report {
	out := &Report{Mode: r.Mode, Tables: []TableReport{}}
	for _, tr := range r.Tables {
		if !slices.Contains(tables, tr.Table) {
			continue
		}
		out.Tables = append(out.Tables, tr)
		out.Blocked = out.Blocked || tr.Blocked
		for _, it := range tr.Items {
			out.HasBreaking = out.HasBreaking || it.Impact == diff.Breaking
			out.HasRisky = out.HasRisky || it.Impact == diff.Risky
		}
	}
	return out
}

// Judge returns the report that gates a plan of migration files: Evaluate of
// the drift from the contract to final (the schema after the last file, see
// Drift), plus the changes of the files (steps, one list per file) that lose
// data in a locked table, which the final schema may not show: a table
// dropped and made again with its shape, a TRUNCATE. A change the drift
// already holds (the same kind and object) is listed once.
func (c *Contract) Judge(final *schema.Schema, steps [][]diff.Change) *Report {
	changes := c.Drift(final)
	seen := make(map[[2]string]bool, len(changes))
	for _, ch := range changes {
		seen[[2]string{string(ch.Kind), ch.Object}] = true
	}
	for _, step := range steps {
		for _, ch := range step {
			k := [2]string{string(ch.Kind), ch.Object}
			if !ch.DataLoss || seen[k] {
				continue
			}
			if subject, kind := ch.Subject(); kind != "table" || c.Locked(subject) == nil {
				continue
			}
			seen[k] = true
			changes = append(changes, ch)
		}
	}
	return c.Evaluate(changes)
}
