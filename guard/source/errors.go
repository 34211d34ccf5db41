package source

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
)

// Errors of reading a migration source; match them with errors.Is. They come
// inside an *Error naming the source and the file.
var (
	ErrNoDirectory      = errors.New("migrations directory not found")
	ErrEmpty            = errors.New("no migrations found")
	ErrSkippedFile      = errors.New("file name golang-migrate would silently skip")
	ErrDuplicateVersion = errors.New("duplicate migration version")
	ErrMissingUp        = errors.New("down migration without an up migration")
)

// ErrConcurrentChange is returned when a database's version moved under a
// run that expected it to stay: something else (plain golang-migrate?) is
// migrating the same database.
var ErrConcurrentChange = errors.New("the database version changed while migrating")

// Error is a problem with a migration source, naming the file where there
// is one.
type Error struct {
	Source string // the source as the user named it
	File   string // file name within the source, or ""
	Err    error
	Advice string // what to do about it
}

func (e *Error) Error() string {
	if e.File != "" {
		return fmt.Sprintf("migrations %s: %s: %v", e.Source, e.File, e.Err)
	}
	return fmt.Sprintf("migrations %s: %v", e.Source, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Hint returns what to do about the error. Every guard error with advice has
// a Hint method; the CLI prints it on a line of its own.
func (e *Error) Hint() string { return e.Advice }

// UnknownVersionError reports a database at a version that its migration
// source does not have: older than the head, or newer (the binary is older
// than the database).
type UnknownVersionError struct {
	Version Version
	Head    Version
	Source  string // the source as the user named it
}

func (e *UnknownVersionError) Error() string {
	if e.Head.Less(e.Version) {
		return fmt.Sprintf("database is at version %s, newer than the head %s of migrations %s", e.Version, e.Head, e.Source)
	}
	return fmt.Sprintf("database is at version %s, which migrations %s do not have", e.Version, e.Source)
}

// Hint returns what to do about the error.
func (e *UnknownVersionError) Hint() string {
	return "use the migrations (or the binary) that produced this database"
}

// FileError is a migration file that failed to run: its step, where in the
// file, and the server's error (usually a *pgconn.PgError; errors.As
// reaches it). A shadow's replay (package shadow) and guard's adapter
// report failed files with it; guard's runner wraps it in the
// *guard.MigrationError of a failed apply.
type FileError struct {
	Step
	Line     int  // 1-based line of the error in the file, 0 when unknown
	Column   int  // 1-based column, 0 when unknown
	InShadow bool // it ran in a shadow database, not on the target
	Err      error
}

func (e *FileError) Error() string {
	verb, place := "run migration", ""
	if e.InShadow {
		verb, place = "replay", " in shadow"
	}
	file := e.File
	if file == "" {
		file = fmt.Sprintf("version %d (%s, no file)", e.Version, e.Direction)
	}
	where := ""
	if e.Line > 0 {
		where = fmt.Sprintf(" (line %d, column %d)", e.Line, e.Column)
	}
	return fmt.Sprintf("%s %s%s%s: %v", verb, file, place, where, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// Hint returns PostgreSQL's hint for the error, if it gave one.
func (e *FileError) Hint() string {
	var pgErr *pgconn.PgError
	if errors.As(e.Err, &pgErr) {
		return pgErr.Hint
	}
	return ""
}
