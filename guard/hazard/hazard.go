package hazard

import (
	"fmt"
	"strings"
)

// Code is a hazard's stable identifier. The codes are part of guard's
// public contract (JSON, --format github, the contract's policy): they are
// never renamed.
type Code string

// The hazards guard observes. Each is found in the shadow, per statement,
// from what the server did, never from the statement's text alone (except
// ConcurrentInTransaction, which the server refuses before doing anything).
const (
	// TableRewrite: the statement gave a table (or materialized view) a new
	// relfilenode: every row is copied, under ACCESS EXCLUSIVE, for as long
	// as the copy takes (a type change that is not binary-compatible, a
	// volatile default, SET LOGGED/UNLOGGED, VACUUM FULL, CLUSTER, …).
	TableRewrite Code = "table_rewrite"
	// AccessExclusiveLock: the statement took ACCESS EXCLUSIVE on a table
	// that existed before the file: it blocks reads and writes, and
	// queues behind every running query on the table. Brief when nothing
	// else is reported for the same statement.
	AccessExclusiveLock Code = "access_exclusive_lock"
	// WriteBlockingLock: the statement took SHARE, SHARE ROW EXCLUSIVE or
	// EXCLUSIVE on a table that existed before the file: it blocks writes.
	WriteBlockingLock Code = "write_blocking_lock"
	// ValidatingScan: the statement read the whole table to validate a
	// constraint (a CHECK or FOREIGN KEY added valid, SET NOT NULL without a
	// valid CHECK (c IS NOT NULL)) while holding a lock that blocks writes.
	ValidatingScan Code = "validating_scan"
	// BlockingIndexBuild: an index built (or rebuilt) without
	// CONCURRENTLY: the table's writes are blocked for the whole build.
	BlockingIndexBuild Code = "blocking_index_build"
	// ConcurrentInTransaction: a statement PostgreSQL refuses inside a
	// transaction block (CREATE INDEX CONCURRENTLY, VACUUM, …) in a file
	// that runs as one transaction (several statements) or opens one
	// itself: the file fails.
	ConcurrentInTransaction Code = "concurrent_in_transaction"
	// LockHeldAcross: a lock that blocks reads or writes, taken by one
	// statement, is still held while a later statement of the same
	// transaction does work that grows with a table (a backfill, a scan, a
	// rewrite, an index build).
	LockHeldAcross Code = "lock_held_across"
)

// Codes lists every code, in the order they are documented.
var Codes = []Code{TableRewrite, AccessExclusiveLock, WriteBlockingLock, ValidatingScan, BlockingIndexBuild, ConcurrentInTransaction, LockHeldAcross}

// hints name the safe pattern for each code.
var hints = map[Code]string{
	TableRewrite:            "add a new column, backfill it in batches, then swap (rename) in a short transaction; or schedule the rewrite in a maintenance window",
	AccessExclusiveLock:     "keep it brief: guard's lock_timeout stops it queueing in front of traffic; do nothing slow in the same transaction",
	WriteBlockingLock:       "keep it brief: add constraints NOT VALID, build indexes CONCURRENTLY, and do nothing slow in the same transaction",
	ValidatingScan:          "add the constraint NOT VALID, then VALIDATE CONSTRAINT in a later file (SHARE UPDATE EXCLUSIVE: reads and writes go on); for SET NOT NULL, first add and validate CHECK (col IS NOT NULL) NOT VALID",
	BlockingIndexBuild:      "CREATE INDEX CONCURRENTLY, alone in a file of its own (then ADD CONSTRAINT … USING INDEX for a unique or primary key)",
	ConcurrentInTransaction: "put the statement alone in a file of its own: golang-migrate runs a file of several statements as one transaction",
	LockHeldAcross:          "commit the lock-taking statement in a file of its own, and backfill in batches in later files",
}

// Hint returns the safe pattern for code ("" for an unknown code).
func Hint(code Code) string { return hints[code] }

// Hazard is one operational hazard of one statement of a migration file.
type Hazard struct {
	Code Code   `json:"code"`
	File string `json:"file"`
	Line int    `json:"line"` // of the statement in its file, 1-based
	// Statement is the statement's first line, shortened.
	Statement string `json:"statement"`
	// Table is the table the hazard is about, schema-qualified; its size
	// says how long the hazard lasts.
	Table string `json:"table,omitempty"`
	// Lock is the lock mode held, in PostgreSQL's words ("ACCESS
	// EXCLUSIVE"), and Blocks what it blocks ("reads and writes",
	// "writes").
	Lock   string `json:"lock,omitempty"`
	Blocks string `json:"blocks,omitempty"`
	// Scales is true when the hazard lasts longer the bigger the table is
	// (a rewrite, a scan, a build, a backfill under a lock); a brief lock
	// does not.
	Scales bool `json:"scales"`
	// Rows and Bytes are the table's size on the target (reltuples,
	// pg_relation_size); nil when unknown (verify, a table the target
	// has not analysed).
	Rows  *int64 `json:"rows,omitempty"`
	Bytes *int64 `json:"bytes,omitempty"`
	// Blocked is true when the contract's hazard policy blocks it.
	Blocked bool   `json:"blocked"`
	Message string `json:"message"`
	Hint    string `json:"hint"`
}

// Size describes the hazard's table size ("52 M rows, 9.1 GB"); "" when
// unknown.
func (h Hazard) Size() string {
	var parts []string
	if h.Rows != nil {
		parts = append(parts, Rows(*h.Rows))
	}
	if h.Bytes != nil {
		parts = append(parts, Bytes(*h.Bytes))
	}
	return strings.Join(parts, ", ")
}

// String is the hazard in one line: code, place, message, size.
func (h Hazard) String() string {
	s := fmt.Sprintf("%s %s:%d: %s", h.Code, h.File, h.Line, h.Message)
	if sz := h.Size(); sz != "" {
		s += " (" + sz + ")"
	}
	return s
}

// Rows formats a row count: 950, 12 k, 52 M.
func Rows(n int64) string {
	switch {
	case n >= 10_000_000:
		return fmt.Sprintf("%d M rows", n/1_000_000)
	case n >= 1_000_000:
		return fmt.Sprintf("%.1f M rows", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%d k rows", n/1000)
	case n == 1:
		return "1 row"
	}
	return fmt.Sprintf("%d rows", n)
}

// Bytes formats a size in bytes: 8 kB, 12 MB, 9.1 GB (powers of 1024, as
// pg_size_pretty).
func Bytes(n int64) string {
	units := []string{"bytes", "kB", "MB", "GB", "TB"}
	f, u := float64(n), 0
	for f >= 1024 && u < len(units)-1 {
		f /= 1024
		u++
	}
	if u == 0 {
		return fmt.Sprintf("%d bytes", n)
	}
	if f < 10 {
		return fmt.Sprintf("%.1f %s", f, units[u])
	}
	return fmt.Sprintf("%.0f %s", f, units[u])
}
