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

	"github.com/schemaguard/guard/guard/source"
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
	src, err := source.Load(migrations.FS, ".", "migrations")
	if err != nil {
		return err
	}
	checker, err := readiness.New(pool, src)
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
	helloSrv, err := serve(hello, workers)
	if err != nil {
		return err
	}
	defer helloSrv.close()
	readySrv, err := serve(checker, workers)
	if err != nil {
		return err
	}
	defer readySrv.close()

	// Warm-up (connections; the checker's first read), then the two handlers
	// in alternating slices, so that whatever else the machine does weighs on
	// both alike.
	if _, err := drive(ctx, helloSrv, workers, run/5); err != nil {
		return fmt.Errorf("hello-world: %w", err)
	}
	probing := time.Now()
	if _, err := drive(ctx, readySrv, workers, run/5); err != nil {
		return fmt.Errorf("/health/ready: %w", err)
	}
	const rounds = 10
	var base, got loadResult
	measuring, startSent := time.Now(), sent.n.Load()
	for i := range rounds {
		order := []*server{helloSrv, readySrv}
		if i%2 == 1 {
			order = []*server{readySrv, helloSrv}
		}
		for _, srv := range order {
			r, err := drive(ctx, srv, workers, run/rounds)
			if err != nil {
				return fmt.Errorf("%s: %w", srv.name, err)
			}
			if srv == readySrv {
				got.add(r)
			} else {
				base.add(r)
			}
		}
	}
	measured := time.Since(measuring)
	checks := (sent.n.Load() - startSent) / 2
	probed := time.Since(probing)
	slices.Sort(got.latencies)
	slices.Sort(base.latencies)

	// The server's own count of reads of the version table: statistics are
	// flushed when the pool's sessions end.
	pool.Close()
	after, err := versionScans(ctx, admin, appName)
	if err != nil {
		return err
	}

	ttl := readiness.DefaultTTL
	fmt.Printf("   load: %d keep-alive clients on 127.0.0.1, %v per handler in %d alternating slices (Go net/http generator)\n", workers, run, rounds)
	fmt.Printf("   %-52s %9.0f req/s   p99 %s\n", "/health/ready (readiness.Checker at head, TTL 2s)", got.rps(), round(got.p99()))
	fmt.Printf("   %-52s %9.0f req/s   p99 %s\n", "hello-world net/http handler", base.rps(), round(base.p99()))
	fmt.Printf("   %-52s %11.3f×   (target ≥ 0.8×)\n", "ratio of throughput", got.rps()/base.rps())
	fmt.Printf("   %-52s %12d   (%d probes over %v; target ≤ 1 per TTL: ≤ %d)\n",
		"database checks (2 statements each) while measuring", checks, got.requests, measured.Round(10*time.Millisecond), int64(measured/ttl)+1)
	fmt.Printf("   %-52s %12d   (pg_stat_user_tables; over %v, warm-up included: ≤ %d)\n",
		"version-table reads counted by the server", after-before, probed.Round(10*time.Millisecond), int64(probed/ttl)+1)
	if checks > int64(measured/ttl)+1 || after-before > int64(probed/ttl)+1 {
		fmt.Println("   MISSED: more than one check per TTL")
	}
	return nil
}

// migrateToHead applies the example migrations with golang-migrate and
// returns the application_name of its sessions.
func migrateToHead(ctx context.Context, cfg *pgx.ConnConfig) (string, error) {
	src, err := source.Load(migrations.FS, ".", "migrations")
	if err != nil {
		return "", err
	}
	db, err := migrator.OpenDB(ctx, cfg, src, source.DefaultTable())
	if err != nil {
		return "", err
	}
	err = db.Goto(ctx, src.Head())
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

// loadResult is what load slices measured.
type loadResult struct {
	requests  int
	took      time.Duration
	latencies []time.Duration
}

func (r *loadResult) add(o loadResult) {
	r.requests += o.requests
	r.took += o.took
	r.latencies = append(r.latencies, o.latencies...)
}

func (r loadResult) rps() float64 { return float64(r.requests) / r.took.Seconds() }

// p99 of sorted latencies.
func (r loadResult) p99() time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[(len(r.latencies)*99)/100]
}

// server serves a handler on a loopback port, with a keep-alive client.
type server struct {
	name   string
	url    string
	srv    *http.Server
	tr     *http.Transport
	client *http.Client
}

func serve(h http.Handler, workers int) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &server{
		name: "hello-world",
		url:  "http://" + ln.Addr().String() + readiness.ReadyPath,
		srv:  &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second},
		tr:   &http.Transport{MaxIdleConns: workers, MaxIdleConnsPerHost: workers, DisableCompression: true},
	}
	if _, ok := h.(*readiness.Checker); ok {
		s.name = readiness.ReadyPath
	}
	s.client = &http.Client{Transport: s.tr, Timeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *server) close() {
	s.tr.CloseIdleConnections()
	_ = s.srv.Close()
}

// drive has workers clients send GET requests to s back to back for d.
// Every answer must be 200; a request the end of d interrupts is not
// counted.
func drive(ctx context.Context, s *server, workers int, d time.Duration) (loadResult, error) {
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
			var werr error
			for ctx.Err() == nil {
				t := time.Now()
				code, err := get(ctx, s.client, s.url)
				if ctx.Err() != nil {
					break
				}
				if err == nil && code != http.StatusOK {
					err = fmt.Errorf("answer %d", code)
				}
				if err != nil {
					werr = err
					break
				}
				lat = append(lat, time.Since(t))
			}
			mu.Lock()
			res.latencies = append(res.latencies, lat...)
			if werr != nil && failure == nil {
				failure = werr
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	res.took = time.Since(start)
	res.requests = len(res.latencies)
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
