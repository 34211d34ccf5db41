package diff

import (
	"fmt"
	"strings"
)

// Impact is how a change affects the code that is running now (the previous
// binary, during a rolling deploy): will its reads and writes still work?
type Impact int

// Impacts, in increasing order of harm. The zero value is not a valid impact.
const (
	Safe     Impact = iota + 1 // old reads and writes keep working
	Risky                      // old code probably works, but some writes or clients may fail
	Breaking                   // old reads or writes fail
)

// String returns "safe", "risky" or "breaking".
func (i Impact) String() string {
	switch i {
	case Safe:
		return "safe"
	case Risky:
		return "risky"
	case Breaking:
		return "breaking"
	}
	return fmt.Sprintf("Impact(%d)", int(i))
}

// MarshalText encodes the impact as its name.
func (i Impact) MarshalText() ([]byte, error) {
	if i < Safe || i > Breaking {
		return nil, fmt.Errorf("invalid impact %d", int(i))
	}
	return []byte(i.String()), nil
}

// UnmarshalText decodes "safe", "risky" or "breaking".
func (i *Impact) UnmarshalText(b []byte) error {
	switch string(b) {
	case "safe":
		*i = Safe
	case "risky":
		*i = Risky
	case "breaking":
		*i = Breaking
	default:
		return fmt.Errorf("unknown impact %q (want safe, risky or breaking)", b)
	}
	return nil
}

// Kind identifies what changed. Kinds are stable identifiers: they appear in
// JSON output and are never renamed.
type Kind string

// The kinds of change. See the package documentation (and the README) for
// the impact of each.
const (
	TableAdded           Kind = "table_added"
	TableRemoved         Kind = "table_removed"
	ColumnAdded          Kind = "column_added"
	ColumnRemoved        Kind = "column_removed"
	ColumnRenamed        Kind = "column_renamed"
	ColumnTypeChanged    Kind = "column_type_changed"
	ColumnNotNullAdded   Kind = "column_not_null_added"
	ColumnNotNullDropped Kind = "column_not_null_dropped"
	ColumnDefaultAdded   Kind = "column_default_added"
	ColumnDefaultChanged Kind = "column_default_changed"
	ColumnDefaultRemoved Kind = "column_default_removed"
	PrimaryKeyChanged    Kind = "primary_key_changed"
	UniqueAdded          Kind = "unique_added"
	UniqueRemoved        Kind = "unique_removed"
	CheckAdded           Kind = "check_added"
	CheckRemoved         Kind = "check_removed"
	ForeignKeyAdded      Kind = "foreign_key_added"
	ForeignKeyRemoved    Kind = "foreign_key_removed"
	IndexAdded           Kind = "index_added"
	IndexRemoved         Kind = "index_removed"
	EnumAdded            Kind = "enum_added"
	EnumRemoved          Kind = "enum_removed"
	EnumValueAdded       Kind = "enum_value_added"
	EnumValueRemoved     Kind = "enum_value_removed"
	ViewAdded            Kind = "view_added"
	ViewRemoved          Kind = "view_removed"
	ViewColumnChanged    Kind = "view_column_changed"

	ColumnIdentityAdded    Kind = "column_identity_added"
	ColumnIdentityRemoved  Kind = "column_identity_removed"
	ColumnIdentityChanged  Kind = "column_identity_changed"
	ColumnGeneratedAdded   Kind = "column_generated_added"
	ColumnGeneratedRemoved Kind = "column_generated_removed"
	ColumnGeneratedChanged Kind = "column_generated_changed"
	ColumnCollationChanged Kind = "column_collation_changed"
	EnumValueRenamed       Kind = "enum_value_renamed"
	EnumValuesReordered    Kind = "enum_values_reordered"
	ViewColumnAdded        Kind = "view_column_added"
	ViewDefinitionChanged  Kind = "view_definition_changed"
	// IndexValidityChanged: an index of the same name and definition
	// became invalid (pg_index.indisvalid or indisready false, as a failed
	// or interrupted CREATE INDEX CONCURRENTLY leaves it) or valid.
	IndexValidityChanged Kind = "index_validity_changed"
	// ExclusionAdded, ExclusionRemoved, ExclusionChanged: an EXCLUDE
	// constraint was added, removed, or replaced under the same name by
	// one of another definition (elements, operators, method, predicate or
	// deferrability).
	ExclusionAdded   Kind = "exclusion_added"
	ExclusionRemoved Kind = "exclusion_removed"
	ExclusionChanged Kind = "exclusion_changed"

	// Known for sure from the catalog's identities (WithIdentity):
	// TableRenamed, a table renamed or moved to another schema (the same
	// oid); TableRecreated, a table dropped and created again under its
	// name (another oid); ColumnRecreated, a column dropped and added again
	// under its name (another attnum). The last two lose data.
	TableRenamed    Kind = "table_renamed"
	TableRecreated  Kind = "table_recreated"
	ColumnRecreated Kind = "column_recreated"

	// Data changes, found in the statements of a migration file (see
	// Statements): DataTruncated, a TRUNCATE of a table that exists;
	// DataDeleted, a DELETE without WHERE; DataUpdated, an UPDATE without
	// WHERE. The first two lose data.
	DataTruncated Kind = "data_truncated"
	DataDeleted   Kind = "data_deleted"
	DataUpdated   Kind = "data_updated"

	// Functions and procedures, matched by signature (schema, name,
	// argument types): FunctionSignatureChanged is one removed and another
	// of its name added (or a function become a procedure);
	// FunctionAttributesChanged is volatility, STRICT or SECURITY DEFINER.
	FunctionAdded             Kind = "function_added"
	FunctionRemoved           Kind = "function_removed"
	FunctionSignatureChanged  Kind = "function_signature_changed"
	FunctionResultChanged     Kind = "function_result_changed"
	FunctionArgumentsChanged  Kind = "function_arguments_changed"
	FunctionBodyChanged       Kind = "function_body_changed"
	FunctionAttributesChanged Kind = "function_attributes_changed"
	// FunctionRenamed: the same routine (oid) under another name or
	// schema, known for sure from the shadow's steps (WithIdentity).
	FunctionRenamed Kind = "function_renamed"

	// Triggers of a table that existed before, matched by definition.
	TriggerAdded          Kind = "trigger_added"
	TriggerRemoved        Kind = "trigger_removed"
	TriggerChanged        Kind = "trigger_changed"
	TriggerEnabledChanged Kind = "trigger_enabled_changed"

	// Sequences (not identity columns'): SequenceNarrowed is a smaller type,
	// a lower maximum or a higher minimum; SequenceChanged any other option.
	SequenceAdded    Kind = "sequence_added"
	SequenceRemoved  Kind = "sequence_removed"
	SequenceNarrowed Kind = "sequence_narrowed"
	SequenceChanged  Kind = "sequence_changed"

	// Extensions: ExtensionChanged is another version or schema.
	ExtensionAdded   Kind = "extension_added"
	ExtensionRemoved Kind = "extension_removed"
	ExtensionChanged Kind = "extension_changed"

	// A constraint replaced by a looser one: CheckLoosened, a CHECK (col IN
	// (…)) by one whose list holds every value and more; UniqueLoosened, a
	// unique key by one on the same columns and more.
	CheckLoosened  Kind = "check_loosened"
	UniqueLoosened Kind = "unique_loosened"

	// ForeignKeyChanged: a foreign key of the same name, columns and
	// referenced table with other actions, MATCH or deferrability.
	ForeignKeyChanged Kind = "foreign_key_changed"

	// Row-level security of a table: RowSecurityForced is FORCE turned on
	// (breaking) or off (risky). Policies matter while it is enabled.
	RowSecurityEnabled  Kind = "row_security_enabled"
	RowSecurityDisabled Kind = "row_security_disabled"
	RowSecurityForced   Kind = "row_security_forced"
	PolicyAdded         Kind = "policy_added"
	PolicyRemoved       Kind = "policy_removed"
	PolicyChanged       Kind = "policy_changed"

	// Table privileges granted to roles other than the owner: one revoked
	// fails the code running as that role (breaking); one granted is safe.
	PrivilegeGranted Kind = "privilege_granted"
	PrivilegeRevoked Kind = "privilege_revoked"

	// Domains and composite types (CREATE TYPE … AS (…)), matched by name.
	DomainAdded          Kind = "domain_added"
	DomainRemoved        Kind = "domain_removed"
	DomainTypeChanged    Kind = "domain_type_changed"
	DomainNotNullChanged Kind = "domain_not_null_changed"
	DomainDefaultChanged Kind = "domain_default_changed"
	DomainCheckAdded     Kind = "domain_check_added"
	DomainCheckRemoved   Kind = "domain_check_removed"
	CompositeTypeAdded   Kind = "composite_type_added"
	CompositeTypeRemoved Kind = "composite_type_removed"
	CompositeTypeChanged Kind = "composite_type_changed"

	// ViewCheckOptionChanged: WITH [LOCAL | CASCADED] CHECK OPTION added,
	// removed or changed.
	ViewCheckOptionChanged Kind = "view_check_option_changed"

	// Partitioning: TablePartitioned, a table now partitioned (or by
	// another key); TableUnpartitioned, no longer; a partition attached
	// (created as PARTITION OF, or ATTACH PARTITION), detached (its table
	// stays), dropped (its rows are gone) or given another bound.
	TablePartitioned      Kind = "table_partitioned"
	TableUnpartitioned    Kind = "table_unpartitioned"
	PartitionAttached     Kind = "partition_attached"
	PartitionDetached     Kind = "partition_detached"
	PartitionRemoved      Kind = "partition_removed"
	PartitionBoundChanged Kind = "partition_bound_changed"
	// PartitionConstraintsChanged: the constraints a partition has of its
	// own (not its parent's) changed.
	PartitionConstraintsChanged Kind = "partition_constraints_changed"

	// ColumnIdentityOptionsChanged: the START, INCREMENT, MINVALUE,
	// MAXVALUE or CYCLE of an identity column's sequence.
	ColumnIdentityOptionsChanged Kind = "column_identity_options_changed"

	// Column privileges granted to roles other than the owner: one revoked
	// fails the code running as that role on the column (breaking, unless
	// the role keeps the privilege on the whole table); one granted is safe.
	ColumnPrivilegeGranted Kind = "column_privilege_granted"
	ColumnPrivilegeRevoked Kind = "column_privilege_revoked"
)

// losesData reports whether a change of kind k loses rows or values.
func losesData(k Kind) bool {
	switch k {
	case TableRemoved, ColumnRemoved, TableRecreated, ColumnRecreated, DataTruncated, DataDeleted, PartitionRemoved:
		return true
	}
	return false
}

// Change is one difference between two schemas, classified.
type Change struct {
	Kind    Kind   `json:"kind"`
	Impact  Impact `json:"impact"`
	Table   string `json:"table,omitempty"` // qualified table (or view) the change belongs to; empty for enums
	Enum    string `json:"enum,omitempty"`  // qualified enum type, for enum changes
	Object  string `json:"object"`          // qualified object: table, table.column, constraint, index, enum or view
	Message string `json:"message"`         // one line, naming the object
	Hint    string `json:"hint,omitempty"`  // a safer way, where there is one
	// DataLoss is true for a change that loses rows or values: a table or
	// column removed or recreated, a TRUNCATE, a DELETE without WHERE.
	DataLoss bool `json:"data_loss,omitempty"`
}

// Subject returns the qualified table, view, enum type, function,
// sequence, extension, domain or composite type the change belongs to, and
// which it is ("table", "view", "enum", "function", "sequence",
// "extension", "domain" or "composite").
func (c Change) Subject() (name, kind string) {
	switch {
	case c.Enum != "":
		return c.Enum, "enum"
	case strings.HasPrefix(string(c.Kind), "view_"):
		return c.Table, "view"
	case c.Table == "":
		for _, k := range []string{"function", "sequence", "extension", "domain", "composite"} {
			if strings.HasPrefix(string(c.Kind), k+"_") {
				return c.Object, k
			}
		}
	}
	return c.Table, "table"
}

// String returns "impact kind: message".
func (c Change) String() string { return fmt.Sprintf("%s %s: %s", c.Impact, c.Kind, c.Message) }
