// Package shadow provides shadow databases: throwaway databases where guard
// replays migrations without touching the target.
//
// A Provider chooses where its shadows live, in order: the server of a
// shadow URL (WithShadowURL, guard's --shadow-url), where guard may create
// databases; else the target's own server (WithTarget), when the target's
// user has CREATEDB; else an ephemeral PostgreSQL cluster started from the
// server binaries on this machine. A shadow that is the target is refused
// before anything runs on it.
//
// Shadows are named guard_shadow_<random> and are always dropped: Drop and
// Provider.Close work even after the caller's context was cancelled. Let
// Ctrl-C and SIGTERM cancel that context (signal.NotifyContext) and defer
// the drop. When a run is killed outright, the next provider that connects
// to the same server's maintenance database (to create a database there)
// drops its leftovers, only those provably dead, as a shadow server is
// often shared: each shadow's comment names its creator (host, pid, start
// time), and a shadow with no connection is collected when its creator was
// a process of this host that is gone, or, made on another host, once
// older than a long grace period (WithLeftoverGrace). A warm view of a
// cached template (see Provider.View) creates no database, so it leaves
// none behind, and it connects to the template only. Cached templates are
// evicted per history, within a budget (WithTemplateBudget), never another
// history's.
//
// Every new shadow database holds golang-migrate's version table, empty,
// as its pgx/v5 driver creates it before the first file (WithVersionTable):
// a migration may read or alter it.
//
// Usage (the package's Example, which compiles outside the module):
//
//	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
//	defer stop()
//	target, err := pgx.ParseConfig(os.Getenv("DATABASE_URL"))
//	…
//	src, err := source.Load(migrations, ".", "migrations")
//	…
//	sh, err := shadow.New(ctx, shadow.WithTarget(target), shadow.WithShadowURL(shadowURL))
//	if err != nil {
//		return err
//	}
//	defer sh.Drop(ctx) // runs after a signal too
//	if err := sh.Migrate(ctx, src, source.V(3)); err != nil { // versions up to 3 applied
//		return err
//	}
//	for _, st := range src.UpSteps(sh.Version(), src.Head()) {
//		if err := sh.Step(ctx, src, st); err != nil {
//			return err // *shadow.MigrationError: file, line, PostgreSQL's message
//		}
//		// sh.Schema(ctx) tells what st changed
//	}
package shadow
