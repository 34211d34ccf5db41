package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"github.com/schemaguard/guard/guard"
	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/pgcluster"
	"github.com/schemaguard/guard/migrations"
	"github.com/schemaguard/guard/serve"
)

// serveFlags are guard serve's own flags.
type serveFlags struct {
	stateURL     string
	secretKey    string
	listen       string
	baseURL      string
	replicaID    string
	poll         time.Duration
	leaseTimeout time.Duration
	concurrency  int
}

func newServeCmd(g *globals) *cobra.Command {
	f := &serveFlags{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Watch registered databases: schema versions, drift events, signed webhooks, an admin API",
		Long: `serve runs guard serve: it keeps its state in --state-url (the guard_serve
schema, migrated by guard on start), checks the registered targets on their
interval (any number of replicas may share one state database), stores a new
schema version when a target's schema changed and a drift event with every
change classified, delivers signed webhooks, and answers the admin API on
--listen (see the README, and /openapi.json) and the Schema Explorer web UI
at /ui/ (sign in with an API key).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runServe(cmd.Context(), g, f) },
	}
	p := cmd.PersistentFlags()
	p.StringVar(&f.stateURL, "state-url", "", "state database URL (default $GUARD_STATE_URL)")
	p.StringVar(&f.secretKey, "secret-key", "", "32-byte key, hex or base64, sealing target URLs and webhook secrets (default $GUARD_SECRET_KEY; make one with guard serve keygen)")
	cmd.Flags().StringVar(&f.listen, "listen", "127.0.0.1:8080", "address of the admin API")
	cmd.Flags().StringVar(&f.baseURL, "base-url", "", "public URL of the API, for links in webhook payloads (default http://<listen>)")
	cmd.Flags().StringVar(&f.replicaID, "replica-id", "", "this replica's name in leases (default host/pid/random)")
	cmd.Flags().DurationVar(&f.poll, "poll", time.Second, "how often to look for due checks and deliveries")
	cmd.Flags().DurationVar(&f.leaseTimeout, "lease-timeout", 2*time.Minute, "how long a dead replica keeps its targets")
	cmd.Flags().IntVar(&f.concurrency, "concurrency", 4, "checks (and deliveries) at once on this replica")
	cmd.AddCommand(newServeKeysCmd(g, f), newServeDemoCmd(g), &cobra.Command{
		Use:   "keygen",
		Short: "Print a new random secret key for --secret-key",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k := serve.NewSecretKey()
			if g.format == "json" {
				return g.printer().JSON(map[string]string{"secret_key": k})
			}
			_, err := fmt.Fprintln(g.stdout, k)
			return err
		},
	})
	return cmd
}

func (f *serveFlags) resolve(g *globals, needKey bool) ([]byte, error) {
	if f.stateURL == "" {
		f.stateURL = g.getenv("GUARD_STATE_URL")
	}
	if f.stateURL == "" {
		return nil, usageError{&hintError{err: errors.New("no state database: --state-url or GUARD_STATE_URL is required"),
			hint: "give a PostgreSQL URL where guard serve may create its guard_serve schema"}}
	}
	g.rememberPassword(f.stateURL)
	if f.secretKey == "" {
		f.secretKey = g.getenv("GUARD_SECRET_KEY")
	}
	if f.secretKey == "" && !needKey {
		return nil, nil
	}
	key, err := serve.ParseSecretKey(f.secretKey)
	if err != nil {
		return nil, usageError{&hintError{err: err, hint: "make a key with guard serve keygen and pass it in GUARD_SECRET_KEY"}}
	}
	return key, nil
}

func runServe(ctx context.Context, g *globals, f *serveFlags) error {
	key, err := f.resolve(g, true)
	if err != nil {
		return err
	}
	if f.poll <= 0 || f.leaseTimeout < time.Second || f.concurrency < 1 {
		return usageError{errors.New("--poll must be positive, --lease-timeout at least 1s, --concurrency at least 1")}
	}
	if f.baseURL != "" {
		if u, err := url.Parse(f.baseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageError{fmt.Errorf("--base-url %q: want an http:// or https:// URL", f.baseURL)}
		}
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return &hintError{err: fmt.Errorf("--listen %s: %w", f.listen, err), hint: "give a free host:port, or :0 for any"}
	}
	defer ln.Close()
	if f.baseURL == "" {
		f.baseURL = "http://" + ln.Addr().String()
	}
	log := slog.New(slog.NewTextHandler(g.stderr, nil))
	opts := []serve.Option{serve.WithLogger(log), serve.WithPoll(f.poll), serve.WithLeaseTimeout(f.leaseTimeout),
		serve.WithConcurrency(f.concurrency), serve.WithBaseURL(f.baseURL)}
	if f.replicaID != "" {
		opts = append(opts, serve.WithReplicaID(f.replicaID))
	}
	if g.shadowURL != "" {
		opts = append(opts, serve.WithShadowURL(g.shadowURL))
	}
	s, err := serve.New(ctx, f.stateURL, key, opts...)
	if err != nil {
		return err
	}
	defer s.Close()
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("guard serve listening", "url", f.baseURL, "ui", f.baseURL+"/ui/", "replica", s.Replica())
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	ran := make(chan error, 1)
	go func() { ran <- s.Run(runCtx) }()
	select {
	case err = <-served:
		stop()
		<-ran
	case <-ctx.Done():
		<-ran
	}
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if serr := srv.Shutdown(shutCtx); serr != nil && err == nil {
		err = serr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	log.Info("guard serve stopped", "replica", s.Replica())
	return err
}

func newServeKeysCmd(g *globals, f *serveFlags) *cobra.Command {
	keys := &cobra.Command{Use: "keys", Short: "Manage the admin API's keys (create, list, revoke)"}
	var name, scope string
	create := &cobra.Command{
		Use:   "create",
		Short: "Make an API key and print it once (only its hash is stored)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if scope != serve.ScopeRead && scope != serve.ScopeAdmin {
				return usageError{fmt.Errorf("--scope %q: want read or admin", scope)}
			}
			if name == "" {
				return usageError{errors.New("--name is required")}
			}
			s, err := openState(cmd.Context(), g, f)
			if err != nil {
				return err
			}
			defer s.Close()
			key, k, err := s.CreateKey(cmd.Context(), name, scope)
			if err != nil {
				return err
			}
			if g.format == "json" {
				return g.printer().JSON(struct {
					Key string `json:"key"`
					*serve.APIKey
				}{key, k})
			}
			_, err = fmt.Fprintf(g.stdout, "%s\n\nkey %s (%s, %s scope): shown once, keep it now; guard stores only its hash\n", key, k.Prefix, k.Name, k.Scope)
			return err
		},
	}
	create.Flags().StringVar(&name, "name", "", "what the key is for")
	create.Flags().StringVar(&scope, "scope", serve.ScopeRead, "read or admin")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the API keys (prefix, name, scope, last use; never the keys)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := openState(cmd.Context(), g, f)
			if err != nil {
				return err
			}
			defer s.Close()
			ks, err := s.Keys(cmd.Context())
			if err != nil {
				return err
			}
			if g.format == "json" {
				return g.printer().JSON(map[string]any{"keys": ks})
			}
			for _, k := range ks {
				state := "active"
				if k.RevokedAt != nil {
					state = "revoked " + k.RevokedAt.UTC().Format(time.RFC3339)
				}
				used := "never used"
				if k.LastUsedAt != nil {
					used = "used " + k.LastUsedAt.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(g.stdout, "%s  %-5s  %s  %s  %s\n", k.Prefix, k.Scope, k.Name, used, state)
			}
			return nil
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke PREFIX",
		Short: "Revoke an API key, named by its prefix (gsk_xxxxxxxx)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openState(cmd.Context(), g, f)
			if err != nil {
				return err
			}
			defer s.Close()
			if err := s.RevokeKey(cmd.Context(), args[0]); err != nil {
				if errors.Is(err, serve.ErrNotFound) {
					return &hintError{err: fmt.Errorf("no API key with prefix %q", truncateKey(args[0])), hint: "see guard serve keys list"}
				}
				return err
			}
			if g.format == "json" {
				return g.printer().JSON(map[string]any{"revoked": truncateKey(args[0])})
			}
			_, err = fmt.Fprintf(g.stdout, "revoked %s\n", truncateKey(args[0]))
			return err
		},
	}
	keys.AddCommand(create, list, revoke)
	return keys
}

// truncateKey keeps a key's prefix only: a whole key given to revoke is
// not echoed.
func truncateKey(k string) string {
	if len(k) > 12 {
		return k[:12]
	}
	return k
}

// openState opens the state database for the key commands (the secret key
// is not needed for them).
func openState(ctx context.Context, g *globals, f *serveFlags) (*serve.Service, error) {
	key, err := f.resolve(g, false)
	if err != nil {
		return nil, err
	}
	opts := []serve.Option{}
	if g.shadowURL != "" {
		opts = append(opts, serve.WithShadowURL(g.shadowURL))
	}
	return serve.New(ctx, f.stateURL, key, opts...)
}

func newServeDemoCmd(g *globals) *cobra.Command {
	var once bool
	var listen string
	var interval int
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run guard serve on a throwaway state and demo target, and show a drift event and a webhook",
		Long: `demo starts an ephemeral PostgreSQL (or uses the server of --database-url)
holding guard serve's state and a demo target (the example migrations up to
version 5, its tables locked in auto mode by a contract the service owns),
starts guard serve on --listen with a one-time admin API key, and a webhook
receiver on loopback that verifies each delivery's signature. It then
applies migration 6 (a column rename) to the target: within one interval
the service records a breaking, contract-blocked drift event and delivers
a signed webhook. Without --once it goes on serving until interrupted;
everything is removed afterwards.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServeDemo(cmd.Context(), g, listen, interval, once)
		},
	}
	cmd.Flags().BoolVar(&once, "once", false, "stop after the webhook of the scripted change")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8080", "address of the demo's admin API")
	cmd.Flags().IntVar(&interval, "interval", 2, "seconds between checks of the demo target")
	return cmd
}

func runServeDemo(ctx context.Context, g *globals, listen string, interval int, once bool) (err error) {
	say := func(format string, args ...any) { fmt.Fprintf(g.stdout, format, args...) }
	if interval < 1 || interval > 3600 {
		return usageError{errors.New("--interval: want 1 to 3600 seconds")}
	}
	admin, err := g.connString()
	var cluster *pgcluster.Cluster
	if errors.Is(err, errNoDatabaseURL) {
		say("Starting an ephemeral PostgreSQL for the state and the demo target...\n")
		if cluster, err = pgcluster.Start(ctx); err != nil {
			return err
		}
		defer func() { err = errors.Join(err, cluster.Stop()) }()
		admin = cluster.URL("postgres")
	} else if err != nil {
		return err
	}
	suffix := randomSuffix()
	names := []string{"guard_serve_demo_state_" + suffix, "guard_serve_demo_app_" + suffix}
	urls, cleanup, err := demoDatabases(ctx, admin, names)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, cleanup()) }()
	stateURL, appURL := urls[0], urls[1]

	src, err := source.Load(migrations.FS, ".", "example migrations")
	if err != nil {
		return err
	}
	appCfg, err := dburl.Parse(appURL)
	if err != nil {
		return err
	}
	runner, err := guard.New(appCfg, src)
	if err != nil {
		return err
	}
	if _, err := runner.Up(ctx, 5); err != nil {
		return fmt.Errorf("migrate the demo target: %w", err)
	}
	say("Demo target: the example blog at version 5.\n")
	doc, err := demoContract(ctx, appURL)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return &hintError{err: fmt.Errorf("--listen %s: %w", listen, err), hint: "give a free host:port, or 127.0.0.1:0 for any"}
	}
	defer ln.Close()
	base := "http://" + ln.Addr().String()
	s, err := serve.New(ctx, stateURL, mustKey(), serve.WithPoll(200*time.Millisecond), serve.WithBaseURL(base),
		serve.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		return err
	}
	defer s.Close()
	key, _, err := s.CreateKey(ctx, "demo", serve.ScopeAdmin)
	if err != nil {
		return err
	}
	if _, err := s.RegisterTarget(ctx, serve.TargetSpec{Name: "blog", URL: appURL, IntervalSeconds: interval, Contract: doc}); err != nil {
		return err
	}

	// The webhook receiver: verifies each delivery as a receiver would.
	type delivery struct {
		verified bool
		body     []byte
	}
	got := make(chan delivery, 16)
	var secret string
	rln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	rcv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		got <- delivery{serve.Verify(r.Header, body, time.Now(), 5*time.Minute, secret) == nil, body}
		w.WriteHeader(http.StatusNoContent)
	})}
	go func() { _ = rcv.Serve(rln) }()
	defer rcv.Close()
	wh, err := s.CreateWebhook(ctx, serve.WebhookSpec{URL: "http://" + rln.Addr().String() + "/hook", AllowPrivate: true})
	if err != nil {
		return err
	}
	secret = wh.Secret

	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- s.Run(runCtx) }()
	defer func() { stop(); <-ran }()

	say("\nguard serve is running at %s\n", base)
	say("API key (admin, shown once): %s\n\n", key)
	say("  curl -H 'X-API-Key: %s' %s/v1/targets/blog\n", key, base)
	say("  curl -H 'X-API-Key: %s' %s/v1/targets/blog/events\n", key, base)
	say("  curl %s/metrics\n", base)
	say("  the Schema Explorer: open %s/ui/ and sign in with the key\n\n", base)

	if err := demoWait(ctx, func() (bool, error) {
		t, err := s.Target(ctx, "blog")
		return err == nil && t.LatestVersion != nil, err
	}); err != nil {
		return err
	}
	say("Version 1 of the target's schema is stored (checked every %ds).\n", interval)
	say("Scripted change: guard migrate up applies 000006_rename_users_email (users.email -> email_address)...\n")
	if _, err := runner.Up(ctx, 0); err != nil {
		return fmt.Errorf("migrate the demo target: %w", err)
	}
	var ev *serve.Event
	if err := demoWait(ctx, func() (bool, error) {
		evs, err := s.Events(ctx, "blog", serve.Page{Limit: 1})
		if err != nil || len(evs) == 0 {
			return false, err
		}
		ev = &evs[0]
		return true, nil
	}); err != nil {
		return err
	}
	say("\nDrift event %d: version %d -> %d, %s, blocked by the contract: %v\n", ev.ID, *ev.FromVersion, *ev.ToVersion, *ev.Impact, ev.Blocked)
	for _, c := range ev.Changes {
		say("  %-8s %s: %s\n", c.Impact, c.Kind, c.Message)
	}
	select {
	case d := <-got:
		var p struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(d.body, &p)
		say("\nWebhook delivered to the receiver: %s, signature verified: %v\n", p.Type, d.verified)
	case <-time.After(time.Minute):
		return errors.New("no webhook delivery within a minute")
	case <-ctx.Done():
		return ctx.Err()
	}
	if once {
		return nil
	}
	say("\nServing until interrupted (Ctrl-C); everything is removed afterwards.\n")
	<-ctx.Done()
	return nil
}

// mustKey is a random secret key for a throwaway state.
func mustKey() []byte {
	k, err := serve.ParseSecretKey(serve.NewSecretKey())
	if err != nil {
		panic(err)
	}
	return k
}

// demoWait polls cond every 100ms for up to a minute.
func demoWait(ctx context.Context, cond func() (bool, error)) error {
	deadline := time.Now().Add(time.Minute)
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("the demo target was not checked within a minute")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// demoContract locks every table of the demo target in auto mode.
func demoContract(ctx context.Context, url string) ([]byte, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	live, err := schema.Inspect(ctx, conn)
	if err != nil {
		return nil, err
	}
	k := contract.New()
	if _, err := k.Lock(live, nil, contract.ModeAuto, time.Now()); err != nil {
		return nil, err
	}
	return k.Marshal()
}

// demoDatabases creates the named databases on the server of admin and
// returns their URLs, and a cleanup that drops them.
func demoDatabases(ctx context.Context, admin string, names []string) ([]string, func() error, error) {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var created []string
	cleanup := func() error {
		ctx := context.WithoutCancel(ctx)
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			return err
		}
		defer c.Close(ctx)
		var errs []error
		for _, n := range created {
			if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{n}.Sanitize()+" WITH (FORCE)"); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}
	var urls []string
	for _, n := range names {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{n}.Sanitize()); err != nil {
			return nil, nil, errors.Join(fmt.Errorf("create %s: %w", n, err), cleanup())
		}
		created = append(created, n)
		u, err := dburl.WithDatabase(admin, n)
		if err != nil {
			return nil, nil, errors.Join(err, cleanup())
		}
		urls = append(urls, u)
	}
	return urls, cleanup, nil
}
