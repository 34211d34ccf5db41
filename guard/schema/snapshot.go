package schema

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// parallelMinCatalog is the size of pg_attribute (in bytes) from which
// Inspect reads over a second connection: about a thousand tables of fifteen
// columns. Below it, opening the connection costs more than it saves.
const parallelMinCatalog = 8 << 20

// exportSnapshotQuery exports the snapshot of the transaction when the
// catalogs are large enough to be read over two connections ($1, bytes of
// pg_attribute), or returns an empty string.
const exportSnapshotQuery = `SELECT CASE WHEN pg_relation_size('pg_catalog.pg_attribute') >= $1
    THEN pg_export_snapshot() ELSE '' END`

// sideReader reads the catalog queries but the first over a second
// connection, in the snapshot of Inspect's transaction.
type sideReader struct {
	cancel context.CancelFunc
	done   chan struct{}
	rows   catalogRows
	err    error
}

// startSide starts reading over a second connection to the database behind
// conn, in the snapshot of tx, or returns nil when Inspect reads over one
// connection: when parallelism is 1, when tx is the caller's (its own
// changes are visible to it alone), when conn is a Querier of another kind
// than *pgx.Conn, *pgxpool.Conn and *pgxpool.Pool, or when the catalogs are
// small.
func startSide(ctx context.Context, conn Querier, tx pgx.Tx, o *options) (*sideReader, error) {
	open := opener(conn)
	if o.parallelism < 2 || tx == nil || open == nil {
		return nil, nil
	}
	var snapshot string
	if err := tx.QueryRow(ctx, exportSnapshotQuery, o.parallelMinCatalog).Scan(&snapshot); err != nil || snapshot == "" {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &sideReader{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.err = r.read(ctx, open, snapshot, o.schemas)
	}()
	return r, nil
}

func (r *sideReader) read(ctx context.Context, open openFunc, snapshot string, schemas []string) (err error) {
	conn, release, err := open(ctx)
	if err != nil {
		return err
	}
	defer release()
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer func() {
		if rbErr := tx.Rollback(ctx); rbErr != nil && !errors.Is(rbErr, pgx.ErrTxClosed) {
			err = errors.Join(err, rbErr)
		}
	}()
	if _, err := tx.Exec(ctx, "SET TRANSACTION SNAPSHOT "+quoteLiteral(snapshot)+"; "+configureTx); err != nil {
		return err
	}
	return runQueries(ctx, tx, schemas, catalogQueries(schemas, &r.rows)[1:]...)
}

// wait waits for the reads to end and returns their rows.
func (r *sideReader) wait() (sideRows, error) {
	<-r.done
	return r.rows.side, r.err
}

// stop cancels the reads if they are still going, and waits until the
// second connection is closed (or back in its pool).
func (r *sideReader) stop() {
	r.cancel()
	<-r.done
}

// openFunc opens a second connection to the database; close closes it (or
// puts it back in its pool).
type openFunc func(ctx context.Context) (conn *pgx.Conn, close func(), err error)

// opener returns how to open a second connection to the database behind
// conn, or nil when there is none to be had.
func opener(conn Querier) openFunc {
	connect := func(cfg *pgx.ConnConfig) openFunc {
		return func(ctx context.Context) (*pgx.Conn, func(), error) {
			c, err := pgx.ConnectConfig(ctx, cfg)
			if err != nil {
				return nil, nil, err
			}
			return c, func() { _ = c.Close(ctx) }, nil
		}
	}
	switch c := conn.(type) {
	case *pgx.Conn:
		return connect(c.Config())
	case *pgxpool.Conn:
		return connect(c.Conn().Config())
	case *pgxpool.Pool:
		// Only a connection the pool has to spare: waiting for one could
		// wait for the caller, who waits for Inspect.
		if st := c.Stat(); st.AcquiredConns() >= st.MaxConns() {
			return nil
		}
		return func(ctx context.Context) (*pgx.Conn, func(), error) {
			pc, err := c.Acquire(ctx)
			if err != nil {
				return nil, nil, err
			}
			return pc.Conn(), pc.Release, nil
		}
	}
	return nil
}

func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
