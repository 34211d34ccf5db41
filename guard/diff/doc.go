// Package diff compares two schema models and classifies every difference
// as safe, risky or breaking for the code that is running now (the previous
// binary, during a rolling deploy): will its reads and writes still work?
//
//	before, _ := schema.Inspect(ctx, conn)
//	// … apply a migration …
//	after, _ := schema.Inspect(ctx, conn)
//	changes := diff.Schemas(before, after)
//	for _, c := range changes {
//		fmt.Println(c) // "breaking column_renamed: column "email" was renamed to "email_address" (probable)"
//		if c.Hint != "" {
//			fmt.Println("  hint:", c.Hint)
//		}
//	}
//	if diff.Worst(changes) == diff.Breaking {
//		// refuse, or ask for the contract to be promoted
//	}
//
// Tables, Enums and Views compare a single object, e.g. a locked table of the
// contract against the live one.
//
// # Matching
//
// Tables, enums and views are matched by schema and name; a renamed table is
// a removal and an addition (the removal's message names the probable new
// name when the columns are the same). A removed table is one change, not
// one per column. Within a table, columns are matched by name; a removed and
// an added column of the same type are reported as one probable rename (the
// pairs with the same position, then the same nullability and default, win).
// Constraints and indexes are matched by definition, not name: renaming an
// index or recreating it identically is no change, a UNIQUE constraint and a
// plain unique index on the same columns are the same rule, a CHECK that was
// NOT VALID and is now validated did not change, and definitions follow
// column renames. A constraint whose definition changed is a removal plus an
// addition, but for one replaced by a looser one (check_loosened,
// unique_loosened). A default spelled otherwise for the same value (now(),
// CURRENT_TIMESTAMP, transaction_timestamp(); a string literal cast to text
// or character varying) is no change.
//
// # Identity
//
// With WithIdentity (before and after read from one database at two moments,
// as a shadow's steps are: Step uses it), tables are matched by oid and
// columns by attnum first: a rename is certain (table_renamed, and
// column_renamed without "(probable)"), a table or column dropped and created
// again under its name is table_recreated or column_recreated, and a column
// dropped and another added is a removal and an addition, never a rename.
// Objects whose identity is not known (a contract's snapshot) are matched
// as above.
//
// # Data changes
//
// DataChanges (and Step) read a migration file's statements for what they do
// to the rows of tables that exist: TRUNCATE, DELETE without WHERE, UPDATE
// without WHERE. Change.DataLoss marks every change that loses rows or
// values.
//
// # Kinds
//
// Every Kind is a stable identifier. Its impact:
//
//	kind                      impact     when
//	table_added               safe
//	table_removed             breaking   also a table rename when identities are not known (reported as removed + added); data loss
//	table_renamed             breaking   the same oid under another name (WithIdentity)
//	table_recreated           breaking   dropped and created again under its name, another oid (WithIdentity): its rows are gone; data loss
//	column_added              safe       nullable, or with a default, identity or generation expression
//	                          breaking   NOT NULL without a default: old inserts that omit it fail
//	column_removed            breaking   data loss
//	column_renamed            breaking   the same attnum under another name (WithIdentity); without identities,
//	                                     a removed + an added column of the same type, "(probable)"
//	column_recreated          breaking   dropped and added again under its name, another attnum (WithIdentity),
//	                                     unless it is generated: its values are gone; data loss
//	column_type_changed       risky      widening: varchar(n)→varchar(m>n)/varchar/text, char(n)→varchar(m>=n)/text,
//	                                     text↔varchar, smallint→integer→bigint, integer→numeric with room,
//	                                     numeric(p,s)→numeric(p2,s2) keeping integer digits and scale, numeric(p,s)→numeric,
//	                                     real→double precision, smallint/integer→double precision,
//	                                     timestamp/time/interval precision up, bit(n)/varbit(n)→varbit(m) wider; arrays of these
//	                          breaking   anything else
//	column_not_null_added     breaking
//	                          safe       a CHECK (col IS NOT NULL), valid or NOT VALID, already rejected NULL
//	                                     (the NOT NULL an added identity needs is not reported)
//	column_not_null_dropped   safe
//	column_default_added      safe
//	column_default_changed    risky
//	column_default_removed    breaking   the column is NOT NULL (and not identity or generated)
//	                          risky      otherwise
//	column_identity_added     safe       GENERATED BY DEFAULT
//	                          breaking   GENERATED ALWAYS: old inserts with explicit values fail
//	column_identity_removed   breaking   NOT NULL and no default left
//	                          risky      otherwise
//	column_identity_changed   breaking   BY DEFAULT → ALWAYS
//	                          safe       ALWAYS → BY DEFAULT
//	column_generated_added    breaking   old writes of the column fail
//	column_generated_removed  breaking   NOT NULL and no default left
//	                          risky      otherwise (new rows are no longer computed)
//	column_generated_changed  risky
//	column_collation_changed  risky      sorting, comparison and uniqueness change
//	primary_key_changed       breaking   added, removed, or other columns (a renamed key is no change)
//	                          safe       added over a unique on the same columns (ADD PRIMARY KEY USING INDEX)
//	unique_added              risky      UNIQUE constraint or unique index
//	                          safe       on columns all added in the same comparison, without defaults
//	unique_removed            risky      an old INSERT … ON CONFLICT on its columns fails
//	unique_loosened           safe       replaced by one on the same columns and more
//	check_added               risky
//	                          safe       on columns all added in the same comparison (NULL passes; a check
//	                                     that tests for NULL only when they have defaults)
//	check_removed             safe
//	check_loosened            safe       CHECK (col IN (…)) replaced by one allowing every value and more
//	foreign_key_added         risky
//	                          safe       on columns all added in the same comparison
//	foreign_key_removed       safe
//	foreign_key_changed       risky      same name, columns and references; other actions, MATCH or deferrability
//	                          safe       only made DEFERRABLE
//	exclusion_added           risky      old writes of conflicting rows now fail
//	                          safe       on columns all added in the same comparison, without defaults
//	exclusion_removed         safe       loosens
//	exclusion_changed         risky      same name, another definition (elements, operators, predicate, deferrability)
//	index_added               safe       non-unique; performance only
//	index_removed             safe       non-unique; performance only
//	enum_added                safe
//	enum_removed              breaking
//	enum_value_added          safe
//	enum_value_removed        breaking
//	enum_value_renamed        breaking   a value removed where a new one now stands, "(probable)"
//	enum_values_reordered     risky      same values, other order: comparisons and ORDER BY change
//	view_added                safe
//	view_removed              breaking
//	view_column_added         safe
//	view_column_changed       breaking   a view column removed or changed type
//	                          risky      a view column's type widened (same rule as columns)
//	view_check_option_changed risky      WITH CHECK OPTION added or made CASCADED; safe removed or made LOCAL
//	view_definition_changed   risky      same columns, another query (or materialized changed): old reads
//	                                     work but may return other rows; not reported when columns changed
//	function_added            safe       a function, procedure or aggregate, matched by signature
//	function_removed          breaking   callers fail
//	function_signature_changed breaking  one removed and another of its name added, or a function become a procedure
//	function_result_changed   breaking   the same signature, another result type
//	function_arguments_changed risky     argument names or defaults
//	function_body_changed     risky      the body's hash or language
//	function_attributes_changed risky    volatility, STRICT, SECURITY DEFINER
//	trigger_added             risky      on a table that existed: writes may fail, or be rewritten
//	trigger_removed           risky      what it maintained is no longer maintained
//	trigger_changed           risky      same name, another definition
//	trigger_enabled_changed   risky      ENABLE / DISABLE / ENABLE REPLICA / ENABLE ALWAYS
//	sequence_added            safe
//	sequence_removed          breaking   risky for a serial's whose column stays; nothing when it went with its column
//	sequence_narrowed         breaking   smaller type, lower maximum or higher minimum
//	sequence_changed          safe       increment, start, cycle, wider bounds
//	extension_added           safe
//	extension_removed         breaking
//	extension_changed         risky      another version or schema
//	row_security_enabled      breaking   roles no policy grants see and write no row
//	row_security_disabled     risky
//	row_security_forced       breaking   FORCE (the owner too); risky when no longer forced
//	policy_added              safe       permissive; risky for a restrictive one while row-level security is on
//	policy_removed            breaking   permissive, while row-level security is on; safe otherwise
//	policy_changed            risky      while row-level security is on; safe otherwise
//	domain_added              safe
//	domain_removed            breaking
//	domain_type_changed       breaking   risky when the base type only widened
//	domain_not_null_changed   breaking   became NOT NULL; safe the other way
//	domain_default_changed    risky      safe when added
//	domain_check_added        risky
//	domain_check_removed      safe
//	composite_type_added      safe
//	composite_type_removed    breaking
//	composite_type_changed    breaking   an attribute removed or changed type; risky for one added
//	data_truncated            breaking   TRUNCATE of a table that exists; data loss
//	data_deleted              breaking   DELETE without WHERE of a table that exists; data loss
//	data_updated              risky      UPDATE without WHERE of a table that exists, setting existing columns
//	                          safe       setting only columns the table did not have (a backfill)
//
// Column positions are not compared (a column keeps its place when renamed,
// and SELECT * order is not a contract).
package diff
