package readiness

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/source"
)

// Defaults of the settings that options change.
const (
	DefaultTTL             = 2 * time.Second
	DefaultBudget          = 500 * time.Millisecond
	DefaultMigrationsTable = source.DefaultTableName
)

// An Option changes a setting of New. Options validate their arguments: a bad
// one makes New fail with a *ConfigError.
type Option func(*config) error

type config struct {
	ttl             time.Duration
	budget          time.Duration
	tableRaw        string // as given to WithMigrationsTable
	tableQuoted     bool
	table           source.Table // resolved from the two above
	aheadNotReady   bool
	missingNotReady bool
	logger          *slog.Logger
	label           string
	contract        *contract.Contract // nil: no drift header
	driftInterval   time.Duration
}

func defaultConfig() config {
	return config{
		ttl:           DefaultTTL,
		budget:        DefaultBudget,
		tableRaw:      DefaultMigrationsTable,
		driftInterval: DefaultDriftInterval,
		logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// WithTTL sets how long a check's answer is reused before the database is
// asked again (default 2 s). Every probe inside that period gets the cached
// answer, so the database sees at most one check per TTL however many probes
// arrive. ttl must be positive.
func WithTTL(ttl time.Duration) Option {
	return func(c *config) error {
		if ttl <= 0 {
			return &ConfigError{Setting: "WithTTL", Err: fmt.Errorf("ttl %v is not positive", ttl),
				Advice: "pass a positive duration such as 2*time.Second"}
		}
		c.ttl = ttl
		return nil
	}
}

// WithBudget sets the longest a check may take (default 500 ms). A database
// that has not answered by then is reported unreachable: the probe is
// answered at the budget even if the query is still stuck. budget must be
// positive.
func WithBudget(budget time.Duration) Option {
	return func(c *config) error {
		if budget <= 0 {
			return &ConfigError{Setting: "WithBudget", Err: fmt.Errorf("budget %v is not positive", budget),
				Advice: "pass a positive duration such as 500*time.Millisecond"}
		}
		c.budget = budget
		return nil
	}
}

// WithMigrationsTable names golang-migrate's version table (default
// "schema_migrations") exactly as its x-migrations-table option does: a
// table of that exact name (case kept, dots included) in the connection's
// current schema. With WithMigrationsTableQuoted, name is `"schema"."table"`
// or `"table"` instead.
func WithMigrationsTable(name string) Option {
	return func(c *config) error {
		if name == "" {
			return &ConfigError{Setting: "WithMigrationsTable", Err: errors.New("empty table name"),
				Advice: "leave the option out for schema_migrations"}
		}
		c.tableRaw = name
		return nil
	}
}

// WithMigrationsTableQuoted reads the WithMigrationsTable name the way
// golang-migrate's x-migrations-table-quoted=true does: `"schema"."table"`
// (or `"table"` in the current schema).
func WithMigrationsTableQuoted() Option {
	return func(c *config) error { c.tableQuoted = true; return nil }
}

// WithAheadNotReady makes a database whose version is above the binary's
// head not ready (503), including one dirty at a version above the head (a
// migration for a newer binary running, or failed half-way). By default it
// is ready with a warning, so that rolling back the application, or
// migrating the database for the next release, does not take every pod out
// of service.
func WithAheadNotReady() Option {
	return func(c *config) error { c.aheadNotReady = true; return nil }
}

// WithMissingTableNotReady makes a database without a version table not
// ready (503). By default such a database (say, a test database built
// without migrations) counts as current.
func WithMissingTableNotReady() Option {
	return func(c *config) error { c.missingNotReady = true; return nil }
}

// WithLogger sets where the Checker logs changes of its answer (with the
// underlying error when the database cannot be read). By default it logs
// nothing.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return &ConfigError{Setting: "WithLogger", Err: errors.New("nil logger"),
				Advice: "leave the option out to discard logs"}
		}
		c.logger = l
		return nil
	}
}

// WithLabel sets a name for the database shown in unreachable answers, e.g.
// "orders-primary". Answers never show a host, port, user or password; a
// label is the only detail about the database they give, and only when set.
func WithLabel(label string) Option {
	return func(c *config) error {
		if strings.ContainsAny(label, "\r\n") {
			return &ConfigError{Setting: "WithLabel", Err: errors.New("label contains a line break"),
				Advice: "use a short single-line name"}
		}
		c.label = label
		return nil
	}
}

// resolveTable reads the table name the way golang-migrate's postgres driver
// does (database/postgres.WithConnection).
func resolveTable(raw string, quoted bool) (source.Table, error) {
	t, err := source.ParseTable(raw, quoted)
	if err != nil {
		return source.Table{}, &ConfigError{Setting: "WithMigrationsTableQuoted", Err: err,
			Advice: `write it as "schema"."table" or "table", or drop WithMigrationsTableQuoted`}
	}
	return t, nil
}
