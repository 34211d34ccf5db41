package diff

import (
	"fmt"
	"slices"
	"strings"

	"github.com/schemaguard/guard/guard/schema"
)

// functions reports the changes of functions and procedures, matched by
// signature (schema, name and argument types). A routine removed and
// another of its schema and name added in its place (one of each) is one
// function_signature_changed. With identity (WithIdentity), a routine of
// the same oid under another name or schema is function_renamed, for sure.
func (d *differ) functions(before, after []schema.Function, identity bool) {
	afterBySig := make(map[string]*schema.Function, len(after))
	for i := range after {
		afterBySig[after[i].Signature] = &after[i]
	}
	var afterByOID map[schema.ID]*schema.Function
	if identity {
		afterByOID = make(map[schema.ID]*schema.Function, len(after))
		for i := range after {
			if after[i].OID != 0 {
				afterByOID[after[i].OID] = &after[i]
			}
		}
	}
	beforeBySig := make(map[string]bool, len(before))
	for i := range before {
		beforeBySig[before[i].Signature] = true
	}
	renamedTo := map[*schema.Function]bool{}
	var removed []*schema.Function
	for i := range before {
		b := &before[i]
		if a := afterBySig[b.Signature]; a != nil {
			// The same signature: the same routine for its callers, even
			// dropped and created again.
			d.function(b, a)
		} else if a := afterByOID[b.OID]; b.OID != 0 && a != nil && !beforeBySig[a.Signature] {
			renamedTo[a] = true
			d.add(Change{Kind: FunctionRenamed, Impact: Breaking, Object: a.Signature,
				Message: fmt.Sprintf("%s %s was renamed to %s", b.Kind, b.Signature, a.Signature),
				Hint:    "callers of the old name fail: create the new one beside the old (a wrapper), move callers, drop the old one in a later release"})
			d.function(b, a)
		} else {
			removed = append(removed, b)
		}
	}
	var added []*schema.Function
	for i := range after {
		if a := &after[i]; renamedTo[a] {
			continue
		}
		if !beforeBySig[after[i].Signature] {
			added = append(added, &after[i])
		}
	}
	// One removed and one added of a name: the signature changed.
	count := func(fs []*schema.Function) map[objKey]int {
		m := map[objKey]int{}
		for _, f := range fs {
			m[objKey{f.Schema, f.Name}]++
		}
		return m
	}
	nr, na := count(removed), count(added)
	replaced := map[objKey]*schema.Function{}
	for _, f := range removed {
		k := objKey{f.Schema, f.Name}
		if nr[k] == 1 && na[k] == 1 {
			replaced[k] = f
			continue
		}
		d.add(Change{Kind: FunctionRemoved, Impact: Breaking, Object: f.Signature,
			Message: fmt.Sprintf("%s %s was removed", f.Kind, f.Signature),
			Hint:    "deploy code that no longer calls it first, then drop it in a later release"})
	}
	for _, f := range added {
		k := objKey{f.Schema, f.Name}
		if b := replaced[k]; b != nil {
			d.add(Change{Kind: FunctionSignatureChanged, Impact: Breaking, Object: f.Signature,
				Message: fmt.Sprintf("%s %s was replaced by %s", b.Kind, b.Signature, f.Signature),
				Hint:    "add the new signature beside the old one (an overload), move callers to it, and drop the old one in a later release"})
			continue
		}
		d.add(Change{Kind: FunctionAdded, Impact: Safe, Object: f.Signature,
			Message: fmt.Sprintf("%s %s was added", f.Kind, f.Signature)})
	}
}

// function reports the changes of one routine of the same signature.
func (d *differ) function(b, a *schema.Function) {
	obj := a.Signature
	what := a.Kind + " " + a.Signature
	switch {
	case b.Kind != a.Kind:
		d.add(Change{Kind: FunctionSignatureChanged, Impact: Breaking, Object: obj,
			Message: fmt.Sprintf("%s %s became a %s", b.Kind, b.Signature, a.Kind),
			Hint:    "callers call a function with SELECT and a procedure with CALL: keep the old one until they move"})
		return
	case b.Result != a.Result:
		d.add(Change{Kind: FunctionResultChanged, Impact: Breaking, Object: obj,
			Message: fmt.Sprintf("%s now returns %s (was %s)", what, a.Result, b.Result),
			Hint:    "add a function of another name with the new result, move callers to it, then drop the old one"})
	}
	if b.Arguments != a.Arguments {
		d.add(Change{Kind: FunctionArgumentsChanged, Impact: Risky, Object: obj,
			Message: fmt.Sprintf("%s changed its argument names or defaults from (%s) to (%s)", what, b.Arguments, a.Arguments),
			Hint:    "callers that pass arguments by name, or leave out one that had a default, may fail"})
	}
	if b.BodyHash != a.BodyHash || b.Language != a.Language {
		d.add(Change{Kind: FunctionBodyChanged, Impact: Risky, Object: obj,
			Message: fmt.Sprintf("%s changed its body", what),
			Hint:    "the old code calls the new body at once: make sure it returns what the old code expects"})
	}
	if b.Volatility != a.Volatility || b.Strict != a.Strict || b.SecurityDefiner != a.SecurityDefiner {
		var was, now []string
		for _, x := range []struct {
			b, a bool
			name string
		}{{b.Strict, a.Strict, "STRICT"}, {b.SecurityDefiner, a.SecurityDefiner, "SECURITY DEFINER"}} {
			if x.b {
				was = append(was, x.name)
			}
			if x.a {
				now = append(now, x.name)
			}
		}
		d.add(Change{Kind: FunctionAttributesChanged, Impact: Risky, Object: obj,
			Message: fmt.Sprintf("%s changed from %s to %s", what,
				strings.Join(append([]string{strings.ToUpper(b.Volatility)}, was...), " "),
				strings.Join(append([]string{strings.ToUpper(a.Volatility)}, now...), " ")),
			Hint: "volatility decides where it may be used (an index expression needs IMMUTABLE); STRICT returns NULL for a NULL argument; SECURITY DEFINER runs with its owner's rights"})
	}
}

// triggerKey is a trigger's definition without its name and table, with
// column renames applied: a trigger renamed, or on a renamed table, is the
// same trigger.
func triggerKey(table string, tr schema.Trigger, renames map[string]string) string {
	return triggerDefKey(table, tr, renames) + "\x00" + tr.Enabled
}

// triggerDefKey is triggerKey without whether the trigger is enabled.
func triggerDefKey(table string, tr schema.Trigger, renames map[string]string) string {
	def := strings.TrimPrefix(tr.Definition, "CREATE ")
	def = strings.TrimPrefix(def, "CONSTRAINT ")
	def = strings.TrimPrefix(def, "TRIGGER ")
	if _, end, ok := readIdent(def, 0); ok {
		def = def[end:]
	}
	if i := strings.Index(def, " ON "+table+" "); i >= 0 {
		def = def[:i] + " ON " + def[i+len(table)+5:]
	}
	return renameIdents(def, renames)
}

// triggers reports the triggers of a table that existed before (a new
// table's are part of it). Any trigger added, removed or changed is risky:
// one may reject writes the old code makes, or stop maintaining a column
// the old code relies on.
func (d *differ) triggers(table string, bt *schema.Table, before, after []schema.Trigger, renames map[string]string) {
	if len(before) == 0 && len(after) == 0 {
		return
	}
	beforeTable := bt.QualifiedName()
	removed, added := matchKeyedSides(before, after,
		func(tr schema.Trigger) string { return triggerKey(beforeTable, tr, renames) },
		func(tr schema.Trigger) string { return triggerKey(table, tr, nil) })
	gone := make(map[string]schema.Trigger, len(removed))
	for _, tr := range removed {
		gone[tr.Name] = tr
	}
	for _, tr := range added {
		obj := sub(table, tr.Name)
		if b, ok := gone[tr.Name]; ok {
			delete(gone, tr.Name)
			if triggerDefKey(beforeTable, b, renames) == triggerDefKey(table, tr, nil) {
				d.add(Change{Kind: TriggerEnabledChanged, Impact: Risky, Table: table, Object: obj,
					Message: fmt.Sprintf("trigger %s is now %s (was %s)", quoteIdent(tr.Name), enabledWord(tr.Enabled), enabledWord(b.Enabled)),
					Hint:    "a disabled trigger no longer checks or maintains what the old code relies on"})
				continue
			}
			d.add(Change{Kind: TriggerChanged, Impact: Risky, Table: table, Object: obj,
				Message: fmt.Sprintf("trigger %s changed from %s to %s", quoteIdent(tr.Name), b.Definition, tr.Definition),
				Hint:    "make sure the old code's writes still pass it, and that what it maintained still is"})
			continue
		}
		d.add(Change{Kind: TriggerAdded, Impact: Risky, Table: table, Object: obj,
			Message: fmt.Sprintf("trigger %s was added: %s", quoteIdent(tr.Name), tr.Definition),
			Hint:    "make sure the old code's writes pass it (a trigger may reject or rewrite them)"})
	}
	for _, tr := range removed {
		if _, ok := gone[tr.Name]; !ok {
			continue
		}
		d.add(Change{Kind: TriggerRemoved, Impact: Risky, Table: table, Object: sub(table, tr.Name),
			Message: fmt.Sprintf("trigger %s was removed: %s", quoteIdent(tr.Name), tr.Definition),
			Hint:    "what it maintained (an updated_at, an audit row, a search vector) is no longer maintained for the old code's writes"})
	}
}

func enabledWord(e string) string {
	if e == "" {
		return "enabled"
	}
	return e
}

// sequences reports the changes of sequences, matched by name. A sequence
// owned by a column that is gone went with it: its removal is the column's.
func (d *differ) sequences(before, after *schema.Schema) {
	columnGone := func(owner string) bool {
		for _, t := range after.Tables {
			prefix := t.QualifiedName() + "."
			if rest, ok := strings.CutPrefix(owner, prefix); ok {
				for _, c := range t.Columns {
					if schema.QuoteIdent(c.Name) == rest {
						return false
					}
				}
			}
		}
		return true
	}
	pairByName(before.Sequences, after.Sequences, func(s *schema.Sequence) objKey { return objKey{s.Schema, s.Name} }, func(b, a *schema.Sequence) {
		switch {
		case b == nil:
			q := a.QualifiedName()
			d.add(Change{Kind: SequenceAdded, Impact: Safe, Object: q, Message: fmt.Sprintf("sequence %s was added", quoteName(q))})
		case a == nil:
			if b.OwnedBy != "" && columnGone(b.OwnedBy) {
				return
			}
			q := b.QualifiedName()
			c := Change{Kind: SequenceRemoved, Impact: Breaking, Object: q, Message: fmt.Sprintf("sequence %s was removed", quoteName(q)),
				Hint: "deploy code that no longer calls nextval on it (or a default that uses it) first"}
			if b.OwnedBy != "" {
				// A serial's: what used it was its column's default,
				// reported with the column.
				c.Impact = Risky
				c.Message = fmt.Sprintf("sequence %s of column %s was removed", quoteName(q), b.OwnedBy)
			}
			d.add(c)
		case *b != *a:
			q := a.QualifiedName()
			if narrowed(b, a) {
				d.add(Change{Kind: SequenceNarrowed, Impact: Breaking, Object: q,
					Message: fmt.Sprintf("sequence %s was narrowed: %s %d..%d (was %s %d..%d)", quoteName(q), a.Type, a.Min, a.Max, b.Type, b.Min, b.Max),
					Hint:    "nextval fails once the sequence reaches its new bound: widen it, or make sure it never gets there"})
				return
			}
			d.add(Change{Kind: SequenceChanged, Impact: Safe, Object: q,
				Message: fmt.Sprintf("sequence %s changed its options", quoteName(q))})
		}
	})
}

var seqTypeRank = map[string]int{"smallint": 1, "integer": 2, "bigint": 3}

func narrowed(b, a *schema.Sequence) bool {
	return seqTypeRank[a.Type] < seqTypeRank[b.Type] || a.Max < b.Max || a.Min > b.Min
}

// extensions reports the extensions installed, removed, updated or moved.
func (d *differ) extensions(before, after []schema.Extension) {
	pairByName(before, after, func(e *schema.Extension) objKey { return objKey{"", e.Name} }, func(b, a *schema.Extension) {
		switch {
		case b == nil:
			d.add(Change{Kind: ExtensionAdded, Impact: Safe, Object: a.Name,
				Message: fmt.Sprintf("extension %s %s was installed in %s", a.Name, a.Version, schema.QuoteIdent(a.Schema))})
		case a == nil:
			d.add(Change{Kind: ExtensionRemoved, Impact: Breaking, Object: b.Name,
				Message: fmt.Sprintf("extension %s was removed", b.Name),
				Hint:    "the old code may use its types, functions or operators: remove it once nothing does"})
		case *b != *a:
			d.add(Change{Kind: ExtensionChanged, Impact: Risky, Object: a.Name,
				Message: fmt.Sprintf("extension %s changed from %s in %s to %s in %s", a.Name, b.Version, schema.QuoteIdent(b.Schema), a.Version, schema.QuoteIdent(a.Schema)),
				Hint:    "check the extension's release notes for what its update changes"})
		}
	})
}

// rowSecurity reports row-level security switched on or off, forced or not,
// and the policies of a table that existed before. Whether the old code
// still reads and writes its rows depends on the role it connects as:
// enabling (or forcing) row-level security hides every row no policy
// grants it, so it is breaking; policies matter only while it is enabled.
func (d *differ) rowSecurity(table string, b, a *schema.Table, renames map[string]string) {
	switch {
	case !b.RowSecurity && a.RowSecurity:
		d.add(Change{Kind: RowSecurityEnabled, Impact: Breaking, Table: table, Object: table,
			Message: fmt.Sprintf("row-level security was enabled on %s: roles no policy grants see and write no row", quoteName(table)),
			Hint:    "create the policies the app's role needs before enabling it, in the same migration, and check them against the role the old code connects as"})
	case b.RowSecurity && !a.RowSecurity:
		d.add(Change{Kind: RowSecurityDisabled, Impact: Risky, Table: table, Object: table,
			Message: fmt.Sprintf("row-level security was disabled on %s: every row is visible to every role with privileges on it", quoteName(table)),
			Hint:    "make sure no code relied on the policies to keep other tenants' rows out"})
	}
	switch {
	case !b.ForceRowSecurity && a.ForceRowSecurity:
		d.add(Change{Kind: RowSecurityForced, Impact: Breaking, Table: table, Object: table,
			Message: fmt.Sprintf("row-level security was forced on %s: its owner is now subject to the policies too", quoteName(table)),
			Hint:    "when the app connects as the table's owner, give it policies first"})
	case b.ForceRowSecurity && !a.ForceRowSecurity:
		d.add(Change{Kind: RowSecurityForced, Impact: Risky, Table: table, Object: table,
			Message: fmt.Sprintf("row-level security is no longer forced on %s: its owner bypasses the policies", quoteName(table))})
	}
	if len(b.Policies) == 0 && len(a.Policies) == 0 {
		return
	}
	active := a.RowSecurity
	key := func(p schema.Policy, renames map[string]string) string {
		return p.Command + "\x00" + fmt.Sprint(p.Restrictive) + "\x00" + strings.Join(p.Roles, ",") + "\x00" +
			renameIdents(p.Using, renames) + "\x00" + renameIdents(p.WithCheck, renames)
	}
	after := make(map[string]schema.Policy, len(a.Policies))
	for _, p := range a.Policies {
		after[p.Name] = p
	}
	seen := make(map[string]bool, len(b.Policies))
	for _, bp := range b.Policies {
		seen[bp.Name] = true
		ap, ok := after[bp.Name]
		obj := sub(table, bp.Name)
		switch {
		case !ok:
			c := Change{Kind: PolicyRemoved, Impact: Safe, Table: table, Object: obj,
				Message: fmt.Sprintf("policy %s was removed", quoteIdent(bp.Name))}
			if active && !bp.Restrictive {
				c.Impact, c.Message = Breaking, c.Message+": the rows it granted are no longer visible or writable"
				c.Hint = "create the policy that replaces it first"
			}
			d.add(c)
		case key(bp, renames) != key(ap, nil):
			c := Change{Kind: PolicyChanged, Impact: Safe, Table: table, Object: obj,
				Message: fmt.Sprintf("policy %s changed", quoteIdent(bp.Name))}
			if active {
				c.Impact, c.Hint = Risky, "check that the old code's role still sees and writes the rows it needs"
			}
			d.add(c)
		}
	}
	for _, ap := range a.Policies {
		if seen[ap.Name] {
			continue
		}
		c := Change{Kind: PolicyAdded, Impact: Safe, Table: table, Object: sub(table, ap.Name),
			Message: fmt.Sprintf("policy %s was added (%s, %s)", quoteIdent(ap.Name), ap.Command, strings.Join(ap.Roles, ", "))}
		if active && ap.Restrictive {
			c.Impact, c.Hint = Risky, "a restrictive policy hides rows the permissive ones grant: check the old code's role against it"
		}
		d.add(c)
	}
}

// domains reports the changes of domain types, matched by name.
func (d *differ) domains(before, after []schema.Domain) {
	pairByName(before, after, func(x *schema.Domain) objKey { return objKey{x.Schema, x.Name} }, func(b, a *schema.Domain) {
		switch {
		case b == nil:
			q := a.QualifiedName()
			d.add(Change{Kind: DomainAdded, Impact: Safe, Object: q, Message: fmt.Sprintf("domain %s was added", quoteName(q))})
			return
		case a == nil:
			q := b.QualifiedName()
			d.add(Change{Kind: DomainRemoved, Impact: Breaking, Object: q, Message: fmt.Sprintf("domain %s was removed", quoteName(q)),
				Hint: "deploy code that no longer uses the type (casts, function arguments) first"})
			return
		}
		q := a.QualifiedName()
		if b.Type != a.Type {
			c := Change{Kind: DomainTypeChanged, Impact: Breaking, Object: q,
				Message: fmt.Sprintf("domain %s changed its base type from %s to %s", quoteName(q), b.Type, a.Type),
				Hint:    "make a new domain and move columns to it one at a time"}
			if widening(b.Type, a.Type) {
				c.Impact, c.Message, c.Hint = Risky, c.Message+" (widening)", "old reads and writes still work; check that clients accept the wider values"
			}
			d.add(c)
		}
		switch {
		case !b.NotNull && a.NotNull:
			d.add(Change{Kind: DomainNotNullChanged, Impact: Breaking, Object: q,
				Message: fmt.Sprintf("domain %s became NOT NULL: old writes of NULL to its columns fail", quoteName(q)),
				Hint:    "add NOT NULL to the columns that need it, once no code writes NULL to them"})
		case b.NotNull && !a.NotNull:
			d.add(Change{Kind: DomainNotNullChanged, Impact: Safe, Object: q,
				Message: fmt.Sprintf("domain %s is no longer NOT NULL", quoteName(q))})
		}
		switch {
		case sameDefault(b.Default, a.Default):
		case b.Default == "":
			d.add(Change{Kind: DomainDefaultChanged, Impact: Safe, Object: q,
				Message: fmt.Sprintf("domain %s got the default %s", quoteName(q), a.Default)})
		default:
			d.add(Change{Kind: DomainDefaultChanged, Impact: Risky, Object: q,
				Message: fmt.Sprintf("domain %s changed its default from %s to %s", quoteName(q), orNone(b.Default), orNone(a.Default)),
				Hint:    "old inserts that omit a column of the type get the new default (or none)"})
		}
		key := func(c schema.Check) string { return checkKey(c, nil) }
		removed, added := matchKeyedSides(b.Checks, a.Checks, key, key)
		for _, c := range removed {
			d.add(Change{Kind: DomainCheckRemoved, Impact: Safe, Object: q,
				Message: fmt.Sprintf("domain %s lost its check %s: %s", quoteName(q), quoteIdent(c.Name), c.Expression)})
		}
		for _, c := range added {
			d.add(Change{Kind: DomainCheckAdded, Impact: Risky, Object: q,
				Message: fmt.Sprintf("domain %s got the check %s: %s", quoteName(q), quoteIdent(c.Name), c.Expression),
				Hint:    "ADD CONSTRAINT … NOT VALID, then VALIDATE CONSTRAINT, once no code writes values that fail it"})
		}
	})
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// composites reports the changes of composite types, matched by name.
func (d *differ) composites(before, after []schema.Composite) {
	pairByName(before, after, func(x *schema.Composite) objKey { return objKey{x.Schema, x.Name} }, func(b, a *schema.Composite) {
		switch {
		case b == nil:
			q := a.QualifiedName()
			d.add(Change{Kind: CompositeTypeAdded, Impact: Safe, Object: q, Message: fmt.Sprintf("composite type %s was added", quoteName(q))})
			return
		case a == nil:
			q := b.QualifiedName()
			d.add(Change{Kind: CompositeTypeRemoved, Impact: Breaking, Object: q, Message: fmt.Sprintf("composite type %s was removed", quoteName(q)),
				Hint: "deploy code that no longer uses the type first"})
			return
		}
		q := a.QualifiedName()
		types := make(map[string]string, len(a.Attributes))
		for _, at := range a.Attributes {
			types[at.Name] = at.Type
		}
		had := make(map[string]bool, len(b.Attributes))
		for _, bt := range b.Attributes {
			had[bt.Name] = true
			switch typ, ok := types[bt.Name]; {
			case !ok:
				d.add(Change{Kind: CompositeTypeChanged, Impact: Breaking, Object: q,
					Message: fmt.Sprintf("composite type %s lost its attribute %s", quoteName(q), quoteIdent(bt.Name)),
					Hint:    "keep the attribute until no code reads or builds it"})
			case typ != bt.Type:
				d.add(Change{Kind: CompositeTypeChanged, Impact: Breaking, Object: q,
					Message: fmt.Sprintf("composite type %s attribute %s changed type from %s to %s", quoteName(q), quoteIdent(bt.Name), bt.Type, typ),
					Hint:    "add an attribute of the new type and move code to it"})
			}
		}
		for _, at := range a.Attributes {
			if !had[at.Name] {
				d.add(Change{Kind: CompositeTypeChanged, Impact: Risky, Object: q,
					Message: fmt.Sprintf("composite type %s got the attribute %s", quoteName(q), quoteIdent(at.Name)),
					Hint:    "old code that builds the type from a row of fewer fields fails"})
			}
		}
	})
}

// grants reports the table privileges granted and revoked on a table that
// is there before and after.
func (d *differ) grants(table string, before, after []schema.Grant) {
	if slices.Equal(before, after) { // both sorted
		return
	}
	had := make(map[schema.Grant]bool, len(before))
	for _, g := range before {
		had[g] = true
	}
	has := make(map[schema.Grant]bool, len(after))
	for _, g := range after {
		has[g] = true
	}
	for _, g := range before {
		if !has[g] {
			d.add(Change{Kind: PrivilegeRevoked, Impact: Breaking, Table: table, Object: table,
				Message: fmt.Sprintf("%s on %s was revoked from %s: code running as that role now fails", g.Privilege, quoteName(table), g.Grantee),
				Hint:    "revoke it after the code that uses it is gone, in a later release"})
		}
	}
	for _, g := range after {
		if !had[g] {
			d.add(Change{Kind: PrivilegeGranted, Impact: Safe, Table: table, Object: table,
				Message: fmt.Sprintf("%s on %s was granted to %s", g.Privilege, quoteName(table), g.Grantee)})
		}
	}
}
