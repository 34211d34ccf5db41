package readiness

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/schemaguard/guard/guard/source"
)

// Handle is the database handle New accepts: a *sql.DB (any PostgreSQL
// driver, for example github.com/jackc/pgx/v5/stdlib) or a *pgxpool.Pool.
type Handle interface {
	*sql.DB | *pgxpool.Pool
}

// dbState is what the version table says.
type dbState struct {
	tableFound bool
	hasVersion bool // false: the table is empty
	version    int64
	dirty      bool
}

// reader reads the version table; one implementation per handle kind.
type reader func(ctx context.Context, t source.Table) (dbState, error)

// locateSQL resolves the schema the way golang-migrate does (the connection's
// current_schema() unless one is given) and asks to_regclass, which takes no
// lock and returns NULL rather than failing when the table is missing, so the
// version read below never runs against a missing table. quote_ident(NULL)
// is NULL: an empty search_path reads as "no table".
const locateSQL = `SELECT q.s, to_regclass(quote_ident(q.s) || '.' || quote_ident($2::text)) IS NOT NULL
FROM (SELECT coalesce($1::text, current_schema()) AS s) AS q`

func versionSQL(schema, table string) string {
	// golang-migrate's own read: the table holds at most one row.
	return "SELECT version, dirty FROM " + pgx.Identifier{schema, table}.Sanitize() + " LIMIT 1"
}

func optSchema(t source.Table) any {
	if t.Schema == "" {
		return nil
	}
	return t.Schema
}

// Both readers run two statements outside any transaction, with ctx's
// deadline: when it passes, pgx (and lib/pq) send the server a cancel
// request, so a read stuck behind a lock does not stay behind on the server.

func poolReader(pool *pgxpool.Pool) reader {
	return func(ctx context.Context, t source.Table) (st dbState, err error) {
		var schema *string
		if err := pool.QueryRow(ctx, locateSQL, optSchema(t), t.Name).Scan(&schema, &st.tableFound); err != nil {
			return st, err
		}
		if !st.tableFound || schema == nil {
			st.tableFound = false
			return st, nil
		}
		err = pool.QueryRow(ctx, versionSQL(*schema, t.Name)).Scan(&st.version, &st.dirty)
		if errors.Is(err, pgx.ErrNoRows) {
			return st, nil
		}
		if err != nil {
			return st, &readError{err}
		}
		st.hasVersion = true
		return st, nil
	}
}

func sqlReader(db *sql.DB) reader {
	return func(ctx context.Context, t source.Table) (st dbState, err error) {
		var schema sql.NullString
		if err := db.QueryRowContext(ctx, locateSQL, optSchema(t), t.Name).Scan(&schema, &st.tableFound); err != nil {
			return st, err
		}
		if !st.tableFound || !schema.Valid {
			st.tableFound = false
			return st, nil
		}
		err = db.QueryRowContext(ctx, versionSQL(schema.String, t.Name)).Scan(&st.version, &st.dirty)
		if errors.Is(err, sql.ErrNoRows) {
			return st, nil
		}
		if err != nil {
			return st, &readError{err}
		}
		st.hasVersion = true
		return st, nil
	}
}

// readError marks a failure of the version read itself (as opposed to
// connecting), so that a server that answers with an error is not reported
// unreachable.
type readError struct{ err error }

func (e *readError) Error() string { return "read version table: " + e.err.Error() }
func (e *readError) Unwrap() error { return e.err }
