package schema

import "fmt"

// functionRow is a row of functions.sql.
type functionRow struct {
	Schema          string `db:"schema"`
	Name            string `db:"name"`
	Signature       string `db:"signature"`
	Kind            string `db:"kind"`
	Arguments       string `db:"arguments"`
	Result          string `db:"result"`
	Language        string `db:"language"`
	Volatility      string `db:"volatility"`
	Strict          bool   `db:"strict"`
	SecurityDefiner bool   `db:"security_definer"`
	BodyHash        string `db:"body_hash"`
	OID             ID     `db:"oid"`
}

func readFunctions(frs []*functionRow) []Function {
	out := make([]Function, len(frs))
	for i, fr := range frs {
		out[i] = Function(*fr)
	}
	return out
}

// triggerRow is a row of triggers.sql.
type triggerRow struct {
	TableOID   uint32 `db:"table_oid"`
	Name       string `db:"name"`
	Definition string `db:"definition"`
	Function   string `db:"function"`
	Enabled    string `db:"enabled"`
}

// triggerEnabled spells out pg_trigger.tgenabled; "O", a trigger that
// fires, is the zero value.
var triggerEnabled = map[string]string{"O": "", "D": "disabled", "R": "replica", "A": "always"}

func readTriggers(trs []*triggerRow, s *Schema, tabs tableIndex) {
	for _, tr := range trs {
		e, ok := tabs[tr.TableOID]
		if !ok || e.index < 0 {
			continue // a table left out
		}
		t := &s.Tables[e.index]
		t.Triggers = append(t.Triggers, Trigger{Name: tr.Name, Definition: tr.Definition, Function: tr.Function, Enabled: triggerEnabled[tr.Enabled]})
	}
}

// sequenceRow is a row of sequences.sql.
type sequenceRow struct {
	Schema      string `db:"schema"`
	Name        string `db:"name"`
	Type        string `db:"type"`
	Start       int64  `db:"start"`
	Min         int64  `db:"min"`
	Max         int64  `db:"max"`
	Increment   int64  `db:"increment"`
	Cycle       bool   `db:"cycle"`
	OwnerOID    uint32 `db:"owner_oid"`
	OwnerAttnum int16  `db:"owner_attnum"`
}

// readSequences maps the sequences; the column that owns one is named from
// the tables read (all of them, left out or not, but partitions and tables
// in other schemas).
func readSequences(srs []*sequenceRow, tabs tableIndex) []Sequence {
	out := make([]Sequence, len(srs))
	for i, sr := range srs {
		sq := Sequence{Schema: sr.Schema, Name: sr.Name, Type: sr.Type, Start: sr.Start, Min: sr.Min, Max: sr.Max,
			Increment: sr.Increment, Cycle: sr.Cycle}
		if e, ok := tabs[sr.OwnerOID]; ok && sr.OwnerAttnum > 0 {
			if cols, ok := e.columnNames([]int16{sr.OwnerAttnum}); ok {
				sq.OwnedBy = Qualify(e.schema, e.name) + "." + QuoteIdent(cols[0])
			}
		}
		out[i] = sq
	}
	return out
}

// extensionRow is a row of extensions.sql.
type extensionRow struct {
	Name    string `db:"name"`
	Version string `db:"version"`
	Schema  string `db:"schema"`
}

func readExtensions(ers []*extensionRow) []Extension {
	out := make([]Extension, len(ers))
	for i, er := range ers {
		out[i] = Extension(*er)
	}
	return out
}

// policyRow is a row of policies.sql.
type policyRow struct {
	TableOID   uint32   `db:"table_oid"`
	Name       string   `db:"name"`
	Command    string   `db:"command"`
	Permissive bool     `db:"permissive"`
	Roles      []string `db:"roles"`
	Using      string   `db:"using_expr"`
	WithCheck  string   `db:"check_expr"`
}

func readPolicies(prs []*policyRow, s *Schema, tabs tableIndex) {
	for _, pr := range prs {
		e, ok := tabs[pr.TableOID]
		if !ok || e.index < 0 {
			continue // a table left out
		}
		t := &s.Tables[e.index]
		t.Policies = append(t.Policies, Policy{Name: pr.Name, Command: pr.Command, Restrictive: !pr.Permissive,
			Roles: pr.Roles, Using: pr.Using, WithCheck: pr.WithCheck})
	}
}

// domainRow is a row of domains.sql.
type domainRow struct {
	Schema     string   `db:"schema"`
	Name       string   `db:"name"`
	Type       string   `db:"type"`
	NotNull    bool     `db:"not_null"`
	Default    string   `db:"default_expr"`
	CheckNames []string `db:"check_names"`
	CheckDefs  []string `db:"check_defs"`
}

func readDomains(drs []*domainRow) ([]Domain, error) {
	out := make([]Domain, len(drs))
	for i, dr := range drs {
		if len(dr.CheckNames) != len(dr.CheckDefs) {
			return nil, fmt.Errorf("domain %s: check arrays of unequal length", Qualify(dr.Schema, dr.Name))
		}
		d := Domain{Schema: dr.Schema, Name: dr.Name, Type: dr.Type, NotNull: dr.NotNull, Default: dr.Default}
		for j := range dr.CheckNames {
			d.Checks = append(d.Checks, Check{Name: dr.CheckNames[j], Expression: dr.CheckDefs[j]})
		}
		out[i] = d
	}
	return out, nil
}

// compositeRow is a row of composites.sql.
type compositeRow struct {
	Schema         string   `db:"schema"`
	Name           string   `db:"name"`
	AttributeNames []string `db:"attribute_names"`
	AttributeTypes []string `db:"attribute_types"`
}

func readComposites(crs []*compositeRow) ([]Composite, error) {
	out := make([]Composite, len(crs))
	for i, cr := range crs {
		if len(cr.AttributeNames) != len(cr.AttributeTypes) {
			return nil, fmt.Errorf("type %s: attribute arrays of unequal length", Qualify(cr.Schema, cr.Name))
		}
		c := Composite{Schema: cr.Schema, Name: cr.Name, Attributes: make([]ViewColumn, len(cr.AttributeNames))}
		for j := range cr.AttributeNames {
			c.Attributes[j] = ViewColumn{Name: cr.AttributeNames[j], Type: cr.AttributeTypes[j]}
		}
		out[i] = c
	}
	return out, nil
}
