package migrator

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Errors of reading a migration source; match them with errors.Is.
var (
	ErrNoDirectory      = errors.New("migrations directory not found")
	ErrEmpty            = errors.New("no migrations found")
	ErrSkippedFile      = errors.New("file name golang-migrate would silently skip")
	ErrDuplicateVersion = errors.New("duplicate migration version")
	ErrMissingUp        = errors.New("down migration without an up migration")
)

// SourceError is a problem with a migration source, naming the file where
// there is one.
type SourceError struct {
	Source string // the source as the user named it
	File   string // file name within the source, or ""
	Err    error
	Advice string // what to do about it
}

func (e *SourceError) Error() string {
	if e.File != "" {
		return fmt.Sprintf("migrations %s: %s: %v", e.Source, e.File, e.Err)
	}
	return fmt.Sprintf("migrations %s: %v", e.Source, e.Err)
}

func (e *SourceError) Unwrap() error { return e.Err }

// Hint returns what to do about the error. Every guard error with advice has
// a Hint method; the CLI prints it on a line of its own.
func (e *SourceError) Hint() string { return e.Advice }

// Errors of running migrations; match them with errors.Is.
var (
	// ErrLockTimeout: golang-migrate's advisory lock could not be taken in
	// time because another migrate process holds it.
	ErrLockTimeout = errors.New("timed out waiting for golang-migrate's lock")
	// ErrConcurrentChange: the version changed under a running migration,
	// so another process is migrating the same database.
	ErrConcurrentChange = errors.New("the database version changed while migrating")
)

// DirtyError reports a database left dirty by a migration that failed
// half-way; golang-migrate refuses to migrate it until the version is forced.
type DirtyError struct {
	Version int64 // -1 when a failed down migration of the first version left no version
}

func (e *DirtyError) Error() string {
	return fmt.Sprintf("database is dirty at version %d: a migration failed half-way", e.Version)
}

// Hint returns what to do about the error.
func (e *DirtyError) Hint() string {
	return "run `guard migrate recover` to diagnose it, or fix the schema by hand and force the version"
}

// UnknownVersionError reports a database at a version that its migration
// source does not have, as when the binary is older than the database.
type UnknownVersionError struct {
	Version uint64
	Source  string
}

func (e *UnknownVersionError) Error() string {
	return fmt.Sprintf("database is at version %d, which migrations %s do not have", e.Version, e.Source)
}

// Hint returns what to do about the error.
func (e *UnknownVersionError) Hint() string {
	return "point --source at the migrations that produced this database (or a newer copy of them)"
}

// MigrationError is a migration file that failed to run. Err is the
// underlying error, usually a *pgconn.PgError; errors.As reaches it.
type MigrationError struct {
	Migration Migration
	Direction Direction
	File      string // file name within the source; "" for a down migration without file
	Line      int    // 1-based line of the error in the file, 0 when unknown
	Column    int    // 1-based column, 0 when unknown
	Canceled  bool   // the run was cancelled (its context ended) while this file ran
	Dirty     bool   // the database was left marked dirty, at DirtyVersion
	// DirtyVersion is the version golang-migrate marked dirty: the
	// migration's own version going up, the previous one (-1 for none) going down.
	DirtyVersion int64
	Err          error
}

func (e *MigrationError) Error() string {
	file := e.File
	if file == "" {
		file = e.Migration.Label() + " (" + string(e.Direction) + ")"
	}
	where := ""
	if e.Line > 0 {
		where = fmt.Sprintf(" (line %d, column %d)", e.Line, e.Column)
	}
	what := "run migration"
	if e.Canceled {
		what = "cancelled migration"
	}
	return fmt.Sprintf("%s %s%s: %v", what, file, where, e.Err)
}

func (e *MigrationError) Unwrap() error { return e.Err }

// Hint returns PostgreSQL's hint for the error, if any, and what to do about
// a database left dirty.
func (e *MigrationError) Hint() string {
	var hints []string
	var pgErr *pgconn.PgError
	if errors.As(e.Err, &pgErr) && pgErr.Hint != "" {
		hints = append(hints, pgErr.Hint)
	}
	if e.Dirty {
		hints = append(hints, fmt.Sprintf("the database is now marked dirty at version %d: run `guard migrate recover`", e.DirtyVersion))
	}
	return strings.Join(hints, "; ")
}
