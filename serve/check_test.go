package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/schemaguard/guard/guard"
	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/pgtest"
)

func count(t testing.TB, s *Service, sql string, args ...any) int {
	t.Helper()
	var n int
	assert.NoError(t, s.pool.QueryRow(t.Context(), sql, args...).Scan(&n))
	return n
}

func TestServeStateMigratesWithGuardsRunnerAndIsIdempotent(t *testing.T) {
	state := pgtest.DB(t)
	key := testKey(t)
	a := newService(t, state, key)
	// A second replica on the same state: nothing left to apply.
	b := newService(t, state, key)
	var version int
	var dirty bool
	assert.NoError(t, b.pool.QueryRow(t.Context(), `SELECT version, dirty FROM `+VersionTable).Scan(&version, &dirty))
	assert.Equal(t, stateHead(t), version)
	assert.False(t, dirty)
	assert.Equal(t, stateHead(t), count(t, a, `SELECT count(*) FROM guard_history WHERE migrations_table = $1`, VersionTable),
		"guard's runner recorded each state migration once")
	assert.Equal(t, 7, count(t, a, `SELECT count(*) FROM pg_tables WHERE schemaname = 'guard_serve'`))
}

// stateHead is the number of state migrations embedded (numbered 1..n).
func stateHead(t testing.TB) int {
	ups, err := fs.Glob(migrationFiles, "migrations/*.up.sql")
	assert.NoError(t, err)
	return len(ups)
}

// TestServeStateIsUpgradedInPlace: a state made by an older release (at
// version 3) is upgraded on start, its targets kept.
func TestServeStateIsUpgradedInPlace(t *testing.T) {
	state, target := pgtest.DB(t), pgtest.DB(t)
	ctx := t.Context()
	src, err := source.Load(migrationFiles, "migrations", "guard serve state")
	assert.NoError(t, err)
	cfg, err := dburl.Parse(state)
	assert.NoError(t, err)
	r, err := guard.New(cfg, src, guard.WithMigrationsTable(VersionTable))
	assert.NoError(t, err)
	_, err = r.Up(ctx, 3)
	assert.NoError(t, err)
	key := testKey(t)
	seal, err := newSealer(key)
	assert.NoError(t, err)
	pgtest.Exec(t, state, fmt.Sprintf(`INSERT INTO guard_serve.targets (name, url_sealed, url_display, interval_seconds)
		VALUES ('old', '\x%x', 'x', 60)`, seal.seal([]byte(target), urlAD("old"))))
	s := newService(t, state, key)
	assert.Equal(t, stateHead(t), count(t, s, `SELECT version::int FROM `+VersionTable))
	_, err = s.CheckDue(ctx, 10)
	assert.NoError(t, err)
	tg, err := s.Target(ctx, "old")
	assert.NoError(t, err)
	assert.Equal(t, 1, *tg.LatestVersion)
	assert.Zero(t, tg.ContractDrift, "no contract")
}

func TestServeTargetURLIsSealedAndNeverShown(t *testing.T) {
	state := pgtest.DB(t)
	target := pgtest.DB(t)
	u, err := url.Parse(target)
	assert.NoError(t, err)
	u.User = url.UserPassword(u.User.Username(), "s3cret-Pa55word")
	u.Path = "/guard_missing_db" // unreachable, whatever the server's authentication
	var logs bytes.Buffer
	s := newService(t, state, testKey(t), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	tg, err := s.RegisterTarget(t.Context(), TargetSpec{Name: "app", URL: u.String()})
	assert.NoError(t, err)
	out, err := json.Marshal(tg)
	assert.NoError(t, err)
	assert.NotContains(t, string(out), "s3cret-Pa55word")
	var sealed []byte
	assert.NoError(t, s.pool.QueryRow(t.Context(), `SELECT url_sealed FROM guard_serve.targets WHERE name = 'app'`).Scan(&sealed))
	assert.False(t, bytes.Contains(sealed, []byte("s3cret")), "the URL is encrypted at rest")
	assert.False(t, bytes.Contains(sealed, []byte("guard_missing_db")), "the URL is encrypted at rest")
	assert.Equal(t, 0, count(t, s, `SELECT count(*) FROM guard_serve.targets WHERE url_display LIKE '%s3cret%'`))
	// The check fails (no such database): the error does not show the password.
	_, err = s.CheckDue(t.Context(), 10)
	assert.NoError(t, err)
	evs, err := s.Events(t.Context(), "app", Page{})
	assert.NoError(t, err)
	assert.Equal(t, 1, len(evs))
	assert.Equal(t, "target_unreachable", evs[0].Kind)
	assert.NotContains(t, *evs[0].Error, "s3cret")
	assert.NotContains(t, logs.String(), "s3cret")

	// Another key cannot open it: a clear error, recorded, no crash.
	other := newService(t, state, testKey(t))
	pgtest.Exec(t, state, `UPDATE guard_serve.targets SET next_check_at = now(), last_error = NULL`)
	_, err = other.CheckDue(t.Context(), 10)
	assert.NoError(t, err)
	tg, err = other.Target(t.Context(), "app")
	assert.NoError(t, err)
	assert.Contains(t, *tg.LastError, "another --secret-key")
}

func TestServeRegisterRefusesBadInputAndStoresNothing(t *testing.T) {
	s := newService(t, pgtest.DB(t), testKey(t))
	ctx := t.Context()
	good := pgtest.DB(t)
	for name, spec := range map[string]TargetSpec{
		"bad name":      {Name: "no spaces", URL: good},
		"no url":        {Name: "a"},
		"malformed url": {Name: "a", URL: "postgres://u:pw@host:notaport/db"},
		"interval":      {Name: "a", URL: good, IntervalSeconds: -1},
		"contract":      {Name: "a", URL: good, Contract: json.RawMessage(`{"version": "x"}`)},
		"both":          {Name: "a", URL: good, Contract: json.RawMessage(`{"version":1,"mode":"auto","tables":[]}`), ContractPath: "x.json"},
	} {
		_, err := s.RegisterTarget(ctx, spec)
		var ie *InputError
		assert.True(t, errors.As(err, &ie), "%s: %v", name, err)
		assert.NotContains(t, err.Error(), "\n", name)
	}
	assert.Equal(t, 0, count(t, s, `SELECT count(*) FROM guard_serve.targets`))
	_, err := s.RegisterTarget(ctx, TargetSpec{Name: "a", URL: good})
	assert.NoError(t, err)
	_, err = s.RegisterTarget(ctx, TargetSpec{Name: "a", URL: good})
	assert.IsError(t, err, ErrExists)
}

// due makes every target due now.
func due(t testing.TB, state string) {
	t.Helper()
	pgtest.Exec(t, state, `UPDATE guard_serve.targets SET next_check_at = now()`)
}

func TestServeCheckStoresVersionsOnlyWhenTheHashChangesAndClassifiesDrift(t *testing.T) {
	state, target := pgtest.DB(t), pgtest.DB(t)
	ctx := t.Context()
	pgtest.Exec(t, target, `CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text)`)
	s := newService(t, state, testKey(t))
	// A contract owned by the service, locking users in auto mode.
	conn := pgtest.Connect(t, target)
	live, err := schema.Inspect(ctx, conn)
	assert.NoError(t, err)
	k := contract.New()
	_, err = k.Lock(live, nil, contract.ModeAuto, time.Now())
	assert.NoError(t, err)
	doc, err := k.Marshal()
	assert.NoError(t, err)
	_, err = s.RegisterTarget(ctx, TargetSpec{Name: "app", URL: target, Contract: doc})
	assert.NoError(t, err)

	n, err := s.CheckDue(ctx, 10)
	assert.NoError(t, err)
	assert.Equal(t, 1, n)
	n, err = s.CheckDue(ctx, 10)
	assert.NoError(t, err)
	assert.Equal(t, 0, n, "not due again before its interval")
	for range 3 {
		due(t, state)
		_, err = s.CheckDue(ctx, 10)
		assert.NoError(t, err)
	}
	tg, err := s.Target(ctx, "app")
	assert.NoError(t, err)
	assert.Equal(t, int64(4), tg.Checks)
	assert.Equal(t, 1, *tg.LatestVersion, "unchanged schema: one version")
	assert.Equal(t, 0, count(t, s, `SELECT count(*) FROM guard_serve.events`))

	pgtest.Exec(t, target, `ALTER TABLE users RENAME COLUMN email TO email_address; ALTER TABLE users ADD COLUMN bio text`)
	due(t, state)
	_, err = s.CheckDue(ctx, 10)
	assert.NoError(t, err)
	evs, err := s.Events(ctx, "app", Page{})
	assert.NoError(t, err)
	assert.Equal(t, 1, len(evs))
	e := evs[0]
	assert.Equal(t, "drift", e.Kind)
	assert.Equal(t, 1, *e.FromVersion)
	assert.Equal(t, 2, *e.ToVersion)
	assert.Equal(t, "breaking", *e.Impact)
	kinds := map[diff.Kind]diff.Impact{}
	for _, c := range e.Changes {
		kinds[c.Kind] = c.Impact
	}
	assert.Equal(t, map[diff.Kind]diff.Impact{"column_renamed": diff.Breaking, "column_added": diff.Safe}, kinds)
	assert.True(t, e.Blocked, "the rename of a locked table in auto mode is blocked")
	var verdict contract.Report
	assert.NoError(t, json.Unmarshal(e.Verdict, &verdict))
	assert.True(t, verdict.Blocked)
	assert.Equal(t, contract.ModeAuto, verdict.Mode)

	// The versions are queryable and diffable.
	vs, err := s.Versions(ctx, "app", Page{})
	assert.NoError(t, err)
	assert.Equal(t, 2, len(vs))
	assert.Equal(t, 2, vs[0].Number)
	latest, err := s.Version(ctx, "app", 0)
	assert.NoError(t, err)
	assert.Equal(t, 2, latest.Number)
	assert.NotZero(t, latest.Schema.Tables[0].Column("email_address"))
	d, err := s.Diff(ctx, "app", 2, 1)
	assert.NoError(t, err)
	assert.Equal(t, "breaking", d.Impact)
	_, err = s.Version(ctx, "app", 9)
	assert.IsError(t, err, ErrNotFound)

	// A schema back to an earlier shape is a new version (3), not a reuse.
	pgtest.Exec(t, target, `ALTER TABLE users DROP COLUMN bio`)
	due(t, state)
	_, err = s.CheckDue(ctx, 10)
	assert.NoError(t, err)
	tg, err = s.Target(ctx, "app")
	assert.NoError(t, err)
	assert.Equal(t, 3, *tg.LatestVersion)
}

func TestServeWatchedTablesOnly(t *testing.T) {
	state, target := pgtest.DB(t), pgtest.DB(t)
	ctx := t.Context()
	pgtest.Exec(t, target, `CREATE TABLE users (id bigint PRIMARY KEY); CREATE TABLE scratch (id int)`)
	s := newService(t, state, testKey(t))
	_, err := s.RegisterTarget(ctx, TargetSpec{Name: "app", URL: target, Tables: []string{"users"}})
	assert.NoError(t, err)
	_, err = s.CheckDue(ctx, 10)
	assert.NoError(t, err)
	pgtest.Exec(t, target, `ALTER TABLE scratch ADD COLUMN x int`)
	due(t, state)
	_, err = s.CheckDue(ctx, 10)
	assert.NoError(t, err)
	tg, err := s.Target(ctx, "app")
	assert.NoError(t, err)
	assert.Equal(t, 1, *tg.LatestVersion, "a change to an unwatched table is no new version")
	pgtest.Exec(t, target, `ALTER TABLE users ADD COLUMN x int`)
	due(t, state)
	_, err = s.CheckDue(ctx, 10)
	assert.NoError(t, err)
	tg, err = s.Target(ctx, "app")
	assert.NoError(t, err)
	assert.Equal(t, 2, *tg.LatestVersion)
}

func TestServeUnreachableTargetIsAnEventOnceThenRecovers(t *testing.T) {
	state, target := pgtest.DB(t), pgtest.DB(t)
	ctx := t.Context()
	s := newService(t, state, testKey(t), WithCheckTimeout(5*time.Second))
	u, err := url.Parse(target)
	assert.NoError(t, err)
	u.Path = "/guard_no_such_database"
	_, err = s.RegisterTarget(ctx, TargetSpec{Name: "gone", URL: u.String()})
	assert.NoError(t, err)
	for range 3 {
		due(t, state)
		_, err = s.CheckDue(ctx, 10)
		assert.NoError(t, err)
	}
	evs, err := s.Events(ctx, "gone", Page{})
	assert.NoError(t, err)
	assert.Equal(t, 1, len(evs), "one event when it becomes unreachable, not one per check")
	assert.Equal(t, "target_unreachable", evs[0].Kind)
	assert.Contains(t, *evs[0].Error, "guard_no_such_database")
	tg, err := s.Target(ctx, "gone")
	assert.NoError(t, err)
	assert.Equal(t, int64(3), tg.Checks)
	assert.NotZero(t, tg.LastError)
	assert.Zero(t, tg.LastSuccessAt)

	// Pointed at a real database again (a new target), it records versions.
	_, err = s.RegisterTarget(ctx, TargetSpec{Name: "back", URL: target})
	assert.NoError(t, err)
	_, err = s.CheckDue(ctx, 10)
	assert.NoError(t, err)
	tg, err = s.Target(ctx, "back")
	assert.NoError(t, err)
	assert.Zero(t, tg.LastError)
	assert.Equal(t, 1, *tg.LatestVersion)
}

// TestServeReplicasShareTheWork runs three replicas on one state database:
// every target is checked once per interval across them, not three times;
// a replica killed mid-check (its check hangs, its context is gone, its
// lease is never renewed nor released) loses the target to the others
// after the lease timeout.
func TestServeReplicasShareTheWork(t *testing.T) {
	state := pgtest.DB(t)
	key := testKey(t)
	ctx := t.Context()
	const targets = 6
	admin := newService(t, state, key)
	for i := range targets {
		db := pgtest.DB(t)
		pgtest.Exec(t, db, fmt.Sprintf(`CREATE TABLE t%d (id int)`, i))
		// A long interval: one check each per round, the rounds made by hand.
		_, err := admin.RegisterTarget(ctx, TargetSpec{Name: fmt.Sprintf("db%d", i), URL: db, IntervalSeconds: 3600})
		assert.NoError(t, err)
	}
	var mu sync.Mutex
	checks := map[string]int{}     // by target, across replicas
	byReplica := map[string]int{}  // by replica
	var killNext atomic.Bool       // the next replica to start a check dies in it
	victim := make(chan string, 1) // the target it held
	release := make(chan struct{}) // lets the dead check's goroutine end with the test
	cancels := map[string]context.CancelFunc{}
	var replicas []*Service
	for _, id := range []string{"r1", "r2", "r3"} {
		r := newService(t, state, key, WithReplicaID(id), WithConcurrency(2), WithLeaseTimeout(5*time.Second),
			withCheckHook(func(_ context.Context, target string) {
				if killNext.CompareAndSwap(true, false) {
					mu.Lock()
					cancels[id]() // killed: no renewal, no release, no record
					mu.Unlock()
					victim <- target
					<-release
					return
				}
				mu.Lock()
				defer mu.Unlock()
				checks[target]++
				byReplica[id]++
			}))
		replicas = append(replicas, r)
	}
	var wg sync.WaitGroup
	for i, r := range replicas {
		rctx, cancel := context.WithCancel(context.Background())
		cancels[r.Replica()] = cancel
		wg.Add(1)
		go func() { defer wg.Done(); _ = replicas[i].Run(rctx) }()
	}
	t.Cleanup(func() {
		for _, c := range cancels {
			c()
		}
		close(release)
		wg.Wait()
	})
	total := func() int {
		return count(t, admin, `SELECT coalesce(sum(checks), 0)::int FROM guard_serve.targets`)
	}
	idle := func() bool {
		return count(t, admin, `SELECT count(*) FROM guard_serve.targets WHERE lease_owner IS NOT NULL OR next_check_at <= now()`) == 0
	}
	eventually(t, "every target checked", func() bool { return total() == targets && idle() })
	for round := range 3 {
		before := total()
		due(t, state)
		eventually(t, fmt.Sprintf("round %d of checks", round+2), func() bool { return total() == before+targets && idle() })
	}
	mu.Lock()
	for name, n := range checks {
		assert.Equal(t, 4, n, "target %s is checked once per round, by one replica", name)
	}
	assert.Equal(t, targets, len(checks))
	working := 0
	for _, n := range byReplica {
		if n > 0 {
			working++
		}
	}
	mu.Unlock()
	assert.Equal(t, 4*targets, total(), "checks = targets per round, not 3x")
	assert.True(t, working >= 2, "the work is shared: %v", byReplica)

	// Kill one mid-check.
	killNext.Store(true)
	pgtest.Exec(t, state, `UPDATE guard_serve.targets SET next_check_at = now() WHERE name = 'db0'`)
	lost := <-victim
	assert.Equal(t, "db0", lost)
	eventually(t, "another replica takes db0 over", func() bool {
		return count(t, admin, `SELECT checks::int FROM guard_serve.targets WHERE name = 'db0'`) == 5
	})
	mu.Lock()
	assert.Equal(t, 5, checks["db0"])
	mu.Unlock()
	var takeovers float64
	for _, r := range replicas {
		takeovers += testutil.ToFloat64(r.metrics.takeovers)
	}
	assert.Equal(t, 1.0, takeovers)
	assert.True(t, idle())
}

// TestServeStoppingReplicaGivesItsLeasesBack: a replica stopped mid-check
// (SIGTERM, a deploy) releases the target at once, so another replica
// checks it without waiting for the lease timeout (an hour here).
func TestServeStoppingReplicaGivesItsLeasesBack(t *testing.T) {
	state, target := pgtest.DB(t), pgtest.DB(t)
	key := testKey(t)
	admin := newService(t, state, key)
	_, err := admin.RegisterTarget(t.Context(), TargetSpec{Name: "app", URL: target})
	assert.NoError(t, err)
	inCheck := make(chan struct{})
	leaving := newService(t, state, key, WithReplicaID("leaving"), WithLeaseTimeout(time.Hour),
		withCheckHook(func(ctx context.Context, _ string) {
			close(inCheck)
			<-ctx.Done()
		}))
	stop := run(t, leaving)
	<-inCheck
	assert.Equal(t, 1, count(t, admin, `SELECT count(*) FROM guard_serve.targets WHERE lease_owner = 'leaving'`))
	stop()
	assert.Equal(t, 0, count(t, admin, `SELECT count(*) FROM guard_serve.targets WHERE lease_owner IS NOT NULL`))
	run(t, newService(t, state, key, WithReplicaID("staying"), WithLeaseTimeout(time.Hour)))
	eventually(t, "the other replica's check", func() bool {
		tg, err := admin.Target(t.Context(), "app")
		assert.NoError(t, err)
		return tg.LatestVersion != nil
	})
}
