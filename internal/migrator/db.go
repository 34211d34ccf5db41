package migrator

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-migrate/migrate/v4"
	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/dburl"
)

// DB is a database whose migrations are applied through golang-migrate. Its
// methods are safe for concurrent use; steps on one DB run one at a time.
type DB struct {
	src     *source.Source
	cfg     *pgx.ConnConfig // the caller's config plus our application_name
	appName string          // unique per DB: how a cancel finds our sessions
	sqlDB   *sql.DB
	opts    options
	dbName  string       // current_database()
	table   source.Table // the version table, its schema resolved

	mu sync.Mutex       // serialises golang-migrate calls
	m  *migrate.Migrate // created on the first write: it creates the version table

	tableSeen atomic.Bool // the version table was there (see Version)
}

// Option configures OpenDB.
type Option func(*options) error

// WithApplicationName sets the migration sessions' application_name (how
// a cancel finds them, unique per DB): by default guard-migrate-<random>.
func WithApplicationName(name string) Option {
	return func(o *options) error {
		if name == "" || len(name) > 63 {
			return errors.New("application name must be 1 to 63 bytes")
		}
		o.appName = name
		return nil
	}
}

type options struct {
	statementTimeout time.Duration
	lockTimeout      time.Duration
	logger           *slog.Logger
	pooled           bool              // behind a transaction pooler (WithTransactionPooler)
	settings         map[string]string // set with SET LOCAL in each file's transaction, when pooled
	outsideLockWait  time.Duration     // of a file run outside a transaction, when pooled
	fileSettings     map[string]string // set with SET LOCAL in each file's transaction (WithFileSettings)
	appName          string            // WithApplicationName
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

// OpenDB connects to the database described by cfg, to migrate it with the
// migrations of src, keeping the version in table (its schema "" for the
// session's current schema). It checks that the server answers but changes nothing:
// the version table is created (by golang-migrate) only when a migration or
// Force first runs. RuntimeParams of cfg (lock_timeout, search_path, …) apply
// to the migration session. Close the DB when done.
func OpenDB(ctx context.Context, cfg *pgx.ConnConfig, src *source.Source, table source.Table, opts ...Option) (*DB, error) {
	if cfg == nil {
		return nil, errors.New("open database: nil connection config")
	}
	if src == nil || len(src.Migrations) == 0 {
		return nil, errors.New("open database: no migration source")
	}
	if table.Name == "" {
		return nil, errors.New("open database: no migrations table")
	}
	o := options{}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	d := &DB{src: src, opts: o, table: table}

	d.appName = "guard-migrate-" + randomHex(6)
	if o.appName != "" {
		d.appName = o.appName
	}
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
		return nil, errors.Join(fmt.Errorf("open database %s: %w", dburl.Describe(cfg), scrub(err, cfg)), d.sqlDB.Close())
	}
	if d.table.Schema == "" {
		if schema == nil {
			return nil, errors.Join(fmt.Errorf("open database %s: no current schema (check search_path) to hold the %s table", dburl.Describe(cfg), table), d.sqlDB.Close())
		}
		d.table = d.table.In(*schema)
	}
	return d, nil
}

// Table returns the version table, its schema resolved.
func (d *DB) Table() source.Table { return d.table }

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

// Version reads the version table directly, never creating it: None when
// there is no version (no table, an empty table, or golang-migrate's "no
// version" row, -1, which can be dirty after the first migration's down
// failed).
//
// Until the table is seen, it is looked for first (a query that cannot
// fail on a missing table, and leaves no error in the server's log); once
// seen, it is read at once, a missing table (dropped since) still being
// None: one round trip before and one after each file Run runs.
func (d *DB) Version(ctx context.Context) (v source.Version, dirty bool, err error) {
	if !d.tableSeen.Load() {
		var exists bool
		err = d.sqlDB.QueryRowContext(ctx, `SELECT to_regclass($1) IS NOT NULL`, d.table.String()).Scan(&exists)
		if err != nil {
			return source.None, false, fmt.Errorf("read migration version: %w", scrub(err, d.cfg))
		}
		if !exists {
			return source.None, false, nil
		}
		d.tableSeen.Store(true)
	}
	var n int64
	err = d.sqlDB.QueryRowContext(ctx, `SELECT version, dirty FROM `+d.table.String()+` LIMIT 1`).Scan(&n, &dirty)
	var pgErr *pgconn.PgError
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return source.None, false, nil
	case errors.As(err, &pgErr) && pgErr.Code == pgerrcode.UndefinedTable:
		d.tableSeen.Store(false)
		return source.None, false, nil
	case err != nil:
		return source.None, false, fmt.Errorf("read migration version from %s: %w", d.table, scrub(err, d.cfg))
	}
	return source.FromInt(n), dirty, nil
}

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
