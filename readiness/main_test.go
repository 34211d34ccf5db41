package readiness

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// headFiveFS is a migration folder whose head is version 5.
func headFiveFS() fstest.MapFS {
	fsys := fstest.MapFS{"README.md": {Data: []byte("not a migration")}}
	for v := 1; v <= 5; v++ {
		fsys[fmt.Sprintf("migrations/%06d_step%d.up.sql", v, v)] = &fstest.MapFile{Data: fmt.Appendf(nil, "CREATE TABLE t%d (id int);", v)}
		fsys[fmt.Sprintf("migrations/%06d_step%d.down.sql", v, v)] = &fstest.MapFile{Data: fmt.Appendf(nil, "DROP TABLE t%d;", v)}
	}
	return fsys
}

// headFive is the source of headFiveFS's migrations folder.
func headFive(t testing.TB) *source.Source {
	t.Helper()
	src, err := source.Load(headFiveFS(), "migrations", "migrations")
	assert.NoError(t, err)
	return src
}

// versionTableDDL is golang-migrate's own table, created by hand.
const versionTableDDL = `CREATE TABLE schema_migrations (version bigint not null primary key, dirty boolean not null);`

// handleKind opens the application's handle of one kind on a URL.
type handleKind struct {
	name string
	// open returns a Checker over a handle to url (closed when the test ends).
	open func(t testing.TB, url string, opts ...Option) *Checker
	// openDial is open with a custom dial function.
	openDial func(t testing.TB, url string, dial func(ctx context.Context, network, addr string) (net.Conn, error), opts ...Option) *Checker
}

var handleKinds = []handleKind{
	{
		name: "pgxpool",
		open: func(t testing.TB, url string, opts ...Option) *Checker {
			return newChecker(t, openPool(t, url, nil), opts...)
		},
		openDial: func(t testing.TB, url string, dial func(ctx context.Context, network, addr string) (net.Conn, error), opts ...Option) *Checker {
			return newChecker(t, openPool(t, url, dial), opts...)
		},
	},
	{
		name: "sql.DB",
		open: func(t testing.TB, url string, opts ...Option) *Checker {
			return newChecker(t, openSQL(t, url, nil), opts...)
		},
		openDial: func(t testing.TB, url string, dial func(ctx context.Context, network, addr string) (net.Conn, error), opts ...Option) *Checker {
			return newChecker(t, openSQL(t, url, dial), opts...)
		},
	},
}

func newChecker[H Handle](t testing.TB, db H, opts ...Option) *Checker {
	t.Helper()
	// A generous budget unless the test sets one: answers must not depend
	// on how loaded the machine is.
	opts = append([]Option{WithBudget(10 * time.Second)}, opts...)
	c, err := New(db, headFive(t), opts...)
	assert.NoError(t, err)
	return c
}

func openPool(t testing.TB, url string, dial func(ctx context.Context, network, addr string) (net.Conn, error)) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	assert.NoError(t, err)
	if dial != nil {
		cfg.ConnConfig.DialFunc = dial
	}
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	assert.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

func openSQL(t testing.TB, url string, dial func(ctx context.Context, network, addr string) (net.Conn, error)) *sql.DB {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	assert.NoError(t, err)
	if dial != nil {
		cfg.ConnConfig.DialFunc = dial
	}
	db := stdlib.OpenDB(*cfg.ConnConfig)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// fakeClock is the Checker's cache clock in tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock(c *Checker) *fakeClock {
	clk := &fakeClock{t: time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)}
	c.now = clk.Now
	return clk
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

// get serves one request to h and returns the recorder.
func get(h http.Handler, method, accept string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/health/ready", nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// deadAddr returns a local address nothing listens on.
func deadAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	assert.NoError(t, err)
	addr := ln.Addr().String()
	assert.NoError(t, ln.Close())
	return addr
}

// silentServer accepts TCP connections and never answers; it returns its
// address. Connections are closed when the test ends.
func silentServer(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	assert.NoError(t, err)
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return ln.Addr().String()
}

// eventually polls cond until it holds, failing the test after a generous
// bound. It waits for a condition; it asserts nothing about time.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func contextWithCancel(t testing.TB) (context.Context, context.CancelFunc) {
	return context.WithCancel(t.Context())
}
