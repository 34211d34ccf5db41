package migrator

import (
	"errors"
	"fmt"
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
