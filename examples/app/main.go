// Command app is a small chi service that shows guard's readiness package in
// place. It embeds the example migrations (github.com/schemaguard/guard/
// migrations, head 6), logs the startup check (CRITICAL when the database is
// behind), serves the probes and one endpoint that reads the example tables:
//
//	GET /health/ready   200 ready: db=6 expected=6, 503 drift: db=4 expected=6, …
//	GET /health/live    200 live (never touches the database)
//	GET /users          the users, as JSON
//
// Configuration comes from the environment: DATABASE_URL (required), ADDR
// (listen address, e.g. 127.0.0.1:8080) or PORT (default 8080, on every
// interface). Logs are JSON lines on stderr. SIGTERM and SIGINT stop it
// gracefully.
//
// The migrations are applied by `guard migrate up` before the app starts
// (see examples/deploy), never by the app itself.
package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/migrations"
	"github.com/schemaguard/guard/readiness"
	"github.com/schemaguard/guard/readiness/readinesschi"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{
		ReplaceAttr: readiness.ReplaceLevelNames, // LevelCritical prints as "CRITICAL"
	}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, logger, os.Getenv)
	stop()
	if err != nil {
		logger.Error("app stopped", "error", err.Error())
		os.Exit(1)
	}
}

// run serves until ctx ends, then shuts down gracefully.
func run(ctx context.Context, logger *slog.Logger, getenv func(string) string) error {
	dbURL := getenv("DATABASE_URL")
	if dbURL == "" {
		return errors.New("DATABASE_URL is not set")
	}
	addr := getenv("ADDR")
	if addr == "" {
		port := getenv("PORT")
		if port == "" {
			port = "8080"
		}
		addr = ":" + port
	}

	// pgxpool connects lazily: the app starts even when the database is
	// down, and the readiness probe says so.
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		// pgx's message may quote part of the URL; keep it out of the logs.
		return errors.New("DATABASE_URL is not a valid PostgreSQL connection string")
	}
	defer pool.Close()

	src, err := source.Load(migrations.FS, ".", "migrations")
	if err != nil {
		return err // a bad embedded migration folder: a build problem
	}
	ready, err := readiness.New(pool, src, readiness.WithLogger(logger))
	if err != nil {
		return err
	}
	// Advisory: logs CRITICAL when the database lags this binary, and goes on.
	readiness.CheckOnStartup(ctx, ready, logger)

	r := chi.NewRouter()
	r.Use(middleware.Recoverer)
	readinesschi.Mount(r, ready)
	r.Get("/users", listUsers(pool, logger))

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 5 * time.Second}
	logger.Info("listening", "addr", ln.Addr().String(), "schema_head", ready.Head())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}
