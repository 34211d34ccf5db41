package readiness_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/migrations"
	"github.com/schemaguard/guard/readiness"
)

// Mounting both probes on a plain net/http mux. The database here cannot be
// reached (its socket directory does not exist), so the readiness probe
// answers 503 while the liveness probe answers 200.
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "host=/nonexistent/guard-example user=app dbname=app")
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	src, err := source.Load(migrations.FS, ".", "migrations") // the binary's own migrations
	if err != nil {
		log.Fatal(err) // a bad migration folder: a build problem, not a runtime one
	}
	ready, err := readiness.New(pool, src, readiness.WithBudget(200*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(readiness.ReadyPath, ready)
	mux.Handle(readiness.LivePath, readiness.Live())

	for _, path := range []string{readiness.LivePath, readiness.ReadyPath} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		fmt.Print(path, " ", rec.Code, " ", rec.Body.String())
	}
	// Output:
	// /health/live 200 live
	// /health/ready 503 unreachable: cannot connect
}

// A logger that prints LevelCritical as CRITICAL, as CheckOnStartup uses it
// when the database lags the binary.
func ExampleReplaceLevelNames() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{} // no time, for a stable example
			}
			return readiness.ReplaceLevelNames(groups, a)
		},
	}))
	logger.Log(context.Background(), readiness.LevelCritical, "database schema is behind this binary",
		"db", 4, "expected", 5, "dirty", false)
	// Output:
	// level=CRITICAL msg="database schema is behind this binary" db=4 expected=5 dirty=false
}
