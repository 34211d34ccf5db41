// Package readiness tells an orchestrator whether the database is at the
// schema version the running binary was built for.
//
// A Checker compares the version golang-migrate recorded in the database
// (schema_migrations, or the table named by WithMigrationsTable) with the
// head of the migrations embedded in the binary, and is the http.Handler for
// /health/ready:
//
//	200 ready: db=5 expected=5          the database is at the head
//	503 drift: db=4 expected=5          the database is behind: migrations are pending
//	503 dirty: db=5                     dirty at or below the head: a migration this binary needs is running or failed half-way
//	503 unreachable: …                  no answer within the budget (500 ms)
//	200 ahead: db=6 expected=5          a newer binary migrated it (503 with WithAheadNotReady)
//	200 ahead: db=6 (dirty) expected=5  a newer binary's migration 6 is running or failed half-way (503 with WithAheadNotReady)
//	200 no_table: db=none …             no version table (503 with WithMissingTableNotReady)
//
// golang-migrate marks version V dirty when V's file starts, so a database
// dirty at V has every version below V applied: a binary whose head is below
// V is served (status "ahead", dirty true), one that needs V or later is
// not. Old pods stay in service during a long migration for the next
// release. A dirty "no version" (golang-migrate's -1) is never ready.
//
// A ready answer with a caveat carries a "warning: …" line. Clients that
// send "Accept: application/json" get the Result as JSON. The check never
// takes a lock, never creates anything and never builds a golang-migrate
// driver: it asks to_regclass whether the table exists, then reads it, and
// a read still running at the budget is cancelled on the server. Answers are
// cached for a TTL (2 s)
// and concurrent probes share one query, so a thousand probes a second cost
// at most one query per TTL.
//
// With WithContract (a guard/contract schema contract), the handler also
// sets X-Schema-Drift: none, safe, risky or breaking, the worst change from
// the contract's locked tables to the live schema, from a background
// inspection run at most every 30 s; probes never wait for it.
//
// Live returns the /health/live handler, which never touches the database:
// a pod whose database is behind is taken out of service, not restarted.
// CheckOnStartup logs the answer once at startup, at LevelCritical when the
// database lags or is dirty at or below the head (WARN when dirty above it),
// and never blocks startup.
//
// Usage with net/http (the readinesschi subpackage mounts both probes on a
// chi router):
//
//	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL")) // or a *sql.DB
//	...
//	src, err := source.Load(migrations.FS, ".", "migrations") // an embed.FS
//	if err != nil {
//		log.Fatal(err) // bad migration folder: a build problem
//	}
//	ready, err := readiness.New(pool, src)
//	if err != nil {
//		log.Fatal(err) // bad option: a build problem too
//	}
//	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{
//		ReplaceAttr: readiness.ReplaceLevelNames, // prints "CRITICAL"
//	}))
//	readiness.CheckOnStartup(ctx, ready, logger)
//	mux := http.NewServeMux()
//	mux.Handle(readiness.ReadyPath, ready)
//	mux.Handle(readiness.LivePath, readiness.Live())
package readiness
