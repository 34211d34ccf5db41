package readiness

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/migrator"
	"github.com/schemaguard/guard/internal/pgtest"
)

// slowSeconds is how long migration 6 of TestProbesDuringMigration runs:
// far longer than the test's probe period.
const slowSeconds = 3

// headSixSlow is headFiveFS's folder with a version 6 whose file runs for
// slowSeconds.
func headSixSlow(t testing.TB) *source.Source {
	t.Helper()
	fsys := headFiveFS()
	fsys["migrations/000006_backfill.up.sql"] = &fstest.MapFile{Data: fmt.Appendf(nil, "SELECT pg_sleep(%d);", slowSeconds)}
	fsys["migrations/000006_backfill.down.sql"] = &fstest.MapFile{Data: []byte("SELECT 1;")}
	src, err := source.Load(fsys, "migrations", "migrations")
	assert.NoError(t, err)
	return src
}

// probe is one answer of a readiness probe.
type probe struct {
	code int
	body string
}

// While golang-migrate runs migration 6 (a real file, longer than a probe
// period), the database is dirty at 6: pods built with head 5 stay in
// service (200 at every probe) and pods built with head 6 stay out (503)
// until it is done.
func TestProbesDuringMigration(t *testing.T) {
	url := pgtest.DB(t)
	six := headSixSlow(t)
	cfg, err := pgx.ParseConfig(url)
	assert.NoError(t, err)
	mdb, err := migrator.OpenDB(t.Context(), cfg, six, source.DefaultTable())
	assert.NoError(t, err)
	assert.NoError(t, mdb.Goto(t.Context(), source.V(5)))

	// The pods: each handle kind at head 5 and at head 6, behind a real
	// HTTP server, with a TTL far below the probe period so that every
	// probe reads the version table.
	serve := func(c *Checker) string {
		srv := httptest.NewServer(c)
		t.Cleanup(srv.Close)
		return srv.URL + ReadyPath
	}
	opts := []Option{WithTTL(20 * time.Millisecond), WithBudget(10 * time.Second)}
	var old, cur []string
	for _, kind := range handleKinds {
		old = append(old, serve(kind.open(t, url, opts...)))
	}
	poolSix, err := New(openPool(t, url, nil), six, opts...)
	assert.NoError(t, err)
	sqlSix, err := New(openSQL(t, url, nil), six, opts...)
	assert.NoError(t, err)
	cur = append(cur, serve(poolSix), serve(sqlSix))
	get := func(u string) probe {
		resp, err := http.Get(u)
		assert.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		assert.NoError(t, err)
		return probe{resp.StatusCode, string(b)}
	}
	for _, u := range old {
		assert.Equal(t, probe{200, "ready: db=5 expected=5\n"}, get(u))
	}
	for _, u := range cur {
		assert.Equal(t, probe{503, "drift: db=5 expected=6\n"}, get(u))
	}

	m6, ok := six.Find(source.V(6))
	assert.True(t, ok)
	var runErr error
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		runErr = mdb.Run(context.WithoutCancel(t.Context()), source.UpStep(m6))
	}()
	t.Cleanup(func() {
		<-finished
		assert.NoError(t, mdb.Close())
	})

	watcher := pgtest.Connect(t, url)
	eventually(t, "migration 6's file to run", func() bool {
		select {
		case <-finished:
			t.Fatalf("migration 6 ended before its file was seen running: %v", runErr)
		default:
		}
		var n int
		assert.NoError(t, watcher.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = $1
			AND state = 'active' AND query LIKE '%pg_sleep%'`, mdb.ApplicationName()).Scan(&n))
		return n > 0
	})

	// Probe every pod each period until the migration is over.
	const (
		oldMigrating = "ahead: db=6 (dirty) expected=5\nwarning: database version 6 is dirty (its migration is running or failed half-way); " +
			"the versions below it, this binary's head 5 included, are applied; serving anyway\n"
		oldDone      = "ahead: db=6 expected=5\nwarning: database version 6 is above this binary's head 5; serving anyway\n"
		curMigrating = "dirty: db=6\n"
		curDone      = "ready: db=6 expected=6\n"
	)
	oldSeen := make([][]probe, len(old))
	curSeen := make([][]probe, len(cur))
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for running := true; running; {
		for i, u := range old {
			oldSeen[i] = append(oldSeen[i], get(u))
		}
		for i, u := range cur {
			curSeen[i] = append(curSeen[i], get(u))
		}
		select {
		case <-finished:
			running = false
		case <-tick.C:
		}
	}
	assert.NoError(t, runErr)

	// Each pod's answers: at first, perhaps, the answer from before the
	// migration (cached for at most the TTL: the pods were asked just
	// before it started), then the migrating answer, then (if a probe came
	// after golang-migrate cleared the flag) the answer after it; never
	// another.
	check := func(name string, seen []probe, before, migrating, done probe) int {
		t.Helper()
		for len(seen) > 0 && seen[0] == before {
			seen = seen[1:]
		}
		n := 0
		for n < len(seen) && seen[n] == migrating {
			n++
		}
		for _, p := range seen[n:] {
			assert.Equal(t, done, p, "%s: after %d answers %q", name, n, migrating.body)
		}
		assert.NotZero(t, n, "%s never answered %q while migration 6 ran: %v", name, migrating.body, seen)
		return n
	}
	var probes, ok200, whileDirty int
	for i := range old {
		whileDirty += check(fmt.Sprintf("head 5 pod %d", i), oldSeen[i], probe{200, "ready: db=5 expected=5\n"}, probe{200, oldMigrating}, probe{200, oldDone})
		for _, p := range oldSeen[i] {
			probes++
			if p.code == http.StatusOK {
				ok200++
			}
		}
	}
	for i := range cur {
		check(fmt.Sprintf("head 6 pod %d", i), curSeen[i], probe{503, "drift: db=5 expected=6\n"}, probe{503, curMigrating}, probe{200, curDone})
	}
	assert.Equal(t, probes, ok200)
	t.Logf("pods at head 5 during a %d s migration 6: %d/%d probes 200 (%d of them while it was dirty)",
		slowSeconds, ok200, probes, whileDirty)

	// Once it is done, both are in service.
	eventually(t, "every pod to answer for version 6", func() bool {
		for _, u := range old {
			if get(u) != (probe{200, oldDone}) {
				return false
			}
		}
		for _, u := range cur {
			if get(u) != (probe{200, curDone}) {
				return false
			}
		}
		return true
	})
}
