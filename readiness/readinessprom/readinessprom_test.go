package readinessprom_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/migrator"
	"github.com/schemaguard/guard/internal/pgtest"
	"github.com/schemaguard/guard/readiness"
	"github.com/schemaguard/guard/readiness/readinessprom"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// An app's /metrics, scraped over HTTP, says how many of its migrations
// the database lacks (timestamp versions: the count, not the numbers'
// difference), whether it is ready, and follows the database as it is
// migrated.
func TestLagOnAnAppsMetrics(t *testing.T) {
	url := pgtest.DB(t)
	fsys := fstest.MapFS{
		"20240101000000_a.up.sql": {Data: []byte("CREATE TABLE a (id int);")},
		"20240301000000_b.up.sql": {Data: []byte("CREATE TABLE b (id int);")},
		"20241201000000_c.up.sql": {Data: []byte("CREATE TABLE c (id int);")},
	}
	src, err := source.Load(fsys, ".", "app")
	assert.NoError(t, err)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	assert.NoError(t, err)
	t.Cleanup(pool.Close)
	checker, err := readiness.New(pool, src, readiness.WithTTL(time.Millisecond))
	assert.NoError(t, err)
	reg := prometheus.NewRegistry()
	reg.MustRegister(readinessprom.New(checker, src))
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	t.Cleanup(srv.Close)
	scrape := func() string {
		t.Helper()
		time.Sleep(5 * time.Millisecond) // past the 1 ms TTL: a fresh check
		resp, err := http.Get(srv.URL)
		assert.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		assert.NoError(t, err)
		var keep []string
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "guard_schema_") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}

	// No version table yet: every migration is missing.
	assert.Equal(t, strings.Join([]string{
		"guard_schema_dirty 0",
		"guard_schema_head 2.0241201e+13",
		`guard_schema_ready{status="no_table"} 1`,
		"guard_schema_version -1",
		"guard_schema_version_lag 3",
	}, "\n"), scrape())

	cfg, err := pgx.ParseConfig(url)
	assert.NoError(t, err)
	db, err := migrator.OpenDB(ctx, cfg, src, source.DefaultTable())
	assert.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	assert.NoError(t, db.Goto(ctx, source.V(20240301000000)))
	assert.Equal(t, strings.Join([]string{
		"guard_schema_dirty 0",
		"guard_schema_head 2.0241201e+13",
		`guard_schema_ready{status="drift"} 0`,
		"guard_schema_version 2.0240301e+13",
		"guard_schema_version_lag 1",
	}, "\n"), scrape())

	assert.NoError(t, db.Goto(ctx, source.V(20241201000000)))
	got := scrape()
	assert.Contains(t, got, `guard_schema_ready{status="ready"} 1`)
	assert.Contains(t, got, "guard_schema_version_lag 0")
}
