// Package hazard judges the operational hazards of migration statements:
// what they do to a live system while they run, a second axis beside a
// change's impact on the running code.
//
// A shadow database observes each statement (shadow.Shadow.StepObserved):
// the locks the session holds after it (pg_locks), the relations given a
// new relfilenode (a rewrite), the tables read sequentially
// (pg_stat_xact_user_tables), the indexes built. Derive turns what one file
// did into Hazards, each with a stable Code, the statement's file and line,
// the table, and a hint naming the safe pattern; the runner then sizes
// them by the target's own statistics (reltuples, pg_relation_size), never
// the shadow's empty tables, and a Policy decides which block a plan.
//
// The codes:
//
//	table_rewrite              a table copied to a new relfilenode, under ACCESS EXCLUSIVE
//	access_exclusive_lock      ACCESS EXCLUSIVE on an existing table: reads and writes wait
//	write_blocking_lock        SHARE, SHARE ROW EXCLUSIVE or EXCLUSIVE: writes wait
//	validating_scan            a constraint validated by reading the table under a lock that blocks writes
//	blocking_index_build       an index built without CONCURRENTLY
//	concurrent_in_transaction  a statement refused in a transaction block, in a file that runs as one
//	lock_held_across           a blocking lock kept while a later statement of the transaction works
//
//	obs, err := sh.StepObserved(ctx, src, step)
//	hazards := hazard.Derive(*obs)
package hazard
