package readiness

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/pgtest"
)

var (
	ignoreTime = cmpopts.IgnoreFields(Result{}, "CheckedAt")
	versions   = cmp.Comparer(func(a, b source.Version) bool { return a == b })
)

// The truth table: head 5; the database at no table, an empty table, 4, 5,
// 6, dirty 4, 5, 6 and 7 (under, at and over the head), dirty "no version";
// for both handle kinds, with and without the options that change an
// answer. A database dirty at V has every version below V applied: dirty
// above the head is "ahead" (ready unless WithAheadNotReady), dirty at or
// below it is "dirty" (never ready).
func TestTruthTable(t *testing.T) {
	const noTableWarning = `no version table "schema_migrations"; treated as current`
	const aheadWarning = `database version 6 is above this binary's head 5; serving anyway`
	dirtyAheadWarning := func(v int) string {
		return fmt.Sprintf("database version %d is dirty (its migration is running or failed half-way); "+
			"the versions below it, this binary's head 5 included, are applied; serving anyway", v)
	}
	cases := []struct {
		name  string
		setup string // SQL run on the fresh database
		opts  []Option
		code  int
		body  string
		want  Result
	}{
		{name: "none", code: 200,
			body: "no_table: db=none expected=5\nwarning: " + noTableWarning + "\n",
			want: Result{Status: StatusNoTable, Ready: true, Message: "no_table: db=none expected=5", Expected: 5, Warning: noTableWarning}},
		{name: "none not ready", opts: []Option{WithMissingTableNotReady()}, code: 503,
			body: "no_table: db=none expected=5\n",
			want: Result{Status: StatusNoTable, Message: "no_table: db=none expected=5", Expected: 5}},
		{name: "empty table", setup: versionTableDDL, code: 503,
			body: "drift: db=none expected=5\n",
			want: Result{Status: StatusDrift, Message: "drift: db=none expected=5", Expected: 5}},
		{name: "4", setup: versionTableDDL + `INSERT INTO schema_migrations VALUES (4, false)`, code: 503,
			body: "drift: db=4 expected=5\n",
			want: Result{Status: StatusDrift, Message: "drift: db=4 expected=5", DB: source.V(4), Expected: 5}},
		{name: "5", setup: versionTableDDL + `INSERT INTO schema_migrations VALUES (5, false)`, code: 200,
			body: "ready: db=5 expected=5\n",
			want: Result{Status: StatusReady, Ready: true, Message: "ready: db=5 expected=5", DB: source.V(5), Expected: 5}},
		{name: "6", setup: versionTableDDL + `INSERT INTO schema_migrations VALUES (6, false)`, code: 200,
			body: "ahead: db=6 expected=5\nwarning: " + aheadWarning + "\n",
			want: Result{Status: StatusAhead, Ready: true, Message: "ahead: db=6 expected=5", DB: source.V(6), Expected: 5, Warning: aheadWarning}},
		{name: "6 not ready", setup: versionTableDDL + `INSERT INTO schema_migrations VALUES (6, false)`,
			opts: []Option{WithAheadNotReady()}, code: 503,
			body: "ahead: db=6 expected=5\n",
			want: Result{Status: StatusAhead, Message: "ahead: db=6 expected=5", DB: source.V(6), Expected: 5}},
		{name: "dirty 5", setup: versionTableDDL + `INSERT INTO schema_migrations VALUES (5, true)`, code: 503,
			body: "dirty: db=5\n",
			want: Result{Status: StatusDirty, Message: "dirty: db=5", DB: source.V(5), Expected: 5, Dirty: true}},
		{name: "dirty 4", setup: versionTableDDL + `INSERT INTO schema_migrations VALUES (4, true)`, code: 503,
			body: "dirty: db=4\n",
			want: Result{Status: StatusDirty, Message: "dirty: db=4", DB: source.V(4), Expected: 5, Dirty: true}},
		{name: "dirty 5 ahead not ready", setup: versionTableDDL + `INSERT INTO schema_migrations VALUES (5, true)`,
			opts: []Option{WithAheadNotReady()}, code: 503,
			body: "dirty: db=5\n",
			want: Result{Status: StatusDirty, Message: "dirty: db=5", DB: source.V(5), Expected: 5, Dirty: true}},
		// Migration 6 is running (or failed): 1..5 are applied.
		{name: "dirty 6", setup: versionTableDDL + `INSERT INTO schema_migrations VALUES (6, true)`, code: 200,
			body: "ahead: db=6 (dirty) expected=5\nwarning: " + dirtyAheadWarning(6) + "\n",
			want: Result{Status: StatusAhead, Ready: true, Message: "ahead: db=6 (dirty) expected=5", DB: source.V(6), Expected: 5,
				Dirty: true, Warning: dirtyAheadWarning(6)}},
		// The database is migrating towards a newer binary: ahead, so
		// WithAheadNotReady takes this pod out of service.
		{name: "dirty 6 not ready", setup: versionTableDDL + `INSERT INTO schema_migrations VALUES (6, true)`,
			opts: []Option{WithAheadNotReady()}, code: 503,
			body: "ahead: db=6 (dirty) expected=5\n",
			want: Result{Status: StatusAhead, Message: "ahead: db=6 (dirty) expected=5", DB: source.V(6), Expected: 5, Dirty: true}},
		{name: "dirty 7", setup: versionTableDDL + `INSERT INTO schema_migrations VALUES (7, true)`, code: 200,
			body: "ahead: db=7 (dirty) expected=5\nwarning: " + dirtyAheadWarning(7) + "\n",
			want: Result{Status: StatusAhead, Ready: true, Message: "ahead: db=7 (dirty) expected=5", DB: source.V(7), Expected: 5,
				Dirty: true, Warning: dirtyAheadWarning(7)}},
		{name: "dirty 7 not ready", setup: versionTableDDL + `INSERT INTO schema_migrations VALUES (7, true)`,
			opts: []Option{WithAheadNotReady()}, code: 503,
			body: "ahead: db=7 (dirty) expected=5\n",
			want: Result{Status: StatusAhead, Message: "ahead: db=7 (dirty) expected=5", DB: source.V(7), Expected: 5, Dirty: true}},
		// golang-migrate's dirty "no version": the first migration's down
		// failed. Nothing is known to be applied.
		{name: "dirty no version", setup: versionTableDDL + `INSERT INTO schema_migrations VALUES (-1, true)`, code: 503,
			body: "dirty: db=none\n",
			want: Result{Status: StatusDirty, Message: "dirty: db=none", Expected: 5, Dirty: true}},
	}
	url := pgtest.DB(t) // one database; each case resets the version table
	for _, kind := range handleKinds {
		t.Run(kind.name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					pgtest.Exec(t, url, `DROP TABLE IF EXISTS schema_migrations;`+tc.setup)
					c := kind.open(t, url, tc.opts...)

					got := c.Check(t.Context())
					assert.NoError(t, got.Cause())
					if diff := cmp.Diff(tc.want, got, ignoreTime, versions, cmpopts.IgnoreUnexported(Result{})); diff != "" {
						t.Fatalf("Check (-want +got):\n%s", diff)
					}

					rec := get(c, http.MethodGet, "")
					assert.Equal(t, tc.code, rec.Code)
					assert.Equal(t, tc.body, rec.Body.String())
					assert.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))

					rec = get(c, http.MethodGet, "application/json")
					assert.Equal(t, tc.code, rec.Code)
					assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
					var fromJSON Result
					assert.NoError(t, json.Unmarshal(rec.Body.Bytes(), &fromJSON))
					if diff := cmp.Diff(tc.want, fromJSON, ignoreTime, versions, cmpopts.IgnoreUnexported(Result{})); diff != "" {
						t.Fatalf("JSON answer (-want +got):\n%s", diff)
					}

					rec = get(c, http.MethodHead, "")
					assert.Equal(t, tc.code, rec.Code)
					assert.Equal(t, "", rec.Body.String())

					assert.Equal(t, http.StatusOK, get(Live(), http.MethodGet, "").Code)
				})
			}
		})
	}
}

// The unreachable rows of the truth table: nothing listening (with a
// password in the URL that must not leak), and a server that accepts
// connections and never answers, where the budget decides.
func TestUnreachable(t *testing.T) {
	for _, kind := range handleKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Run("nothing listening", func(t *testing.T) {
				addr := deadAddr(t)
				c := kind.open(t, "postgres://appuser:s3cretpw@"+addr+"/appdb?sslmode=disable")
				got := c.Check(t.Context())
				assert.Equal(t, StatusUnreachable, got.Status)
				assert.Equal(t, "cannot connect", got.Reason)
				assert.Error(t, got.Cause())

				for _, accept := range []string{"", "application/json"} {
					rec := get(c, http.MethodGet, accept)
					assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
					body := rec.Body.String()
					for _, secret := range []string{"s3cretpw", "appuser", "appdb", addr, "127.0.0.1"} {
						assert.NotContains(t, body, secret)
					}
				}
				assert.Equal(t, "unreachable: cannot connect\n", get(c, http.MethodGet, "").Body.String())
				assert.Equal(t, http.StatusOK, get(Live(), http.MethodGet, "").Code)
			})
			t.Run("silent server", func(t *testing.T) {
				addr := silentServer(t)
				c := kind.open(t, "postgres://appuser:s3cretpw@"+addr+"/appdb?sslmode=disable",
					WithBudget(200*time.Millisecond), WithLabel("orders-primary"))
				rec := get(c, http.MethodGet, "")
				assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
				assert.Equal(t, "unreachable: orders-primary: no answer within 200ms\n", rec.Body.String())
				assert.Equal(t, http.StatusOK, get(Live(), http.MethodGet, "").Code)
			})
		})
	}
}

// A server that is up but slow: the version table is locked by a migration.
// The probe is answered at the budget, and the query that waited on the lock
// is ended on the server by the statement timeout, not left waiting.
func TestSlowServerLockedTable(t *testing.T) {
	for _, kind := range handleKinds {
		t.Run(kind.name, func(t *testing.T) {
			url := pgtest.DB(t)
			pgtest.Exec(t, url, versionTableDDL+`INSERT INTO schema_migrations VALUES (5, false)`)
			locker := pgtest.Connect(t, url)
			_, err := locker.Exec(t.Context(), `BEGIN; LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE`)
			assert.NoError(t, err)

			c := kind.open(t, url, WithBudget(300*time.Millisecond))
			clk := newFakeClock(c)
			rec := get(c, http.MethodGet, "")
			assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
			assert.Equal(t, "unreachable: no answer within 300ms\n", rec.Body.String())
			assert.Equal(t, http.StatusOK, get(Live(), http.MethodGet, "").Code)

			// The lock is still held, yet nobody waits on it any more.
			watcher := pgtest.Connect(t, url)
			eventually(t, "the abandoned version read to end on the server", func() bool {
				var waiting int
				err := watcher.QueryRow(t.Context(), `SELECT count(*) FROM pg_locks
					WHERE relation = 'schema_migrations'::regclass AND NOT granted
					AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&waiting)
				assert.NoError(t, err)
				return waiting == 0
			})

			_, err = locker.Exec(t.Context(), `COMMIT`)
			assert.NoError(t, err)
			eventually(t, "a ready answer", func() bool {
				clk.Advance(DefaultTTL)
				return get(c, http.MethodGet, "").Body.String() == "ready: db=5 expected=5\n"
			})
		})
	}
}

// A driver stuck in a dial that ignores its context (the call never returns
// by itself): the probe is still answered at the budget, and once the TTL has
// passed a new check starts instead of every caller joining the stuck one.
func TestStuckDial(t *testing.T) {
	for _, kind := range handleKinds {
		t.Run(kind.name, func(t *testing.T) {
			url := pgtest.DB(t)
			pgtest.Exec(t, url, versionTableDDL+`INSERT INTO schema_migrations VALUES (5, false)`)
			release := make(chan struct{})
			var dials atomic.Int64
			dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
				dials.Add(1)
				<-release // ignores ctx on purpose
				var d net.Dialer
				return d.DialContext(ctx, network, addr)
			}
			c := kind.openDial(t, url, dial, WithBudget(200*time.Millisecond))
			clk := newFakeClock(c)
			t.Cleanup(func() {
				select {
				case <-release:
				default:
					close(release)
				}
			})

			got := c.Check(t.Context())
			assert.Equal(t, StatusUnreachable, got.Status)
			assert.Equal(t, "no answer within 200ms", got.Reason)
			eventually(t, "the first dial", func() bool { return dials.Load() >= 1 })

			// Within the TTL: the cached answer, no new attempt.
			clk.Advance(DefaultTTL / 2)
			assert.Equal(t, "unreachable: no answer within 200ms\n", get(c, http.MethodGet, "").Body.String())
			assert.Equal(t, 1, dials.Load())

			// After it: a fresh attempt, although the first is still stuck.
			clk.Advance(DefaultTTL)
			got = c.Check(t.Context())
			assert.Equal(t, StatusUnreachable, got.Status)
			eventually(t, "a second dial", func() bool { return dials.Load() >= 2 })
			assert.Equal(t, http.StatusOK, get(Live(), http.MethodGet, "").Code)

			// Once the network recovers, so does the answer.
			close(release)
			eventually(t, "a ready answer", func() bool {
				clk.Advance(DefaultTTL)
				return get(c, http.MethodGet, "").Body.String() == "ready: db=5 expected=5\n"
			})
		})
	}
}

// The version table is found through to_regclass where golang-migrate
// would put it: a bare name (dots and case kept) in the current schema, a
// quoted name in the schema it names; names are quoted as identifiers.
func TestMigrationsTableName(t *testing.T) {
	url := pgtest.DB(t)
	pgtest.Exec(t, url, `CREATE SCHEMA "Ops";
		CREATE TABLE "Ops"."Odd versions" (version bigint not null primary key, dirty boolean not null);
		INSERT INTO "Ops"."Odd versions" VALUES (5, false);
		CREATE TABLE "My.Versions" (version bigint not null primary key, dirty boolean not null);
		INSERT INTO "My.Versions" VALUES (4, false);
		CREATE TABLE "Ops"."public" (version bigint not null primary key, dirty boolean not null);`)
	cases := []struct {
		table  string
		quoted bool
		want   string
	}{
		{`"Ops"."Odd versions"`, true, "ready: db=5 expected=5"},
		{`"Odd versions"`, true, "no_table: db=none expected=5"}, // not in the current schema
		{`Odd versions`, false, "no_table: db=none expected=5"},
		{`My.Versions`, false, "drift: db=4 expected=5"},
		{`"My.Versions"`, true, "drift: db=4 expected=5"},
		{`my.versions`, false, "no_table: db=none expected=5"},
		{`"Ops"."public"`, true, "drift: db=none expected=5"},
		{`schema_migrations`, false, "no_table: db=none expected=5"},
	}
	for _, kind := range handleKinds {
		for _, tc := range cases {
			t.Run(kind.name+"/"+tc.table, func(t *testing.T) {
				opts := []Option{WithMigrationsTable(tc.table)}
				if tc.quoted {
					opts = append(opts, WithMigrationsTableQuoted())
				}
				c := kind.open(t, url, opts...)
				got := c.Check(t.Context())
				// A missing table is found missing by to_regclass, never by a
				// failing SELECT (which would be an error result).
				assert.NoError(t, got.Cause())
				assert.Equal(t, tc.want, got.Message)
			})
		}
	}
}

func TestHTTP(t *testing.T) {
	url := pgtest.DB(t)
	pgtest.Exec(t, url, versionTableDDL+`INSERT INTO schema_migrations VALUES (5, false)`)
	c := handleKinds[0].open(t, url)
	for _, h := range []struct {
		name string
		h    http.Handler
	}{{"ready", c}, {"live", Live()}} {
		t.Run(h.name, func(t *testing.T) {
			for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
				rec := get(h.h, method, "")
				assert.Equal(t, http.StatusMethodNotAllowed, rec.Code, method)
				assert.Equal(t, "GET, HEAD", rec.Header().Get("Allow"))
			}
			rec := get(h.h, http.MethodHead, "")
			assert.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, "", rec.Body.String())
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
		})
	}
	accepts := []struct {
		accept string
		json   bool
	}{
		{"", false},
		{"*/*", false},
		{"text/plain", false},
		{"application/json", true},
		{"text/html, application/json;q=0.9", true},
		{"application/json; charset=utf-8", true},
		{"application/json;q=0", false},
		{"application/jsonx", false},
	}
	for _, a := range accepts {
		rec := get(c, http.MethodGet, a.accept)
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Equal(t, a.json, strings.HasPrefix(rec.Body.String(), "{"), a.accept)
		rec = get(Live(), http.MethodGet, a.accept)
		if a.json {
			assert.Equal(t, `{"status":"live"}`+"\n", rec.Body.String())
		} else {
			assert.Equal(t, "live\n", rec.Body.String())
		}
	}
	var raw map[string]any
	assert.NoError(t, json.Unmarshal(get(c, http.MethodGet, "application/json").Body.Bytes(), &raw))
	delete(raw, "checked_at")
	assert.Equal(t, map[string]any{"status": "ready", "ready": true, "message": "ready: db=5 expected=5",
		"db": float64(5), "expected": float64(5), "dirty": false}, raw)
}
