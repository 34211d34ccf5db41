package readiness

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/schema"
)

// DriftHeader is the response header that carries the worst change between
// the contract and the live schema, when WithContract is set.
const DriftHeader = "X-Schema-Drift"

// DefaultDriftInterval is how often, at most, the live schema is inspected
// for DriftHeader.
const DefaultDriftInterval = 30 * time.Second

// driftBudget bounds one inspection of the live schema.
const driftBudget = 10 * time.Second

// WithContract makes the readiness handler also report, in the
// X-Schema-Drift header, the worst change from the contract's locked tables
// to the live schema: "none", "safe", "risky" or "breaking" (the impacts of
// guard/diff). The live schema is inspected in the background at most once
// per drift interval (WithDriftInterval, default 30 s): probes never wait for
// it, and the header is absent until the first inspection has finished and
// whenever the last one failed. The header never changes the status code.
// ct is copied: later changes to it are not seen. A *sql.DB must use pgx's
// database/sql driver (github.com/jackc/pgx/v5/stdlib), which New checks.
func WithContract(ct *contract.Contract) Option {
	return func(c *config) error {
		if ct == nil {
			return &ConfigError{Setting: "WithContract", Err: errors.New("nil contract"),
				Advice: "load it with contract.Load or contract.Parse, or leave the option out"}
		}
		b, err := ct.Marshal()
		if err == nil {
			ct, err = contract.Parse("contract", b)
		}
		if err != nil {
			return &ConfigError{Setting: "WithContract", Err: err}
		}
		c.contract = ct
		return nil
	}
}

// WithDriftInterval sets how often, at most, WithContract's inspection of
// the live schema runs (default 30 s). interval must be positive.
func WithDriftInterval(interval time.Duration) Option {
	return func(c *config) error {
		if interval <= 0 {
			return &ConfigError{Setting: "WithDriftInterval", Err: fmt.Errorf("interval %v is not positive", interval),
				Advice: "pass a positive duration such as 30*time.Second"}
		}
		c.driftInterval = interval
		return nil
	}
}

// inspector reads the live schema of the given schemas.
type inspector func(ctx context.Context, schemas []string) (*schema.Schema, error)

func poolInspector(pool *pgxpool.Pool) inspector {
	return func(ctx context.Context, schemas []string) (*schema.Schema, error) {
		return schema.Inspect(ctx, pool, schema.WithSchemas(schemas...))
	}
}

func sqlInspector(db *sql.DB) (inspector, error) {
	if _, ok := db.Driver().(*stdlib.Driver); !ok {
		return nil, &ConfigError{Setting: "WithContract", Err: fmt.Errorf("database/sql driver %T is not pgx's", db.Driver()),
			Advice: "open the *sql.DB with github.com/jackc/pgx/v5/stdlib, or pass a *pgxpool.Pool"}
	}
	return func(ctx context.Context, schemas []string) (live *schema.Schema, err error) {
		conn, err := db.Conn(ctx)
		if err != nil {
			return nil, err
		}
		defer func() { err = errors.Join(err, conn.Close()) }()
		err = conn.Raw(func(dc any) error {
			pc, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("database/sql connection %T is not pgx's", dc)
			}
			var ierr error
			live, ierr = schema.Inspect(ctx, pc.Conn(), schema.WithSchemas(schemas...))
			return ierr
		})
		return live, err
	}, nil
}

// driftSchemas are the schemas holding the contract's tables and enums.
func driftSchemas(ct *contract.Contract) []string {
	var out []string
	for _, lt := range ct.Tables {
		out = append(out, lt.Snapshot.Schema)
		for _, e := range lt.Enums {
			out = append(out, e.Schema)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// worstDrift returns the header value for changes.
func worstDrift(changes []diff.Change) string {
	worst := diff.Impact(0)
	for _, ch := range changes {
		worst = max(worst, ch.Impact)
	}
	if worst == 0 {
		return "none"
	}
	return worst.String()
}

// driftHeader returns the last drift answer ("" when unknown) and, when it
// is older than the interval, starts a new inspection in the background.
func (c *Checker) driftHeader(ctx context.Context) string {
	now := c.now()
	c.mu.Lock()
	value, stale := c.driftValue, c.driftAt.IsZero() || now.Sub(c.driftAt) >= c.cfg.driftInterval
	c.mu.Unlock()
	if stale {
		// Not waited for: the buffered channel is dropped.
		c.group.DoChan("drift", func() (any, error) {
			c.refreshDrift(context.WithoutCancel(ctx))
			return nil, nil
		})
	}
	return value
}

// refreshDrift inspects the live schema and stores the drift answer.
func (c *Checker) refreshDrift(ctx context.Context) {
	start := c.now()
	c.mu.Lock()
	if !c.driftAt.IsZero() && start.Sub(c.driftAt) < c.cfg.driftInterval {
		c.mu.Unlock()
		return
	}
	c.driftAt = start // a failed inspection is retried after the interval too
	c.mu.Unlock()

	value := "none"
	if len(c.cfg.contract.Tables) > 0 {
		ictx, cancel := context.WithTimeout(ctx, min(driftBudget, c.cfg.driftInterval))
		live, err := c.inspect(ictx, driftSchemas(c.cfg.contract))
		cancel()
		if err != nil {
			value = ""
			c.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "readiness: schema drift check failed", slog.String("cause", err.Error()))
		} else {
			value = worstDrift(c.cfg.contract.Drift(live))
		}
	}
	c.mu.Lock()
	changed := value != c.driftValue
	c.driftValue = value
	c.mu.Unlock()
	if changed && value != "" {
		level := slog.LevelInfo
		if value != "none" {
			level = slog.LevelWarn
		}
		c.cfg.logger.LogAttrs(ctx, level, "readiness: schema drift from the contract: "+value)
	}
}
