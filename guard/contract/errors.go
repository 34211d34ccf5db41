package contract

import (
	"fmt"
	"strings"
)

// FileError is a contract file that cannot be read, parsed or written.
type FileError struct {
	Path   string
	Err    error
	Advice string
}

func (e *FileError) Error() string { return fmt.Sprintf("contract %s: %v", e.Path, e.Err) }
func (e *FileError) Unwrap() error { return e.Err }

// Hint returns what to do about the error.
func (e *FileError) Hint() string { return e.Advice }

// ModeError is an unknown lock mode.
type ModeError struct{ Mode string }

func (e *ModeError) Error() string { return fmt.Sprintf("unknown lock mode %q", e.Mode) }

// Hint returns what to do about the error.
func (e *ModeError) Hint() string { return "use none, auto or strict" }

// UnknownTableError is a table name that matches no table (or no locked
// table), or more than one.
type UnknownTableError struct {
	Table     string
	Known     []string // the names it could have been
	Locked    bool     // the name was looked up among the locked tables
	Ambiguous bool
}

func (e *UnknownTableError) Error() string {
	switch {
	case e.Ambiguous:
		return fmt.Sprintf("table %q is ambiguous: it exists in more than one schema", e.Table)
	case e.Locked:
		return fmt.Sprintf("table %q is not locked in the contract", e.Table)
	}
	return fmt.Sprintf("unknown table %q", e.Table)
}

// Hint returns what to do about the error.
func (e *UnknownTableError) Hint() string {
	if e.Ambiguous {
		return "qualify it with its schema, e.g. public." + e.Table
	}
	if len(e.Known) == 0 {
		if e.Locked {
			return "no table is locked; run guard contract lock first"
		}
		return "no table in the schemas in scope; check --schema and --database-url"
	}
	known := e.Known
	more := ""
	if len(known) > 8 {
		known, more = known[:8], fmt.Sprintf(" (and %d more)", len(e.Known)-8)
	}
	what := "tables"
	if e.Locked {
		what = "locked tables"
	}
	return what + ": " + strings.Join(known, ", ") + more
}
