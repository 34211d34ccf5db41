package guard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/dburl"
)

// Runner applies the migrations of one source to one database, safely: it
// plans in a shadow database, gates on the contract, holds guard's own lock
// and records what it applies. A Runner holds no connection between calls
// and is safe for concurrent use; concurrent calls (in this process or any
// other) take turns on guard's lock.
type Runner struct {
	cfg *pgx.ConnConfig
	src *source.Source
	c   config
	log *slog.Logger
}

// New returns a Runner for the database described by cfg and the migrations
// of src (see package source: source.Load of an embed.FS, or source.Open of
// a directory). It reads the contract (WithContract) but does not connect.
// It fails on a nil argument, a bad option and a corrupt contract file.
func New(cfg *pgx.ConnConfig, src *source.Source, opts ...Option) (*Runner, error) {
	if cfg == nil {
		return nil, errors.New("guard: nil connection config")
	}
	if src == nil || len(src.Migrations) == 0 {
		return nil, errors.New("guard: no migration source")
	}
	c := config{
		schemas:      []string{"public"},
		table:        source.DefaultTable(),
		lockWait:     DefaultLockWait,
		lockTimeout:  DefaultLockTimeout,
		concTimeout:  DefaultConcurrentLockTimeout,
		lockRetries:  DefaultLockRetries,
		retryBackoff: time.Second,
		clock:        time.Now,
		pooler:       PoolerAuto,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&c); err != nil {
			return nil, fmt.Errorf("guard: %w", err)
		}
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if c.contractPath != "" {
		if _, err := contract.Load(c.contractPath); err != nil {
			return nil, err
		}
	}
	return &Runner{cfg: cfg.Copy(), src: src, c: c, log: c.logger}, nil
}

// Migrations returns the migrations of the source, in version order.
func (r *Runner) Migrations() []Migration { return slices.Clone(r.src.Migrations) }

// Head returns the source's last version.
func (r *Runner) Head() source.Version { return r.src.Head() }

func (r *Runner) emit(e Event) {
	if r.c.progress != nil {
		r.c.progress(e)
	}
}

func (r *Runner) contract() (*contract.Contract, error) {
	if r.c.contractPath == "" {
		return contract.New(), nil
	}
	return contract.Load(r.c.contractPath)
}

func (r *Runner) inspectOptions() []schema.Option {
	return []schema.Option{schema.WithSchemas(r.c.schemas...), schema.WithExcludeTables(r.c.table.String())}
}

// describe names the target without password.
func (r *Runner) describe() string { return dburl.Describe(r.cfg) }

// once runs a query in one round trip (the simple protocol) rather than
// preparing it first: the session's queries run once per connection.
const once = pgx.QueryExecModeSimpleProtocol

// session is guard's connection to the target: it reads the version and
// the history, inspects the live schema and, locked, holds guard's advisory
// lock on a second connection of its own (lk), kept alive while it is held.
type session struct {
	r      *Runner
	src    *source.Source // the source as the call began (see begin)
	conn   *pgx.Conn
	dbName string
	table  source.Table // the version table, its schema resolved
	server int          // server_version_num
	key    int64        // guard's lock key
	pooled bool         // the server is reached through a transaction pooler
	lk     *lockSession // nil unless locked
	usedAt time.Time    // when conn last answered a write (see reconnect)
	// cleanup is what runs in the background while the call goes on (the
	// shadow databases of a plan being dropped while its files apply), and
	// close waits for.
	cleanup sync.WaitGroup
}

// inBackground runs f, cleanup that need not hold the call up, beside
// it; close waits for it. Its failure is logged: what it leaves behind
// (a shadow database), the next run collects.
func (s *session) inBackground(what string, f func() error) {
	s.cleanup.Go(func() {
		if err := f(); err != nil {
			s.r.log.Warn("cannot "+what, "err", err)
		}
	})
}

// appName is the application_name of guard's sessions, which a waiting
// guard shows when it times out.
func appName() string {
	host, _ := os.Hostname()
	name := fmt.Sprintf("guard migrate pid=%d host=%s", os.Getpid(), host)
	if len(name) > 63 {
		name = name[:63]
	}
	return name
}

// connect opens a connection of guard's to the target, configured for a
// transaction pooler when pooled (see pooledConfig).
func (r *Runner) connect(ctx context.Context, pooled bool) (*pgx.Conn, error) {
	cfg := r.cfg.Copy()
	if pooled {
		var err error
		if cfg, err = pooledConfig(cfg); err != nil {
			return nil, err
		}
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["application_name"] = appName()
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 2 * time.Second}
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, &ConnectError{Database: r.describe(), Err: r.scrub(err)}
	}
	return conn, nil
}

// connectFirst opens guard's first connection of a call: configured for a
// transaction pooler when told so (PoolerTransaction), and otherwise as
// the URL says, unless a pooler refuses a startup parameter of the URL
// (PgBouncer refuses any it does not know), which tells that there is one:
// then it is opened again, configured for it, and refused is true.
func (r *Runner) connectFirst(ctx context.Context) (_ *pgx.Conn, refused bool, _ error) {
	conn, err := r.connect(ctx, r.c.pooler == PoolerTransaction)
	var pgErr *pgconn.PgError
	if err == nil || r.c.pooler != PoolerAuto || !errors.As(err, &pgErr) || !strings.HasPrefix(pgErr.Message, "unsupported startup parameter") {
		return conn, false, err
	}
	r.log.Debug("a pooler refused a startup parameter: connecting as to a transaction pooler", "err", pgErr.Message)
	conn, err = r.connect(ctx, true)
	return conn, err == nil, err
}

// keepIdle makes the settings of conn, guard's session to a server reached
// directly. idle_session_timeout is off: the session holds no lock but
// sits idle while files run (here or in a shadow), and is guard's, not
// forgotten. (The lock session keeps the server's setting and is pinged
// instead, so that a guard cut off from the server loses its lock as the
// setting says.) synchronous_commit is off: the session's writes are
// guard's history rows, and a row a server crash loses (within the WAL
// writer's delay) is recovered by the next run (recoverHistory), while
// waiting for the disk on each costs a file's worth of time. A setting of
// the URL's is kept. Behind a transaction pooler no session setting is
// made: the pooler's server sessions are shared.
func (r *Runner) keepIdle(ctx context.Context, conn *pgx.Conn) error {
	for _, set := range []struct{ name, value string }{{"idle_session_timeout", "0"}, {"synchronous_commit", "off"}} {
		if _, given := r.cfg.RuntimeParams[set.name]; given {
			continue
		}
		if _, err := conn.Exec(ctx, `SET `+set.name+` = `+set.value, once); err != nil {
			return fmt.Errorf("set %s of %s: %w", set.name, r.describe(), r.scrub(err))
		}
	}
	return nil
}

// open connects guard's session and, when lock is true, takes guard's lock.
//
// The lock session connects meanwhile: a connection costs the server a new
// process, the slowest part of opening. The first query tells whether the
// server is reached through a transaction pooler (see PoolerAuto); if so,
// the session is opened again, fit for one (a pooler's connection is
// cheap), and the lock is one that a pooler keeps.
func (r *Runner) open(ctx context.Context, lock bool) (_ *session, err error) {
	var lockConn chan connected
	if lock {
		lockConn = make(chan connected, 1)
		go func() {
			c, _, err := r.connectFirst(ctx)
			lockConn <- connected{c, err}
		}()
		defer func() {
			if lockConn == nil {
				return // taken by the lock
			}
			if c := <-lockConn; c.conn != nil {
				err = errors.Join(err, c.conn.Close(context.WithoutCancel(ctx)))
			}
		}()
	}
	conn, refused, err := r.connectFirst(ctx)
	if err != nil {
		return nil, err
	}
	s := &session{r: r, src: r.src, conn: conn, pooled: refused}
	var schemaName *string
	var backend uint32
	err = conn.QueryRow(ctx, `SELECT current_database(), current_schema(), current_setting('server_version_num')::int, pg_backend_pid()`, once).Scan(&s.dbName, &schemaName, &s.server, &backend)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("read settings of %s: %w", r.describe(), r.scrub(err)), s.close(ctx))
	}
	switch r.c.pooler {
	case PoolerTransaction:
		s.pooled = true
	case PoolerAuto:
		s.pooled = s.pooled || conn.PgConn().PID() != backend
	}
	switch {
	case s.pooled && r.c.pooler == PoolerAuto && !refused:
		r.log.Info("the target is reached through a connection pooler: guard holds a transaction-scoped lock and sets lock_timeout in each file's transaction", "database", r.describe())
		_ = conn.Close(ctx)
		if s.conn, err = r.connect(ctx, true); err != nil {
			s.conn = conn // closed: closing it again does nothing
			return nil, errors.Join(err, s.close(ctx))
		}
	case !s.pooled:
		if err := r.keepIdle(ctx, conn); err != nil {
			return nil, errors.Join(err, s.close(ctx))
		}
	}
	if schemaName == nil && r.c.table.Schema == "" {
		return nil, errors.Join(fmt.Errorf("open %s: no current schema (check search_path) to hold the %s table", r.describe(), r.c.table), s.close(ctx))
	}
	if schemaName != nil {
		s.table = r.c.table.In(*schemaName)
	} else {
		s.table = r.c.table
	}
	s.key = lockKey(s.dbName, s.table.Schema, r.c.table.Name)
	r.log.Debug("connected", "database", r.describe(), "pooled", s.pooled)
	if lock {
		c := <-lockConn
		lockConn = nil
		if c.err != nil {
			return nil, errors.Join(c.err, s.close(ctx))
		}
		if err := s.lock(ctx, c.conn); err != nil {
			return nil, errors.Join(err, s.close(ctx))
		}
	}
	return s, nil
}

// connected is a connection made in the background, or why not.
type connected struct {
	conn *pgx.Conn
	err  error
}

// reconnect replaces the session's connection (not the lock session) when
// it is gone: it holds nothing, so another one does as well.
func (s *session) reconnect(ctx context.Context) error {
	if !s.conn.IsClosed() && time.Since(s.usedAt) < recheckAfter {
		return nil // it answered a moment ago (the history row of the file before)
	}
	pctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	if !s.conn.IsClosed() && s.conn.Ping(pctx) == nil {
		return nil
	}
	s.r.log.Warn("guard's session ended: reconnecting")
	conn, err := s.r.connect(ctx, s.pooled)
	if err != nil {
		return err
	}
	if !s.pooled {
		if err := s.r.keepIdle(ctx, conn); err != nil {
			return errors.Join(err, conn.Close(ctx))
		}
	}
	_ = s.conn.Close(ctx)
	s.conn = conn
	return nil
}

// begin opens guard's session, locked, and meanwhile reads the source's up
// files into memory: a shadow hashes every applied file to find its cached
// template, which then needs no file system access, and the call plans and
// applies the files as they were when it began.
func (r *Runner) begin(ctx context.Context) (*session, error) {
	read := make(chan *source.Source, 1)
	go func() { read <- r.src.ReadAhead() }()
	s, err := r.open(ctx, true)
	src := <-read
	if err != nil {
		return nil, err
	}
	s.src = src
	return s, nil
}

// close releases guard's lock and closes the session, even after ctx ended.
func (s *session) close(ctx context.Context) error {
	s.cleanup.Wait()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var errs []error
	if s.lk != nil {
		errs = append(errs, s.lk.release(ctx))
		s.lk = nil
	}
	errs = append(errs, s.conn.Close(ctx))
	return errors.Join(errs...)
}

// state is the version table's content.
type state struct {
	version source.Version
	dirty   bool
	table   bool // the version table exists
}

// state reads the version table, never creating it.
func (s *session) state(ctx context.Context) (state, error) {
	st := state{}
	err := s.conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, once, s.table.String()).Scan(&st.table)
	if err != nil {
		return st, fmt.Errorf("read migration version: %w", err)
	}
	if !st.table {
		return st, nil
	}
	var v int64
	err = s.conn.QueryRow(ctx, `SELECT version, dirty FROM `+s.table.String()+` LIMIT 1`, once).Scan(&v, &st.dirty)
	if errors.Is(err, pgx.ErrNoRows) {
		return state{table: true}, nil
	}
	if err != nil {
		return st, fmt.Errorf("read migration version from %s: %w", s.table, err)
	}
	st.version = source.FromInt(v)
	return st, nil
}

// live inspects the target's schema.
func (s *session) live(ctx context.Context) (*schema.Schema, error) {
	sc, err := schema.Inspect(ctx, s.conn, s.r.inspectOptions()...)
	if err != nil {
		return nil, fmt.Errorf("inspect %s: %w", s.r.describe(), err)
	}
	return sc, nil
}

// scrub keeps the target's password out of an error.
func (r *Runner) scrub(err error) error {
	if err == nil || r.cfg.Password == "" {
		return err
	}
	if s := dburl.Scrub(err.Error(), r.cfg.Password); s != err.Error() {
		return errors.New(s)
	}
	return err
}
