package readiness

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"
	"github.com/schemaguard/guard/internal/pgtest"
)

// countingVersionTable makes schema_migrations a view that bumps a sequence
// each time the server reads a row from it: the sequence counts the version
// reads the server executed (nextval is not rolled back).
const countingVersionTable = `
CREATE TABLE real_versions (version bigint not null primary key, dirty boolean not null);
INSERT INTO real_versions VALUES (5, false);
CREATE SEQUENCE version_reads;
CREATE FUNCTION count_read() RETURNS boolean LANGUAGE plpgsql VOLATILE AS
  $$ BEGIN PERFORM nextval('version_reads'); RETURN true; END $$;
CREATE VIEW schema_migrations AS SELECT version, dirty FROM real_versions WHERE count_read();`

func versionReads(t *testing.T, conn *pgx.Conn) int64 {
	t.Helper()
	var last int64
	var called bool
	assert.NoError(t, conn.QueryRow(t.Context(), `SELECT last_value, is_called FROM version_reads`).Scan(&last, &called))
	if !called {
		return 0
	}
	return last
}

// burst serves n concurrent probes released at once and returns their
// status codes and bodies.
func burst(c *Checker, n int) (codes []int, bodies []string) {
	codes, bodies = make([]int, n), make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			rec := get(c, http.MethodGet, "")
			codes[i], bodies[i] = rec.Code, rec.Body.String()
		})
	}
	close(start)
	wg.Wait()
	return codes, bodies
}

func TestCachingAndCollapsing(t *testing.T) {
	for _, kind := range handleKinds {
		t.Run(kind.name, func(t *testing.T) {
			url := pgtest.DB(t)
			pgtest.Exec(t, url, countingVersionTable)
			watch := pgtest.Connect(t, url)
			// A generous budget: this test is about how many queries run,
			// not about a slow machine.
			c := kind.open(t, url, WithBudget(30*time.Second))
			clk := newFakeClock(c)
			assert.Equal(t, 0, versionReads(t, watch))

			codes, bodies := burst(c, 200)
			for i := range codes {
				assert.Equal(t, http.StatusOK, codes[i])
				assert.Equal(t, "ready: db=5 expected=5\n", bodies[i])
			}
			assert.Equal(t, 1, versionReads(t, watch), "200 concurrent probes, one read")

			// Within the TTL, no read at all.
			clk.Advance(DefaultTTL - time.Nanosecond)
			burst(c, 50)
			assert.Equal(t, 1, versionReads(t, watch))

			// After the TTL, one more read for the next burst, which sees
			// the new state.
			pgtest.Exec(t, url, `UPDATE real_versions SET version = 4`)
			clk.Advance(time.Nanosecond)
			codes, bodies = burst(c, 200)
			for i := range codes {
				assert.Equal(t, http.StatusServiceUnavailable, codes[i])
				assert.Equal(t, "drift: db=4 expected=5\n", bodies[i])
			}
			assert.Equal(t, 2, versionReads(t, watch))

			// Liveness never reads.
			clk.Advance(DefaultTTL)
			for range 20 {
				assert.Equal(t, http.StatusOK, get(Live(), http.MethodGet, "").Code)
			}
			assert.Equal(t, 2, versionReads(t, watch))
		})
	}
}

func TestWithTTL(t *testing.T) {
	url := pgtest.DB(t)
	pgtest.Exec(t, url, countingVersionTable)
	watch := pgtest.Connect(t, url)
	c := handleKinds[0].open(t, url, WithTTL(10*time.Second))
	clk := newFakeClock(c)
	c.Check(t.Context())
	clk.Advance(9 * time.Second)
	c.Check(t.Context())
	assert.Equal(t, 1, versionReads(t, watch))
	clk.Advance(time.Second)
	c.Check(t.Context())
	assert.Equal(t, 2, versionReads(t, watch))
}

// A caller whose request ends does not take the shared check down with it:
// the next caller gets the answer of the check it started.
func TestCallerCancelDoesNotCancelSharedCheck(t *testing.T) {
	url := pgtest.DB(t)
	pgtest.Exec(t, url, countingVersionTable)
	watch := pgtest.Connect(t, url)
	c := handleKinds[0].open(t, url, WithBudget(30*time.Second))
	ctx, cancel := contextWithCancel(t)
	cancel()
	got := c.Check(ctx)
	assert.Equal(t, StatusUnreachable, got.Status)
	assert.Equal(t, "check canceled", got.Reason)
	eventually(t, "the shared check to read", func() bool { return versionReads(t, watch) == 1 })
	assert.Equal(t, "ready: db=5 expected=5", c.Check(t.Context()).Message)
	assert.Equal(t, 1, versionReads(t, watch))
}
