package schema

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrNilQuerier is returned by Inspect when it is given no connection.
var ErrNilQuerier = errors.New("inspect schema: no connection (nil Querier)")

// OptionError reports an option given to Inspect whose value cannot be used.
// Inspect returns it before touching the database.
type OptionError struct {
	Option string // the option, e.g. "WithSchemas"
	Value  string // the offending value, as given
	Reason string // what is wrong with it
}

func (e *OptionError) Error() string {
	return fmt.Sprintf("inspect schema: option %s(%q): %s", e.Option, e.Value, e.Reason)
}

// Hint returns advice on how to fix the option.
func (e *OptionError) Hint() string {
	switch e.Option {
	case "WithSchemas":
		return `give each schema by its name as stored, e.g. WithSchemas("public", "My Schema")`
	case "WithExcludeTables":
		return `give each table as name or schema.name, quoting parts that need it, e.g. "app"."Audit Log"`
	case "WithParallelism":
		return "give 1 to read over one connection, 2 to allow a second"
	}
	return ""
}

// UnsupportedServerError reports a server older than PostgreSQL 15, whose
// catalogs Inspect cannot read. Inspect returns it wrapped in an
// *InspectError, before it reads any catalog.
type UnsupportedServerError struct {
	Version string // the server's server_version, e.g. "14.11"
}

func (e *UnsupportedServerError) Error() string {
	return fmt.Sprintf("server version %q is not supported: PostgreSQL 15 or later is needed", e.Version)
}

// InspectError reports a failure while reading the catalogs. It wraps the
// error from the database or driver.
type InspectError struct {
	Schemas []string // the schemas in scope
	Step    string   // what was being read, e.g. "read tables"
	Err     error
}

func (e *InspectError) Error() string {
	return fmt.Sprintf("inspect schema %s: %s: %v", quoteList(e.Schemas), e.Step, e.Err)
}

func (e *InspectError) Unwrap() error { return e.Err }

// Hint returns advice for the failures that have a known remedy, or "".
func (e *InspectError) Hint() string {
	if errors.Is(e.Err, context.Canceled) || errors.Is(e.Err, context.DeadlineExceeded) {
		return ""
	}
	if errors.As(e.Err, new(*UnsupportedServerError)) {
		return "run guard against PostgreSQL 15 or later (it reads catalog columns 15 added)"
	}
	if e.Step == "export snapshot" {
		return "pass WithParallelism(1) to read over one connection, without a shared snapshot"
	}
	var pgErr *pgconn.PgError
	if errors.As(e.Err, &pgErr) {
		switch {
		case pgErr.Code == pgerrcode.InFailedSQLTransaction:
			return "the transaction given to Inspect has already failed: roll it back, or pass the connection instead"
		case pgErr.Code == pgerrcode.InsufficientPrivilege:
			return "the role needs read access to the system catalogs and to the definitions of the objects in scope"
		case pgerrcode.IsConnectionException(pgErr.Code), pgerrcode.IsOperatorIntervention(pgErr.Code):
			return "check that the server is up and reachable, then try again"
		}
		return ""
	}
	if pgconn.Timeout(e.Err) || pgconn.SafeToRetry(e.Err) {
		return "check that the server is up and reachable, then try again"
	}
	return ""
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
