package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/internal/cli"
	"github.com/schemaguard/guard/internal/pgtest"
	"github.com/schemaguard/guard/serve"
)

func TestServeKeysCommands(t *testing.T) {
	clearEnv(t)
	state := pgtest.DB(t)
	t.Setenv("GUARD_STATE_URL", state)
	r := guard(t, "serve", "keys", "create", "--name", "ci", "--scope", "admin")
	assert.Equal(t, 0, r.code, r.stderr)
	key := strings.Fields(r.stdout)[0]
	assert.True(t, strings.HasPrefix(key, "gsk_"), r.stdout)
	assert.Contains(t, r.stdout, "shown once")

	r = guard(t, "--format", "json", "serve", "keys", "create", "--name", "dash")
	assert.Equal(t, 0, r.code, r.stderr)
	var created struct {
		Key, Prefix, Scope string
	}
	assert.NoError(t, json.Unmarshal([]byte(r.stdout), &created))
	assert.Equal(t, "read", created.Scope)
	assert.True(t, strings.HasPrefix(created.Key, created.Prefix+"_"))

	r = guard(t, "serve", "keys", "list")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 2, strings.Count(r.stdout, "\n"))
	assert.NotContains(t, r.stdout, key, "list never shows a key")
	assert.Contains(t, r.stdout, key[:12])

	r = guard(t, "serve", "keys", "revoke", created.Key)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stdout, created.Key, "revoke does not echo a whole key")
	r = guard(t, "serve", "keys", "list")
	assert.Contains(t, r.stdout, "revoked")

	// Bad input: one line, non-zero, nothing changed.
	for _, args := range [][]string{
		{"serve", "keys", "create", "--name", "x", "--scope", "write"},
		{"serve", "keys", "create", "--scope", "read"},
		{"serve", "keys", "revoke", "gsk_00000000"},
		{"serve", "keys", "revoke"},
	} {
		r = guard(t, args...)
		assert.NotEqual(t, 0, r.code, "%v", args)
		first, _, _ := strings.Cut(r.stderr, "\n")
		assert.True(t, strings.HasPrefix(first, "guard: "), "%v: %s", args, r.stderr)
		assert.Equal(t, 0, strings.Count(strings.ReplaceAll(r.stderr, "\n  hint:", " hint:"), "\n")-1, "%v: one line: %s", args, r.stderr)
	}
	r = guard(t, "serve", "keys", "list")
	assert.Equal(t, 2, strings.Count(r.stdout, "\n"), "bad input created nothing")
}

func TestServeRefusesBadSettings(t *testing.T) {
	clearEnv(t)
	t.Setenv("GUARD_STATE_URL", "")
	t.Setenv("GUARD_SECRET_KEY", "")
	r := guard(t, "serve")
	assert.Equal(t, cli.ExitUsage, r.code)
	assert.Contains(t, r.stderr, "--state-url")

	state := pgtest.DB(t)
	r = guard(t, "serve", "--state-url", state)
	assert.Equal(t, cli.ExitUsage, r.code)
	assert.Contains(t, r.stderr, "no secret key")

	r = guard(t, "serve", "--state-url", state, "--secret-key", "tooShortButSecretValue")
	assert.Equal(t, cli.ExitUsage, r.code)
	assert.NotContains(t, r.stderr, "tooShortButSecretValue")

	r = guard(t, "serve", "--state-url", state, "--secret-key", serve.NewSecretKey(), "--base-url", "ftp://x")
	assert.Equal(t, cli.ExitUsage, r.code)
	assert.Contains(t, r.stderr, "--base-url")

	// Any free port: 8080 may be taken on a shared machine.
	r = guard(t, "serve", "--listen", "127.0.0.1:0", "--state-url", "postgres://u:hunter22@localhost:notaport/db", "--secret-key", serve.NewSecretKey())
	assert.Equal(t, cli.ExitError, r.code)
	assert.NotContains(t, r.stderr, "hunter22")
	assert.Equal(t, 1, strings.Count(r.stderr, "\n"), r.stderr)
}

// syncBuffer is a bytes.Buffer safe for the server's concurrent logging.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeCommandEndToEnd runs guard serve in-process, registers a target
// through the API, changes its schema and sees the drift event.
func TestServeCommandEndToEnd(t *testing.T) {
	clearEnv(t)
	state, target := pgtest.DB(t), pgtest.DB(t)
	pgtest.Exec(t, target, `CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL)`)
	secret := serve.NewSecretKey()
	t.Setenv("GUARD_STATE_URL", state)
	t.Setenv("GUARD_SECRET_KEY", secret)
	r := guard(t, "serve", "keys", "create", "--name", "test", "--scope", "admin")
	assert.Equal(t, 0, r.code, r.stderr)
	key := strings.Fields(r.stdout)[0]

	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--poll", "20ms"}, strings.NewReader(""), io.Discard, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	addr := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)`)
	var base string
	serveWait(t, "the server to listen", func() bool {
		m := addr.FindStringSubmatch(stderr.String())
		if m != nil {
			base = m[1]
		}
		return m != nil
	})
	call := func(method, path, body string) (int, []byte) {
		req, err := http.NewRequestWithContext(t.Context(), method, base+path, strings.NewReader(body))
		assert.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		assert.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	spec, _ := json.Marshal(map[string]any{"name": "app", "url": target, "interval_seconds": 1})
	code, body := call("POST", "/v1/targets", string(spec))
	assert.Equal(t, 201, code, string(body))
	serveWait(t, "the first version", func() bool {
		code, _ := call("GET", "/v1/targets/app/versions/latest", "")
		return code == 200
	})
	pgtest.Exec(t, target, `ALTER TABLE users ALTER COLUMN email TYPE varchar(20)`)
	var events struct {
		Items []serve.Event `json:"items"`
	}
	serveWait(t, "a drift event", func() bool {
		_, body := call("GET", "/v1/targets/app/events", "")
		assert.NoError(t, json.Unmarshal(body, &events))
		return len(events.Items) > 0
	})
	assert.Equal(t, "drift", events.Items[0].Kind)
	assert.Equal(t, "column_type_changed", string(events.Items[0].Changes[0].Kind))
	assert.NotContains(t, stderr.String(), target, "the target's URL is never logged")
	assert.NotContains(t, stderr.String(), secret)
	assert.NotContains(t, stderr.String(), key)

	cancel()
	assert.Equal(t, 0, <-done, stderr.String())
	done <- 0
}

func serveWait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServeDemo runs what make serve-demo runs, with --once: a drift event
// and a verified webhook, and nothing left behind.
func TestServeDemo(t *testing.T) {
	clearEnv(t)
	admin := pgtest.Server(t)
	t.Setenv("GUARD_DATABASE_URL", admin)
	r := guard(t, "serve", "demo", "--once", "--listen", "127.0.0.1:0", "--interval", "1")
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	for _, want := range []string{
		"guard serve is running at http://127.0.0.1:",
		"API key (admin, shown once): gsk_",
		"Drift event",
		"breaking, blocked by the contract: true",
		"column_renamed",
		"Webhook delivered to the receiver: schema.drift, signature verified: true",
	} {
		assert.Contains(t, r.stdout, want)
	}
	conn := pgtest.Connect(t, admin)
	var left int
	assert.NoError(t, conn.QueryRow(t.Context(), `SELECT count(*) FROM pg_database WHERE datname LIKE 'guard_serve_demo_%'`).Scan(&left))
	assert.Equal(t, 0, left, "the demo's databases are dropped")
}
