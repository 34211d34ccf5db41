// Package guard is a migration runner for PostgreSQL that wraps
// golang-migrate and never applies a change the schema contract forbids.
//
// Before it applies pending migrations, a Runner replays the applied history
// in a shadow database (see package shadow) and compares it with the live
// schema (history drift: hand-made changes), replays each pending file there
// too, attributing every change to the file that makes it, and judges the
// result against the contract (see package contract). When the contract
// blocks the plan, nothing runs on the target. Otherwise the files run
// through golang-migrate, so the version table is exactly the one plain
// golang-migrate writes, one at a time, with PostgreSQL's lock_timeout set
// and retries with backoff, under guard's own advisory lock (one migrator at
// a time across replicas), and each is recorded in guard's history table
// (guard_history, beside the version table).
//
// A dirty database (a migration failed or was interrupted half-way) is
// diagnosed: the versions around the dirty one are built in a shadow and
// compared with the live schema, and Recover sets the version when the
// answer is unambiguous.
//
// Usage:
//
//	cfg, err := pgx.ParseConfig(os.Getenv("DATABASE_URL"))
//	if err != nil {
//		return err
//	}
//	src, err := source.Load(embedded, "migrations", "migrations")
//	if err != nil {
//		return err
//	}
//	r, err := guard.New(cfg, src, guard.WithContract("guard.contract.json"))
//	if err != nil {
//		return err
//	}
//	res, err := r.Up(ctx, 0) // all pending
//	var blocked *guard.BlockedError
//	switch {
//	case errors.As(err, &blocked):
//		// blocked.Plan says which change to which locked table, and why
//	case err != nil:
//		return err
//	}
//	fmt.Println(len(res.Applied), "applied")
//
// golang-migrate stays behind guard: no golang-migrate type appears in this
// API. Every method takes a context; cancelling it while a file runs
// cancels the statement on the server (a cancel request), and the file,
// rolled back, leaves the version clean.
package guard
