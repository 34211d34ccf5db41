// Command bench is what `make bench` runs: each section measures guard side
// by side with the baseline its issue names, in the same run, on the same
// server, and prints the figures and their ratio.
//
// The server is $GUARD_TEST_DATABASE_URL when set, otherwise an ephemeral
// cluster started for the run. Flags pick sections and sizes:
//
//	go run ./internal/bench                 # every section
//	go run ./internal/bench -only inspect   # one section
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/pgcluster"
)

// section is one benchmark section.
type section struct {
	name string
	run  func(ctx context.Context, e *env) error
}

// sections lists every section in the order they run. Each lives in a file
// of its own.
var sections = []section{
	{"inspect", benchInspect},
	{"readiness", benchReadiness},
	{"verify", benchVerify},
	{"migrate", benchMigrate},
	{"up", benchUp},
	{"hazards", benchHazards},
}

// env is what sections share.
type env struct {
	admin  string // URL of a maintenance database where sections may create databases
	guard  string // path of a guard binary built for the run
	quick  bool   // smaller sizes, for a smoke run
	binDir string // PostgreSQL binaries (pg_dump)
	run    string // this run's suffix of every database it creates: it drops only its own
}

func main() {
	only := flag.String("only", "", "comma-separated sections to run (default all: "+names()+")")
	quick := flag.Bool("quick", false, "small sizes: a smoke run, not a measurement")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, *only, *quick)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func names() string {
	var out []string
	for _, s := range sections {
		out = append(out, s.name)
	}
	return strings.Join(out, ",")
}

func run(ctx context.Context, only string, quick bool) error {
	e := &env{quick: quick, run: randomSuffix()}
	var err error
	if e.binDir, err = pgcluster.BinDir(); err != nil {
		return err
	}
	if u := os.Getenv("GUARD_TEST_DATABASE_URL"); u != "" {
		e.admin = u
		cfg, err := dburl.Parse(u)
		if err != nil {
			return err
		}
		fmt.Printf("server: %s\n", dburl.Describe(cfg))
	} else {
		c, err := pgcluster.Start(ctx)
		if err != nil {
			return err
		}
		defer c.Stop()
		e.admin = c.URL("postgres")
		fmt.Println("server: ephemeral cluster (fsync off)")
	}
	dir, err := os.MkdirTemp("", "guard-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	e.guard = dir + "/guard"
	if out, err := command(ctx, "go", "build", "-o", e.guard, "./cmd/guard").CombinedOutput(); err != nil {
		return fmt.Errorf("build guard: %v: %s", err, out)
	}
	for _, s := range sections {
		if only != "" && !contains(strings.Split(only, ","), s.name) {
			continue
		}
		fmt.Printf("\n== %s\n", s.name)
		start := time.Now()
		if err := s.run(ctx, e); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		fmt.Printf("   (section took %s)\n", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.TrimSpace(x) == s {
			return true
		}
	}
	return false
}

// createDB creates a fresh database and returns its URL and a function that
// drops it.
func (e *env) createDB(ctx context.Context, name string) (string, func(), error) {
	// The server may be shared (another run, another project): the name is
	// this run's own, so the DROP below can only ever drop this run's.
	name += "_" + e.run
	conn, err := pgx.Connect(ctx, e.admin)
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(ctx)
	id := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+id+" WITH (FORCE)"); err != nil {
		return "", nil, err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+id); err != nil {
		return "", nil, err
	}
	u, err := dburl.WithDatabase(e.admin, name)
	if err != nil {
		return "", nil, err
	}
	drop := func() {
		ctx := context.WithoutCancel(ctx)
		if c, err := pgx.Connect(ctx, e.admin); err == nil {
			_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+id+" WITH (FORCE)")
			_ = c.Close(ctx)
		}
	}
	return u, drop, nil
}

// compare prints guard's figure, the baseline's, and their ratio.
func compare(what string, got time.Duration, baseline string, base time.Duration, target string) {
	fmt.Printf("   %-52s %12s\n", what, round(got))
	fmt.Printf("   %-52s %12s\n", baseline, round(base))
	fmt.Printf("   %-52s %11.3f×   (target %s)\n", "ratio", float64(got)/float64(base), target)
}

func round(d time.Duration) time.Duration {
	switch {
	case d > 10*time.Second:
		return d.Round(100 * time.Millisecond)
	case d > time.Second:
		return d.Round(10 * time.Millisecond)
	case d > time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d
}

// median runs f n times and returns the median duration.
func median(n int, f func() (time.Duration, error)) (time.Duration, error) {
	var ds []time.Duration
	for i := 0; i < n; i++ {
		d, err := f()
		if err != nil {
			return 0, err
		}
		ds = append(ds, d)
	}
	for i := range ds {
		for j := i + 1; j < len(ds); j++ {
			if ds[j] < ds[i] {
				ds[i], ds[j] = ds[j], ds[i]
			}
		}
	}
	return ds[len(ds)/2], nil
}

// randomSuffix names one run of the bench: 8 random hex characters.
func randomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
