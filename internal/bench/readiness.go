package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/migrator"
	"github.com/schemaguard/guard/migrations"
	"github.com/schemaguard/guard/readiness"
)

// benchReadiness: requests per second and p99 latency of /health/ready (a
// readiness.Checker against a real database at the head, default TTL) next
// to a hello-world net/http handler, both driven by the same Go load
// generator over loopback HTTP with keep-alive, and the number of database
// queries the probe issued during its run.
func benchReadiness(ctx context.Context, e *env) error {
	const workers = 32
	run := 5 * time.Second
	if e.quick {
		run = time.Second
	}
	url, drop, err := e.createDB(ctx, "guard_bench_readiness")
	if err != nil {
		return err
	}
	defer drop()
	cfg, err := dburl.Parse(url)
	if err != nil {
		return err
	}
	migrateApp, err := migrateToHead(ctx, cfg)
	if err != nil {
		return err
	}
	admin, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer admin.Close(ctx)

	// The checker's pool, under an application_name of its own, with a
	// tracer counting every statement it sends.
	const appName = "guard-bench-readiness"
	poolCfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return err
	}
	poolCfg.ConnConfig.RuntimeParams["application_name"] = appName
	sent := &queryCounter{}
	poolCfg.ConnConfig.Tracer = sent
	pool, err := pgxpool.NewWithConfig(ctx, poolCfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	checker, err := readiness.New(pool, migrations.FS, ".")
	if err != nil {
		return err
	}
	before, err := versionScans(ctx, admin, migrateApp)
	if err != nil {
		return err
	}

	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "hello\n")
	})
	// Each handler is warmed up (connections; the checker's first read),
	// then measured for the same time under the same load.
	if _, err := load(ctx, hello, workers, run/5); err != nil {
		return err
	}
	base, err := load(ctx, hello, workers, run)
	if err != nil {
		return fmt.Errorf("hello-world: %w", err)
	}
	probing := time.Now()
	warm, err := load(ctx, checker, workers, run/5)
	if err != nil {
		return err
	}
	startSent := sent.n.Load()
	got, err := load(ctx, checker, workers, run)
	if err != nil {
		return fmt.Errorf("/health/ready: %w", err)
	}
	runSent := sent.n.Load() - startSent
	probed := time.Since(probing)

	// The server's own count of reads of the version table: statistics are
	// flushed when the pool's sessions end.
	pool.Close()
	after, err := versionScans(ctx, admin, appName)
	if err != nil {
		return err
	}

	ttl := readiness.DefaultTTL
	fmt.Printf("   load: %d keep-alive clients on 127.0.0.1, %v per handler (Go net/http generator)\n", workers, run)
	fmt.Printf("   %-52s %9.0f req/s   p99 %s\n", "/health/ready (readiness.Checker at head, TTL 2s)", got.rps(), round(got.p99()))
	fmt.Printf("   %-52s %9.0f req/s   p99 %s\n", "hello-world net/http handler", base.rps(), round(base.p99()))
	fmt.Printf("   %-52s %11.3f×   (target ≥ 0.8×)\n", "ratio of throughput", got.rps()/base.rps())
	fmt.Printf("   %-52s %12d   (%d statements, 2 per check; %d probes; target ≤ 1 per TTL: ≤ %d)\n",
		"database checks during the measured run", runSent/2, runSent, got.requests, int(run/ttl)+1)
	fmt.Printf("   %-52s %12d   (pg_stat_user_tables; %d probes in %v, warm-up included)\n",
		"version-table reads counted by the server", after-before, warm.requests+got.requests, probed.Round(10*time.Millisecond))
	if runSent/2 > int64(run/ttl)+1 {
		fmt.Printf("   MISSED: %d checks in %v is more than one per TTL\n", runSent/2, run)
	}
	return nil
}

// migrateToHead applies the example migrations with golang-migrate and
// returns the application_name of its sessions.
func migrateToHead(ctx context.Context, cfg *pgx.ConnConfig) (string, error) {
	src, err := migrator.Load(migrations.FS, ".", "migrations")
	if err != nil {
		return "", err
	}
	db, err := migrator.OpenDB(ctx, cfg, src)
	if err != nil {
		return "", err
	}
	_, err = db.Up(ctx, 0)
	return db.ApplicationName(), errors.Join(err, db.Close())
}

// versionScans waits until no session named appName is left (a session's
// statistics reach the server when it ends at the latest), then returns how
// many scans the server counted on schema_migrations.
func versionScans(ctx context.Context, conn *pgx.Conn, appName ...string) (int64, error) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for _, name := range appName {
		for {
			var n int
			err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1`, name).Scan(&n)
			if err != nil {
				return 0, err
			}
			if n == 0 {
				break
			}
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-tick.C:
			}
		}
	}
	if _, err := conn.Exec(ctx, `SELECT pg_stat_clear_snapshot()`); err != nil {
		return 0, err
	}
	var scans int64
	err := conn.QueryRow(ctx, `SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables
		WHERE relid = 'schema_migrations'::regclass`).Scan(&scans)
	return scans, err
}

// queryCounter is a pgx tracer that counts the statements a pool sends.
type queryCounter struct{ n atomic.Int64 }

func (c *queryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}

func (c *queryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// loadResult is what a load run measured.
type loadResult struct {
	requests, ok int
	took         time.Duration
	latencies    []time.Duration
}

func (r loadResult) rps() float64 { return float64(r.requests) / r.took.Seconds() }

func (r loadResult) p99() time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[(len(r.latencies)*99)/100]
}

// load serves h on a loopback port and has workers clients send GET
// requests back to back, over keep-alive connections, for d. Every answer
// must be 200.
func load(ctx context.Context, h http.Handler, workers int, d time.Duration) (loadResult, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return loadResult{}, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	tr := &http.Transport{MaxIdleConns: workers, MaxIdleConnsPerHost: workers, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	target := "http://" + ln.Addr().String() + readiness.ReadyPath

	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		res     loadResult
		failure error
	)
	start := time.Now()
	for range workers {
		wg.Go(func() {
			var lat []time.Duration
			ok := 0
			var werr error
			for ctx.Err() == nil {
				t := time.Now()
				code, err := get(ctx, client, target)
				if ctx.Err() != nil {
					break // the run ended during this request: not counted
				}
				lat = append(lat, time.Since(t))
				if err != nil {
					werr = err
					break
				}
				if code != http.StatusOK {
					werr = fmt.Errorf("answer %d", code)
					break
				}
				ok++
			}
			mu.Lock()
			res.latencies = append(res.latencies, lat...)
			res.ok += ok
			if werr != nil && failure == nil {
				failure = werr
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	res.took = time.Since(start)
	res.requests = len(res.latencies)
	slices.Sort(res.latencies)
	return res, failure
}

func get(ctx context.Context, client *http.Client, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Body.Close()
}
