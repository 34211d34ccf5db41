package migrator

import (
	"errors"
	"fmt"

	"github.com/schemaguard/guard/guard/source"
)

// Errors of running migrations; match them with errors.Is.
var (
	// ErrLockTimeout: golang-migrate's advisory lock could not be taken in
	// time (WithLockTimeout, or the session's lock_timeout, whichever ends
	// first) because another migrate process holds it. Nothing ran.
	ErrLockTimeout = errors.New("timed out waiting for golang-migrate's lock")
	// ErrConcurrentChange: the version changed under a running migration,
	// so another process is migrating the same database.
	ErrConcurrentChange = source.ErrConcurrentChange
)

// dirtyError reports a database left dirty by a migration that failed
// half-way; golang-migrate refuses to migrate it until the version is
// forced. The runner diagnoses it and reports it as *guard.DirtyError.
type dirtyError struct {
	version source.Version // None when a failed down migration of the first version left no version
}

func (e *dirtyError) Error() string {
	return fmt.Sprintf("database is dirty at version %s: a migration failed half-way", e.version)
}

func (e *dirtyError) Is(target error) bool { return target == ErrDirty }

// ErrDirty matches (errors.Is) the error of a step refused because the
// database is dirty; DirtyVersion tells at which version.
var ErrDirty = errors.New("database is dirty")

// DirtyVersion returns the version of a dirty error, and whether err is one.
func DirtyVersion(err error) (source.Version, bool) {
	var de *dirtyError
	if errors.As(err, &de) {
		return de.version, true
	}
	return source.None, false
}
