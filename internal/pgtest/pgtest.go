// Package pgtest gives each test its own real PostgreSQL database.
//
// The server is the one named by GUARD_TEST_DATABASE_URL when set; otherwise
// an ephemeral cluster (internal/pgcluster) started once per test binary.
// Every database a test creates is dropped when the test ends. When no
// PostgreSQL can be had, tests skip, except with CI=true, where they fail.
//
// A package whose tests use it calls Main from TestMain so the ephemeral
// cluster is stopped when the tests end:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/pgcluster"
)

// EnvURL names the variable holding the test server's URL.
const EnvURL = "GUARD_TEST_DATABASE_URL"

var (
	mu       sync.Mutex
	started  bool
	cluster  *pgcluster.Cluster
	adminURL string
	startErr error
)

// Main runs the tests, then stops the ephemeral cluster if one was started.
func Main(m *testing.M) {
	code := m.Run()
	mu.Lock()
	if cluster != nil {
		if err := cluster.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest: stop cluster:", err)
		}
	}
	mu.Unlock()
	os.Exit(code)
}

// Server returns the URL of a maintenance database on the test server, where
// a test may create databases of its own. It starts the ephemeral cluster on
// first use.
func Server(t testing.TB) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if !started {
		started = true
		adminURL, startErr = start()
	}
	if startErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pgtest: no PostgreSQL (CI=true, so this is a failure): %v", startErr)
		}
		t.Skipf("pgtest: no PostgreSQL: %v", startErr)
	}
	return adminURL
}

func start() (string, error) {
	if u := os.Getenv(EnvURL); u != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			return "", fmt.Errorf("%s: %v", EnvURL, err)
		}
		return u, conn.Close(ctx)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := pgcluster.Start(ctx)
	if err != nil {
		return "", err
	}
	cluster = c
	return c.URL("postgres"), nil
}

// DB creates a fresh, empty database for the test and returns its URL. The
// database is dropped (connections forced off) when the test ends.
func DB(t testing.TB) string {
	t.Helper()
	return NewDatabase(t, "guard_test_"+RandomSuffix())
}

// NewDatabase creates database name on the test server and returns its URL;
// it is dropped when the test ends.
func NewDatabase(t testing.TB, name string) string {
	t.Helper()
	admin := Server(t)
	Exec(t, admin, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u, err := dburl.WithDatabase(admin, name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Exec runs sql (one or more statements, simple protocol) on the database at
// url and fails the test on error.
func Exec(t testing.TB, url, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, pgx.QueryExecModeSimpleProtocol); err != nil {
		t.Fatalf("pgtest: exec %q: %v", truncate(sql), err)
	}
}

// Connect opens a connection to url, closed when the test ends.
func Connect(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// RandomSuffix returns 12 random lowercase hex characters.
func RandomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func truncate(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// SkipOrFail skips the test for a missing piece of the environment, except
// with CI=true, where a database test that does not run is a failure.
func SkipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true, so this cannot be skipped: "+format, args...)
	}
	t.Skipf(format, args...)
}
