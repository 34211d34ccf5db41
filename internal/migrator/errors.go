package migrator

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/guard/source"
)

// Errors of running migrations; match them with errors.Is.
var (
	// ErrLockTimeout: golang-migrate's advisory lock could not be taken in
	// time because another migrate process holds it.
	ErrLockTimeout = errors.New("timed out waiting for golang-migrate's lock")
	// ErrConcurrentChange: the version changed under a running migration,
	// so another process is migrating the same database.
	ErrConcurrentChange = source.ErrConcurrentChange
)

// DirtyError reports a database left dirty by a migration that failed
// half-way; golang-migrate refuses to migrate it until the version is forced.
type DirtyError struct {
	Version source.Version // None when a failed down migration of the first version left no version
}

func (e *DirtyError) Error() string {
	return fmt.Sprintf("database is dirty at version %s: a migration failed half-way", e.Version)
}

// Hint returns what to do about the error.
func (e *DirtyError) Hint() string {
	return "run `guard migrate recover` to diagnose it, or fix the schema by hand and force the version"
}

// MigrationError is a migration file that failed to run. Err is the
// underlying error, usually a *pgconn.PgError; errors.As reaches it.
type MigrationError struct {
	Step     source.Step
	Line     int  // 1-based line of the error in the file, 0 when unknown
	Column   int  // 1-based column, 0 when unknown
	Canceled bool // the run was cancelled (its context ended) while this file ran
	Dirty    bool // the database was left marked dirty, at DirtyVersion
	// DirtyVersion is the version golang-migrate marked dirty: the
	// migration's own version going up, the previous one going down.
	DirtyVersion source.Version
	Err          error
}

func (e *MigrationError) Error() string {
	file := label(e.Step)
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
		hints = append(hints, fmt.Sprintf("the database is now marked dirty at version %s: run `guard migrate recover`", e.DirtyVersion))
	}
	return strings.Join(hints, "; ")
}
