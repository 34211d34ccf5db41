package migrator

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/golang-migrate/migrate/v4"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/schemaguard/guard/internal/dburl"
)

// DefaultMigrationsTable is golang-migrate's version table name.
const DefaultMigrationsTable = "schema_migrations"

// DB is a database whose migrations are applied through golang-migrate, so
// that its version table is exactly what plain golang-migrate writes. Its
// methods are safe for concurrent use; migrations on one DB run one at a time.
type DB struct {
	src     *Source
	cfg     *pgx.ConnConfig // the caller's config plus our application_name
	appName string          // unique per DB: how a cancel finds our sessions
	sqlDB   *sql.DB
	opts    options
	dbName  string // current_database()
	schema  string // schema of the version table
	table   string // name of the version table

	mu sync.Mutex       // serialises golang-migrate calls
	m  *migrate.Migrate // created on the first write: it creates the version table
}

// Option configures OpenDB.
type Option func(*options) error

type options struct {
	table            string
	quoted           bool
	statementTimeout time.Duration
	lockTimeout      time.Duration
	logger           *slog.Logger
	before           func(Step)
	after            func(Step, time.Duration, error)
}

// WithMigrationsTable sets the version table, as golang-migrate's
// x-migrations-table does: a table name in the current schema. With
// WithMigrationsTableQuoted, name is instead `"schema"."table"` or `"table"`.
func WithMigrationsTable(name string) Option {
	return func(o *options) error {
		if name == "" {
			return errors.New("empty migrations table name")
		}
		o.table = name
		return nil
	}
}

// WithMigrationsTableQuoted reads the WithMigrationsTable name the way
// golang-migrate's x-migrations-table-quoted does: `"schema"."table"`.
func WithMigrationsTableQuoted() Option {
	return func(o *options) error { o.quoted = true; return nil }
}

// WithStatementTimeout bounds each migration file, like golang-migrate's
// x-statement-timeout. Zero (the default) means no bound.
func WithStatementTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 {
			return fmt.Errorf("negative statement timeout %v", d)
		}
		o.statementTimeout = d
		return nil
	}
}

// WithLockTimeout bounds the wait for golang-migrate's advisory lock
// (default golang-migrate's own, 15s). It is not PostgreSQL's lock_timeout:
// set that in the connection config's RuntimeParams.
func WithLockTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("lock timeout must be positive, got %v", d)
		}
		o.lockTimeout = d
		return nil
	}
}

// WithLogger logs what golang-migrate says, at debug level. The default
// discards.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("nil logger")
		}
		o.logger = l
		return nil
	}
}

// WithBeforeStep sets a function called before each migration file runs.
func WithBeforeStep(f func(Step)) Option {
	return func(o *options) error { o.before = f; return nil }
}

// WithAfterStep sets a function called after each migration file ran, with
// how long it took and its error (nil on success).
func WithAfterStep(f func(s Step, took time.Duration, err error)) Option {
	return func(o *options) error { o.after = f; return nil }
}

// quotedTable is how golang-migrate splits a quoted x-migrations-table.
var quotedTable = regexp.MustCompile(`"(.*?)"`)

// OpenDB connects to the database described by cfg, to migrate it with the
// migrations of src. It checks that the server answers but changes nothing:
// the version table is created (by golang-migrate) only when a migration or
// Force first runs. RuntimeParams of cfg (lock_timeout, search_path, …) apply
// to the migration session. Close the DB when done.
func OpenDB(ctx context.Context, cfg *pgx.ConnConfig, src *Source, opts ...Option) (*DB, error) {
	if cfg == nil {
		return nil, errors.New("open database: nil connection config")
	}
	if src == nil || len(src.Migrations) == 0 {
		return nil, errors.New("open database: no migration source")
	}
	o := options{table: DefaultMigrationsTable}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	d := &DB{src: src, opts: o, table: o.table}
	if o.quoted {
		if !strings.HasPrefix(o.table, `"`) || !strings.HasSuffix(o.table, `"`) {
			return nil, fmt.Errorf(`open database: quoted migrations table %s must look like "schema"."table"`, o.table)
		}
		parts := quotedTable.FindAllStringSubmatch(o.table, -1)
		if len(parts) > 2 {
			return nil, fmt.Errorf("open database: migrations table %s has too many dots", o.table)
		}
		d.table = parts[len(parts)-1][1]
		if len(parts) == 2 {
			d.schema = parts[0][1]
		}
	}

	d.appName = "guard-migrate-" + randomHex(6)
	d.cfg = cfg.Copy()
	if d.cfg.RuntimeParams == nil {
		d.cfg.RuntimeParams = map[string]string{}
	}
	d.cfg.RuntimeParams["application_name"] = d.appName
	// A statement timeout ends the statement with a cancel request, keeping
	// the session usable, rather than by closing the socket (pgx's default).
	d.cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 5 * time.Second}
	}
	d.sqlDB = stdlib.OpenDB(*d.cfg)

	var schema *string
	err := d.sqlDB.QueryRowContext(ctx, `SELECT current_database(), current_schema()`).Scan(&d.dbName, &schema)
	if err != nil {
		_ = d.sqlDB.Close()
		return nil, fmt.Errorf("open database %s: %w", dburl.Describe(cfg), scrub(err, cfg))
	}
	if d.schema == "" {
		if schema == nil {
			_ = d.sqlDB.Close()
			return nil, fmt.Errorf("open database %s: no current schema (check search_path) to hold the %s table", dburl.Describe(cfg), o.table)
		}
		d.schema = *schema
	}
	return d, nil
}

// Source returns the migration source the DB was opened with.
func (d *DB) Source() *Source { return d.src }

// Table returns the version table as schema and name.
func (d *DB) Table() (schema, table string) { return d.schema, d.table }

// ApplicationName returns the application_name of the DB's sessions.
func (d *DB) ApplicationName() string { return d.appName }

// Close closes the DB's connections.
func (d *DB) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m != nil {
		srcErr, dbErr := d.m.Close() // closes sqlDB too
		d.m = nil
		return errors.Join(srcErr, dbErr)
	}
	return d.sqlDB.Close()
}

// Version reads the version table directly, never creating it. ok is false
// when there is no version: no table, an empty table, or golang-migrate's
// "no version" row (-1), which can be dirty after the first migration's
// down failed.
func (d *DB) Version(ctx context.Context) (version uint64, dirty, ok bool, err error) {
	var exists bool
	err = d.sqlDB.QueryRowContext(ctx, `SELECT to_regclass(format('%I.%I', $1::text, $2::text)) IS NOT NULL`, d.schema, d.table).Scan(&exists)
	if err != nil {
		return 0, false, false, fmt.Errorf("read migration version: %w", scrub(err, d.cfg))
	}
	if !exists {
		return 0, false, false, nil
	}
	var v int64
	err = d.sqlDB.QueryRowContext(ctx, `SELECT version, dirty FROM `+d.tableIdent()+` LIMIT 1`).Scan(&v, &dirty)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, false, false, nil
	case err != nil:
		return 0, false, false, fmt.Errorf("read migration version from %s: %w", d.tableIdent(), scrub(err, d.cfg))
	case v < 0:
		return 0, dirty, false, nil
	}
	return uint64(v), dirty, true, nil
}

func (d *DB) tableIdent() string { return pgx.Identifier{d.schema, d.table}.Sanitize() }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// scrub keeps the password out of an error's text.
func scrub(err error, cfg *pgx.ConnConfig) error {
	if err == nil || cfg == nil || cfg.Password == "" {
		return err
	}
	if s := dburl.Scrub(err.Error(), cfg.Password); s != err.Error() {
		return errors.New(s)
	}
	return err
}
