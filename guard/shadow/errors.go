package shadow

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/schemaguard/guard/guard/source"
)

// ErrShadowIsTarget is returned (inside a *TargetError) when the shadow
// server or database would be the target database itself.
var ErrShadowIsTarget = errors.New("the shadow database would be the target database")

// ErrFailed is returned when replaying into a shadow whose last migration
// failed: its schema is then unknown.
var ErrFailed = errors.New("shadow is in an unknown state after a failed migration")

// ErrNUL is returned (inside a *MigrationError naming the file, the line
// and the column) for a migration file holding a NUL byte, which PostgreSQL
// cannot receive: the file is refused before it is sent.
var ErrNUL = errors.New("the file holds a NUL byte (0x00), which PostgreSQL cannot receive in a query: remove it (a file saved as UTF-16 has one in every other byte)")

// TargetError refuses a shadow that is the target. Nothing was run on it.
type TargetError struct {
	Shadow string // the shadow database, described without password
	Target string // the target database, described without password
	How    string // how it was found out: "by connection settings" or "by server identity"
}

func (e *TargetError) Error() string {
	return fmt.Sprintf("refuse shadow %s: it is the target database %s (%s)", e.Shadow, e.Target, e.How)
}

func (e *TargetError) Unwrap() error { return ErrShadowIsTarget }

// Hint returns what to do about the error.
func (e *TargetError) Hint() string {
	return "point --shadow-url at another database (guard creates throwaway databases there), or leave it out"
}

// UnavailableError says that no shadow database could be had anywhere, with
// the reason for each place tried.
type UnavailableError struct {
	Reasons []string
}

func (e *UnavailableError) Error() string {
	return "no place for a shadow database: " + strings.Join(e.Reasons, "; ")
}

// Hint returns what to do about the error.
func (e *UnavailableError) Hint() string {
	return "pass --shadow-url or grant CREATEDB to the target's user (or install the PostgreSQL server binaries, or set GUARD_PG_BIN)"
}

// MigrationError is a migration file that failed in a shadow database
// (InShadow is set). Err is usually a *pgconn.PgError; errors.As reaches it.
type MigrationError = source.FileError

// connectError is a failed connection attempt described without password.
// The server's error, when there was one, stays reachable with errors.As
// (it never holds the password).
type connectError struct {
	msg string
	pg  *pgconn.PgError
}

func newConnectError(msg string, err error) *connectError {
	e := &connectError{msg: msg}
	errors.As(err, &e.pg)
	return e
}

func (e *connectError) Error() string { return e.msg }

func (e *connectError) Unwrap() error {
	if e.pg == nil {
		return nil
	}
	return e.pg
}

// CopyError is a live schema that could not be copied into a shadow (see
// Provider.Copy): why, and what to do. Nothing was left behind.
type CopyError struct {
	Reason string
	Fix    string // what to do
}

func (e *CopyError) Error() string { return "shadow: copy the live schema: " + e.Reason }

// Hint returns what to do about the error.
func (e *CopyError) Hint() string { return e.Fix }
