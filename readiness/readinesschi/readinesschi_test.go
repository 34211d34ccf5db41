package readinesschi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"github.com/alecthomas/assert/v2"
	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/pgtest"
	"github.com/schemaguard/guard/readiness"
	"github.com/schemaguard/guard/readiness/readinesschi"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestMount(t *testing.T) {
	url := pgtest.DB(t)
	pgtest.Exec(t, url, `CREATE TABLE schema_migrations (version bigint not null primary key, dirty boolean not null);
		INSERT INTO schema_migrations VALUES (2, false);`)
	pool, err := pgxpool.New(t.Context(), url)
	assert.NoError(t, err)
	t.Cleanup(pool.Close)
	fsys := fstest.MapFS{"1_a.up.sql": {}, "2_b.up.sql": {}, "3_c.up.sql": {}}
	src, err := source.Load(fsys, ".", "migrations")
	assert.NoError(t, err)
	ready, err := readiness.New(pool, src)
	assert.NoError(t, err)

	r := chi.NewRouter()
	readinesschi.Mount(r, ready)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)

	cases := []struct {
		method, path string
		code         int
		body         string
	}{
		{http.MethodGet, "/health/ready", 503, "drift: db=2 expected=3\n"},
		{http.MethodHead, "/health/ready", 503, ""},
		{http.MethodGet, "/health/live", 200, "live\n"},
		{http.MethodHead, "/health/live", 200, ""},
		{http.MethodPost, "/health/ready", 405, "method not allowed\n"},
		{http.MethodPost, "/health/live", 405, "method not allowed\n"},
		{http.MethodGet, "/health", 404, "404 page not found\n"},
	}
	for _, tc := range cases {
		req, err := http.NewRequestWithContext(t.Context(), tc.method, srv.URL+tc.path, nil)
		assert.NoError(t, err)
		resp, err := srv.Client().Do(req)
		assert.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		assert.NoError(t, err)
		assert.NoError(t, resp.Body.Close())
		assert.Equal(t, tc.code, resp.StatusCode, tc.method+" "+tc.path)
		assert.Equal(t, tc.body, string(body), tc.method+" "+tc.path)
	}
}
