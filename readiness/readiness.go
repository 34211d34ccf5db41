package readiness

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/schemaguard/guard/guard/source"
	"golang.org/x/sync/singleflight"
)

// Checker compares the database's migration version with the head of the
// migrations built into the binary. It is an http.Handler for
// /health/ready. A Checker is safe for concurrent use.
type Checker struct {
	cfg     config
	head    uint64
	read    reader
	inspect inspector        // nil unless WithContract
	now     func() time.Time // the clock of the caches; tests replace it

	group singleflight.Group

	mu       sync.Mutex
	cached   Result
	cachedAt time.Time // when the cached answer's check started; zero: none
	gen      uint64    // generation of the newest shared check
	started  time.Time // when the newest shared check started; zero: none running (set and cleared with c.mu held, as the check is registered and forgotten)
	logged   Status    // last status logged, to log changes only
	loggedD  bool      // and whether it was dirty (ahead while migrating, then not)

	driftValue string    // X-Schema-Drift; "" unknown
	driftAt    time.Time // when the last inspection started; zero: none
}

// New returns a Checker for db, a *sql.DB or a *pgxpool.Pool, against the
// migrations of src, usually the binary's own (source.Load of an
// embed.FS). It takes the head version once, here. A nil db or source and a
// bad option are a *ConfigError. New does not touch the database.
func New[H Handle](db H, src *source.Source, opts ...Option) (*Checker, error) {
	var (
		read    reader
		inspect inspector
		sqlDB   *sql.DB
	)
	switch h := any(db).(type) {
	case *sql.DB:
		if h == nil {
			return nil, &ConfigError{Setting: "db", Err: ErrNilDB, Advice: "pass the application's *sql.DB or *pgxpool.Pool"}
		}
		read, sqlDB = sqlReader(h), h
	case *pgxpool.Pool:
		if h == nil {
			return nil, &ConfigError{Setting: "db", Err: ErrNilDB, Advice: "pass the application's *sql.DB or *pgxpool.Pool"}
		}
		read, inspect = poolReader(h), poolInspector(h)
	}
	if src == nil || len(src.Migrations) == 0 {
		return nil, &ConfigError{Setting: "source", Err: errors.New("no migration source"), Advice: "pass the binary's migrations, read with source.Load"}
	}
	head, _ := src.Head().Get()
	cfg := defaultConfig()
	var err error
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.table, err = resolveTable(cfg.tableRaw, cfg.tableQuoted); err != nil {
		return nil, err
	}
	if cfg.contract == nil {
		inspect = nil
	} else if sqlDB != nil {
		if inspect, err = sqlInspector(sqlDB); err != nil {
			return nil, err
		}
	}
	return &Checker{cfg: cfg, head: head, read: read, inspect: inspect, now: time.Now}, nil
}

// Head returns the head version of the binary's migrations.
func (c *Checker) Head() uint64 { return c.head }

// Check returns whether the database is at the head, asking it at most once
// per TTL: within the TTL it returns the cached answer, and concurrent calls
// share one query. It returns within the budget (or sooner if ctx ends),
// with an unreachable Result when the database has not answered by then,
// even if the query is still stuck. It never fails otherwise, never takes a
// lock and never creates anything. Check is safe for concurrent use.
func (c *Checker) Check(ctx context.Context) Result {
	now := c.now()
	c.mu.Lock()
	if r, ok := c.fresh(now); ok {
		c.mu.Unlock()
		return r
	}
	if !c.started.IsZero() && now.Sub(c.started) > c.cfg.budget {
		// The shared check outlived its budget without returning (a driver
		// that ignores its context). Start a new one rather than have every
		// later caller join the stuck one.
		c.group.Forget(checkKey)
		c.started = time.Time{}
	}
	if c.started.IsZero() {
		// No shared check is running: this call starts one. A check is
		// started here and ended in run under c.mu, so a caller never joins
		// a check that has already answered (and whose answer it found
		// stale).
		c.gen++
		c.started = now
	}
	gen, at := c.gen, c.started
	ch := c.group.DoChan(checkKey, func() (any, error) {
		// The shared check has a budget of its own, so it neither dies with
		// the first caller's request nor outlives the budget.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.budget)
		defer cancel()
		return c.run(sctx, gen, at), nil
	})
	c.mu.Unlock()

	timer := time.NewTimer(c.cfg.budget)
	defer timer.Stop()
	select {
	case res := <-ch:
		return res.Val.(Result)
	case <-timer.C:
		r := failure(&c.cfg, c.head, context.DeadlineExceeded, true)
		r.CheckedAt = at
		return c.store(ctx, r, at)
	case <-ctx.Done():
		r := failure(&c.cfg, c.head, ctx.Err(), false)
		r.CheckedAt = now
		return r
	}
}

// checkKey is the singleflight key of the shared check.
const checkKey = "check"

// run is the shared check of generation gen, started at start.
func (c *Checker) run(ctx context.Context, gen uint64, start time.Time) Result {
	st, err := c.read(ctx, c.cfg.table)
	var r Result
	if err != nil {
		r = failure(&c.cfg, c.head, err, ctx.Err() == context.DeadlineExceeded)
	} else {
		r = evaluate(&c.cfg, c.head, st)
	}
	r.CheckedAt = start
	r = c.store(ctx, r, start)

	c.mu.Lock()
	if c.gen == gen {
		// Later callers find the answer cached, or start a new check.
		c.started = time.Time{}
		c.group.Forget(checkKey)
	}
	c.mu.Unlock()
	return r
}

// fresh returns the cached answer if it is younger than the TTL. c.mu held.
func (c *Checker) fresh(now time.Time) (Result, bool) {
	if c.cachedAt.IsZero() || now.Sub(c.cachedAt) >= c.cfg.ttl || now.Before(c.cachedAt) {
		return Result{}, false
	}
	return c.cached, true
}

// store caches r, the answer of a check started at at, unless a newer check
// already answered, and logs a change of status. It returns r.
func (c *Checker) store(ctx context.Context, r Result, at time.Time) Result {
	c.mu.Lock()
	if !c.cachedAt.IsZero() && at.Before(c.cachedAt) {
		c.mu.Unlock()
		return r
	}
	c.cached, c.cachedAt = r, at
	changed := c.logged != r.Status || c.loggedD != r.Dirty
	c.logged, c.loggedD = r.Status, r.Dirty
	c.mu.Unlock()
	if changed {
		c.log(ctx, r)
	}
	return r
}

func (c *Checker) log(ctx context.Context, r Result) {
	level := slog.LevelInfo
	switch {
	case !r.Ready:
		level = slog.LevelError
	case r.Warning != "":
		level = slog.LevelWarn
	}
	attrs := resultAttrs(r)
	if r.cause != nil {
		attrs = append(attrs, slog.String("cause", r.cause.Error()))
	}
	c.cfg.logger.LogAttrs(ctx, level, "readiness changed: "+r.Message, attrs...)
}

// resultAttrs are the log fields of a Result.
func resultAttrs(r Result) []slog.Attr {
	attrs := []slog.Attr{
		slog.String("status", string(r.Status)),
		dbAttr(r.DB),
		slog.Uint64("expected", r.Expected),
		slog.Bool("dirty", r.Dirty),
	}
	if r.Warning != "" {
		attrs = append(attrs, slog.String("warning", r.Warning))
	}
	if r.Reason != "" {
		attrs = append(attrs, slog.String("reason", r.Reason))
	}
	return attrs
}

// dbAttr is the version as a number, or "none".
func dbAttr(v source.Version) slog.Attr {
	n, ok := v.Get()
	if !ok {
		return slog.String("db", "none")
	}
	return slog.Uint64("db", n)
}
