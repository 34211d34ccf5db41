package schema

import (
	"context"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// minServerMajor is the oldest PostgreSQL release Inspect reads: indexes.sql
// reads pg_index.indnullsnotdistinct, added in 15.
const minServerMajor = 15

// serverVersion returns the server's version as it reports it
// (server_version, e.g. "15.20 (Debian 15.20-0+deb12u1)"): from the startup
// parameters of tx's connection when there is one, without a round trip,
// else with SHOW server_version over q.
func serverVersion(ctx context.Context, q Querier, tx pgx.Tx) (string, error) {
	if tx != nil {
		if c := tx.Conn(); c != nil {
			if v := c.PgConn().ParameterStatus("server_version"); v != "" {
				return v, nil
			}
		}
	}
	var v string
	err := q.QueryRow(ctx, "SHOW server_version").Scan(&v)
	return v, err
}

// checkServerVersion returns an *UnsupportedServerError unless version (a
// server_version) is of release minServerMajor or later.
func checkServerVersion(version string) error {
	end := 0
	for end < len(version) && version[end] >= '0' && version[end] <= '9' {
		end++
	}
	if major, err := strconv.Atoi(version[:end]); err != nil || major < minServerMajor {
		return &UnsupportedServerError{Version: version}
	}
	return nil
}
