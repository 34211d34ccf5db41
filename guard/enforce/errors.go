package enforce

import (
	"errors"
	"fmt"
)

// SQLState is the SQLSTATE of the error the event triggers raise when they
// reject a command: class GU (guard), code 001. A client sees it as
// pgconn.PgError.Code; psql prints it with \set VERBOSITY verbose.
const SQLState = "GU001"

// ErrNotInstalled is returned by Sync (and wrapped by the CLI) when the
// database holds no enforcement: guard_enforce is missing.
var ErrNotInstalled = errors.New("contract enforcement is not installed in this database")

// PrivilegeError is Install's (and Remove's) refusal when the role is not a
// superuser: PostgreSQL lets only superusers create event triggers. Nothing
// was changed.
type PrivilegeError struct {
	Role   string // the role guard connected as
	Action string // "install" or "remove"
}

func (e *PrivilegeError) Error() string {
	return fmt.Sprintf("%s contract enforcement: role %q is not a superuser, and PostgreSQL lets only superusers create or drop event triggers (nothing was changed)", e.Action, e.Role)
}

// Hint says what to do.
func (e *PrivilegeError) Hint() string {
	return "run guard contract enforce " + e.Action + " with --database-url of a superuser (e.g. postgres); guard migrate itself can keep running as the owner of the tables (see --migrator)"
}

// NotInstalledError is ErrNotInstalled with what to do about it.
type NotInstalledError struct{ Action string }

func (e *NotInstalledError) Error() string {
	return fmt.Sprintf("%s contract enforcement: %v", e.Action, ErrNotInstalled)
}

// Unwrap returns ErrNotInstalled.
func (e *NotInstalledError) Unwrap() error { return ErrNotInstalled }

// Hint says what to do.
func (e *NotInstalledError) Hint() string {
	return "install it first, as a superuser: guard contract enforce install"
}
