package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/pgcluster"
	"github.com/schemaguard/guard/migrations"
	"github.com/schemaguard/guard/readiness"
)

func newDemoCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Walk through guard's story on a throwaway database (an ephemeral PostgreSQL unless a database URL is given)",
		Long: `demo builds a throwaway project (the example migrations and a contract in a
temporary folder) and a throwaway database, then runs real guard commands on
them with narration. With no database URL it starts an ephemeral PostgreSQL
from the server binaries on this machine; with one, it creates a database
guard_demo_<random> on that server. Everything is removed afterwards.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), g)
		},
	}
}

// demo is the state of one demo run.
type demo struct {
	g       *globals
	project string // temporary project folder: migrations/ and the contract
	url     string // the demo database
	step    int
}

func runDemo(ctx context.Context, g *globals) (err error) {
	d := &demo{g: g}
	p := g.printer()
	if d.project, err = os.MkdirTemp("", "guard-demo-"); err != nil {
		return err
	}
	defer func() { err = errors.Join(err, os.RemoveAll(d.project)) }()
	if err := os.Mkdir(filepath.Join(d.project, "migrations"), 0o755); err != nil {
		return err
	}

	cleanup, err := d.database(ctx)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, cleanup()) }()

	d.say("A project with four migrations (users, posts, comments, a new post status). Deploy: guard migrate up.")
	if err := d.addMigrations(1, 4); err != nil {
		return err
	}
	if err := d.expect(d.guard(ctx, "migrate", "up"), ExitOK); err != nil {
		return err
	}

	d.say("What guard sees in the database: every table, column, key, index, enum and view.")
	if err := d.expect(d.guard(ctx, "schema", "inspect"), ExitOK); err != nil {
		return err
	}

	d.say("Lock the schema contract in auto mode: safe changes flow, risky and breaking ones wait for review.")
	if err := d.expect(d.guard(ctx, "contract", "lock", "--mode", "auto"), ExitOK); err != nil {
		return err
	}
	if err := d.probe(ctx, "the app built with migrations 1–4"); err != nil {
		return err
	}

	d.say("A new migration adds a nullable column users.bio: old reads and writes keep working, so guard applies it and promotes it into the contract.")
	if err := d.addMigrations(5, 5); err != nil {
		return err
	}
	if err := d.expect(d.guard(ctx, "migrate", "plan"), ExitOK); err != nil {
		return err
	}
	if err := d.expect(d.guard(ctx, "migrate", "up"), ExitOK); err != nil {
		return err
	}
	if err := d.expect(d.guard(ctx, "contract", "show"), ExitOK); err != nil {
		return err
	}

	d.say("The next migration renames users.email to email_address: every running binary that reads email would break. guard refuses it.")
	if err := d.addMigrations(6, 6); err != nil {
		return err
	}
	if err := d.expect(d.guard(ctx, "migrate", "up"), ExitBlocked); err != nil {
		return err
	}
	p.Printf("\n  guard migrate up exited %d and ran nothing on the database:\n", ExitBlocked)
	if err := d.expect(d.guard(ctx, "migrate", "status"), ExitNotReady); err != nil {
		return err
	}
	p.Printf("\n  A binary that embeds the rename is not ready while the database lags it:\n")
	if err := d.probe(ctx, "the app built with migrations 1–6"); err != nil {
		return err
	}

	d.say("In review, the team accepts the rename (after moving readers to email_address): promote the new shape from the migrations, then deploy again.")
	if err := d.expect(d.guard(ctx, "contract", "promote", "--table", "users", "--from", "migrations"), ExitOK); err != nil {
		return err
	}
	if err := d.expect(d.guard(ctx, "migrate", "up"), ExitOK); err != nil {
		return err
	}
	if err := d.probe(ctx, "the app built with migrations 1–6"); err != nil {
		return err
	}
	p.Printf("\nDemo done: the throwaway database, project and PostgreSQL are removed.\n")
	return nil
}

// database provides the demo database: on the server of the configured URL,
// or on an ephemeral cluster (the embedded default).
func (d *demo) database(ctx context.Context) (cleanup func() error, err error) {
	p := d.g.printer()
	name := "guard_demo_" + randomSuffix()
	// No URL and no PG* variable naming a server: the embedded default. A
	// PG* variable set means the user pointed at a server, as for psql.
	admin, err := d.g.connString()
	var cluster *pgcluster.Cluster
	if errors.Is(err, errNoDatabaseURL) {
		p.Printf("No database URL given: starting an ephemeral PostgreSQL from the server binaries on this machine…\n")
		if cluster, err = pgcluster.Start(ctx); err != nil {
			return nil, err
		}
		admin = cluster.URL("postgres")
	} else {
		cfg, err := d.g.targetConfig()
		if err != nil {
			return nil, err
		}
		from := ""
		if admin == "" {
			from = " (from the PG* environment)"
		}
		p.Printf("Using the server of %s%s for a throwaway database %s.\n", dburl.Describe(cfg), from, name)
	}
	stop := func() error {
		if cluster != nil {
			return cluster.Stop()
		}
		return nil
	}
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return nil, errors.Join(err, stop())
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return nil, errors.Join(fmt.Errorf("create demo database: %w", err), stop())
	}
	if d.url, err = dburl.WithDatabase(admin, name); err != nil {
		return nil, errors.Join(err, stop())
	}
	return func() error {
		ctx := context.WithoutCancel(ctx)
		conn, err := pgx.Connect(ctx, admin)
		if err == nil {
			_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
			err = errors.Join(err, conn.Close(ctx))
		}
		return errors.Join(err, stop())
	}, nil
}

// addMigrations copies versions from..to of the example history into the
// demo project.
func (d *demo) addMigrations(from, to uint64) error {
	src, err := source.Load(migrations.FS, ".", "migrations")
	if err != nil {
		return err
	}
	for _, m := range src.Upto(src.Prev(source.V(from)), source.V(to)) {
		for _, f := range []string{m.Up, m.Down} {
			if f == "" {
				continue
			}
			b, err := src.Read(f)
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(d.project, "migrations", f), b, 0o644); err != nil {
				return err
			}
		}
		d.g.printer().Printf("  + migrations/%s\n", m.Up)
	}
	return nil
}

// probe serves the readiness handler of an app that embeds the project's
// migrations as they are now, and asks it /health/ready over HTTP.
func (d *demo) probe(ctx context.Context, app string) error {
	pool, err := pgxpool.New(ctx, d.url)
	if err != nil {
		return err
	}
	defer pool.Close()
	src, err := source.Open(filepath.Join(d.project, "migrations"))
	if err != nil {
		return err
	}
	checker, err := readiness.New(pool, src)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: checker, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	url := "http://" + ln.Addr().String() + readiness.ReadyPath
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	p := d.g.printer()
	p.Printf("\n%s\n", p.paint(dim, "$ curl "+readiness.ReadyPath+"   # "+app))
	colour := green
	if resp.StatusCode != http.StatusOK {
		colour = red
	}
	p.Printf("%s %s\n", p.paint(colour, resp.Status), strings.TrimSpace(string(body)))
	return nil
}

// expect turns an unexpected exit code of a demo step into an error, so a
// broken demo fails loudly instead of narrating a story that did not happen.
func (d *demo) expect(code, want int) error {
	if code != want {
		return fmt.Errorf("demo step %d: guard exited %d, expected %d", d.step, code, want)
	}
	return nil
}

// say narrates the next step.
func (d *demo) say(text string) {
	d.step++
	d.g.printer().Printf("\n%s\n", d.g.printer().paint(bold, fmt.Sprintf("%d. %s", d.step, text)))
}

// guard runs a guard command in-process on the demo project and database,
// showing it first, and returns its exit code.
func (d *demo) guard(ctx context.Context, args ...string) int {
	p := d.g.printer()
	p.Printf("\n%s\n", p.paint(dim, "$ guard "+strings.Join(args, " ")))
	full := append([]string{
		"--database-url", d.url,
		"--source", filepath.Join(d.project, "migrations"),
		"--contract", filepath.Join(d.project, "guard.contract.json"),
	}, args...)
	return Run(ctx, full, d.g.stdin, d.g.stdout, d.g.stdout)
}

func randomSuffix() string { return fmt.Sprintf("%x", randBytes(6)) }

func randBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
