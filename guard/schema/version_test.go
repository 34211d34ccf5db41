package schema_test

import (
	"context"
	"errors"
	"testing"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/internal/pgtest"
)

// oldServer is a Querier that reports the given server version and counts
// the other queries it runs (on a real connection): a stand-in for a release
// the test machine does not have.
type oldServer struct {
	conn    *pgx.Conn
	version string
	queries int
}

func (q *oldServer) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	q.queries++
	return q.conn.Query(ctx, sql, args...)
}

func (q *oldServer) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if sql == "SHOW server_version" {
		return q.conn.QueryRow(ctx, "SELECT $1::text", q.version)
	}
	q.queries++
	return q.conn.QueryRow(ctx, sql, args...)
}

// A server older than 15 is refused before any catalog is read.
func TestInspectRefusesServersBefore15(t *testing.T) {
	conn := pgtest.Connect(t, pgtest.DB(t))
	old := &oldServer{conn: conn, version: "14.11 (Debian 14.11-1)"}
	_, err := schema.Inspect(t.Context(), old)
	var ue *schema.UnsupportedServerError
	assert.True(t, errors.As(err, &ue), "error %v is not an *UnsupportedServerError", err)
	assert.Equal(t, "14.11 (Debian 14.11-1)", ue.Version)
	var ie *schema.InspectError
	assert.True(t, errors.As(err, &ie))
	assert.Equal(t, "check server version", ie.Step)
	assert.Contains(t, ie.Hint(), "PostgreSQL 15 or later")
	assert.Equal(t, 0, old.queries)

	// The same Querier reporting 15 is read.
	old.version = "15.0"
	_, err = schema.Inspect(t.Context(), old)
	assert.NoError(t, err)
	assert.NotEqual(t, 0, old.queries)
}
