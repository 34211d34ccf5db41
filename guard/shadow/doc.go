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
// drops its leftovers: each shadow's comment names its creating process, and
// a shadow with no connection whose creator is gone (or that is older than a
// grace period) is collected. A warm view of a cached template (see
// Provider.View) creates no database, so it leaves none behind, and it
// connects to the template only.
//
// Usage:
//
//	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
//	defer stop()
//	sh, err := shadow.New(ctx, shadow.WithTarget(targetCfg), shadow.WithShadowURL(shadowURL))
//	if err != nil {
//		return err
//	}
//	defer sh.Drop(ctx) // runs after a signal too
//	if err := sh.Migrate(ctx, src, 3); err != nil { // versions 1..3 applied
//		return err
//	}
//	for _, m := range src.Upto(3, src.Head()) {
//		if err := sh.Step(ctx, src, m, source.Up); err != nil {
//			return err // *shadow.MigrationError: file, line, PostgreSQL's message
//		}
//		// introspect sh.Conn() to see what m changed
//	}
package shadow
