package shadow

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"

	"github.com/schemaguard/guard/guard/hazard"
	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/pgcluster"
)

// Prefix starts the name of every shadow database; leftovers are found by it.
const Prefix = "guard_shadow_"

// DefaultLeftoverGrace is how old a shadow database with no connection,
// made by a guard on another host, must be before another run collects it:
// that guard cannot be seen to be gone, and a shadow server is often
// shared, so the wait is long. A shadow made on this host is collected as
// soon as its creator is gone, and never while it runs.
const DefaultLeftoverGrace = 24 * time.Hour

// cleanupTimeout bounds dropping shadows, which runs even after the
// caller's context ended.
const cleanupTimeout = 30 * time.Second

// Placement is where a provider creates its shadow databases.
type Placement string

// The places, in order of preference.
const (
	PlacementShadowURL Placement = "shadow-url"    // the server of --shadow-url
	PlacementTarget    Placement = "target-server" // the target's own server
	PlacementEphemeral Placement = "ephemeral"     // a local cluster guard started
)

// Option configures NewProvider and New.
type Option func(*options) error

type options struct {
	target    *pgx.ConnConfig
	shadowURL *pgx.ConnConfig
	logger    *slog.Logger
	grace     time.Duration
	cache     *bool // template cache; nil: the placement's default
	// targetConn, when set, identifies the target without connecting to
	// it again; it is the caller's and stays open.
	targetConn *pgx.Conn
	// What Shadow.Schema inspects (see WithInspection); nil schemas: the
	// defaults, and no schema kept with templates.
	inspectSchemas, inspectExclude []string
	// versionTable is golang-migrate's version table, created in every
	// new shadow database (see WithVersionTable).
	versionTable source.Table
	// templateBudget is how many templates of one history are kept (see
	// WithTemplateBudget).
	templateBudget int
}

// WithVersionTable names golang-migrate's version table (default
// schema_migrations in the session's current schema, source.DefaultTable),
// as the runner resolved it on the target. Every shadow database is
// created with it, empty, exactly as golang-migrate's pgx/v5 driver creates
// it before it runs the first file, so that a migration that reads or
// alters the version table replays as it runs on the target. Leave it out
// of what is inspected (WithInspection's excludeTables) as on the target.
func WithVersionTable(t source.Table) Option {
	return func(o *options) error {
		if t.Name == "" {
			return errors.New("empty version table name")
		}
		o.versionTable = t
		return nil
	}
}

// WithTargetConn identifies the target (see WithTarget, which is still
// needed) through conn, an open connection to it, instead of connecting to
// it once more. The provider only reads through conn and never closes it.
func WithTargetConn(conn *pgx.Conn) Option {
	return func(o *options) error {
		if conn == nil {
			return errors.New("nil target connection")
		}
		o.targetConn = conn
		return nil
	}
}

// WithTarget names the database being migrated. Shadows are then created on
// its server when its user may (CREATEDB), and a shadow that is the target is
// refused.
func WithTarget(cfg *pgx.ConnConfig) Option {
	return func(o *options) error {
		if cfg == nil {
			return errors.New("nil target config")
		}
		o.target = cfg.Copy()
		return nil
	}
}

// WithShadowURL sets the server where shadows are created (guard's
// --shadow-url): its database is where CREATE DATABASE runs.
func WithShadowURL(url string) Option {
	return func(o *options) error {
		cfg, err := dburl.Parse(url)
		if err != nil {
			return fmt.Errorf("shadow URL: %w", err)
		}
		o.shadowURL = cfg
		return nil
	}
}

// WithLogger logs placement decisions and collected leftovers. The default
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

// WithLeftoverGrace sets how old an unused shadow made on another host
// must be before it is collected (default DefaultLeftoverGrace).
func WithLeftoverGrace(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("leftover grace must be positive, got %v", d)
		}
		o.grace = d
		return nil
	}
}

// Provider creates shadow databases in one place, chosen when it is made.
// Its methods are safe for concurrent use. Close it to drop every shadow it
// made that is still there (and stop its ephemeral cluster).
type Provider struct {
	opts      options
	log       *slog.Logger
	placement Placement
	admin     *pgx.ConnConfig    // where CREATE DATABASE runs
	cluster   *pgcluster.Cluster // PlacementEphemeral only
	target    *identity          // nil without a target
	major     atomic.Int32       // the server's major release, once a connection said

	mu        sync.Mutex // guards what follows
	adminConn *pgx.Conn
	shadows   map[string]*Shadow
	closed    bool
	collected bool  // leftovers were looked for
	refused   error // the shadow URL's server is the target
}

// NewProvider chooses where shadows live: the shadow URL's server when given;
// else the target's server when its user has CREATEDB; else an ephemeral
// cluster started from the PostgreSQL binaries on this machine. It drops
// leftovers of killed runs there: at once on the target's server, on the
// first connection to a shadow URL's database (which a warm view never
// needs). It fails with *TargetError when
// the shadow URL is the target by its connection settings (the server's
// identity is checked when the provider first connects there, before
// anything runs), and with *UnavailableError when no place works.
func NewProvider(ctx context.Context, opts ...Option) (*Provider, error) {
	o := options{grace: DefaultLeftoverGrace, versionTable: source.DefaultTable(), templateBudget: DefaultTemplateBudget}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, fmt.Errorf("shadow: %w", err)
		}
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	p := &Provider{opts: o, log: o.logger, shadows: map[string]*Shadow{}}
	if err := p.place(ctx); err != nil {
		return nil, errors.Join(err, p.closeAdmin(ctx))
	}
	if p.adminConn != nil {
		p.mu.Lock()
		p.collect(ctx, p.adminConn)
		p.mu.Unlock()
	}
	return p, nil
}

func (p *Provider) place(ctx context.Context) error {
	o := p.opts
	var targetConn *pgx.Conn
	switch {
	case o.target != nil && o.targetConn != nil && o.shadowURL != nil:
		id, err := identify(ctx, o.targetConn)
		if err != nil {
			return fmt.Errorf("shadow: identify target %s: %w", dburl.Describe(o.target), err)
		}
		p.target = &id
	case o.target != nil:
		conn, err := connect(ctx, o.target)
		if err != nil {
			return fmt.Errorf("shadow: connect to target %s: %w", dburl.Describe(o.target), err)
		}
		id, err := identify(ctx, conn)
		if err != nil {
			_ = conn.Close(ctx)
			return fmt.Errorf("shadow: identify target %s: %w", dburl.Describe(o.target), err)
		}
		p.target, targetConn = &id, conn
	}

	if o.shadowURL != nil {
		if targetConn != nil {
			_ = targetConn.Close(ctx)
		}
		if o.target != nil && sameSettings(ctx, o.shadowURL, o.target) {
			return &TargetError{Shadow: dburl.Describe(o.shadowURL), Target: dburl.Describe(o.target), How: "by connection settings"}
		}
		// Connected when first needed (see withAdmin): a view of a cached
		// template never needs it.
		p.admin, p.placement = o.shadowURL, PlacementShadowURL
		p.log.Debug("shadow databases on the shadow server", "server", dburl.Describe(o.shadowURL))
		return nil
	}

	var reasons []string
	if targetConn != nil {
		var may bool
		err := targetConn.QueryRow(ctx, `SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&may)
		switch {
		case err != nil:
			_ = targetConn.Close(ctx)
			return fmt.Errorf("shadow: check CREATEDB on target %s: %w", dburl.Describe(o.target), err)
		case may:
			p.adminConn, p.admin, p.placement = targetConn, o.target, PlacementTarget
			p.learn(targetConn)
			p.log.Debug("shadow databases on the target's server", "server", dburl.Describe(o.target))
			return nil
		}
		_ = targetConn.Close(ctx)
		reasons = append(reasons, fmt.Sprintf("user %q of the target may not create databases (no CREATEDB)", o.target.User))
		p.log.Info("target's user lacks CREATEDB: starting a local PostgreSQL for shadow databases", "user", o.target.User)
	} else {
		reasons = append(reasons, "no target or shadow URL given")
	}

	c, err := pgcluster.Start(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("shadow: %w", err)
		}
		if errors.Is(err, pgcluster.ErrNoBinaries) {
			return &UnavailableError{Reasons: append(reasons, "no local PostgreSQL server binaries for an ephemeral cluster")}
		}
		return &UnavailableError{Reasons: append(reasons, "cannot "+err.Error())}
	}
	admin, err := pgx.ParseConfig(c.URL("postgres"))
	if err == nil {
		p.adminConn, err = connect(ctx, admin)
	}
	if err != nil {
		return errors.Join(fmt.Errorf("shadow: connect to ephemeral cluster: %w", err), c.Stop())
	}
	p.cluster, p.admin, p.placement = c, admin, PlacementEphemeral
	p.learn(p.adminConn)
	p.log.Debug("shadow databases on an ephemeral cluster", "dir", c.Dir())
	return nil
}

// refuseTarget fails when conn is connected to the target database.
func (p *Provider) refuseTarget(ctx context.Context, conn *pgx.Conn, cfg *pgx.ConnConfig) error {
	if p.target == nil {
		return nil
	}
	id, err := identify(ctx, conn)
	if err != nil {
		return fmt.Errorf("shadow: identify %s: %w", dburl.Describe(cfg), err)
	}
	return p.refuse(id, cfg)
}

// refuse fails when id, the identity of the database of cfg, is the
// target's.
func (p *Provider) refuse(id identity, cfg *pgx.ConnConfig) error {
	if p.target != nil && id.same(*p.target) {
		return &TargetError{Shadow: dburl.Describe(cfg), Target: dburl.Describe(p.opts.target), How: "by server identity"}
	}
	return nil
}

// Placement returns where the provider creates shadows.
func (p *Provider) Placement() Placement { return p.placement }

// New creates an empty shadow database. Drop it when done (Close drops it
// too). The database is named Prefix+random and carries a comment naming
// this process, so that the next run collects it if this one is killed.
func (p *Provider) New(ctx context.Context) (*Shadow, error) {
	return p.create(ctx, "", nil)
}

// create makes a shadow database, as a copy of template when one is named
// (a database holding the replay of applied, for warm runs to start from).
func (p *Provider) create(ctx context.Context, template string, applied []source.Migration) (_ *Shadow, err error) {
	name := Prefix + randomHex(6)
	create := `CREATE DATABASE ` + pgx.Identifier{name}.Sanitize()
	if template != "" {
		create += ` TEMPLATE ` + pgx.Identifier{template}.Sanitize()
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errors.New("shadow: provider is closed")
	}
	err = p.withAdmin(ctx, func(conn *pgx.Conn) error {
		if _, err := conn.Exec(ctx, create); err != nil {
			return err
		}
		return p.stamp(ctx, conn, name)
	})
	if err != nil {
		p.mu.Unlock()
		if errors.Is(err, ErrShadowIsTarget) {
			return nil, err // nothing ran there
		}
		err = fmt.Errorf("shadow: create database %s on %s: %w", name, dburl.Describe(p.admin), err)
		return nil, errors.Join(err, p.dropDatabase(ctx, name))
	}
	s := &Shadow{p: p, name: name, applied: applied}
	p.shadows[name] = s
	p.mu.Unlock()
	defer func() {
		if err != nil {
			err = errors.Join(err, s.Drop(ctx))
		}
	}()

	if s.cfg, s.url, err = p.shadowConfig(name); err != nil {
		return nil, err
	}
	if s.conn, err = p.connectShadow(ctx, s.cfg); err != nil {
		return nil, fmt.Errorf("shadow: connect to %s: %w", dburl.Describe(s.cfg), err)
	}
	if err := p.refuseTarget(ctx, s.conn, s.cfg); err != nil {
		return nil, err
	}
	if template == "" {
		if err := p.versionTable(ctx, s); err != nil {
			return nil, err
		}
	}
	p.log.Debug("shadow database created", "name", name, "placement", p.placement)
	return s, nil
}

// versionTable creates golang-migrate's version table in the new, empty
// shadow s, with the statement golang-migrate's pgx/v5 driver runs
// (ensureVersionTable) before the first file: in the table's schema, or,
// when it names none, in the session's current schema (which is where an
// unqualified CREATE TABLE puts it). When that schema does not exist (yet),
// golang-migrate could not have created its table there either: the shadow
// goes without, as it did before guard made it.
func (p *Provider) versionTable(ctx context.Context, s *Shadow) error {
	t := p.opts.versionTable
	_, err := s.conn.PgConn().Exec(ctx, `CREATE TABLE IF NOT EXISTS `+t.String()+` (version bigint not null primary key, dirty boolean not null)`).ReadAll()
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == pgerrcode.InvalidSchemaName {
		p.log.Debug("shadow database without a version table: no schema to hold it", "name", s.name, "table", t.String(), "err", pgErr.Message)
		return nil
	}
	if err != nil {
		return fmt.Errorf("shadow: create the version table %s in %s: %w", t, s.name, err)
	}
	return nil
}

// stamp (re)writes the comment of shadow database name, through conn: this
// process created it, now. Another run collects a shadow with no connection
// once it is older than the grace period: the time is the server's, read
// after the database exists (copying a large template takes a while).
func (p *Provider) stamp(ctx context.Context, conn *pgx.Conn, name string) error {
	var now time.Time
	if err := conn.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&now); err != nil {
		return err
	}
	c := comment{PID: pid, Host: hostHash, Created: now, Start: selfStart}
	_, err := conn.Exec(ctx, `COMMENT ON DATABASE `+pgx.Identifier{name}.Sanitize()+` IS `+quoteLiteral(c.String()))
	return err
}

// shadowConfig returns the connection config and URL of database name on
// the provider's server, with the target's session settings: files replay
// as golang-migrate would run them there (search_path, …).
func (p *Provider) shadowConfig(name string) (*pgx.ConnConfig, string, error) {
	cfg := p.admin.Copy()
	cfg.Database = name
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	if p.opts.target != nil {
		maps.Copy(cfg.RuntimeParams, p.opts.target.RuntimeParams)
	}
	cfg.RuntimeParams["application_name"] = "guard-shadow"
	cfg.RuntimeParams["synchronous_commit"] = "off"
	if _, set := cfg.RuntimeParams[checkIntervalParam]; !set && p.major.Load() >= checkIntervalSince {
		cfg.RuntimeParams[checkIntervalParam] = checkInterval
	}
	url := ""
	if cs := p.admin.ConnString(); cs != "" {
		var err error
		if url, err = dburl.WithDatabase(cs, name); err != nil {
			return nil, "", fmt.Errorf("shadow: %w", err)
		}
	}
	return cfg, url, nil
}

// withAdmin runs f on the admin connection, connecting (or reconnecting if
// it was lost) first. A shadow URL's server is checked not to be the target
// before anything runs there, and its leftovers are collected. p.mu must be
// held.
func (p *Provider) withAdmin(ctx context.Context, f func(*pgx.Conn) error) error {
	if p.refused != nil {
		return p.refused
	}
	if p.adminConn == nil || p.adminConn.IsClosed() {
		conn, err := connect(ctx, p.admin)
		if err != nil {
			return fmt.Errorf("connect: %w", err)
		}
		if p.placement == PlacementShadowURL {
			if err := p.refuseTarget(ctx, conn, p.admin); err != nil {
				if errors.Is(err, ErrShadowIsTarget) {
					p.refused = err
				}
				return errors.Join(err, conn.Close(ctx))
			}
		}
		p.adminConn = conn
		p.learn(conn)
		p.collect(ctx, conn)
	}
	return f(p.adminConn)
}

// dropDatabase drops a shadow database, forcing its connections off, even
// when ctx has ended. p.mu must not be held.
func (p *Provider) dropDatabase(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	p.mu.Lock()
	defer p.mu.Unlock()
	err := p.withAdmin(ctx, func(conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`)
		return err
	})
	delete(p.shadows, name)
	if err != nil {
		return fmt.Errorf("shadow: drop database %s on %s: %w", name, dburl.Describe(p.admin), err)
	}
	return nil
}

// Close drops every shadow of the provider still there and stops its
// ephemeral cluster. It works even when ctx has ended (cleanup gets a
// bounded time of its own) and is idempotent.
func (p *Provider) Close(ctx context.Context) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	var left []*Shadow
	for _, s := range p.shadows {
		left = append(left, s)
	}
	p.mu.Unlock()
	var errs []error
	for _, s := range left {
		errs = append(errs, s.Drop(ctx))
	}
	errs = append(errs, p.closeAdmin(ctx))
	if p.cluster != nil {
		errs = append(errs, p.cluster.Stop())
	}
	return errors.Join(errs...)
}

func (p *Provider) closeAdmin(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.adminConn == nil {
		return nil
	}
	err := p.adminConn.Close(ctx)
	p.adminConn = nil
	return err
}

// Shadow is a throwaway database where migrations are replayed. It holds one
// connection, on which the files run. A Shadow is not safe for concurrent
// use, except Drop, which may be called at any time and more than once.
type Shadow struct {
	p       *Provider
	owned   bool // made by New: Drop closes the provider too
	name    string
	cfg     *pgx.ConnConfig
	url     string
	conn    *pgx.Conn
	applied []source.Migration // in order; the top is the version
	failed  bool
	// A view is a transaction on a cached template rather than a database
	// of its own (see Provider.View): Drop rolls it back.
	view bool
	tx   pgx.Tx
	key  string // in p.shadows, when not name
	// cached is the schema kept with the template the shadow was made
	// from, while nothing has run in it since (see Schema).
	cached *schema.Schema
	// observing, while StepObserved runs, is what it sees.
	observing *hazard.File
	// last is the schema Schema returned last, and since what may have
	// changed from it, as far as the files run since tell (nil: anything),
	// so that Schema reads only that again (see scope.go).
	last    *schema.Schema
	since   *schema.Scope
	partial int // how many times Schema read only what changed
	// prepared says whether the observation's queries are prepared on
	// the connection (1), cannot be (-1), or not yet (0).
	prepared int

	// standIns are the NOLOGIN roles made for a copy of a live schema
	// (see Provider.Copy), dropped with the shadow.
	standIns []string

	dropOnce sync.Once
	dropErr  error
}

// New creates a shadow database with a provider of its own (see
// NewProvider), which Drop closes. For several shadows in one run, use one
// Provider.
func New(ctx context.Context, opts ...Option) (*Shadow, error) {
	p, err := NewProvider(ctx, opts...)
	if err != nil {
		return nil, err
	}
	s, err := p.New(ctx)
	if err != nil {
		return nil, errors.Join(err, p.Close(ctx))
	}
	s.owned = true
	return s, nil
}

// Name returns the shadow database's name.
func (s *Shadow) Name() string { return s.name }

// Placement returns where the shadow lives.
func (s *Shadow) Placement() Placement { return s.p.placement }

// Config returns a copy of the shadow database's connection config.
func (s *Shadow) Config() *pgx.ConnConfig { return s.cfg.Copy() }

// URL returns a connection string for the shadow database, or "" when the
// provider's server was given as a config built by hand. It holds the
// password, if any: never show it.
func (s *Shadow) URL() string { return s.url }

// String describes the shadow without password.
func (s *Shadow) String() string { return dburl.Describe(s.cfg) }

// Conn returns the shadow's connection, on which migrations are replayed,
// for introspection between steps. Do not close it. The connection of a
// view (see Provider.View) is inside a transaction that must not end:
// introspect a view through Querier.
func (s *Shadow) Conn() *pgx.Conn {
	s.since = nil // whatever runs on it is not seen
	return s.conn
}

// Querier returns what to introspect the shadow with: its connection, or
// the transaction of a view (schema.Inspect then reads in a savepoint).
func (s *Shadow) Querier() schema.Querier {
	s.since = nil // whatever runs on it is not seen
	return s.querier()
}

func (s *Shadow) querier() schema.Querier {
	if s.tx != nil {
		return s.tx
	}
	return s.conn
}

// View reports whether the shadow is a transaction on a cached template
// (see Provider.View) rather than a database of its own.
func (s *Shadow) View() bool { return s.view }

// Drop drops the shadow database (forcing any connection off). It works even
// when ctx has ended, as after Ctrl-C or SIGTERM, within a bounded time of
// its own, and is idempotent.
func (s *Shadow) Drop(ctx context.Context) error {
	s.dropOnce.Do(func() {
		if s.view {
			s.dropErr = s.p.closeView(ctx, s)
			return
		}
		var errs []error
		if s.conn != nil {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			_ = s.conn.Close(cctx) // DROP … WITH (FORCE) ends it anyway
			cancel()
		}
		errs = append(errs, s.p.dropDatabase(ctx, s.name))
		if len(errs) > 0 && errs[len(errs)-1] == nil {
			errs = append(errs, s.p.dropStandIns(ctx, s))
		}
		if s.owned {
			errs = append(errs, s.p.Close(ctx))
		}
		s.dropErr = errors.Join(errs...)
		if s.dropErr == nil {
			s.p.log.Debug("shadow database dropped", "name", s.name)
		}
	})
	return s.dropErr
}

// client_connection_check_interval (PostgreSQL 14+) for shadow sessions: a
// guard killed outright (kill -9, a lost machine) must not leave the file it
// was replaying running on the server.
const (
	idleTimeoutParam   = "idle_session_timeout"
	checkIntervalParam = "client_connection_check_interval"
	syncCommitParam    = "synchronous_commit"
	checkInterval      = "1000ms"
	checkIntervalSince = 14
)

// learn records the server's major release from conn's startup parameters,
// so that later shadow sessions get the check interval as a startup
// parameter.
func (p *Provider) learn(conn *pgx.Conn) {
	if m := serverMajor(conn); m > 0 {
		p.major.Store(int32(m))
	}
}

// serverMajor returns the major release conn's server reported at startup
// (server_version), or 0 when it did not say.
func serverMajor(conn *pgx.Conn) int {
	v := conn.PgConn().ParameterStatus("server_version")
	end := 0
	for end < len(v) && v[end] >= '0' && v[end] <= '9' {
		end++
	}
	m, _ := strconv.Atoi(v[:end])
	return m
}

// connectShadow opens a shadow session of cfg (from shadowConfig). When the
// server's release was not known yet (no startup parameter for it in cfg),
// the session sets client_connection_check_interval once connected, on
// PostgreSQL 14+.
func (p *Provider) connectShadow(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
	// A shadow is thrown away: its commits need not wait for the disk
	// (a replay commits once per file, which on a server with fsync on
	// costs more than most files).
	if _, set := cfg.RuntimeParams[syncCommitParam]; !set {
		cfg = cfg.Copy()
		if cfg.RuntimeParams == nil {
			cfg.RuntimeParams = map[string]string{}
		}
		cfg.RuntimeParams[syncCommitParam] = "off"
	}
	conn, err := connect(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, set := cfg.RuntimeParams[checkIntervalParam]; set {
		return conn, nil
	}
	p.learn(conn)
	if serverMajor(conn) >= checkIntervalSince {
		if _, err := conn.Exec(ctx, "SET "+checkIntervalParam+" = '"+checkInterval+"'"); err != nil {
			return nil, errors.Join(fmt.Errorf("set %s: %w", checkIntervalParam, err), conn.Close(ctx))
		}
	}
	return conn, nil
}

func connect(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
	cfg = cfg.Copy()
	// A provider's connection idles while a shadow replays a long file:
	// the server's idle_session_timeout (often set on the target database,
	// where the admin connection of a shadow on the target's server lives)
	// must not end it and fail the drop. It holds no lock while idle.
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	if _, set := cfg.RuntimeParams[idleTimeoutParam]; !set {
		cfg.RuntimeParams[idleTimeoutParam] = "0"
	}
	// Cancel a running statement on the server (a cancel request) when ctx
	// ends, rather than only dropping the socket.
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 2 * time.Second}
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil && cfg.Password != "" {
		return nil, newConnectError(dburl.Scrub(err.Error(), cfg.Password), err)
	}
	return conn, err
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func quoteLiteral(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}
