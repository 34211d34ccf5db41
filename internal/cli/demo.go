package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/migrator"
	"github.com/schemaguard/guard/internal/pgcluster"
	"github.com/schemaguard/guard/migrations"
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

	d.say("A project with four migrations: users, posts, comments, a new post status.")
	if err := d.addMigrations(1, 4); err != nil {
		return err
	}
	if err := d.apply(ctx); err != nil {
		return err
	}
	d.say("What guard sees in the database: every table, column, key, index, enum and view.")
	d.guard(ctx, "schema", "inspect")

	d.say("Lock the schema contract. Consumers depend on these tables; in auto mode safe changes flow, the rest waits for review.")
	d.guard(ctx, "contract", "lock", "--mode", "auto")

	d.say("A new migration adds a nullable column users.bio: old reads and writes keep working.")
	if err := d.addMigrations(5, 5); err != nil {
		return err
	}
	if err := d.apply(ctx); err != nil {
		return err
	}
	d.guard(ctx, "contract", "diff")
	d.guard(ctx, "contract", "promote", "--table", "users")

	d.say("Another migration renames users.email to email_address: every running binary that reads email breaks.")
	if err := d.addMigrations(6, 6); err != nil {
		return err
	}
	if err := d.apply(ctx); err != nil {
		return err
	}
	code := d.guard(ctx, "contract", "diff")
	p.Printf("\nguard contract diff exited %d: the contract forbids the rename until someone promotes it in review.\n", code)
	d.guard(ctx, "contract", "diff", "--format", "json")
	p.Printf("\nDemo done; the throwaway database and project are removed.\n")
	return nil
}

// database provides the demo database: on the server of the configured URL,
// or on an ephemeral cluster (the embedded default).
func (d *demo) database(ctx context.Context) (cleanup func() error, err error) {
	p := d.g.printer()
	name := "guard_demo_" + randomSuffix()
	admin, _ := d.g.connString()
	var cluster *pgcluster.Cluster
	if admin == "" {
		p.Printf("No database URL given: starting an ephemeral PostgreSQL from the server binaries on this machine…\n")
		if cluster, err = pgcluster.Start(ctx); err != nil {
			return nil, err
		}
		admin = cluster.URL("postgres")
	} else {
		cfg, err := dburl.Parse(admin)
		if err != nil {
			return nil, err
		}
		p.Printf("Using the server of %s for a throwaway database %s.\n", dburl.Describe(cfg), name)
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
	src, err := migrator.Load(migrations.FS, ".", "migrations")
	if err != nil {
		return err
	}
	for _, m := range src.Upto(from-1, to) {
		for _, f := range []string{m.Up, m.Down} {
			b, err := fs.ReadFile(migrations.FS, f)
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

// apply applies the project's pending migrations with golang-migrate.
func (d *demo) apply(ctx context.Context) error {
	src, err := migrator.Open(filepath.Join(d.project, "migrations"))
	if err != nil {
		return err
	}
	cfg, err := dburl.Parse(d.url)
	if err != nil {
		return err
	}
	db, err := migrator.OpenDB(ctx, cfg, src)
	if err != nil {
		return err
	}
	applied, err := db.Up(ctx, 0)
	err = errors.Join(err, db.Close())
	for _, a := range applied {
		d.g.printer().Printf("  → %s ... ok\n", a.Migration.Label())
	}
	return err
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
