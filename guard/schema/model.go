package schema

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Schema is the part of a database guard reasons about: the tables, enums,
// views, functions and sequences of the schemas in scope, and the database's
// extensions. Objects owned by extensions, guard's own
// tables and the migrations table are left out.
//
// Use Canonical to sort it, CanonicalJSON to serialise it and Hash to digest
// it; all three are independent of the order objects were created in.
type Schema struct {
	Schemas []string `json:"schemas"` // the schemas in scope, sorted
	Tables  []Table  `json:"tables"`
	Enums   []Enum   `json:"enums"`
	Views   []View   `json:"views"`
	// Functions, procedures and aggregates; sequences but identity columns'
	// (whose column stands for them); the extensions installed in the
	// database (wherever their objects live), but plpgsql. Canonical JSON
	// writes each only when it is not empty.
	Functions  []Function  `json:"functions,omitempty"`
	Sequences  []Sequence  `json:"sequences,omitempty"`
	Extensions []Extension `json:"extensions,omitempty"`
	Domains    []Domain    `json:"domains,omitempty"`
	Composites []Composite `json:"composites,omitempty"` // CREATE TYPE … AS (…)
}

// Domain is a domain type.
type Domain struct {
	Schema  string  `json:"schema"`
	Name    string  `json:"name"`
	Type    string  `json:"type"` // its base type, format_type
	NotNull bool    `json:"not_null,omitempty"`
	Default string  `json:"default,omitempty"`
	Checks  []Check `json:"checks,omitempty"` // by name
}

// Composite is a composite type made with CREATE TYPE … AS (…).
type Composite struct {
	Schema     string       `json:"schema"`
	Name       string       `json:"name"`
	Attributes []ViewColumn `json:"attributes"` // in order
}

// QualifiedName returns schema.name as written in SQL, quoting where needed.
func (d Domain) QualifiedName() string { return Qualify(d.Schema, d.Name) }

// QualifiedName returns schema.name as written in SQL, quoting where needed.
func (c Composite) QualifiedName() string { return Qualify(c.Schema, c.Name) }

// Table is an ordinary or partitioned table.
type Table struct {
	// OID is the table's pg_class oid as Inspect read it; zero when not
	// known (a snapshot read from a contract). See ID.
	OID         ID           `json:"-"`
	Schema      string       `json:"schema"`
	Name        string       `json:"name"`
	Columns     []Column     `json:"columns"` // in position order
	PrimaryKey  *PrimaryKey  `json:"primary_key,omitempty"`
	Uniques     []Unique     `json:"uniques,omitempty"`
	ForeignKeys []ForeignKey `json:"foreign_keys,omitempty"`
	Checks      []Check      `json:"checks,omitempty"`
	Exclusions  []Exclusion  `json:"exclusions,omitempty"`
	Indexes     []Index      `json:"indexes,omitempty"`  // indexes not backing a constraint
	Triggers    []Trigger    `json:"triggers,omitempty"` // but the internal ones (of foreign keys)
	// RowSecurity is ENABLE ROW LEVEL SECURITY, ForceRowSecurity FORCE
	// ROW LEVEL SECURITY (the owner too is subject to the policies).
	RowSecurity      bool     `json:"row_security,omitempty"`
	ForceRowSecurity bool     `json:"force_row_security,omitempty"`
	Policies         []Policy `json:"policies,omitempty"`
	// Grants are the table privileges granted to roles other than its
	// owner (the owner's come with ownership), sorted.
	Grants []Grant `json:"grants,omitempty"`
	// ColumnGrants are the column privileges (GRANT SELECT (col) …)
	// granted to roles other than its owner, sorted.
	ColumnGrants []ColumnGrant `json:"column_grants,omitempty"`
	// PartitionKey is a partitioned table's PARTITION BY (pg_get_partkeydef,
	// e.g. "RANGE (created_at)"); empty for a table that is not
	// partitioned. Partitions are its partitions, sorted: they are not
	// tables of the model of their own.
	PartitionKey string      `json:"partition_key,omitempty"`
	Partitions   []Partition `json:"partitions,omitempty"`
}

// Partition is a partition of a partitioned table.
type Partition struct {
	Schema string `json:"schema"`
	Name   string `json:"name"`
	Bound  string `json:"bound"` // pg_get_expr of relpartbound, e.g. "FOR VALUES IN ('eu')" or "DEFAULT"
	// Constraints are the partition's own constraints (not its parent's),
	// "name definition; …" sorted by name; empty for none.
	Constraints string `json:"constraints,omitempty"`
}

// QualifiedName returns schema.name as written in SQL, quoting where needed.
func (p Partition) QualifiedName() string { return Qualify(p.Schema, p.Name) }

// Grant is a table privilege granted to a role.
type Grant struct {
	Grantee   string `json:"grantee"`   // a role, quoted where needed, or "PUBLIC"
	Privilege string `json:"privilege"` // "SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES" or "TRIGGER"
}

// ColumnGrant is a column privilege granted to a role.
type ColumnGrant struct {
	Column    string `json:"column"`
	Grantee   string `json:"grantee"`   // a role, quoted where needed, or "PUBLIC"
	Privilege string `json:"privilege"` // "SELECT", "INSERT", "UPDATE" or "REFERENCES"
}

// Policy is a row-level security policy.
type Policy struct {
	Name        string   `json:"name"`
	Command     string   `json:"command"`               // "ALL", "SELECT", "INSERT", "UPDATE" or "DELETE"
	Restrictive bool     `json:"restrictive,omitempty"` // AS RESTRICTIVE; permissive otherwise
	Roles       []string `json:"roles"`                 // sorted; "PUBLIC" for all
	Using       string   `json:"using,omitempty"`       // pg_get_expr of USING
	WithCheck   string   `json:"with_check,omitempty"`  // pg_get_expr of WITH CHECK
}

// Column is a table column.
type Column struct {
	// Attnum is the column's pg_attribute.attnum as Inspect read it; zero
	// when not known. See ID.
	Attnum    ID     `json:"-"`
	Name      string `json:"name"`
	Type      string `json:"type"` // format_type(atttypid, atttypmod), e.g. "character varying(20)"
	NotNull   bool   `json:"not_null"`
	Default   string `json:"default,omitempty"`   // pg_get_expr of the default; empty for none
	Identity  string `json:"identity,omitempty"`  // "always" or "by default" for identity columns
	Generated string `json:"generated,omitempty"` // expression of a stored generated column
	Collation string `json:"collation,omitempty"` // only when it differs from the type's default
	Position  int    `json:"position"`            // 1-based among the live (not dropped) columns
	// IdentityOptions are the options of an identity column's sequence,
	// when they are not the defaults for its type (START 1, INCREMENT 1,
	// MINVALUE 1, MAXVALUE the type's largest, NO CYCLE); the zero value
	// (left out of the JSON) otherwise.
	IdentityOptions IdentityOptions `json:"identity_options,omitzero"`
}

// IdentityOptions are the sequence options of an identity column.
type IdentityOptions struct {
	Start     int64 `json:"start"`
	Min       int64 `json:"min"`
	Max       int64 `json:"max"`
	Increment int64 `json:"increment"`
	Cycle     bool  `json:"cycle,omitempty"`
}

// ID is the identity the catalogs give an object (a table's oid, a
// column's attnum): what tells a renamed object from one dropped and created
// again, in one database between two moments. It is not part of a schema's
// shape: two databases built by the same migrations give their objects
// other identities. So canonical JSON, Hash and contract snapshots leave it
// out, and it prints as "schema.ID(…)" whatever its value (GoString), so
// that printed schemas compare by shape. A schema's JSON (json.Marshal)
// keeps it, under "identity", to be read back by json.Unmarshal. Zero is
// unknown.
type ID int64

// GoString hides the value: see ID.
func (ID) GoString() string { return "schema.ID(…)" }

// PrimaryKey is a table's primary key constraint.
type PrimaryKey struct {
	Name    string   `json:"name"`
	Columns []string `json:"columns"` // in key order
}

// Unique is a UNIQUE constraint.
type Unique struct {
	Name             string   `json:"name"`
	Columns          []string `json:"columns"`                      // in key order
	NullsNotDistinct bool     `json:"nulls_not_distinct,omitempty"` // UNIQUE NULLS NOT DISTINCT
	Deferrable       string   `json:"deferrable,omitempty"`         // see ForeignKey.Deferrable
}

// ForeignKey is a FOREIGN KEY constraint.
type ForeignKey struct {
	Name              string   `json:"name"`
	Columns           []string `json:"columns"`
	ReferencedSchema  string   `json:"referenced_schema"`
	ReferencedTable   string   `json:"referenced_table"`
	ReferencedColumns []string `json:"referenced_columns"`
	OnDelete          string   `json:"on_delete"` // "NO ACTION", "CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT"
	OnUpdate          string   `json:"on_update"`
	// Deferrable is "" for a constraint that is not DEFERRABLE, "immediate"
	// for DEFERRABLE INITIALLY IMMEDIATE, "deferred" for INITIALLY DEFERRED.
	Deferrable string `json:"deferrable,omitempty"`
	Match      string `json:"match,omitempty"` // "" for MATCH SIMPLE (the default), "full" or "partial"
}

// Check is a CHECK constraint.
type Check struct {
	Name       string `json:"name"`
	Expression string `json:"expression"` // pg_get_constraintdef, e.g. "CHECK ((price > 0))"
}

// Exclusion is an EXCLUDE constraint: no two rows may have every element
// compare true under its operator (with the predicate true for both, when it
// has one).
type Exclusion struct {
	Name     string             `json:"name"`
	Method   string             `json:"method"`          // the index access method, e.g. "gist"
	Elements []ExclusionElement `json:"elements"`        // in key order
	Where    string             `json:"where,omitempty"` // pg_get_expr of the predicate, e.g. "(NOT closed)"; empty for none
	// Columns are the table's columns the constraint refers to, in its
	// elements or predicate, in position order.
	Columns []string `json:"columns"`
	// Definition is pg_get_constraintdef, e.g. "EXCLUDE USING gist (room
	// WITH =, during WITH &&)": with operator classes, ordering, INCLUDE and
	// DEFERRABLE, it is what two constraints are compared by.
	Definition string `json:"definition"`
}

// ExclusionElement is one element of an exclusion constraint: a column or an
// expression, and the operator its values are compared with.
type ExclusionElement struct {
	Column     string `json:"column,omitempty"`     // a plain column, or
	Expression string `json:"expression,omitempty"` // an expression, e.g. "daterange(starts_on, ends_on, '[]'::text)"
	Operator   string `json:"operator"`             // e.g. "&&", or "OPERATOR(app.===)" outside pg_catalog
}

// Index is an index that does not back a constraint.
type Index struct {
	Name       string `json:"name"`
	Definition string `json:"definition"` // pg_get_indexdef
	Unique     bool   `json:"unique"`
	Partial    bool   `json:"partial"` // has a WHERE clause
	// Invalid is true when the index is not valid or not ready
	// (pg_index.indisvalid, indisready false): what a CREATE INDEX
	// CONCURRENTLY that failed or was interrupted leaves. Queries do not use
	// it, though writes may maintain it. Valid indexes leave it out of the
	// canonical JSON (the zero value is a valid index).
	Invalid bool `json:"invalid,omitempty"`
}

// Trigger is a trigger on a table (not one of the internal triggers that
// enforce foreign keys).
type Trigger struct {
	Name       string `json:"name"`
	Definition string `json:"definition"` // pg_get_triggerdef: timing, events, level, WHEN, function and arguments
	Function   string `json:"function"`   // the trigger function's signature, e.g. "public.touch()"
	// Enabled is "" for a trigger that fires (the default, ENABLE), or
	// "disabled", "replica" (ENABLE REPLICA) or "always" (ENABLE ALWAYS).
	Enabled string `json:"enabled,omitempty"`
}

// Function is a function, procedure or aggregate.
type Function struct {
	Schema    string `json:"schema"`
	Name      string `json:"name"`
	Signature string `json:"signature"`        // its identity: regprocedure, e.g. "public.f(integer,text)"
	Kind      string `json:"kind"`             // "function", "procedure", "aggregate" or "window"
	Arguments string `json:"arguments"`        // pg_get_function_arguments, with names and defaults
	Result    string `json:"result,omitempty"` // pg_get_function_result, e.g. "integer", "SETOF text", "trigger"; empty for a procedure
	Language  string `json:"language"`
	// Volatility is "immutable", "stable" or "volatile".
	Volatility      string `json:"volatility"`
	Strict          bool   `json:"strict,omitempty"`           // RETURNS NULL ON NULL INPUT
	SecurityDefiner bool   `json:"security_definer,omitempty"` // SECURITY DEFINER
	BodyHash        string `json:"body_hash"`                  // hex sha256 of the body (prosrc, or a SQL-standard body deparsed)
	// OID is the routine's pg_proc oid as Inspect read it; zero when not
	// known. See ID.
	OID ID `json:"-"`
}

// Sequence is a sequence (not an identity column's).
type Sequence struct {
	Schema    string `json:"schema"`
	Name      string `json:"name"`
	Type      string `json:"type"` // "smallint", "integer" or "bigint"
	Start     int64  `json:"start"`
	Min       int64  `json:"min"`
	Max       int64  `json:"max"`
	Increment int64  `json:"increment"`
	Cycle     bool   `json:"cycle,omitempty"`
	OwnedBy   string `json:"owned_by,omitempty"` // the column that owns it (a serial's), e.g. "public.users.id"
}

// Extension is an installed extension.
type Extension struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Schema  string `json:"schema"` // where its objects are
}

// QualifiedName returns schema.name as written in SQL, quoting where needed.
func (s Sequence) QualifiedName() string { return Qualify(s.Schema, s.Name) }

// Enum is an enum type with its values in sort order.
type Enum struct {
	Schema string   `json:"schema"`
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// View is a view (or materialized view) with its output columns.
type View struct {
	Schema       string       `json:"schema"`
	Name         string       `json:"name"`
	Materialized bool         `json:"materialized,omitempty"`
	Columns      []ViewColumn `json:"columns"` // in position order
	Definition   string       `json:"definition"`
	CheckOption  string       `json:"check_option,omitempty"` // WITH CHECK OPTION: "local" or "cascaded"
}

// ViewColumn is an output column of a view.
type ViewColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// QualifiedName returns schema.name as written in SQL, quoting where needed.
func (t Table) QualifiedName() string { return Qualify(t.Schema, t.Name) }

// QualifiedName returns schema.name as written in SQL, quoting where needed.
func (e Enum) QualifiedName() string { return Qualify(e.Schema, e.Name) }

// QualifiedName returns schema.name as written in SQL, quoting where needed.
func (v View) QualifiedName() string { return Qualify(v.Schema, v.Name) }

// Column returns the column named name, or nil.
func (t *Table) Column(name string) *Column {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i]
		}
	}
	return nil
}

// Table returns the table schema.name, or nil.
func (s *Schema) Table(schemaName, name string) *Table {
	for i := range s.Tables {
		if s.Tables[i].Schema == schemaName && s.Tables[i].Name == name {
			return &s.Tables[i]
		}
	}
	return nil
}

// Enum returns the enum type schema.name, or nil.
func (s *Schema) Enum(schemaName, name string) *Enum {
	for i := range s.Enums {
		if s.Enums[i].Schema == schemaName && s.Enums[i].Name == name {
			return &s.Enums[i]
		}
	}
	return nil
}

// Canonical sorts every list in s whose order carries no meaning (schemas,
// tables, enums, views, constraints, indexes), so that equal schemas are
// equal values. Columns stay in position order, enum values in sort order and
// key columns in key order. It modifies s and returns it.
func (s *Schema) Canonical() *Schema {
	slices.Sort(s.Schemas)
	byQualified := func(as, an, bs, bn string) int {
		return cmp.Or(cmp.Compare(as, bs), cmp.Compare(an, bn))
	}
	slices.SortFunc(s.Tables, func(a, b Table) int { return byQualified(a.Schema, a.Name, b.Schema, b.Name) })
	slices.SortFunc(s.Enums, func(a, b Enum) int { return byQualified(a.Schema, a.Name, b.Schema, b.Name) })
	slices.SortFunc(s.Views, func(a, b View) int { return byQualified(a.Schema, a.Name, b.Schema, b.Name) })
	slices.SortFunc(s.Functions, func(a, b Function) int {
		return cmp.Or(byQualified(a.Schema, a.Name, b.Schema, b.Name), cmp.Compare(a.Signature, b.Signature))
	})
	slices.SortFunc(s.Sequences, func(a, b Sequence) int { return byQualified(a.Schema, a.Name, b.Schema, b.Name) })
	slices.SortFunc(s.Extensions, func(a, b Extension) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(s.Domains, func(a, b Domain) int { return byQualified(a.Schema, a.Name, b.Schema, b.Name) })
	slices.SortFunc(s.Composites, func(a, b Composite) int { return byQualified(a.Schema, a.Name, b.Schema, b.Name) })
	if len(s.Domains) == 0 {
		s.Domains = nil
	}
	if len(s.Composites) == 0 {
		s.Composites = nil
	}
	if len(s.Functions) == 0 {
		s.Functions = nil
	}
	if len(s.Sequences) == 0 {
		s.Sequences = nil
	}
	if len(s.Extensions) == 0 {
		s.Extensions = nil
	}
	for i := range s.Tables {
		s.Tables[i].canonical()
	}
	if s.Schemas == nil {
		s.Schemas = []string{}
	}
	if s.Tables == nil {
		s.Tables = []Table{}
	}
	if s.Enums == nil {
		s.Enums = []Enum{}
	}
	if s.Views == nil {
		s.Views = []View{}
	}
	return s
}

func (t *Table) canonical() {
	slices.SortFunc(t.Columns, func(a, b Column) int { return cmp.Compare(a.Position, b.Position) })
	slices.SortFunc(t.Uniques, func(a, b Unique) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(t.ForeignKeys, func(a, b ForeignKey) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(t.Checks, func(a, b Check) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(t.Exclusions, func(a, b Exclusion) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(t.Indexes, func(a, b Index) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(t.Triggers, func(a, b Trigger) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(t.Policies, func(a, b Policy) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(t.ColumnGrants, func(a, b ColumnGrant) int {
		return cmp.Or(cmp.Compare(a.Column, b.Column), cmp.Compare(a.Grantee, b.Grantee), cmp.Compare(a.Privilege, b.Privilege))
	})
	slices.SortFunc(t.Partitions, func(a, b Partition) int {
		return cmp.Or(cmp.Compare(a.Schema, b.Schema), cmp.Compare(a.Name, b.Name))
	})
	slices.SortFunc(t.Grants, func(a, b Grant) int {
		return cmp.Or(cmp.Compare(a.Grantee, b.Grantee), cmp.Compare(a.Privilege, b.Privilege))
	})
	if t.Columns == nil {
		t.Columns = []Column{}
	}
}

// CanonicalJSON returns s sorted and serialised as indented JSON: identical
// bytes for identical schemas, whatever the order objects were created in.
// Text such as check expressions is written as is (no HTML escaping), so a
// snapshot reads well in a pull request.
func (s *Schema) CanonicalJSON() ([]byte, error) {
	var buf bytes.Buffer
	if err := s.WriteCanonicalJSON(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteCanonicalJSON writes what CanonicalJSON returns to w, one object at a
// time, so that the whole document is never held in memory.
func (s *Schema) WriteCanonicalJSON(w io.Writer) error {
	s.Canonical()
	bw := bufio.NewWriterSize(w, 64<<10)
	ew := &errWriter{w: bw}
	ew.str("{\n  \"schemas\": ")
	ew.value(s.Schemas, "  ")
	ew.str(",\n  \"tables\": ")
	writeArray(ew, s.Tables)
	ew.str(",\n  \"enums\": ")
	writeArray(ew, s.Enums)
	ew.str(",\n  \"views\": ")
	writeArray(ew, s.Views)
	if len(s.Functions) > 0 {
		ew.str(",\n  \"functions\": ")
		writeArray(ew, s.Functions)
	}
	if len(s.Sequences) > 0 {
		ew.str(",\n  \"sequences\": ")
		writeArray(ew, s.Sequences)
	}
	if len(s.Extensions) > 0 {
		ew.str(",\n  \"extensions\": ")
		writeArray(ew, s.Extensions)
	}
	if len(s.Domains) > 0 {
		ew.str(",\n  \"domains\": ")
		writeArray(ew, s.Domains)
	}
	if len(s.Composites) > 0 {
		ew.str(",\n  \"composites\": ")
		writeArray(ew, s.Composites)
	}
	ew.str("\n}\n")
	if ew.err != nil {
		return ew.err
	}
	return bw.Flush()
}

func writeArray[T any](ew *errWriter, items []T) {
	if len(items) == 0 {
		ew.str("[]")
		return
	}
	ew.str("[")
	for i := range items {
		if i > 0 {
			ew.str(",")
		}
		ew.str("\n    ")
		ew.value(&items[i], "    ")
	}
	ew.str("\n  ]")
}

// errWriter writes JSON pieces and keeps the first error.
type errWriter struct {
	w   io.Writer
	err error
	buf bytes.Buffer
}

func (e *errWriter) str(s string) {
	if e.err == nil {
		_, e.err = io.WriteString(e.w, s)
	}
}

// value writes v as indented JSON continuing at the given prefix, without
// HTML escaping, exactly as json.MarshalIndent would nest it.
func (e *errWriter) value(v any, prefix string) {
	if e.err != nil {
		return
	}
	e.buf.Reset()
	enc := json.NewEncoder(&e.buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if e.err = enc.Encode(v); e.err != nil {
		return
	}
	_, e.err = e.w.Write(bytes.TrimSuffix(e.buf.Bytes(), []byte("\n")))
}

// schemaJSON is a Schema as json.Marshal writes it: its canonical fields,
// and the identities of its tables and columns (see ID).
type schemaJSON struct {
	Schemas    []string    `json:"schemas"`
	Tables     []Table     `json:"tables"`
	Enums      []Enum      `json:"enums"`
	Views      []View      `json:"views"`
	Functions  []Function  `json:"functions,omitempty"`
	Sequences  []Sequence  `json:"sequences,omitempty"`
	Extensions []Extension `json:"extensions,omitempty"`
	Domains    []Domain    `json:"domains,omitempty"`
	Composites []Composite `json:"composites,omitempty"`
	Identity   [][]ID      `json:"identity,omitempty"` // per table, in order: its OID, then its columns' attnums in order
	// FunctionIdentity holds the functions' OIDs, in order.
	FunctionIdentity []ID `json:"function_identity,omitempty"`
}

// MarshalJSON writes s with the identities of its tables and columns, which
// canonical JSON leaves out, so that json.Unmarshal gives back the same
// Schema.
func (s Schema) MarshalJSON() ([]byte, error) {
	doc := schemaJSON{Schemas: s.Schemas, Tables: s.Tables, Enums: s.Enums, Views: s.Views,
		Functions: s.Functions, Sequences: s.Sequences, Extensions: s.Extensions, Domains: s.Domains, Composites: s.Composites}
	known := false
	for _, t := range s.Tables {
		if t.OID != 0 {
			known = true
			break
		}
	}
	if known {
		doc.Identity = make([][]ID, len(s.Tables))
		for i, t := range s.Tables {
			ids := make([]ID, 1+len(t.Columns))
			ids[0] = t.OID
			for j, c := range t.Columns {
				ids[1+j] = c.Attnum
			}
			doc.Identity[i] = ids
		}
	}
	for _, f := range s.Functions {
		if f.OID != 0 {
			doc.FunctionIdentity = make([]ID, len(s.Functions))
			for i, f := range s.Functions {
				doc.FunctionIdentity[i] = f.OID
			}
			break
		}
	}
	// Unescaped: the caller's encoder escapes HTML, or not, as it was told.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON reads what MarshalJSON writes, and canonical JSON (with no
// identities).
func (s *Schema) UnmarshalJSON(b []byte) error {
	var doc schemaJSON
	if err := json.Unmarshal(b, &doc); err != nil {
		return err
	}
	if doc.Identity != nil && len(doc.Identity) != len(doc.Tables) {
		return errors.New("schema: identities for another number of tables")
	}
	for i, ids := range doc.Identity {
		t := &doc.Tables[i]
		if len(ids) != 1+len(t.Columns) {
			return fmt.Errorf("schema: identities of table %s for another number of columns", t.QualifiedName())
		}
		t.OID = ids[0]
		for j := range t.Columns {
			t.Columns[j].Attnum = ids[1+j]
		}
	}
	if doc.FunctionIdentity != nil {
		if len(doc.FunctionIdentity) != len(doc.Functions) {
			return errors.New("schema: identities for another number of functions")
		}
		for i := range doc.Functions {
			doc.Functions[i].OID = doc.FunctionIdentity[i]
		}
	}
	*s = Schema{Schemas: doc.Schemas, Tables: doc.Tables, Enums: doc.Enums, Views: doc.Views,
		Functions: doc.Functions, Sequences: doc.Sequences, Extensions: doc.Extensions, Domains: doc.Domains, Composites: doc.Composites}
	return nil
}

// Hash returns the hex sha256 of s's canonical JSON.
func (s *Schema) Hash() string {
	h := sha256.New()
	if err := s.WriteCanonicalJSON(h); err != nil {
		panic("schema: canonical JSON of a schema cannot fail: " + err.Error())
	}
	return hex.EncodeToString(h.Sum(nil))
}

// UpgradeLegacy brings a table snapshot written by an earlier guard up to
// date, and reports whether it changed anything: earlier releases of guard
// recorded an exclusion constraint among the checks (Check.Expression "EXCLUDE USING
// gist (...)"); it is moved to Exclusions, its method and elements read from
// the definition. A snapshot read from a file (a contract) goes through it
// so that comparing it with a live table finds no change where there is
// none.
func (t *Table) UpgradeLegacy() bool {
	changed := false
	t.Checks = slices.DeleteFunc(t.Checks, func(c Check) bool {
		if !strings.HasPrefix(c.Expression, "EXCLUDE ") {
			return false
		}
		t.Exclusions = append(t.Exclusions, legacyExclusion(t, c))
		changed = true
		return true
	})
	if len(t.Checks) == 0 {
		t.Checks = nil
	}
	if changed {
		slices.SortFunc(t.Exclusions, func(a, b Exclusion) int { return cmp.Compare(a.Name, b.Name) })
	}
	return changed
}

// legacyExclusion reads what it can of an exclusion constraint's definition:
// "EXCLUDE USING gist (room WITH =, during WITH &&) ...". Those guard
// recorded among the checks had plain columns for keys (an expression made
// inspection fail); an element it cannot read is left out.
func legacyExclusion(t *Table, c Check) Exclusion {
	x := Exclusion{Name: c.Name, Definition: c.Expression, Elements: []ExclusionElement{}, Columns: []string{}}
	rest, ok := strings.CutPrefix(c.Expression, "EXCLUDE USING ")
	if !ok {
		return x
	}
	method, rest, ok := strings.Cut(rest, " (")
	if !ok {
		return x
	}
	x.Method = method
	end := strings.Index(rest, ")")
	if end < 0 {
		return x
	}
	used := map[string]bool{}
	for _, el := range strings.Split(rest[:end], ", ") {
		col, op, ok := strings.Cut(el, " WITH ")
		if !ok {
			continue
		}
		if f := strings.Fields(col); len(f) > 0 && !strings.HasPrefix(col, `"`) {
			col = f[0] // an operator class or ordering may follow
		}
		parts, ok := splitIdent(col)
		if !ok || len(parts) != 1 || t.Column(parts[0]) == nil {
			continue
		}
		name := parts[0]
		x.Elements = append(x.Elements, ExclusionElement{Column: name, Operator: op})
		used[name] = true
	}
	for _, col := range t.Columns {
		if used[col.Name] {
			x.Columns = append(x.Columns, col.Name)
		}
	}
	return x
}
