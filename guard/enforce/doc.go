// Package enforce enforces a locked contract inside PostgreSQL, for DDL run
// by anyone: a psql session or another tool, not only guard migrate.
//
// Install creates guard's own schema guard_enforce in the target (the
// locked tables' and views' OIDs and column shapes, the mode and the
// contract's fingerprint, from embedded SQL) and two event triggers, on
// ddl_command_end and sql_drop, whose functions compare the catalog with the
// stored shapes and raise SQLSTATE GU001 (SQLState) naming the object, the
// change and the way out, for what the mode forbids: in auto mode a column
// removed, renamed, retyped or given another collation, NOT NULL added, a
// default removed or changed, a NOT NULL column without default added, the
// table or view dropped or renamed, a view's query changed beyond its select
// list, a privilege on the table or a column revoked; in strict mode any
// change. Tables that are not locked are never
// touched; mode none rejects nothing.
//
// guard migrate's own files pass: Begin writes a pass (the sha256 of a
// random token) that holds only in transactions that set PassSetting to the
// token, which guard sets with SET LOCAL in each file's transaction. Sync
// replaces the enforced contract (guard migrate up calls it after applying,
// the CLI after lock, unlock, promote and mode); Status compares it with a
// contract file; Remove drops everything. Install and Remove need a
// superuser (*PrivilegeError, nothing changed).
//
//	c, err := contract.Load("guard.contract.json")
//	…
//	res, err := enforce.Install(ctx, conn, c) // conn: a superuser's *pgx.Conn
//	…
//	// psql: ALTER TABLE users DROP COLUMN email
//	// ERROR:  guard: ALTER TABLE rejected: locked table public.users (auto mode): column email removed
//
// The functions are safe for concurrent use on distinct connections; on one
// database, Install, Sync and Remove are serialised by an advisory lock.
package enforce
