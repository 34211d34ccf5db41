package shadow

import (
	"context"
	"net"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// identity tells databases apart across the ways of reaching them.
type identity struct {
	Database string
	SystemID string // pg_control_system().system_identifier; "" when not readable
	Addr     string // inet_server_addr(); "" over a unix socket
	Port     int
}

// identityColumns select the identity of the database a connection is on
// (see scanIdentity). The system identifier is NULL where reading it is
// revoked (some managed services).
const identityColumns = `current_database(), host(inet_server_addr()), inet_server_port(),
	CASE WHEN has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE')
	     THEN (SELECT system_identifier::text FROM pg_catalog.pg_control_system()) END`

// identify reads the identity of the database conn is connected to, in one
// read-only query.
func identify(ctx context.Context, conn *pgx.Conn) (identity, error) {
	return scanIdentity(conn.QueryRow(ctx, `SELECT `+identityColumns, pgx.QueryExecModeSimpleProtocol))
}

// scanIdentity scans a row that starts with identityColumns, and its
// further columns into more.
func scanIdentity(row pgx.Row, more ...any) (identity, error) {
	var id identity
	var addr, sysID *string
	var port *int
	if err := row.Scan(append([]any{&id.Database, &addr, &port, &sysID}, more...)...); err != nil {
		return id, err
	}
	if addr != nil && port != nil {
		id.Addr, id.Port = *addr, *port
	}
	if sysID != nil {
		id.SystemID = *sysID
	}
	return id, nil
}

// same reports whether a and b are the same database. When neither the
// system identifier nor the address can tell, it says yes: refusing a
// shadow wrongly is better than migrating the target as a shadow.
func (a identity) same(b identity) bool {
	if a.Database != b.Database {
		return false
	}
	if a.SystemID != "" && b.SystemID != "" {
		return a.SystemID == b.SystemID
	}
	if a.Addr != "" && b.Addr != "" {
		return a.Addr == b.Addr && a.Port == b.Port
	}
	return true
}

// sameSettings reports whether two configs name the same database on the
// same server, resolving host names.
func sameSettings(ctx context.Context, a, b *pgx.ConnConfig) bool {
	if a.Database != b.Database || a.Port != b.Port {
		return false
	}
	if a.Host == b.Host {
		return true
	}
	if strings.HasPrefix(a.Host, "/") || strings.HasPrefix(b.Host, "/") {
		return false // a socket directory and something else; the live check decides
	}
	aa, bb := resolve(ctx, a.Host), resolve(ctx, b.Host)
	return slices.ContainsFunc(aa, func(x string) bool { return slices.Contains(bb, x) })
}

func resolve(ctx context.Context, host string) []string {
	if ip := net.ParseIP(host); ip != nil {
		return []string{ip.String()}
	}
	addrs, err := net.DefaultResolver.LookupHost(ctx, host)
	if err != nil {
		return []string{host}
	}
	for i, a := range addrs {
		if ip := net.ParseIP(a); ip != nil {
			addrs[i] = ip.String()
		}
	}
	return addrs
}
