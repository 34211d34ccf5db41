package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

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
--listen (see the README, and /openapi.json).`,
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
	cmd.AddCommand(newServeKeysCmd(g, f), &cobra.Command{
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
	log.Info("guard serve listening", "url", f.baseURL, "replica", s.Replica())
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
