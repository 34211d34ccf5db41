package hazard

// What a shadow saw while it ran a migration file (see
// shadow.Shadow.StepObserved): the raw facts Derive judges.

// Relation is a table, index or materialized view of the shadow.
type Relation struct {
	Schema string `json:"schema"`
	Name   string `json:"name"`
	// Kind is pg_class.relkind: "r" table, "p" partitioned table, "m"
	// materialized view, "i" index.
	Kind string `json:"kind"`
}

// String is the relation's qualified name.
func (r Relation) String() string { return r.Schema + "." + r.Name }

// table reports whether the relation holds rows a statement may lock for
// long: a table, a partitioned table or a materialized view.
func (r Relation) table() bool { return r.Kind == "r" || r.Kind == "p" || r.Kind == "m" }

// Lock is a relation lock a statement took: its mode as pg_locks names it
// ("AccessExclusiveLock").
type Lock struct {
	Relation Relation `json:"relation"`
	Mode     string   `json:"mode"`
}

// IndexBuild is an index a statement created on an existing table.
type IndexBuild struct {
	Index Relation `json:"index"`
	Table Relation `json:"table"`
}

// Statement is what one statement of a file did to relations that existed
// before the file began (relations the file itself creates are not
// hazards: nobody uses them yet).
type Statement struct {
	Line int    `json:"line"` // 1-based, in the file
	Text string `json:"text"`
	// Locks are the relations whose strongest lock held by the session
	// rose during the statement, with the new mode.
	Locks []Lock `json:"locks,omitempty"`
	// Rewrites are the relations given a new relfilenode.
	Rewrites []Relation `json:"rewrites,omitempty"`
	// Scans are the tables the statement read sequentially
	// (pg_stat_xact_user_tables.seq_scan rose).
	Scans       []Relation   `json:"scans,omitempty"`
	IndexBuilds []IndexBuild `json:"index_builds,omitempty"`
}

// Refused is a statement PostgreSQL refuses inside a transaction block,
// found in a file that runs as one (see ConcurrentInTransaction).
type Refused struct {
	Line int    `json:"line"`
	Text string `json:"text"`
	Name string `json:"name"` // e.g. "CREATE INDEX CONCURRENTLY"
}

// File is what a shadow saw while it ran one migration file.
type File struct {
	File string `json:"file"`
	// PerStatement is true when the statements ran one at a time in the
	// file's own transaction, the session's locks read after each. When
	// false, the file ran as it is, in one piece (it must run outside a
	// transaction, or controls its transactions in a way guard does not
	// split): Statements then holds one entry, for the file, with the
	// relations rewritten only (a rewrite always holds ACCESS
	// EXCLUSIVE).
	PerStatement bool `json:"per_statement"`
	// HeldBefore is true when, in a view of a template (one transaction
	// for all the files of a plan), the session held a lock that blocks
	// writes on a relation this file may touch before the file began: an
	// earlier file took it. What the file's own statements take of it is
	// then not seen; replay in a database of its own to know.
	HeldBefore bool        `json:"held_before,omitempty"`
	Statements []Statement `json:"statements"`
	Refused    []Refused   `json:"refused,omitempty"`
}
