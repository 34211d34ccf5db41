package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/spf13/cobra"

	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/dburl"
)

// errNoDatabaseURL: no target is configured at all.
var errNoDatabaseURL = errors.New("no database URL given")

// pgEnvTarget are the PG* variables that say where a server is: with any
// of them set and no URL, the PG* environment alone is the target, as for
// psql. The others (PGSSLMODE, PGAPPNAME, PGCONNECT_TIMEOUT, …) only
// adjust a connection made to a server named elsewhere.
var pgEnvTarget = []string{"PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGSERVICE"}

// rawConnString returns the target's connection string as given:
// --database-url, else $GUARD_DATABASE_URL, else $DATABASE_URL; "" when
// none is set.
func (g *globals) rawConnString() string {
	for _, s := range []string{g.databaseURL, g.getenv("GUARD_DATABASE_URL"), g.getenv("DATABASE_URL")} {
		if s != "" {
			return s
		}
	}
	return ""
}

// pgEnv reports whether a PG* variable names a server.
func (g *globals) pgEnv() bool {
	for _, k := range pgEnvTarget {
		if g.getenv(k) != "" {
			return true
		}
	}
	return false
}

// resolveTarget reads the target's connection string once (validate): it
// takes golang-migrate's x-* options out of it (dburl.Split), honours
// x-migrations-table, and refuses the options guard cannot honour.
func (g *globals) resolveTarget(cmd *cobra.Command) error {
	raw := g.rawConnString()
	if raw == "" {
		g.fromEnv = g.pgEnv()
		return nil
	}
	clean, opts, err := dburl.Split(raw)
	if err != nil {
		var oe *dburl.OptionError
		if errors.As(err, &oe) && oe.Key != "" {
			return usageError{err}
		}
		return err
	}
	g.target = clean
	return g.honour(cmd, opts)
}

// honour applies the x-* options of the target's URL that map onto
// guard's, and refuses the ones guard cannot honour: a one-line usage
// error rather than an option silently ignored.
func (g *globals) honour(cmd *cobra.Command, o dburl.Options) error {
	if o.Has(dburl.KeyMigrationsTable) {
		name := o.MigrationsTable
		if !o.MigrationsTableQuoted && strings.HasPrefix(name, `"`) {
			return usageError{&hintError{err: fmt.Errorf("database URL option x-migrations-table %s is quoted but x-migrations-table-quoted is not true: golang-migrate would create a table with quotes in its name", name),
				hint: "add x-migrations-table-quoted=true to the URL, or remove the quotes"}}
		}
		t, err := source.ParseTable(name, o.MigrationsTableQuoted)
		if err != nil {
			return usageError{&hintError{err: fmt.Errorf("database URL option x-migrations-table: %w", err), hint: "give a table name of at most 63 bytes"}}
		}
		if cmd.Flags().Changed("migrations-table") && t != g.table {
			return usageError{&hintError{err: fmt.Errorf("--migrations-table %s and the database URL's x-migrations-table %s name different tables", g.table, t),
				hint: "give the table once: in the URL (x-migrations-table) or with --migrations-table"}}
		}
		g.table = t
	}
	g.stmtTimeout = o.StatementTimeout
	if o.MultiStatement {
		return usageError{&hintError{err: errors.New("database URL option x-multi-statement=true: guard runs each file as one batch, as golang-migrate does without it, and cannot split files on semicolons"),
			hint: "remove it from the URL (x-multi-statement-max-size then has no effect, as in golang-migrate)"}}
	}
	if o.LockStrategy == "table" {
		return usageError{&hintError{err: errors.New("database URL option x-lock-strategy=table: guard takes advisory locks only"),
			hint: "remove x-lock-strategy (and x-lock-table) from the URL: guard's own advisory lock lets one migrator run at a time"}}
	}
	return nil
}

// connString returns the target's connection string without golang-
// migrate's x-* options; "" when the PG* environment alone is the target
// (pgx reads it); errNoDatabaseURL (with a hint) when there is none.
func (g *globals) connString() (string, error) {
	if g.target != "" || g.fromEnv {
		return g.target, nil
	}
	return "", &hintError{err: errNoDatabaseURL,
		hint: "pass --database-url postgres://USER@HOST/DB, or set GUARD_DATABASE_URL, DATABASE_URL or the PG* variables (PGHOST, PGDATABASE, …)"}
}

// targetConfig parses the target's connection string.
func (g *globals) targetConfig() (*pgx.ConnConfig, error) {
	s, err := g.connString()
	if err != nil {
		return nil, err
	}
	if s == "" {
		cfg, err := dburl.ParseEnv()
		if err != nil {
			return nil, &hintError{err: err, hint: "check the PG* variables, or pass --database-url"}
		}
		return cfg, nil
	}
	cfg, err := dburl.Parse(s)
	if err != nil {
		if h := hintOf(err); h != "" {
			return nil, err
		}
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
