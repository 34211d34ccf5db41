package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/migrator"
	"github.com/schemaguard/guard/internal/pgtest"
	"github.com/schemaguard/guard/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestApp is the end-to-end story: the example app, built as a binary
// embedding migrations 1..6, started against databases behind, at and ahead
// of its head.
func TestApp(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "app")
	out, err := exec.CommandContext(t.Context(), "go", "build", "-o", bin, ".").CombinedOutput()
	assert.NoError(t, err, "build the example app: %s", out)

	t.Run("behind", func(t *testing.T) { testBehind(t, bin) })
	t.Run("current", func(t *testing.T) { testCurrent(t, bin) })
	t.Run("ahead", func(t *testing.T) { testAhead(t, bin) })
	t.Run("no DATABASE_URL", func(t *testing.T) { testNoDatabaseURL(t, bin) })
}

func testBehind(t *testing.T, bin string) {
	url := pgtest.DB(t)
	migrate(t, url, func(ctx context.Context, db *migrator.DB) error {
		return db.Goto(ctx, source.V(4))
	})
	app := start(t, bin, url)

	crit := app.logLine(t, "CRITICAL")
	assert.Equal(t, "database schema is behind this binary: apply the pending migrations", crit["msg"])
	assert.Equal(t, 4.0, crit["db"])
	assert.Equal(t, 6.0, crit["expected"])
	assert.Equal(t, false, crit["dirty"])

	code, body := app.get(t, "/health/ready", "")
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, "drift: db=4 expected=6\n", body)
	code, body = app.get(t, "/health/ready", "application/json")
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Contains(t, body, `"status":"drift"`)
	code, body = app.get(t, "/health/live", "")
	assert.Equal(t, http.StatusOK, code, "a drifted pod is not restarted")
	assert.Equal(t, "live\n", body)
	code, _ = app.get(t, "/users", "")
	assert.Equal(t, http.StatusInternalServerError, code, "the failure readiness keeps traffic away from")

	// The deploy lands: the probe turns ready on its own (after the cache
	// period), and the endpoint works.
	migrate(t, url, func(ctx context.Context, db *migrator.DB) error {
		return db.Goto(ctx, source.V(6))
	})
	app.pollReady(t)
	code, body = app.get(t, "/users", "")
	assert.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, "[]\n", body)
	app.stop(t)
}

func testCurrent(t *testing.T, bin string) {
	url := pgtest.DB(t)
	migrate(t, url, func(ctx context.Context, db *migrator.DB) error {
		return db.Goto(ctx, source.V(6))
	})
	pgtest.Exec(t, url, `INSERT INTO users (email_address, name, bio) VALUES ('ada@example.com', 'Ada', 'engines')`)
	app := start(t, bin, url)

	info := app.logLine(t, "INFO")
	assert.Equal(t, "database schema is current", info["msg"])
	assert.Equal(t, 6.0, info["db"])
	assert.Equal(t, 6.0, info["expected"])
	assert.False(t, app.logged("CRITICAL"), "no CRITICAL line when current")

	code, body := app.get(t, "/health/ready", "")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ready: db=6 expected=6\n", body)
	code, body = app.get(t, "/users", "")
	assert.Equal(t, http.StatusOK, code, body)
	var users []struct {
		ID    int64   `json:"id"`
		Email string  `json:"email"`
		Name  string  `json:"name"`
		Bio   *string `json:"bio"`
	}
	assert.NoError(t, json.Unmarshal([]byte(body), &users), body)
	assert.Equal(t, 1, len(users))
	assert.Equal(t, "ada@example.com", users[0].Email)
	assert.Equal(t, "Ada", users[0].Name)
	app.stop(t)
}

func testAhead(t *testing.T, bin string) {
	url := pgtest.DB(t)
	// A newer binary migrated the database to 7 (golang-migrate's table says
	// so); this one, whose head is 6, is being rolled back to.
	migrate(t, url, func(ctx context.Context, db *migrator.DB) error {
		if err := db.Goto(ctx, source.V(6)); err != nil {
			return err
		}
		return db.Force(ctx, source.V(7))
	})
	app := start(t, bin, url)

	warn := app.logLine(t, "WARN")
	assert.Equal(t, "database schema is ahead of this binary", warn["msg"])
	assert.Equal(t, 7.0, warn["db"])
	assert.False(t, app.logged("CRITICAL"))

	code, body := app.get(t, "/health/ready", "")
	assert.Equal(t, http.StatusOK, code, "a rollback must not take every pod out of service")
	assert.Equal(t, "ahead: db=7 expected=6\nwarning: database version 7 is above this binary's head 6; serving anyway\n", body)
	code, body = app.get(t, "/health/ready", "application/json")
	assert.Equal(t, http.StatusOK, code)
	var res struct {
		Status  string `json:"status"`
		Ready   bool   `json:"ready"`
		Warning string `json:"warning"`
	}
	assert.NoError(t, json.Unmarshal([]byte(body), &res), body)
	assert.Equal(t, "ahead", res.Status)
	assert.True(t, res.Ready)
	assert.Contains(t, res.Warning, "above this binary's head")
	app.stop(t)
}

func testNoDatabaseURL(t *testing.T, bin string) {
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "DATABASE_URL=", "ADDR=127.0.0.1:0")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	assert.True(t, errors.As(err, &ee), "exits with an error: %v", err)
	assert.Equal(t, 1, ee.ExitCode())
	assert.Contains(t, string(out), "DATABASE_URL is not set")
}

// migrate runs f on the database with the embedded example migrations.
func migrate(t *testing.T, url string, f func(context.Context, *migrator.DB) error) {
	t.Helper()
	src, err := source.Load(migrations.FS, ".", "migrations")
	assert.NoError(t, err)
	cfg, err := dburl.Parse(url)
	assert.NoError(t, err)
	db, err := migrator.OpenDB(t.Context(), cfg, src, source.DefaultTable())
	assert.NoError(t, err)
	defer db.Close()
	assert.NoError(t, f(t.Context(), db))
}

// app is a running example app.
type app struct {
	cmd  *exec.Cmd
	addr string

	mu    sync.Mutex
	lines []map[string]any // the JSON log lines read so far
	rest  chan struct{}    // closed when stderr ends
}

// start runs the example app on a free loopback port and returns once it
// listens (it logs its address).
func start(t *testing.T, bin, url string) *app {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+url, "ADDR=127.0.0.1:0", "PORT=")
	stderr, err := cmd.StderrPipe()
	assert.NoError(t, err)
	assert.NoError(t, cmd.Start())
	a := &app{cmd: cmd, rest: make(chan struct{})}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})

	listening := make(chan string, 1)
	go func() {
		defer close(a.rest)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) != nil {
				line = map[string]any{"level": "?", "msg": sc.Text()}
			}
			a.mu.Lock()
			a.lines = append(a.lines, line)
			a.mu.Unlock()
			if line["msg"] == "listening" {
				listening <- line["addr"].(string)
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	select {
	case a.addr = <-listening:
	case <-a.rest:
		t.Fatalf("the app exited before listening: %v", a.all())
	case <-time.After(time.Minute):
		t.Fatalf("the app did not listen within a minute: %v", a.all())
	}
	return a
}

func (a *app) all() []map[string]any {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]map[string]any(nil), a.lines...)
}

// logLine returns the first log line at level, failing the test if none.
func (a *app) logLine(t *testing.T, level string) map[string]any {
	t.Helper()
	for _, l := range a.all() {
		if l["level"] == level && l["msg"] != "listening" && !strings.HasPrefix(l["msg"].(string), "readiness changed") {
			return l
		}
	}
	t.Fatalf("no %s line in the startup log: %v", level, a.all())
	return nil
}

func (a *app) logged(level string) bool {
	for _, l := range a.all() {
		if l["level"] == level {
			return true
		}
	}
	return false
}

func (a *app) get(t *testing.T, path, accept string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+a.addr+path, nil)
	assert.NoError(t, err)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	assert.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	assert.NoError(t, err)
	return resp.StatusCode, string(b)
}

// pollReady polls /health/ready until it answers 200 (the cached answer
// expires after the default TTL of 2 s).
func (a *app) pollReady(t *testing.T) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(time.Minute)
	for {
		code, body := a.get(t, "/health/ready", "")
		if code == http.StatusOK {
			assert.Equal(t, "ready: db=6 expected=6\n", body)
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("still not ready after a minute: %d %s", code, body)
		}
	}
}

// stop sends SIGTERM and expects a clean exit.
func (a *app) stop(t *testing.T) {
	t.Helper()
	assert.NoError(t, a.cmd.Process.Signal(syscall.SIGTERM))
	<-a.rest
	assert.NoError(t, a.cmd.Wait(), "a clean exit on SIGTERM: %v", a.all())
}
