package guard

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/source"
)

// Errors of reading the migration source; match them with errors.Is. The
// error itself names the file and has a Hint.
var (
	ErrNoMigrations     = source.ErrEmpty            // no migration files
	ErrSkippedFile      = source.ErrSkippedFile      // a .sql file name golang-migrate would silently skip
	ErrDuplicateVersion = source.ErrDuplicateVersion // two files with the same version and direction
	ErrMissingUp        = source.ErrMissingUp        // a down file without its up file
)

// ErrConcurrentChange is returned when the database's version moved under
// guard while it held its lock: something other than guard (plain
// golang-migrate?) is migrating the same database.
var ErrConcurrentChange = source.ErrConcurrentChange

// BlockedError is returned by Up, Down and Goto when the contract blocks the
// plan. Nothing ran on the target.
type BlockedError struct {
	Plan *Plan
}

func (e *BlockedError) Error() string {
	var tables []string
	n := 0
	for _, tr := range e.Plan.Contract.Tables {
		if !tr.Blocked {
			continue
		}
		tables = append(tables, tr.Table)
		for _, it := range tr.Items {
			if it.Blocked {
				n++
			}
		}
	}
	return fmt.Sprintf("blocked by the contract (%s mode): %s to locked %s %s; nothing was applied",
		e.Plan.Contract.Mode, plural(n, "change"), pluralWord(len(tables), "table", "tables"), strings.Join(tables, ", "))
}

// Hint returns what to do about the error.
func (e *BlockedError) Hint() string {
	return "make the change backward compatible (expand/contract), or accept it with `guard contract promote` in a reviewed commit; --allow-breaking applies it anyway"
}

// DirtyError is returned when the database is dirty: a migration failed or
// was interrupted half-way. Diagnosis (nil when it could not be made) says
// what the live schema matches.
//
// Running, when set, is the session still migrating (golang-migrate's lock
// stayed held for the whole lock wait, Waited): the flag is its "in
// progress" mark and nothing was diagnosed. NotRecovered, when set, says
// why Up did not recover an exactly diagnosed state by itself.
type DirtyError struct {
	Version      source.Version
	Diagnosis    *Diagnosis
	Cause        error // why there is no diagnosis, when there is none
	Running      *LockHolder
	Waited       time.Duration
	NotRecovered string
}

func (e *DirtyError) Error() string {
	if h := e.Running; h != nil {
		return fmt.Sprintf("database is dirty at version %s: a migration is running: %s's lock is held by pid %d (application_name %q, user %q), still after %s",
			e.Version, h.Lock, h.PID, h.ApplicationName, h.User, e.Waited.Round(time.Millisecond))
	}
	msg := fmt.Sprintf("database is dirty at version %s: a migration failed or was interrupted half-way", e.Version)
	if e.Diagnosis != nil {
		msg += ": " + e.Diagnosis.Message
	} else if e.Cause != nil {
		msg += fmt.Sprintf(" (cannot diagnose it: %v)", e.Cause)
	}
	if e.NotRecovered != "" {
		msg += "; not recovered automatically: " + e.NotRecovered
	}
	return msg
}

// Hint returns what to do about the error.
func (e *DirtyError) Hint() string {
	if e.Running != nil {
		return "wait for the running migration to finish and run again (or raise --lock-wait); do not recover or force while it runs, unless that session is stuck (pg_terminate_backend)"
	}
	if e.Diagnosis != nil && e.Diagnosis.Recoverable && len(e.Diagnosis.InvalidIndexes) > 0 {
		return fmt.Sprintf("run `guard migrate recover`: it drops the invalid %s %s and sets the version to %s, so the file runs again",
			pluralWord(len(e.Diagnosis.InvalidIndexes), "index", "indexes"), strings.Join(e.Diagnosis.InvalidIndexes, ", "), e.Diagnosis.RecoverTo)
	}
	if e.NotRecovered != "" && e.Diagnosis != nil && e.Diagnosis.Recoverable {
		return fmt.Sprintf("check the data the file changes, then run `guard migrate recover` to set the version to %s", e.Diagnosis.RecoverTo)
	}
	if e.Diagnosis != nil && e.Diagnosis.Recoverable {
		return fmt.Sprintf("run `guard migrate recover` to set the version to %s", e.Diagnosis.RecoverTo)
	}
	return "fix the schema by hand to match one side, then run `guard migrate recover` (or `guard migrate force V --yes`)"
}

// EditedError is returned by Up and Goto when the file of an applied
// migration changed since guard applied it.
type EditedError struct {
	Files []EditedFile
}

func (e *EditedError) Error() string {
	var parts []string
	for _, f := range e.Files {
		parts = append(parts, fmt.Sprintf("%s (applied with sha256 %s, now %s)", f.File, f.Recorded, f.Current))
	}
	return "applied migration changed since: " + strings.Join(parts, "; ")
}

// Hint returns what to do about the error.
func (e *EditedError) Hint() string {
	return "restore the applied file and put the change in a new migration; --allow-edited goes ahead anyway"
}

// DataLossError is returned by Down and Goto when the plan removes tables or
// columns and WithAllowDataLoss was not given. Nothing ran on the target.
type DataLossError struct {
	Plan    *Plan
	Changes []diff.Change // the removals
}

func (e *DataLossError) Error() string {
	var objs []string
	for _, c := range e.Changes {
		objs = append(objs, c.Object)
	}
	return fmt.Sprintf("reverting would drop data: %s %s removed; nothing was applied", strings.Join(objs, ", "), pluralWord(len(objs), "is", "are"))
}

// Hint returns what to do about the error.
func (e *DataLossError) Hint() string {
	return "check the plan, back up what you need, then pass --yes"
}

// LockWaitError is returned when a migration lock stayed held by another
// session for longer than the lock wait (WithLockWait): guard's own lock,
// held by another guard, or golang-migrate's, held by another golang-migrate
// process (plain migrate) while guard was about to run a file. Nothing ran
// while waiting; Applied lists the files applied before the wait.
type LockWaitError struct {
	Lock    string // "guard" or "golang-migrate"
	Waited  time.Duration
	Holder  *LockHolder // nil when the holder could not be seen
	Applied []AppliedStep
}

func (e *LockWaitError) Error() string {
	who := "another session"
	if h := e.Holder; h != nil {
		who = fmt.Sprintf("pid %d (application_name %q, user %q", h.PID, h.ApplicationName, h.User)
		if h.ClientAddr != "" {
			who += ", from " + h.ClientAddr
		}
		who += ")"
	}
	if e.Lock == lockGolangMigrate {
		msg := fmt.Sprintf("timed out after %s waiting for golang-migrate's lock: another golang-migrate process holds its lock: %s", e.Waited.Round(time.Millisecond), who)
		if len(e.Applied) > 0 {
			msg += "; applied before the wait: " + strings.Join(files(e.Applied), ", ")
		}
		return msg
	}
	return fmt.Sprintf("timed out after %s waiting for guard's migration lock, held by %s", e.Waited.Round(time.Millisecond), who)
}

// Hint returns what to do about the error.
func (e *LockWaitError) Hint() string {
	if e.Lock == lockGolangMigrate {
		return "another golang-migrate process (plain `migrate`, or a tool built on it) is migrating this database: wait for it, raise --lock-wait, or end that session (pg_terminate_backend) if it is stuck"
	}
	return "another guard is migrating this database: wait for it, raise --lock-wait, or end that session (pg_terminate_backend) if it is stuck"
}

// LockLostError is returned by Up, Down and Goto when guard's lock session
// ended while guard was migrating (an idle_session_timeout, a connection
// killer, a network cut), or guard could no longer verify that it holds
// the lock: guard stops rather than run another file without its lock.
// Applied lists the files applied before it stopped, each recorded in the
// history (on a new connection if need be; a row that could not be written
// at all is logged, and written by the next Up); Next is the first file not
// run (nil when none was left). A file running when the loss happened was
// left to finish: it is in Applied.
type LockLostError struct {
	Applied []AppliedStep
	Next    *Step
	Err     error // why the lock is taken to be lost
}

func (e *LockLostError) Error() string {
	applied := "nothing was applied"
	if len(e.Applied) > 0 {
		applied = "applied " + strings.Join(files(e.Applied), ", ")
	}
	stop := "; no file was left to run"
	if e.Next != nil {
		stop = "; stopped before " + fileOf(*e.Next)
	}
	return fmt.Sprintf("lost guard's migration lock (%v): %s%s", e.Err, applied, stop)
}

func (e *LockLostError) Unwrap() error { return e.Err }

// Hint returns what to do about the error.
func (e *LockLostError) Hint() string {
	return "the session holding guard's lock ended (idle_session_timeout, a connection killer or a network cut?): check with `guard migrate status` that no other migration is running, then run `guard migrate up` again for the rest"
}

func files(steps []AppliedStep) []string {
	out := make([]string, 0, len(steps))
	for _, s := range steps {
		out = append(out, fileOf(s.Step))
	}
	return out
}

// fileOf names a step by its file, or its label when it has none.
func fileOf(s Step) string {
	if s.File != "" {
		return s.File
	}
	return s.Label()
}

// MigrationError is a migration file that failed on the target. Err is the
// underlying error, usually a *pgconn.PgError (errors.As reaches it).
type MigrationError struct {
	Step
	Line     int  // 1-based line of the error in the file, 0 when unknown
	Column   int  // 1-based column, 0 when unknown
	Attempts int  // how many times it ran (retries after lock_timeout)
	Canceled bool // the run was interrupted (its context ended)
	// Dirty is true when the database was left dirty; Diagnosis then says
	// what its schema matches. When false, the failed file left no trace
	// and the version is the one before it.
	Dirty     bool
	Diagnosis *Diagnosis
	Err       error
}

func (e *MigrationError) Error() string {
	where := ""
	if e.Line > 0 {
		where = fmt.Sprintf(" (line %d, column %d)", e.Line, e.Column)
	}
	what := "migration " + e.File + where + " failed"
	switch {
	case e.Canceled:
		what = "migration " + e.File + where + " interrupted"
	case e.lockTimeout() && e.Attempts > 1:
		what = fmt.Sprintf("migration %s%s failed %d times on lock_timeout", e.File, where, e.Attempts)
	}
	state := "; nothing of it was applied"
	if e.Dirty {
		state = "; the database is dirty"
		if e.Diagnosis != nil {
			state += ": " + e.Diagnosis.Message
		}
	}
	return fmt.Sprintf("%s: %v%s", what, e.Err, state)
}

func (e *MigrationError) Unwrap() error { return e.Err }

func (e *MigrationError) lockTimeout() bool { return isLockTimeout(e.Err) }

// Hint returns PostgreSQL's hint, if any, and what to do.
func (e *MigrationError) Hint() string {
	var hints []string
	var pgErr *pgconn.PgError
	if errors.As(e.Err, &pgErr) && pgErr.Hint != "" {
		hints = append(hints, pgErr.Hint)
	}
	if e.lockTimeout() {
		hints = append(hints, "a long-running transaction holds a lock on a table this migration changes: find it in pg_stat_activity and retry, or raise --lock-timeout")
	}
	if e.Dirty {
		if e.Diagnosis != nil && e.Diagnosis.Recoverable {
			hints = append(hints, fmt.Sprintf("run `guard migrate recover` (it sets version %s)", e.Diagnosis.RecoverTo))
		} else {
			hints = append(hints, "run `guard migrate status` to see the exact differences, fix them, then `guard migrate recover`")
		}
	}
	return strings.Join(hints, "; ")
}

// RecoverError is returned by Recover when the diagnosis is not
// unambiguous: the live schema matches no neighbouring version, or several.
type RecoverError struct {
	Diagnosis *Diagnosis
}

func (e *RecoverError) Error() string {
	return "cannot recover: " + e.Diagnosis.Message
}

// Hint returns what to do about the error.
func (e *RecoverError) Hint() string {
	if e.Diagnosis.State == StateAmbiguous {
		return "check whether the migration's data changes happened, then `guard migrate force V --yes`"
	}
	return "make the schema match one side by hand (the differences are listed by `guard migrate status`), then run recover again"
}

// UnknownVersionError is returned when the database is at a version the
// source does not have and that is not newer than its head, or when Down or
// Goto would start from a version newer than the head.
type UnknownVersionError = source.UnknownVersionError

// NoDownFileError is returned when a plan would revert a migration that has
// no down file: golang-migrate would move the version without changing the
// schema.
type NoDownFileError struct {
	Migration Migration
}

func (e *NoDownFileError) Error() string {
	return fmt.Sprintf("cannot revert %s: it has no down file", e.Migration.Up)
}

// Hint returns what to do about the error.
func (e *NoDownFileError) Hint() string {
	return "add the down file, or revert by hand and use `guard migrate force`"
}

// ConnectError is a failed connection to the target.
type ConnectError struct {
	Database string // described without password
	Err      error
}

func (e *ConnectError) Error() string {
	reason := e.Err.Error()
	var pgErr *pgconn.PgError
	if errors.As(e.Err, &pgErr) {
		reason = pgErr.Message
	} else {
		var ce *pgconn.ConnectError
		if errors.As(e.Err, &ce) && ce.Unwrap() != nil {
			reason = ce.Unwrap().Error()
			// Each address and TLS mode tried says the same: say it once.
			if joined, ok := ce.Unwrap().(interface{ Unwrap() []error }); ok {
				var parts []string
				for _, err := range joined.Unwrap() {
					if m := err.Error(); !slices.Contains(parts, m) {
						parts = append(parts, m)
					}
				}
				reason = strings.Join(parts, "; ")
			}
		}
	}
	return fmt.Sprintf("connect to %s: %s", e.Database, reason)
}

func (e *ConnectError) Unwrap() error { return e.Err }

// Hint returns what to do about the error.
func (e *ConnectError) Hint() string {
	var pgErr *pgconn.PgError
	if errors.As(e.Err, &pgErr) {
		switch pgErr.Code {
		case pgerrcode.InvalidPassword, pgerrcode.InvalidAuthorizationSpecification:
			return "check the user name and password in the database URL"
		case pgerrcode.InvalidCatalogName:
			return "create the database first, or fix the database name in the URL"
		}
		if strings.HasPrefix(pgErr.Message, "unsupported startup parameter") {
			return "a connection pooler (PgBouncer) passes no such parameter: remove it from the URL and set it on the role (ALTER ROLE … SET), or list it in the pooler's ignore_startup_parameters"
		}
		return "see the server's message above"
	}
	return "check that the server is running and reachable, and the URL's host and port"
}

func isLockTimeout(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == pgerrcode.LockNotAvailable
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// PoolerParamError is a startup parameter of the URL that cannot reach the
// server through a transaction pooler.
type PoolerParamError struct {
	Param string
}

func (e *PoolerParamError) Error() string {
	return fmt.Sprintf("the database URL sets %s, which a transaction pooler does not pass to the server", e.Param)
}

// Hint returns what to do about the error.
func (e *PoolerParamError) Hint() string {
	return fmt.Sprintf("set it on the role or database instead (ALTER ROLE … SET %s = …), or connect to the server directly (--pooler none if it is not a pooler)", e.Param)
}

// DriftError is history drift refused by WithFailOnDrift: the live schema
// is not what its applied migrations produce. Nothing was applied.
type DriftError struct {
	Changes []diff.Change // from the replayed history to the live schema
}

func (e *DriftError) Error() string {
	first := ""
	if len(e.Changes) > 0 {
		first = ": " + e.Changes[0].Message
	}
	return fmt.Sprintf("history drift: the live schema differs from what the applied migrations produce (%s)%s", plural(len(e.Changes), "difference"), first)
}

// Hint returns what to do about the error.
func (e *DriftError) Hint() string {
	return "see guard migrate plan for every difference; bring the database back in line (or write a migration that does), or run without --fail-on-drift to plan on a copy of the live schema"
}

// UncopiedError is a pending file that failed on the replayed history for
// want of an object the applied migrations do not create, where the live
// schema, which may hold it, could not be copied to plan on.
type UncopiedError struct {
	Replay error // the file's failure on the replayed history
	Copy   error // why the live schema could not be copied
}

func (e *UncopiedError) Error() string {
	return fmt.Sprintf("%v; the live schema, which may hold it, could not be copied to plan on: %v", e.Replay, e.Copy)
}

func (e *UncopiedError) Unwrap() []error { return []error{e.Replay, e.Copy} }

// Hint returns what to do about the error: the copy's.
func (e *UncopiedError) Hint() string {
	var h interface{ Hint() string }
	if errors.As(e.Copy, &h) {
		return h.Hint()
	}
	return "create the object in a migration, or run where the live schema can be copied"
}
