package readiness

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/guard/source"
)

// Status is the outcome of a check. The values are stable: they appear in
// JSON answers and in `guard check --format json`.
type Status string

// The statuses. Ready answers are StatusReady, and by default StatusAhead
// and StatusNoTable (each with a warning).
//
// A database dirty at V (golang-migrate marks V dirty when V's file starts)
// has every version below V applied. With the head at most V-1 it is
// StatusAhead with Dirty set ("ahead: db=6 (dirty) expected=5"), ready
// unless WithAheadNotReady: old pods stay in service while a migration for
// a newer binary runs. With the head at V or above it is StatusDirty
// ("dirty: db=6"), not ready.
const (
	StatusReady       Status = "ready"       // the database is at the head
	StatusAhead       Status = "ahead"       // the database is above the head: a newer binary migrated it, or is migrating it (Dirty: dirty at a version above the head)
	StatusDrift       Status = "drift"       // the database is behind the head, or has no version recorded
	StatusDirty       Status = "dirty"       // dirty at or below the head (or at no version): a migration this binary needs is running or failed half-way
	StatusNoTable     Status = "no_table"    // there is no version table
	StatusUnreachable Status = "unreachable" // no answer within the budget, or no connection
	StatusError       Status = "error"       // the server answered with an error reading the version table
)

// Result is the answer of one check. Results are values; a cached Result is
// shared by every caller that gets it and must not be modified.
type Result struct {
	Status Status `json:"status"`
	// Ready is whether a readiness probe should pass (HTTP 200).
	Ready bool `json:"ready"`
	// Message is the one-line answer, e.g. "drift: db=4 expected=5".
	Message string `json:"message"`
	// DB is the version recorded in the database; source.None (null in
	// JSON) when none is (no table, an empty table, or the database could
	// not be read).
	DB source.Version `json:"db"`
	// Expected is the head version of the binary's migrations.
	Expected uint64 `json:"expected"`
	// Dirty is whether golang-migrate marked DB dirty: its migration is
	// running, or failed half-way. Every version below DB is applied, so
	// with DB above Expected the Status is StatusAhead (ready by default);
	// otherwise it is StatusDirty.
	Dirty bool `json:"dirty"`
	// Warning explains a ready answer that is not plainly "ready".
	Warning string `json:"warning,omitempty"`
	// Reason says why the database could not be read. It never contains a
	// host, port, user or password.
	Reason string `json:"reason,omitempty"`
	// CheckedAt is when the check that produced this answer started.
	CheckedAt time.Time `json:"checked_at"`

	cause error
}

// Cause returns the underlying error of an unreachable or error result, or
// nil. Unlike Reason it may name the server (never the password); it is
// meant for logs and the operator's terminal, not for HTTP answers.
func (r Result) Cause() error { return r.cause }

// evaluate turns what the version table says into a Result.
func evaluate(cfg *config, head uint64, st dbState) Result {
	r := Result{Expected: head}
	if st.hasVersion {
		r.DB = source.FromInt(st.version)
	}
	r.Dirty = st.hasVersion && st.dirty
	switch {
	case !st.tableFound:
		r.Status = StatusNoTable
		r.Ready = !cfg.missingNotReady
		if r.Ready {
			r.Warning = fmt.Sprintf("no version table %s; treated as current", cfg.table)
		}
	case r.Dirty && source.V(head).Less(r.DB):
		// golang-migrate marks V dirty when V's file starts (and, going
		// down, V when the file above it starts): every version below V is
		// applied, this binary's head included. The database is being
		// migrated, or was left half-way, past what this binary needs.
		r.Status = StatusAhead
		r.Ready = !cfg.aheadNotReady
		if r.Ready {
			r.Warning = fmt.Sprintf("database version %s is dirty (its migration is running or failed half-way); "+
				"the versions below it, this binary's head %d included, are applied; serving anyway", r.DB, head)
		}
		r.Message = fmt.Sprintf("%s: db=%s (dirty) expected=%d", r.Status, r.DB, head)
		return r
	case r.Dirty:
		// Dirty at or below the head, or golang-migrate's dirty "no
		// version" (-1, after the first migration's down failed): what this
		// binary needs is not known to be applied.
		r.Status = StatusDirty
		r.Message = "dirty: db=" + r.DB.String()
		return r
	case r.DB.Less(source.V(head)):
		r.Status = StatusDrift
	case r.DB == source.V(head):
		r.Status, r.Ready = StatusReady, true
	default:
		r.Status = StatusAhead
		r.Ready = !cfg.aheadNotReady
		if r.Ready {
			r.Warning = fmt.Sprintf("database version %s is above this binary's head %d; serving anyway", r.DB, head)
		}
	}
	r.Message = fmt.Sprintf("%s: db=%s expected=%d", r.Status, r.DB, head)
	return r
}

// failure turns an error of the check into an unreachable or error Result
// whose Reason is safe to show to anyone who can reach the probe.
func failure(cfg *config, head uint64, err error, timedOut bool) Result {
	st, reason := classify(err, timedOut, cfg.budget)
	if cfg.label != "" {
		reason = cfg.label + ": " + reason
	}
	return Result{Status: st, Expected: head, Reason: reason,
		Message: string(st) + ": " + reason, cause: err}
}

func classify(err error, timedOut bool, budget time.Duration) (Status, string) {
	noAnswer := fmt.Sprintf("no answer within %v", budget)
	if timedOut || errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) {
		return StatusUnreachable, noAnswer
	}
	if errors.Is(err, context.Canceled) {
		return StatusUnreachable, "check canceled"
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "57014": // query_canceled: statement_timeout
			return StatusUnreachable, noAnswer
		case strings.HasPrefix(pe.Code, "08"):
			return StatusUnreachable, "connection failed"
		case strings.HasPrefix(pe.Code, "28"):
			return StatusUnreachable, "authentication failed"
		case pe.Code == "3D000":
			return StatusUnreachable, "database does not exist"
		case pe.Code == "53300":
			return StatusUnreachable, "too many connections"
		case strings.HasPrefix(pe.Code, "57P"):
			return StatusUnreachable, "server is shutting down or starting up"
		}
		return StatusError, "reading the version table failed (SQLSTATE " + pe.Code + ")"
	}
	var re *readError
	if !errors.As(err, &re) {
		return StatusUnreachable, "cannot connect"
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, driver.ErrBadConn) {
		return StatusUnreachable, "connection lost"
	}
	return StatusError, "reading the version table failed"
}
