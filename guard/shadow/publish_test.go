package shadow_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard/shadow"
	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/pgtest"
)

// Several runs on one shadow server building the template of the same
// history at once (each planning a database of its own) all succeed: the
// runs that lose the race to publish drop their build and use the winner's
// template.
//
// The race is made certain: the history's last file waits on a lock the
// test holds (a comment on a database of the test's), so that every build
// finishes at once; the test then keeps a session on each build, so that
// every rename to the template's name, past its check that the name is
// free, waits for the build's database to have no session; and it lets
// them all go together.
func TestConcurrentBuildersOfOneTemplateAllSucceed(t *testing.T) {
	const runs, rounds = 6, 3
	failures := 0
	for round := range rounds {
		t.Run(fmt.Sprint("round", round), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second) // never hang
			defer cancel()
			gateURL := pgtest.DB(t)
			gate := parse(t, gateURL).Database
			fsys := fstest.MapFS{
				"1_a.up.sql": {Data: []byte("CREATE TABLE a (id int);\n")},
				"2_gate.up.sql": {Data: []byte("CREATE TABLE b (id int);\nCOMMENT ON DATABASE " +
					pgx.Identifier{gate}.Sanitize() + " IS NULL;\n")},
			}
			src := own(t, fsys)
			providers := make([]*shadow.Provider, runs)
			for i := range providers {
				p, err := shadow.NewProvider(ctx, shadow.WithTarget(parse(t, pgtest.DB(t))),
					shadow.WithShadowURL(pgtest.Server(t)), shadow.WithTemplateCache(true))
				assert.NoError(t, err)
				t.Cleanup(func() { assert.NoError(t, p.Close(context.Background())) })
				providers[i] = p
			}
			dropTemplates(t, providers[0], src)
			names, err := shadow.TemplateNames(providers[0], src, src.Head())
			assert.NoError(t, err)
			top := names[len(names)-1]

			server := pgtest.Connect(t, pgtest.Server(t)) // not in a transaction: pg_stat_activity is read once per transaction
			hold, err := pgtest.Connect(t, pgtest.Server(t)).Begin(ctx)
			assert.NoError(t, err)
			_, err = hold.Exec(ctx, `COMMENT ON DATABASE `+pgx.Identifier{gate}.Sanitize()+` IS 'gate'`)
			assert.NoError(t, err)

			errs := make([]error, runs)
			var done sync.WaitGroup
			for i, p := range providers {
				done.Add(1)
				go func() {
					defer done.Done()
					sh, _, err := p.NewAt(ctx, src, src.Head())
					if err == nil {
						err = sh.Drop(ctx)
					}
					errs[i] = err
				}()
			}

			// Every build waits at the gate: hold a session on each.
			builds := poll(ctx, t, server, runs, `SELECT datname::text FROM pg_stat_activity
				WHERE wait_event_type = 'Lock' AND query LIKE '%COMMENT ON DATABASE "'||$1||'" IS NULL%'`, gate)
			var sessions []*pgx.Conn
			for _, b := range builds {
				u, err := dburl.WithDatabase(pgtest.Server(t), b)
				assert.NoError(t, err)
				sessions = append(sessions, pgtest.Connect(t, u))
			}
			assert.NoError(t, hold.Commit(ctx))
			// Every rename is past its check and waits for the sessions.
			poll(ctx, t, server, runs, `SELECT pid::text FROM pg_stat_activity
				WHERE state = 'active' AND query LIKE 'ALTER DATABASE % RENAME TO "'||$1||'"%'`, top)
			for _, c := range sessions {
				assert.NoError(t, c.Close(ctx))
			}
			done.Wait()
			for i, err := range errs {
				if err != nil {
					failures++
					t.Errorf("run %d: %v", i, err)
				}
			}
			assert.Equal(t, []string{top}, templates(t, providers[0], src), "the one template of the head")
		})
	}
	t.Logf("%d concurrent builders of one template, %d rounds: %d/%d failed", runs, rounds, failures, runs*rounds)
}

// poll runs query (one text column) until it returns n rows, and returns
// them.
func poll(ctx context.Context, t *testing.T, conn *pgx.Conn, n int, query string, args ...any) []string {
	t.Helper()
	for {
		rows, err := conn.Query(ctx, query, args...)
		assert.NoError(t, err)
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		assert.NoError(t, err)
		if len(got) >= n {
			return got
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waited for %d rows of %s, got %d", n, query, len(got))
		case <-time.After(10 * time.Millisecond):
		}
	}
}
