package readiness

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/schemaguard/guard/internal/pgtest"
)

// BenchmarkReadyHandler serves /health/ready from many goroutines against a
// real database at the head, with the cache warm (default TTL: a refresh
// every 2 s is part of the cost). Compare with BenchmarkHelloHandler.
func BenchmarkReadyHandler(b *testing.B) {
	url := pgtest.DB(b)
	pgtest.Exec(b, url, versionTableDDL+`INSERT INTO schema_migrations VALUES (5, false)`)
	c := newChecker(b, openPool(b, url, nil))
	if r := c.Check(b.Context()); !r.Ready {
		b.Fatalf("not ready: %s", r.Message)
	}
	benchHandler(b, c)
}

// BenchmarkHelloHandler is the floor: a handler that writes a constant.
func BenchmarkHelloHandler(b *testing.B) {
	benchHandler(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("hello\n"))
	}))
}

func benchHandler(b *testing.B, h http.Handler) {
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest(http.MethodGet, ReadyPath, nil)
		for pb.Next() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Errorf("status %d", rec.Code)
				return
			}
		}
	})
}
