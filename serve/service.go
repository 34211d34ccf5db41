package serve

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schemaguard/guard/guard"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/dburl"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// VersionTable is the golang-migrate version table of guard serve's own
// state migrations, in the state database's current schema (the state
// itself lives in the guard_serve schema).
const VersionTable = "guard_serve_migrations"

// Service is one guard serve replica: it holds a pool on the state database
// and the secret key. Any number of replicas may share one state database.
// A Service is safe for concurrent use.
type Service struct {
	pool    *pgxpool.Pool
	seal    *sealer
	o       options
	metrics *metrics
	strict  *http.Client // webhooks: public addresses only
	lax     *http.Client // webhooks allowed to reach private addresses
	limiter *failureLimiter
}

type options struct {
	log          *slog.Logger
	replica      string
	poll         time.Duration
	leaseTimeout time.Duration
	concurrency  int
	checkTimeout time.Duration
	now          func() time.Time
	hook         func(ctx context.Context, target string) // test hook: called mid-check, after the lease is taken
	shadowURL    string
	baseURL      string
	delivery     deliveryOptions
	authFailures int
	authWindow   time.Duration
	refuse       func(netip.Addr) string // outbound addresses refused, and why
}

// Option configures a Service.
type Option func(*options) error

// WithLogger sets the logger (default: discard). Target URLs and secrets are
// never logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("WithLogger: nil logger")
		}
		o.log = l
		return nil
	}
}

// WithReplicaID names this replica in leases (default: host name, pid and a
// random suffix).
func WithReplicaID(id string) Option {
	return func(o *options) error {
		if id == "" {
			return errors.New("WithReplicaID: empty id")
		}
		o.replica = id
		return nil
	}
}

// WithPoll sets how often a replica looks for due targets and deliveries
// (default 1s).
func WithPoll(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return errors.New("WithPoll: must be positive")
		}
		o.poll = d
		return nil
	}
}

// WithLeaseTimeout sets how long a lease on a target or a delivery lasts
// without renewal: a replica that dies mid-check loses its targets to the
// others after it (default 2m). A live replica renews its leases every
// third of it.
func WithLeaseTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d < time.Second {
			return errors.New("WithLeaseTimeout: at least 1s")
		}
		o.leaseTimeout = d
		return nil
	}
}

// WithConcurrency sets how many checks a replica runs at once (default 4).
func WithConcurrency(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return errors.New("WithConcurrency: at least 1")
		}
		o.concurrency = n
		return nil
	}
}

// WithCheckTimeout bounds one check: connecting to the target and reading
// its schema (default 30s).
func WithCheckTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return errors.New("WithCheckTimeout: must be positive")
		}
		o.checkTimeout = d
		return nil
	}
}

// WithShadowURL is where guard's runner may create shadow databases while
// it migrates the state database (default: the state database's server).
func WithShadowURL(u string) Option {
	return func(o *options) error {
		if _, err := dburl.Parse(u); err != nil {
			return fmt.Errorf("WithShadowURL: %w", err)
		}
		o.shadowURL = u
		return nil
	}
}

// WithBaseURL is the service's public URL, used in the links of webhook
// payloads (default http://localhost:8080).
func WithBaseURL(u string) Option {
	return func(o *options) error {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return fmt.Errorf("WithBaseURL: want an http:// or https:// URL, not %q", u)
		}
		o.baseURL = strings.TrimSuffix(u, "/")
		return nil
	}
}

// WithAuthFailureLimit sets how many failed authentications a client
// address may make in a window before it is refused (429) until the window
// ends (default 10 a minute).
func WithAuthFailureLimit(n int, window time.Duration) Option {
	return func(o *options) error {
		if n < 1 || window <= 0 {
			return errors.New("WithAuthFailureLimit: want n >= 1 and a positive window")
		}
		o.authFailures, o.authWindow = n, window
		return nil
	}
}

// withClock is for tests: the clock of the failure limiter.
func withClock(now func() time.Time) Option {
	return func(o *options) error { o.now = now; return nil }
}

// withAddressPolicy is for tests: which outbound addresses are refused
// (loopback is all a test has, so a test marks some of it "private").
func withAddressPolicy(refuse func(netip.Addr) string) Option {
	return func(o *options) error { o.refuse = refuse; return nil }
}

// withCheckHook is for tests: f runs in every check after its lease is
// taken, before the target is read.
func withCheckHook(f func(ctx context.Context, target string)) Option {
	return func(o *options) error { o.hook = f; return nil }
}

// New connects to the state database at stateURL, brings guard serve's
// state schema up to date with guard's own runner (embedded migrations;
// concurrent replicas wait for each other), and returns the replica. key
// is the secret key (see ParseSecretKey); nil opens the state for what
// needs no key (API keys), and registering targets or webhooks, checking
// and delivering then fail with ErrNoSecretKey. It fails on a bad key or option,
// an unreachable state database, and a failed migration.
func New(ctx context.Context, stateURL string, key []byte, opts ...Option) (*Service, error) {
	var seal *sealer
	if key != nil {
		var err error
		if seal, err = newSealer(key); err != nil {
			return nil, err
		}
	}
	o := options{
		log:          slog.New(slog.NewTextHandler(io.Discard, nil)),
		poll:         time.Second,
		leaseTimeout: 2 * time.Minute,
		concurrency:  4,
		checkTimeout: 30 * time.Second,
		now:          time.Now,
		baseURL:      "http://localhost:8080",
		delivery:     defaultDelivery(),
		authFailures: 10,
		authWindow:   time.Minute,
		refuse:       notPublic,
	}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if o.replica == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		o.replica = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	conn, err := dburl.Parse(stateURL)
	if err != nil {
		return nil, fmt.Errorf("state database: %w", err)
	}
	if err := Migrate(ctx, conn, o.shadowURL, o.log); err != nil {
		return nil, scrubErr(err, conn.Password)
	}
	cfg, err := pgxpool.ParseConfig("")
	if err != nil {
		return nil, err
	}
	cfg.ConnConfig = conn
	cfg.MaxConns = int32(2*o.concurrency + 4) // checks and deliveries record at once, the API answers meanwhile
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to the state database %s: %w", dburl.Describe(conn), scrubErr(err, conn.Password))
	}
	s := &Service{pool: pool, seal: seal, o: o, metrics: newMetrics(),
		strict: newOutboundClient(o.delivery.timeout, o.refuse), lax: newOutboundClient(o.delivery.timeout, nil),
		limiter: newFailureLimiter(o.authFailures, o.authWindow, o.now)}
	s.registerTargetCollector()
	return s, nil
}

// Migrate brings the state schema of the database cfg describes up to date:
// guard's own runner applies the embedded migrations (planned in a shadow
// database on shadowURL's server, or the state's own; an empty contract, so
// nothing blocks). It is idempotent and safe to run from many replicas at
// once.
func Migrate(ctx context.Context, cfg *pgx.ConnConfig, shadowURL string, log *slog.Logger) error {
	src, err := source.Load(migrationFiles, "migrations", "guard serve state")
	if err != nil {
		return fmt.Errorf("guard serve's migrations: %w", err)
	}
	opts := []guard.Option{guard.WithMigrationsTable(VersionTable), guard.WithSchemas("guard_serve"), guard.WithLogger(log)}
	if shadowURL != "" {
		opts = append(opts, guard.WithShadowURL(shadowURL))
	}
	r, err := guard.New(cfg, src, opts...)
	if err != nil {
		return fmt.Errorf("migrate the state database: %w", err)
	}
	if _, err := r.Up(ctx, 0); err != nil {
		return fmt.Errorf("migrate the state database %s: %w", dburl.Describe(cfg), err)
	}
	return nil
}

// Close releases the state database pool.
func (s *Service) Close() { s.pool.Close() }

// Replica returns this replica's id, as it appears in leases.
func (s *Service) Replica() string { return s.o.replica }

// scrubErr returns err with the passwords removed from its text (keeping
// nothing of its chain: the chain may carry them).
func scrubErr(err error, passwords ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := msg
	for _, p := range passwords {
		clean = dburl.Scrub(clean, p)
	}
	if clean == msg {
		return err
	}
	return errors.New(clean)
}
