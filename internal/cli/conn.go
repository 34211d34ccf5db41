package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/dburl"
)

// connString returns the target's connection string: --database-url, else
// $GUARD_DATABASE_URL, else $DATABASE_URL.
func (g *globals) connString() (string, error) {
	for _, s := range []string{g.databaseURL, g.getenv("GUARD_DATABASE_URL"), g.getenv("DATABASE_URL")} {
		if s != "" {
			return s, nil
		}
	}
	return "", &hintError{err: errors.New("no database URL given"),
		hint: "pass --database-url postgres://USER@HOST/DB, or set GUARD_DATABASE_URL or DATABASE_URL"}
}

// targetConfig parses the target's connection string.
func (g *globals) targetConfig() (*pgx.ConnConfig, error) {
	s, err := g.connString()
	if err != nil {
		return nil, err
	}
	cfg, err := dburl.Parse(s)
	if err != nil {
		return nil, &hintError{err: err, hint: "use postgres://USER:PASSWORD@HOST:PORT/DB or key=value pairs (host=… dbname=…)"}
	}
	return cfg, nil
}

// connect opens a connection to the target.
func (g *globals) connect(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := g.targetConfig()
	if err != nil {
		return nil, err
	}
	return connectConfig(ctx, cfg)
}

func connectConfig(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, connectError(cfg, err)
	}
	return conn, nil
}

// connectError explains a failed connection without echoing the password.
func connectError(cfg *pgx.ConnConfig, err error) error {
	reason := err.Error()
	hint := "check that the server is running and reachable, and the URL's host and port"
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		reason = pgErr.Message
		switch pgErr.Code {
		case pgerrcode.InvalidPassword, pgerrcode.InvalidAuthorizationSpecification:
			hint = "check the user name and password in the database URL"
		case pgerrcode.InvalidCatalogName:
			hint = "create the database first, or fix the database name in the URL"
		default:
			hint = "see the server's message above"
		}
	} else {
		var ce *pgconn.ConnectError
		if errors.As(err, &ce) && ce.Unwrap() != nil {
			reason = ce.Unwrap().Error()
		}
	}
	return &hintError{err: fmt.Errorf("connect to %s: %s", dburl.Describe(cfg), reason), hint: hint}
}

// openSource reads the migrations named by --source, once per run: every
// library call of the command gets the same *source.Source.
func (g *globals) openSource() (*source.Source, error) {
	if g.src == nil {
		src, err := source.Open(g.source)
		if err != nil {
			return nil, err
		}
		g.src = src
	}
	return g.src, nil
}

// excludeTables are the tables left out of every schema guard reads: the
// version table of --migrations-table.
func (g *globals) excludeTables() []string { return []string{g.table.String()} }

// inspectOptions are the schema introspection options the flags ask for.
func (g *globals) inspectOptions() []schema.Option {
	return []schema.Option{schema.WithSchemas(g.schemas...), schema.WithExcludeTables(g.excludeTables()...)}
}

// hintError is an error with advice for the person at the terminal.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }
func (e *hintError) Hint() string  { return e.hint }
