package pgtest_test

import (
	"context"
	"testing"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/internal/pgtest"
)

// Through the pooler, a client sees a backend key that is not its server
// session's, and two transactions of one client may run on different
// server sessions: transaction pooling.
func TestPgBouncerPoolsTransactions(t *testing.T) {
	db := pgtest.DB(t)
	pooled := pgtest.PgBouncer(t, db)
	ctx := context.Background()
	conn := pgtest.Connect(t, pooled)
	var pid uint32
	assert.NoError(t, conn.QueryRow(ctx, "SELECT pg_backend_pid()", pgx.QueryExecModeSimpleProtocol).Scan(&pid))
	assert.NotEqual(t, conn.PgConn().PID(), pid)
	var name string
	assert.NoError(t, conn.QueryRow(ctx, "SELECT current_database()", pgx.QueryExecModeSimpleProtocol).Scan(&name))
	direct, err := pgx.ParseConfig(db)
	assert.NoError(t, err)
	assert.Equal(t, direct.Database, name)

	// A session setting of one client is seen by another: the server
	// session is shared between transactions.
	other := pgtest.Connect(t, pooled)
	var pid2 uint32
	assert.NoError(t, other.QueryRow(ctx, "SELECT pg_backend_pid()", pgx.QueryExecModeSimpleProtocol).Scan(&pid2))
	assert.Equal(t, pid, pid2)
}
