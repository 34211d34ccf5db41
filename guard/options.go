package guard

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/dburl"
)

// Defaults of the runner's options.
const (
	DefaultLockWait    = 5 * time.Minute // WithLockWait
	DefaultLockTimeout = 5 * time.Second // WithLockTimeout
	DefaultLockRetries = 3               // WithLockRetries
	// DefaultConcurrentLockTimeout is WithConcurrentLockTimeout's default.
	DefaultConcurrentLockTimeout = time.Hour
	// DefaultMigrationsTable is golang-migrate's version table.
	DefaultMigrationsTable = source.DefaultTableName
	// HistoryTable is guard's own table of applied migrations, created
	// beside the version table the first time guard applies one.
	HistoryTable = "guard_history"
)

// Option configures New. Each option checks its own value; New fails on a
// bad one.
type Option func(*config) error

type config struct {
	contractPath  string
	schemas       []string
	table         source.Table
	shadowURL     string
	shadowCache   *bool
	lockWait      time.Duration
	lockTimeout   time.Duration
	concTimeout   time.Duration // lock_timeout of files run outside a transaction; 0: none
	lockRetries   int
	retryBackoff  time.Duration
	logger        *slog.Logger
	allowBreaking bool
	allowEdited   bool
	allowDataLoss bool
	allowHazards  bool // WithAllowHazards
	noHazards     bool // WithoutHazards
	noAutoRecover bool
	pooler        Pooler
	stmtTimeout   time.Duration // golang-migrate's x-statement-timeout: bounds each file; 0: none
	failOnDrift   bool
	progress      func(Event)
	clock         func() time.Time
}

// WithContract sets the contract file that gates every apply (see package
// contract). A missing file is an empty contract in mode none, which blocks
// nothing. Without this option there is no contract either.
func WithContract(path string) Option {
	return func(c *config) error {
		if strings.TrimSpace(path) == "" {
			return errors.New("WithContract: empty path")
		}
		c.contractPath = path
		return nil
	}
}

// WithSchemas sets the schemas in scope for introspection (default public).
func WithSchemas(names ...string) Option {
	return func(c *config) error {
		if len(names) == 0 {
			return errors.New("WithSchemas: no schema given")
		}
		for _, n := range names {
			if strings.TrimSpace(n) == "" {
				return errors.New("WithSchemas: empty schema name")
			}
		}
		c.schemas = append([]string(nil), names...)
		return nil
	}
}

// WithMigrationsTable sets golang-migrate's version table (default
// schema_migrations in the current schema), as its x-migrations-table does;
// a name that starts with a double quote is read as
// x-migrations-table-quoted reads it, `"schema"."table"` (see
// source.ParseTableName).
func WithMigrationsTable(name string) Option {
	return func(c *config) error {
		t, err := source.ParseTableName(name)
		if err != nil {
			return fmt.Errorf("WithMigrationsTable: %w", err)
		}
		c.table = t
		return nil
	}
}

// WithShadowURL sets a server where guard may create shadow databases (see
// package shadow). Without it, shadows go to the target's own server when
// its user has CREATEDB, else to an ephemeral local cluster.
func WithShadowURL(url string) Option {
	return func(c *config) error {
		if _, err := dburl.Parse(url); err != nil {
			return fmt.Errorf("WithShadowURL: %w", err)
		}
		c.shadowURL = url
		return nil
	}
}

// WithShadowCache turns the cache of replayed histories (template databases
// named guard_template_…) on or off. It is on by default on a shadow URL's
// server and off on the target's own server, where it is opt-in.
func WithShadowCache(on bool) Option {
	return func(c *config) error {
		c.shadowCache = &on
		return nil
	}
}

// WithLockWait bounds the wait for guard's own lock, held by another guard
// applying migrations to the same database (default DefaultLockWait).
func WithLockWait(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("WithLockWait: must be positive, got %v", d)
		}
		c.lockWait = d
		return nil
	}
}

// WithLockTimeout sets PostgreSQL's lock_timeout on the session that runs
// the migrations (default DefaultLockTimeout), so that DDL waiting behind a
// long transaction fails fast instead of queueing traffic behind it.
func WithLockTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < time.Millisecond {
			return fmt.Errorf("WithLockTimeout: must be at least 1ms, got %v", d)
		}
		c.lockTimeout = d
		return nil
	}
}

// WithConcurrentLockTimeout sets PostgreSQL's lock_timeout on the session
// that runs a file holding a statement that must run outside a transaction
// (CREATE INDEX CONCURRENTLY, …), instead of WithLockTimeout's (default
// DefaultConcurrentLockTimeout; 0 is no timeout). Such a statement waits
// for every transaction older than itself: that wait is how it works, so it
// is bounded separately, and long.
func WithConcurrentLockTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 || d > 0 && d < time.Millisecond {
			return fmt.Errorf("WithConcurrentLockTimeout: must be 0 (none) or at least 1ms, got %v", d)
		}
		c.concTimeout = d
		return nil
	}
}

// WithLockRetries sets how many times a migration that failed on
// lock_timeout (SQLSTATE 55P03) is retried, with backoff (default
// DefaultLockRetries; 0 never retries).
func WithLockRetries(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("WithLockRetries: must not be negative, got %d", n)
		}
		c.lockRetries = n
		return nil
	}
}

// WithRetryBackoff sets the wait before the first retry of a migration that
// hit lock_timeout; it doubles with each retry (default one second).
func WithRetryBackoff(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("WithRetryBackoff: must not be negative, got %v", d)
		}
		c.retryBackoff = d
		return nil
	}
}

// WithLogger logs what the runner does, at debug and info level. The
// default discards.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("WithLogger: nil logger")
		}
		c.logger = l
		return nil
	}
}

// WithAllowBreaking applies migrations the contract blocks. The result says
// so (AllowedBreaking); use it for a reviewed, deliberate release.
func WithAllowBreaking() Option {
	return func(c *config) error { c.allowBreaking = true; return nil }
}

// WithAllowEdited applies migrations even when the file of an
// already-applied version changed since it was applied.
func WithAllowEdited() Option {
	return func(c *config) error { c.allowEdited = true; return nil }
}

// WithNoAutoRecover turns off Up's recovery of a dirty database: by
// default, when the diagnosis is unambiguous (not applied, or applied but
// unrecorded) and the dirty version's file runs in one transaction, Up sets
// the version as Recover does and goes on, with a warning; with this
// option it fails with *DirtyError instead.
func WithNoAutoRecover() Option {
	return func(c *config) error { c.noAutoRecover = true; return nil }
}

// WithAllowDataLoss lets Down and Goto run migrations that remove tables or
// columns (without it they fail with *DataLossError, before any change).
func WithAllowDataLoss() Option {
	return func(c *config) error { c.allowDataLoss = true; return nil }
}

// Pooler says how guard reaches the target's server: directly, or through a
// connection pooler that hands each transaction to any server session
// (PgBouncer in transaction mode). Behind such a pooler nothing that lives
// in a session survives a transaction: a session advisory lock, a setting
// made with SET or sent as a startup parameter, a prepared statement.
type Pooler string

// The ways to reach the server (WithPooler; guard's --pooler).
const (
	// PoolerAuto, the default, tells by looking: a session whose client
	// sees a backend key (the pid and cancel key a server sends at
	// startup) that is not the key of the server session answering it is
	// reached through a pooler, which answers the startup itself.
	PoolerAuto Pooler = "auto"
	// PoolerNone: the server is reached directly (or through a plain TCP
	// proxy); guard uses session advisory locks and startup parameters.
	PoolerNone Pooler = "none"
	// PoolerTransaction: through a transaction pooler. guard's lock is a
	// transaction-scoped advisory lock held by an open transaction for the
	// whole run, golang-migrate's session lock is not taken (guard's lock
	// excludes every other guard), lock_timeout is set with SET LOCAL in
	// each file's transaction, and queries use no named prepared
	// statements.
	PoolerTransaction Pooler = "transaction"
)

// ParsePooler reads a Pooler as the CLI's --pooler takes it.
func ParsePooler(s string) (Pooler, error) {
	switch p := Pooler(strings.ToLower(strings.TrimSpace(s))); p {
	case PoolerAuto, PoolerNone, PoolerTransaction:
		return p, nil
	}
	return "", fmt.Errorf("unknown pooler %q: want auto, none or transaction", s)
}

// WithPooler says whether the target is reached through a transaction
// pooler (PoolerTransaction), directly (PoolerNone), or tells by looking
// (PoolerAuto, the default).
func WithPooler(p Pooler) Option {
	return func(c *config) error {
		if _, err := ParsePooler(string(p)); err != nil {
			return fmt.Errorf("WithPooler: %w", err)
		}
		c.pooler = p
		return nil
	}
}

// WithFailOnDrift makes history drift (a live schema that is not what its
// applied migrations produce) an error, a *DriftError, before anything is
// applied; by default it is a warning, and the dry-run starts from a copy
// of the live schema.
func WithFailOnDrift() Option {
	return func(c *config) error {
		c.failOnDrift = true
		return nil
	}
}

// WithStatementTimeout bounds each migration file as golang-migrate's
// x-statement-timeout does: a file still running after d is cancelled on
// the server. Zero, the default, is no bound.
func WithStatementTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("WithStatementTimeout: negative timeout %v", d)
		}
		c.stmtTimeout = d
		return nil
	}
}

// WithProgress sets a function called as the runner goes: waiting for the
// lock, building the shadow, each migration file starting, finishing,
// failing or being retried. It is called from the goroutine running the
// method, and must not block for long.
func WithProgress(f func(Event)) Option {
	return func(c *config) error {
		if f == nil {
			return errors.New("WithProgress: nil function")
		}
		c.progress = f
		return nil
	}
}

// WithClock sets the clock used for the times recorded in the contract
// (tests use a fixed one). The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("WithClock: nil clock")
		}
		c.clock = now
		return nil
	}
}
